"""``tipoff run`` and ``tipoff scenario list|show|validate|schema`` through the CLI entry point."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

import tipoff
from cli_invoke import invoke
from tipoff.results import HEADLINE
from tipoff.scenario import list_presets, load_preset, preset_text, scenario_digest

#: docs/model.md's scenario example, verbatim: the contract outside tools rely on.
MODEL_EXAMPLE = """\
# yaml-language-server: $schema=./scenario.schema.json
name: example
horizon_days: 90
parties:
  - {id: r1, role: relay, side: china, community: yanji}
  - {id: r2, role: relay, side: china, community: yanji}
  - {id: c1, role: courier, side: north, home: Hoeryong}
generate:                      # many parties without listing them one by one
  senders: {count: 40, side: abroad, relays: [r1, r2]}
  recipients: {per_sender: 1, homes: [Hamhung, Pyongyang, Kaechon]}
links:
  relay_couriers: {r1: [c1], r2: [c1]}
workload:
  per_sender_per_year: 1.6
  amount: {median: 1500, spread: 0.5}
protocol:                      # what people do today
  - {from: sender, to: relay, items: [recipient_identity, recipient_address, amount], lead_days: 10}
  - {from: relay, to: courier, items: [recipient_identity, recipient_address, amount, schedule], lead_days: 3}
handover: home                 # or meeting_point
operation:
  recruitment: {initial: 0.2, daily_hazard: 0.001}
  harvest: {community: 0.3}
  relay: {success: 0.8, delay_days: 2}
  response:
    catch: {address_and_schedule: 0.9, address_only: 0.4, courier_identity: 0.3}
    meeting_point_factor: 0.2
    capacity_per_day: 2
  background: 0.01
  family_arrest: 0.5
  interrogation: {recipients: 0.5, couriers: 0.3, watch_days: 60, sweep_delay_days: 5}
  tracing: 0.3
  replacement_couriers_per_month: 1
"""


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, dict]:
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    return out, json.loads(out)


# -------------------------------------------------------------------------------------- run --


def test_run_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    out, doc = run_json(["run", "classroom", "--runs", "50", "--seed", "1", "--json"], capsys)
    assert out.startswith("{") and out.endswith("}\n")  # one object (json.loads), nothing else
    assert {"scenario", "runs", "seed", "horizon_days", "totals", "causes", "provenance"} <= set(
        doc
    )
    assert doc["scenario"] == "classroom"
    assert doc["runs"] == 50
    assert doc["seed"] == 1
    assert doc["horizon_days"] == 60
    for name in (
        "deliveries",
        "delivered",
        "intercepted",
        "couriers_arrested",
        "family_arrested",
        "money_lost",
    ):
        assert name in HEADLINE
        total = doc["totals"][name]
        assert {"mean", "lo", "hi"} <= set(total)
        assert total["lo"] <= total["mean"] <= total["hi"]
    assert set(doc["causes"]) == {"informant", "harvest", "interrogation", "tracing", "background"}
    assert sum(doc["causes"].values()) == pytest.approx(1.0)
    prov = doc["provenance"]
    assert prov["method"] == "season"
    assert prov["seed"] == 1
    assert prov["scenario_digest"] == scenario_digest(load_preset("classroom"))
    assert prov["version"] == tipoff.__version__


def test_run_same_seed_same_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "classroom", "--runs", "30", "--seed", "4", "--json"]
    first, _ = run_json(argv, capsys)
    second, _ = run_json(argv, capsys)
    assert first == second
    third, _ = run_json([*argv[:-2], "5", "--json"], capsys)
    assert third != first


def test_run_workers_give_the_same_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "classroom", "--runs", "30", "--seed", "4", "--json"]
    one, _ = run_json(argv, capsys)
    two, _ = run_json([*argv, "--workers", "2"], capsys)
    assert one == two


def test_run_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(MODEL_EXAMPLE, encoding="utf-8")
    _, doc = run_json(["run", str(path), "--runs", "10", "--seed", "2", "--json"], capsys)
    assert doc["scenario"] == "example"
    assert doc["horizon_days"] == 90


def test_run_writes_the_log_and_the_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, truth = tmp_path / "log.csv", tmp_path / "truth.json"
    code, out, err = invoke(
        [
            "run",
            "classroom",
            "--runs",
            "20",
            "--seed",
            "3",
            "--json",
            "--log-out",
            str(log),
            "--truth-out",
            str(truth),
        ],
        capsys,
    )
    assert code == 0, err
    json.loads(out)
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"))))
    assert rows
    assert list(rows[0]) == [
        "delivery",
        "day",
        "sender",
        "relays",
        "courier",
        "recipient",
        "mode",
        "outcome",
        "family_arrested",  # what defenders usually learn; attribution uses it
    ]
    doc = json.loads(truth.read_text(encoding="utf-8"))
    assert doc["provenance"]["seed"] == 3
    truth_outcome = {row["delivery"]: row for row in doc["deliveries"]}
    for row in rows:
        assert truth_outcome[row["delivery"]]["outcome"] == row["outcome"]
        if row["outcome"] == "intercepted":
            assert truth_outcome[row["delivery"]]["cause"] is not None


def test_run_writes_a_jsonl_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    code, _, err = invoke(
        ["run", "classroom", "--runs", "5", "--seed", "3", "--json", "--log-out", str(log)], capsys
    )
    assert code == 0, err
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines
    assert all("cause" not in json.loads(line) for line in lines)


def test_run_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["run", "classroom", "--runs", "30", "--seed", "1"], capsys)
    assert code == 0, err
    assert "classroom" in out
    assert "intercepted" in out
    assert "In a typical season" in out
    assert "Traceback" not in out + err


# --------------------------------------------------------------------------------- scenario --


def test_scenario_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["scenario", "list"], capsys)
    assert code == 0, err
    listed = [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()]
    assert listed == list_presets()
    assert {"classroom", "north-hamgyong-spring"} <= set(listed)


@pytest.mark.parametrize("name", list_presets())
def test_scenario_show(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["scenario", "show", name], capsys)
    assert code == 0, err
    assert out == preset_text(name)


@pytest.mark.parametrize("name", list_presets())
def test_scenario_validate_presets(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["scenario", "validate", name], capsys)
    assert code == 0, err
    assert out.startswith(f"OK {name}:")


def _schema(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, err = invoke(["scenario", "schema"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    Draft202012Validator.check_schema(doc)
    return doc


def _yaml(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def test_schema_validates_every_preset_and_the_model_md_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    validator = Draft202012Validator(_schema(capsys))
    for name in list_presets():
        errors = [e.message for e in validator.iter_errors(_yaml(preset_text(name)))]
        assert errors == [], name
    assert [e.message for e in validator.iter_errors(_yaml(MODEL_EXAMPLE))] == []


def test_schema_rejects_what_the_loader_rejects(capsys: pytest.CaptureFixture[str]) -> None:
    validator = Draft202012Validator(_schema(capsys))
    typo = MODEL_EXAMPLE.replace("horizon_days: 90", "horizon_dayz: 90")
    assert list(validator.iter_errors(_yaml(typo)))
    too_likely = MODEL_EXAMPLE.replace("initial: 0.2", "initial: 1.3")
    assert list(validator.iter_errors(_yaml(too_likely)))


def test_schema_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "scenario.schema.json"
    code, _, err = invoke(["scenario", "schema", "-o", str(target)], capsys)
    assert code == 0, err
    assert json.loads(target.read_text(encoding="utf-8")) == _schema(capsys)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"tipoff {tipoff.__version__}"


# ------------------------------------------------------------------- a real process, sparingly --


def test_python_dash_m_tipoff_runs() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tipoff",
            "run",
            "classroom",
            "--runs",
            "5",
            "--seed",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["runs"] == 5
