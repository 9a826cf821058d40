"""The command-line interface (presentation only): ``tipoff`` and ``python -m tipoff``."""

from tipoff.cli._app import app, main

__all__ = ["app", "main"]
