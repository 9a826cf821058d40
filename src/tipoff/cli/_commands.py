"""Every command of the ``tipoff`` app, registered explicitly (no module registers itself)."""

from __future__ import annotations

import typer

from tipoff.cli._attribute_cmd import attribute_cmd
from tipoff.cli._calibrate_cmd import calibrate_cmd
from tipoff.cli._exposure_cmd import exposure_cmd
from tipoff.cli._harden_cmd import harden_cmd
from tipoff.cli._keys_cmd import config_cmd, keygen_cmd
from tipoff.cli._report_cmd import report_cmd
from tipoff.cli._run_cmd import run
from tipoff.cli._scenario_cmds import list_, schema, show, validate
from tipoff.cli._sweep_cmd import EPILOG as SWEEP_EPILOG
from tipoff.cli._sweep_cmd import sweep_cmd

__all__ = ["register"]


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add every command to ``app`` and the ``scenario`` group to ``scenario_app``."""
    app.command("run")(run)
    app.command("exposure")(exposure_cmd)
    app.command("attribute")(attribute_cmd)
    app.command("harden")(harden_cmd)
    app.command("report")(report_cmd)
    app.command("sweep", epilog=SWEEP_EPILOG)(sweep_cmd)
    app.command("keygen")(keygen_cmd)
    app.command("config")(config_cmd)
    app.command("calibrate")(calibrate_cmd)
    scenario_app.command("list")(list_)
    scenario_app.command("show")(show)
    scenario_app.command("validate")(validate)
    scenario_app.command("schema")(schema)
