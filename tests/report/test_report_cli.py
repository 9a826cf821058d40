"""``tipoff report`` through the CLI entry point: the file, the progress lines, the exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import split_bundle

from tipoff.cli import main


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else int(exc.code)
    out, err = capsys.readouterr()
    return code, out, err


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
        (["-o", "no/such/folder/r.html"], "does not exist"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = invoke(["report", "classroom", *args], capsys)
    assert code == 2 and message in err
