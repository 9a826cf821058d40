"""``tipoff report`` through the CLI entry point: the file, the progress lines, the exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_helpers import split_bundle

from cli_invoke import invoke


def test_writes_one_offline_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.html"
    code, out, err = invoke(
        ["report", "classroom", "--runs", "3", "--seed", "7", "-o", str(target)], capsys
    )
    assert code == 0, err
    assert out.startswith(f"Wrote {target} (") and "no network connection" in out
    for stage in ("simulating 3 seasons", "scoring exposure", "hardening", "writing the HTML"):
        assert f"report: {stage}" in err
    assert "not encrypted" in err
    page, _ = split_bundle(target.read_text(encoding="utf-8"))
    assert "Scenario <strong>classroom</strong>" in page and "seed 7" in page
    assert "tipoff report SCENARIO --runs 3 --seed 7" in page
    assert [p.name for p in tmp_path.iterdir()] == ["out.html"]


def test_with_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.csv"
    code, _, err = invoke(
        ["run", "classroom", "--runs", "1", "--seed", "3", "--log-out", str(log)], capsys
    )
    assert code == 0, err
    target = tmp_path / "r.html"
    code, _, err = invoke(
        [
            "report",
            "classroom",
            "--log",
            str(log),
            "--runs",
            "2",
            "--seed",
            "1",
            "--max-days",
            "1",
            "--threshold",
            "0.3",
            "-o",
            str(target),
        ],
        capsys,
    )
    assert code == 0, err
    assert "report: attributing" in err
    page, _ = split_bundle(target.read_text(encoding="utf-8"))
    assert "Evidence, not accusation." in page and "log.csv" in page
    assert "--max-days 1 --log LOG --threshold 0.3" in page
    assert "at most +1 days" in page


def test_a_bad_log_exits_3_with_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "bad.csv"
    log.write_text(
        "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
        "d1,x,s001,r1,c1,s001.f1,home,delivered\n",
        encoding="utf-8",
    )
    target = tmp_path / "r.html"
    code, out, err = invoke(["report", "classroom", "--log", str(log), "-o", str(target)], capsys)
    assert code == 3 and out == ""
    assert err.startswith(f"{log}:2:2: day: ")
    assert not target.exists()
    code, _, err = invoke(["report", "classroom", "--log", str(tmp_path / "none.csv")], capsys)
    assert code == 3 and "no such file" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "1"], "--runs"),
        (["--seed", "-2"], "--seed"),
        (["--max-fee", "2"], "--max-fee"),
        (["--threshold", "-0.1"], "--threshold"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = invoke(["report", "classroom", *args], capsys)
    assert code == 2 and message in err


SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-spreadsheet-log.csv"
SAMPLE_COLUMNS = (
    "delivery=No.,date=Date,sender=Sender,relays=Broker(s),courier=Carrier,recipient=Family,"
    "mode=Hand-over,outcome=Result,family_arrested=Family arrested?,notes=Notes"
)


def test_a_spreadsheet_log_with_a_column_map_and_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report --log reads a log as attribute does (--columns, --season-start): the same parties
    and probabilities in the attribution section, the notes nowhere in the page."""
    import json

    options = ["--columns", SAMPLE_COLUMNS, "--season-start", "2025-03-01"]
    code, out, err = invoke(
        ["attribute", str(SAMPLE), "-s", "classroom", "--seed", "1", "--json", *options], capsys
    )
    assert code == 0, err
    parties = json.loads(out)["parties"]
    target = tmp_path / "r.html"
    argv = ["report", "classroom", "--log", str(SAMPLE), "--runs", "2", "--seed", "1"]
    code, _, err = invoke([*argv, *options, "-o", str(target)], capsys)
    assert code == 0, err
    assert "report: attributing" in err
    page, _ = split_bundle(target.read_text(encoding="utf-8"))
    assert "Evidence, not accusation." in page and SAMPLE.name in page
    assert "--log LOG --columns COLUMNS --season-start DATE" in page  # to reproduce it
    top = parties[0]
    assert top["id"] in page and f"{100 * top['p_compromised']:.0f}%" in page
    for note in ("paid in two parts", "family confirmed by message", "Notes"):
        assert note not in page
    # without the options the same file is refused at its first cell, as by attribute
    code, out, err = invoke([*argv, "-o", str(tmp_path / "x.html")], capsys)
    assert code == 3 and out == "" and f"{SAMPLE}:1:" in err
    assert not (tmp_path / "x.html").exists()
    # the options say how to read a log: without one they are a usage error
    code, _, err = invoke(["report", "classroom", "--season-start", "2025-03-01"], capsys)
    assert code == 2 and "--season-start" in err and "--log" in err
    code, _, err = invoke(["report", "classroom", *argv[2:4], "--columns", "colour=Red"], capsys)
    assert code == 2 and "colour" in err


def test_docs_report_md_names_every_option_of_the_command() -> None:
    # docs/report.md listed the options but not --posterior: a user could not learn of it there
    import typer.main

    from tipoff.cli import app

    doc = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text(encoding="utf-8")
    command = typer.main.get_command(app).commands["report"]  # type: ignore[attr-defined]
    options = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
    assert "--posterior" in options
    missing = [o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", doc)]
    assert missing == []
