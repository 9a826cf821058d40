"""``tipoff sweep`` through the CLI: tables, plot, JSON, errors and exit codes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from cli_invoke import invoke
from tipoff.engines._executor import CLUSTER_ENV

SHARE = "operation.recruitment.initial"


def test_table_plot_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table, plot = tmp_path / "sweep.csv", tmp_path / "sweep.html"
    argv = ["sweep", "classroom", "--vary", f"{SHARE}=0:0.4:3", "--vary", "operation.tracing=0,0.5"]
    argv += ["--runs", "20", "--seed", "3", "-o", str(table), "--plot", str(plot), "--json"]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["points"] == 6 and doc["design"] == "grid" and doc["runs"] == 20
    assert doc["vary"] == {SHARE: "0:0.4:3", "operation.tracing": "0,0.5"}
    rows = list(csv.DictReader(table.read_text().splitlines()))
    assert len(rows) == 6
    assert [float(r[SHARE]) for r in rows] == [0.0, 0.0, 0.2, 0.2, 0.4, 0.4]
    for point, row in zip(doc["point_values"], rows, strict=True):
        assert float(row["intercepted_mean"]) == point["totals"]["intercepted"]["mean"]
        assert int(row["seed"]) == point["seed"]
    page = plot.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "default-src 'none'" in page and not re.search(r"<script[^>]+src=", page)


def test_parquet_equals_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    base = ["sweep", "classroom", "--vary", f"{SHARE}=0.1,0.3", "--runs", "10", "--seed", "1"]
    assert invoke([*base, "-o", str(tmp_path / "a.csv")], capsys)[0] == 0
    assert invoke([*base, "-o", str(tmp_path / "a.parquet"), "--workers", "2"], capsys)[0] == 0
    a = pd.read_csv(tmp_path / "a.csv")
    b = pd.read_parquet(tmp_path / "a.parquet")
    assert a.columns.tolist() == b.columns.tolist()
    assert (a.to_numpy() == b.to_numpy()).all()  # the CSV round-trips floats exactly


def test_sobol_prints_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "classroom", "--vary", "operation.background=uniform(0,0.3)"]
    argv += ["--vary", f"{SHARE}=0,0.5", "--sobol", "8", "--runs", "5", "--seed", "2"]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    assert "32 points (sobol-indices)" in out
    assert "Which unknowns matter" in out and "intercepted:" in out
    # 8 base points are too few to rank anything: said so, with the option to use next
    said = " ".join(out.split())
    assert "too thin to rank" in said and "--sobol 32 or more" in said and "± 0%" not in said


def test_human_summary_of_many_points(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "classroom", "--vary", f"{SHARE}=uniform(0,0.5)", "--points", "32"]
    code, out, err = invoke([*argv, "--runs", "5", "--seed", "2"], capsys)
    assert code == 0, err
    assert "32 points (lhs)" in out and "intercepted: from" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--vary", "operation.recrutment.initial=0.1"], "did you mean"),
        (["--vary", f"{SHARE}=0.1", "--out", "x.txt"], ".csv or .parquet"),
        (["--vary", f"{SHARE}=0.1", "--plot", "x.png"], ".html"),
        (["--vary", f"{SHARE}=uniform(0,1)", "--design", "grid"], "lhs or sobol"),
        (["--vary", f"{SHARE}=0.1", "--design", "cube"], "--design must be one of"),
        (["--vary", f"{SHARE}=0.1", "--design", "grid", "--points", "4"], "--points is for"),
        # lists alone make a grid (the documented default): --points is not silently an lhs
        (["--vary", f"{SHARE}=0.1,0.2", "--points", "4"], "add --design lhs"),
        (["--vary", f"{SHARE}=0.1", "--sobol", "8", "--design", "lhs"], "--sobol makes its own"),
        ([], "nothing to vary: give --vary one PATH=SPEC or more"),
    ],
)
def test_usage_errors_exit_2_in_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = invoke(["sweep", "classroom", *argv], capsys)
    assert code == 2 and out == ""
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_every_bad_vary_on_its_own_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "classroom", "--vary", "operation.tracin=0.1", "--vary", f"{SHARE}=2"]
    code, _, err = invoke(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 2
    assert "operation.tracin" in lines[0] and "above the largest allowed value 1" in lines[1]


def test_a_point_that_breaks_the_scenario_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "classroom", "--vary", "operation.response.catch.address_only=0,1"]
    code, _, err = invoke([*argv, "--runs", "5"], capsys)
    assert code == 3 and "address_only=1" in err and "Traceback" not in err


def test_no_output_file_is_left_when_a_sweep_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.csv"
    argv = ["sweep", "classroom", "--vary", "operation.response.catch.address_only=0,1"]
    invoke([*argv, "--runs", "5", "-o", str(table)], capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.parametrize("command", ["sweep", "run"])
def test_unreachable_cluster_exits_2_in_one_line(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [command, "classroom", "--runs", "5"]
    if command == "sweep":
        argv += ["--vary", f"{SHARE}=0.1,0.2,0.3"]
    code, _, err = invoke([*argv, "--cluster", "tcp://127.0.0.1:9"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    monkeypatch.setenv(CLUSTER_ENV, "tcp://127.0.0.1:9")
    code, _, err = invoke(argv, capsys)
    assert code == 2 and "cannot reach the Dask scheduler" in err


def test_columns_sharing_a_last_segment_are_told_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two varied parameters ending in `count` were both headed `count`: each column is now
    headed by the shortest end of its path that no other path shares."""
    from tipoff.cli._sweep_cmd import short_names

    assert short_names(["a.x.initial", "b.x.initial", "c.initial", "tracing"]) == [
        "a.x.initial",
        "b.x.initial",
        "c.initial",
        "tracing",
    ]
    argv = ["sweep", "--vary", "generate.relays.count=20,30", "--vary", "generate.senders.count=20"]
    code, out, err = invoke([*argv, "--runs", "2", "--seed", "1"], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if "intercepted" in line)
    assert "relays.count" in header.split() and "senders.count" in header.split(), out
    assert "count" not in header.split(), out


def test_csv_values_are_those_simulated_without_float_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A range's values are written as typed (0.3, not linspace's 0.30000000000000004), each the
    exact value the points simulated (Parquet and the CSV file agree bit for bit); whole-number
    parameters are written as whole numbers."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    table, exact = tmp_path / "t.csv", tmp_path / "t.parquet"
    argv = ["sweep", "--vary", "operation.tracing=0:0.6:7", "--vary", "generate.relays.count=20"]
    argv += ["--runs", "2", "--seed", "1"]
    assert invoke([*argv, "-o", str(table)], capsys)[0] == 0
    assert invoke([*argv, "-o", str(exact)], capsys)[0] == 0
    rows = list(csv.DictReader(table.read_text().splitlines()))
    assert [r["operation.tracing"] for r in rows] == [
        "0.0",
        "0.1",
        "0.2",
        "0.3",
        "0.4",
        "0.5",
        "0.6",
    ]
    assert {r["generate.relays.count"] for r in rows} == {"20"}
    frame = pd.read_parquet(exact)
    assert [float(r["operation.tracing"]) for r in rows] == frame["operation.tracing"].tolist()
    assert pd.read_csv(table).equals(frame)
