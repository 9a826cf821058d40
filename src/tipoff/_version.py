"""The installed version of tipoff, recorded in every result's provenance."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tipoff")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
