"""``tipoff scenario list|show|validate|schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tipoff.cli._common import out, print_json
from tipoff.cli._outputs import write_output
from tipoff.cli._safe import safe


def list_() -> None:
    """List the built-in scenarios (presets)."""
    from tipoff.scenario import list_presets, load_preset

    for name in list_presets():
        first = load_preset(name).description.strip().split(". ")[0]
        out.print(safe(f"{name}  {first}"), markup=False, soft_wrap=True)


def show(name: Annotated[str, typer.Argument(help="A preset name (see `scenario list`).")]) -> None:
    """Print a preset's YAML, to copy and edit."""
    from tipoff.scenario import preset_text

    typer.echo(preset_text(name), nl=False)


def validate(
    file: Annotated[str, typer.Argument(help="A scenario file, or a preset name.")],
) -> None:
    """Check a scenario: one line per problem (file:line:col: path: message), exit code 3."""
    from tipoff.model import compile_scenario
    from tipoff.scenario import resolve_scenario

    model = compile_scenario(resolve_scenario(file))
    roles = {code: int((model.party_role == code).sum()) for code in range(4)}
    out.print(
        f"OK {safe(file)}: {model.n_parties} parties ({roles[0]} senders, {roles[1]} relays, "
        f"{roles[2]} couriers, {roles[3]} recipients), {model.n_chains} routes, "
        f"{model.horizon_days} days",
        markup=False,
        soft_wrap=True,
    )


def schema(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to this file instead of stdout (- for stdout)."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files, for editor completion."""
    from tipoff.scenario import scenario_json_schema

    doc = scenario_json_schema()
    if output is None:
        print_json(doc)
    else:
        write_output(output, json.dumps(doc, indent=2) + "\n")
