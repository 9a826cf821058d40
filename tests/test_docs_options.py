"""Every option of every command that has a docs page is documented on that page.

A user read docs/sweep.md for the output file and found no `-o`/`--out`: each option `--help`
lists must appear (as written, short forms too) on its command's page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from tipoff.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Each command with a page of its own. The `scenario` commands are documented in the README's
#: tour and docs/scenario-format.md.
PAGES = {
    "run": "run.md",
    "sweep": "sweep.md",
    "report": "report.md",
    "calibrate": "calibration.md",
    "exposure": "exposure.md",
    "attribute": "attribution.md",
    "harden": "hardening.md",
    "keygen": "security.md",
    "config": "security.md",
}


def _options(cmd: Any) -> list[str]:
    names: list[str] = []
    for p in cmd.params:
        if p.param_type_name != "option" or getattr(p, "hidden", False):
            continue
        names += [o for o in [*p.opts, *p.secondary_opts] if o not in ("-h", "--help")]
    return names


def test_every_command_with_options_has_a_page_or_is_named_here() -> None:
    group = typer.main.get_command(app)
    commands = set(group.commands) - {"scenario"}  # type: ignore[attr-defined]
    assert commands <= set(PAGES), sorted(commands - set(PAGES))


@pytest.mark.parametrize(("command", "page"), sorted(PAGES.items()))
def test_every_option_is_on_its_commands_page(command: str, page: str) -> None:
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    text = (DOCS / page).read_text(encoding="utf-8")
    missing = [o for o in _options(cmd) if not re.search(rf"`{re.escape(o)}[ `=,]", text)]
    assert not missing, f"docs/{page} does not document {missing} of `tipoff {command}`"
