"""The app is complete as imported: commands are registered explicitly, not by import side effects."""

import typer.main

from tipoff.cli import app


def test_app_has_every_command_when_imported():
    group = typer.main.get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    assert {"run", "exposure", "attribute", "harden", "report", "scenario"} <= names
    scenario = group.commands["scenario"]  # type: ignore[attr-defined]
    assert {"list", "show", "validate", "schema"} <= set(scenario.commands)
