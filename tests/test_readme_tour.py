"""The README's tour, as a newcomer pastes it: every command runs, in order, in a fresh folder.

The commands are read from README.md itself (the shell blocks of "A short tour" and "The report"),
so the tour cannot silently break. They run in this process through ``tipoff.cli.main``, with the
number of simulated seasons cut down (``--runs``) so the test stays quick.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tipoff.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"

#: Seasons simulated by each command that simulates: enough to exercise every path, quickly.
SMALL_RUNS = "20"
SIMULATING = {"run", "report", "harden", "sweep"}


def _section_blocks(text: str, heading: str) -> list[str]:
    """The ```bash blocks under a ``## heading`` (up to the next ``## ``)."""
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def tour_lines(text: str) -> list[str]:
    """Every command line of the tour and the report section, comments removed."""
    lines = []
    for heading in ("A short tour", "The report"):
        for block in _section_blocks(text, heading):
            for raw in block.splitlines():
                line = re.split(r"\s+#\s", raw, maxsplit=1)[0].strip()
                if line:
                    lines.append(line)
    return lines


def test_readme_opens_with_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert blocks[0].strip() == (
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/tipoff run"
    )
    assert blocks[1].strip().startswith("python3 -m venv .venv && .venv/bin/pip install")


def test_the_tour_activates_the_venv_before_calling_tipoff() -> None:
    lines = tour_lines(README.read_text(encoding="utf-8"))
    assert lines[0] == "source .venv/bin/activate"
    assert all(line.startswith("tipoff ") for line in lines[1:]), lines


def _argv(line: str) -> tuple[list[str], str | None]:
    """``tipoff`` arguments with fewer seasons, and the file stdout is redirected to (if any)."""
    words = shlex.split(line)
    assert words[0] == "tipoff"
    argv, redirect = words[1:], None
    if ">" in argv:
        at = argv.index(">")
        argv, redirect = argv[:at], argv[at + 1]
    if argv[0] in SIMULATING:
        if "--runs" in argv:
            argv[argv.index("--runs") + 1] = SMALL_RUNS
        else:
            argv += ["--runs", SMALL_RUNS]
    if argv[0] == "calibrate":  # the tour checks it runs, not how well
        if "--particles" in argv:
            argv[argv.index("--particles") + 1] = "16"
        else:
            argv += ["--particles", "16"]
    return argv, redirect


def test_the_tour_runs_as_pasted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = tour_lines(README.read_text(encoding="utf-8"))[1:]
    assert len(lines) >= 10
    for line in lines:
        argv, redirect = _argv(line)
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = 0 if exc.code is None else int(exc.code)
        out, err = capsys.readouterr()
        assert code == 0, f"{line!r} exited {code}:\n{err}"
        assert "Traceback" not in err
        if redirect is not None:
            (tmp_path / redirect).write_text(out, encoding="utf-8")
    for made in (
        "mine.yaml",
        "scenario.schema.json",
        "log.csv",
        "truth.json",
        "report.html",
        "mine-log.csv",
        "mine-report.html",
    ):
        assert (tmp_path / made).stat().st_size > 0, made
