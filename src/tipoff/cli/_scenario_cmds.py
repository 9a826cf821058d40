"""``tipoff scenario list|show|validate|schema``."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tipoff.cli._common import out, print_json, say
from tipoff.cli._outputs import check_targets, write_output
from tipoff.cli._safe import safe

if TYPE_CHECKING:
    from tipoff.model import CompiledModel


def list_() -> None:
    """List the built-in scenarios (presets)."""
    from tipoff.scenario import list_presets, load_preset

    for name in list_presets():
        first = load_preset(name).description.strip().split(". ")[0]
        # the name first, the description wrapped under it, indented
        lines = textwrap.wrap(
            safe(first),
            width=max(out.width, 40),
            initial_indent=f"{safe(name)}  ",
            subsequent_indent="    ",
        )
        out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


#: Control characters other than tab and newline: shown escaped on a terminal, never sent raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def show(
    name: Annotated[
        str, typer.Argument(help="A preset name (see `scenario list`) or a scenario file.")
    ],
) -> None:
    """Print a scenario's YAML, to copy and edit: a preset, or a file once it validates."""
    from tipoff.scenario import list_presets, preset_text, resolve_scenario

    # a file or a preset, chosen as every command chooses; a bad file fails here with every
    # problem at once (exit 3) and nothing of it printed
    resolve_scenario(name)
    path = Path(name)
    if name in list_presets() and not path.exists():
        text = preset_text(name)
    else:
        text = path.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    typer.echo(text, nl=not text.endswith("\n"))


def validate(
    file: Annotated[str, typer.Argument(help="A scenario file, or a preset name.")],
) -> None:
    """Check a scenario: one line per problem (file:line:col: path: message), exit code 3."""
    from tipoff.model import compile_scenario
    from tipoff.scenario import resolve_scenario

    model = compile_scenario(resolve_scenario(file))
    roles = {code: int((model.party_role == code).sum()) for code in range(4)}
    say(
        f"OK {safe(file)}: {model.n_parties} parties ({roles[0]} senders, {roles[1]} relays, "
        f"{roles[2]} couriers, {roles[3]} recipients), {count_routes(model)} routes "
        f"(sender > relays > courier > recipient), {model.horizon_days} days"
    )


def count_routes(model: CompiledModel) -> int:
    """Routes a delivery may take: distinct (sender, relays, courier, recipient) paths."""
    from tipoff.analysis import route_count

    return route_count(model)


def schema(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to this file instead of stdout (- for stdout)."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files, for editor completion."""
    from tipoff.scenario import scenario_json_schema

    check_targets(output)
    doc = scenario_json_schema()
    if output is None:
        print_json(doc)
    else:
        write_output(output, json.dumps(doc, indent=2) + "\n")
