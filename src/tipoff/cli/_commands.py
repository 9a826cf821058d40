"""Import every command module so that its commands register on the app."""

from tipoff.cli import (  # noqa: F401
    _attribute_cmd,
    _exposure_cmd,
    _harden_cmd,
    _report_cmd,
    _run_cmd,
    _scenario_cmds,
)
