"""Every command of the ``tipoff`` app, registered explicitly (no module registers itself)."""

from __future__ import annotations

import typer

from tipoff.cli._attribute_cmd import attribute_cmd
from tipoff.cli._calibrate_cmd import calibrate_cmd
from tipoff.cli._common import exit_codes
from tipoff.cli._exposure_cmd import exposure_cmd
from tipoff.cli._harden_cmd import harden_cmd
from tipoff.cli._keys_cmd import config_cmd, keygen_cmd
from tipoff.cli._report_cmd import report_cmd
from tipoff.cli._run_cmd import run
from tipoff.cli._scenario_cmds import list_, schema, show, validate
from tipoff.cli._sweep_cmd import EPILOG as SWEEP_EPILOG
from tipoff.cli._sweep_cmd import sweep_cmd

__all__ = ["register"]

#: What makes a command exit 3: the inputs it reads.
_SCENARIO = exit_codes(c3="(the scenario)")
_SCENARIO_LOG = exit_codes(c3="(the scenario or the log)")


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add every command to ``app`` and the ``scenario`` group to ``scenario_app``; each
    command's help ends with the exit codes (:func:`~tipoff.cli._common.exit_codes`)."""
    app.command("run", epilog=exit_codes(c3="(the scenario or the posterior file)"))(run)
    app.command("exposure", epilog=exit_codes(c3="(the scenario or the posterior file)"))(
        exposure_cmd
    )
    app.command("attribute", epilog=_SCENARIO_LOG)(attribute_cmd)
    app.command("harden", epilog=exit_codes(c3="(the scenario or the posterior file)"))(harden_cmd)
    app.command("report", epilog=exit_codes(c3="(the scenario, the log or the posterior file)"))(
        report_cmd
    )
    app.command("sweep", epilog=SWEEP_EPILOG)(sweep_cmd)
    app.command("keygen", epilog=exit_codes())(keygen_cmd)
    app.command("config", epilog=exit_codes(c3="(the settings file)"))(config_cmd)
    app.command("calibrate", epilog=exit_codes(c3="(the scenario or the observations file)"))(
        calibrate_cmd
    )
    scenario_app.command("list", epilog=exit_codes())(list_)
    scenario_app.command("show", epilog=_SCENARIO)(show)
    scenario_app.command("validate", epilog=_SCENARIO)(validate)
    scenario_app.command("schema", epilog=exit_codes())(schema)
