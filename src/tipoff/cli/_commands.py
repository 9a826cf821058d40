"""Import every command module so that its commands register on the app."""

from tipoff.cli import _run_cmd, _scenario_cmds  # noqa: F401
