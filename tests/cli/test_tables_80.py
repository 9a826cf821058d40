"""Every command's tables fit an 80-column terminal, and no id is ever split or cut.

Each command runs in this process with the console 80 characters wide (and some 60 wide). Every
table it prints is rendered again at that width: no line may be longer, every id its cells hold
(party, delivery and countermeasure ids) must appear whole on some line, and every word of every
header must appear (nothing truncated). For the commands whose prose tipoff wraps itself (run,
exposure, harden, attribute, scenario, sweep, calibrate), every line of the output is checked too.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from tipoff.analysis.hardening import LIBRARY_IDS
from tipoff.cli import main
from tipoff.cli._common import out
from tipoff.engines.exact import model_deliveries
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

WIDTH = 80
ID_CHARS = r"[\w.:/-]"


def _known_ids() -> set[str]:
    ids: set[str] = set()
    for name in ("classroom", "north-hamgyong-spring"):
        model = compile_scenario(load_preset(name))
        ids |= set(model.party_ids) | set(model_deliveries(model).ids)
    ids |= set(LIBRARY_IDS)
    return ids


KNOWN = _known_ids()


def _ids_in(text: str) -> set[str]:
    return {t for t in re.findall(rf"{ID_CHARS}+", text) if t in KNOWN}


def _render(table: Table, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """Every table printed is collected."""
    seen: list[Table] = []
    real = out.print

    def record(*objects: Any, **kwargs: Any) -> None:
        seen.extend(o for o in objects if isinstance(o, Table))
        real(*objects, **kwargs)

    monkeypatch.setattr(out, "print", record)
    return seen


@pytest.fixture(scope="module")
def seed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "log.csv"
    with pytest.raises(SystemExit) as done:
        main(["run", "--runs", "20", "--seed", "3", "--log-out", str(path), "--json"])
    assert done.value.code in (None, 0)
    return path


COMMANDS = {
    "run": (["run", "--runs", "30", "--seed", "1"], True),
    "run-classroom": (["run", "classroom", "--runs", "30", "--seed", "1"], True),
    "exposure": (["exposure", "--top", "12"], True),
    "exposure-montecarlo": (
        ["exposure", "classroom", "--method", "montecarlo", "--samples", "500", "--seed", "1"],
        True,
    ),
    "harden": (["harden", "--runs", "10", "--seed", "1", "--max-fee", "0.1"], True),
    "validate": (["scenario", "validate", "north-hamgyong-spring"], True),
    "list": (["scenario", "list"], True),
    "attribute": (["attribute", "LOG", "--seed", "1"], True),
    "sweep": (
        [
            "sweep",
            "classroom",
            *("--vary", "operation.recruitment.initial=0.02:0.4:3"),
            *("--vary", "operation.tracing=0,0.5", "--runs", "4", "--seed", "1"),
        ],
        True,
    ),
    "calibrate": (
        ["calibrate", "--particles", "16", "--runs-per-particle", "2", "--seed", "1"],
        True,
    ),
}


CASES = [(name, WIDTH) for name in COMMANDS] + [
    (name, 60)
    for name in (
        "run",
        "exposure",
        "exposure-montecarlo",
        "harden",
        "attribute",
        "sweep",
        "calibrate",
    )
]


@pytest.mark.parametrize("name,width", CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_tables_fit_the_terminal_and_keep_ids_whole(
    name: str,
    width: int,
    tables: list[Table],
    seed_log: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(out, "width", width)
    capsys.readouterr()
    argv, all_lines = COMMANDS[name]
    argv = [str(seed_log) if a == "LOG" else a for a in argv]
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else int(exc.code)
    text, err = capsys.readouterr()
    assert code == 0, err
    # a cell's line breaks are the table's own, never shown escaped (a user saw "s001 >\\x0ayanji-r1")
    assert "\\x0a" not in text, text
    for table in tables:
        rendered = _render(table, width)
        lines = rendered.splitlines()
        assert max(len(line) for line in lines) <= width, rendered
        words = set(rendered.split())
        for column in table.columns:
            assert set(str(column.header).split()) <= words, (column.header, rendered)
        cells = " ".join(str(c) for col in table.columns for c in col.cells)
        shown = set().union(*(_ids_in(line) for line in lines))
        missing = _ids_in(cells) - shown
        assert not missing, f"ids split or cut in {name}: {sorted(missing)}\n{rendered}"
    if all_lines:
        long = [line for line in text.splitlines() if len(line) > width]
        assert not long, f"{name}: lines over {width} columns: {long}"
    if name not in ("validate", "list") and width == WIDTH:  # narrower: records are allowed
        assert tables, f"{name} printed no table"


def test_a_table_too_wide_for_the_terminal_becomes_records(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tipoff.cli._common import add_id_column, new_table, print_table

    monkeypatch.setattr(out, "width", 30)
    table = new_table("Two long ids")
    add_id_column(table, "party", ["a-very-long-pseudonym-1", "b"])
    add_id_column(table, "other", ["another-long-pseudonym", "c"])
    table.add_row("a-very-long-pseudonym-1", "another-long-pseudonym")
    table.add_row("b", "c")
    print_table(table)
    text = capsys.readouterr().out
    assert all(len(line) <= 30 for line in text.splitlines()), text
    assert "party a-very-long-pseudonym-1" in text
    assert "another-long-pseudonym" in text.split()  # wrapped at a space, whole
