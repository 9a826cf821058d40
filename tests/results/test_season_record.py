"""The recorded run: the defender's incident log (what a defender sees) and the ground truth.

docs/model.md: the log has one row per delivery with exactly ``delivery, day, sender, relays, courier,
recipient, mode, outcome``; the cause of an interception stays in the simulator's ground truth.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from tipoff.engines import CAUSES, SeasonOutput, simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.results import (
    LOG_COLUMNS,
    incident_log_text,
    truth_document,
    write_incident_log,
    write_truth,
)
from tipoff.scenario import load_preset

MODEL_MD_COLUMNS = [
    "delivery",
    "day",
    "sender",
    "relays",
    "courier",
    "recipient",
    "mode",
    "outcome",
]
N_RUNS = 40
SEED = 11


@pytest.fixture(scope="module")
def classroom() -> CompiledModel:
    return compile_scenario(load_preset("classroom"))


@pytest.fixture(scope="module")
def runs(classroom: CompiledModel) -> dict[int, SeasonOutput]:
    """The same batch, recording a different run each time."""
    return {
        k: simulate_season(classroom, n_runs=N_RUNS, seed=SEED, record_run=k)
        for k in (0, 1, 17, N_RUNS - 1)
    }


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_log_columns_are_exactly_model_md(runs: dict[int, SeasonOutput]) -> None:
    assert list(LOG_COLUMNS) == MODEL_MD_COLUMNS
    out = runs[0]
    assert out.record is not None
    text = incident_log_text(out.record)
    header, rows = _rows(text)
    # the model's columns, then what defenders usually learn: a family arrest at an interception
    assert header == [*MODEL_MD_COLUMNS, "family_arrested"]
    assert _rows(incident_log_text(out.record, family=False))[0] == MODEL_MD_COLUMNS
    assert rows
    for row in rows:
        assert set(row) == {*MODEL_MD_COLUMNS, "family_arrested"}
        assert row["family_arrested"] in (
            {"yes", "no"} if row["outcome"] == "intercepted" else {""}
        )
        assert row["outcome"] in {"delivered", "intercepted", "unknown"}
        assert row["mode"] in {"home", "meeting_point"}
        assert row["relays"]


def test_log_holds_no_ground_truth(runs: dict[int, SeasonOutput]) -> None:
    for out in runs.values():
        assert out.record is not None
        for fmt in ("csv", "jsonl"):
            text = incident_log_text(out.record, fmt=fmt)
            for word in ("cause", "informant", "tipped", "harvest", "tracing", "truth", *CAUSES):
                assert word not in text, (fmt, word)


def test_jsonl_log_has_the_same_rows(runs: dict[int, SeasonOutput]) -> None:
    out = runs[1]
    assert out.record is not None
    lines = incident_log_text(out.record, fmt="jsonl").splitlines()
    _, rows = _rows(incident_log_text(out.record))
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        doc = json.loads(line)
        assert [k for k in doc if k != "family_arrested"] == MODEL_MD_COLUMNS
        assert isinstance(doc["relays"], list)
        assert ";".join(doc["relays"]) == row["relays"]
        assert str(doc["day"]) == row["day"]


@pytest.mark.parametrize("k", [0, 1, 17, N_RUNS - 1])
def test_log_of_run_k_matches_run_k_totals(runs: dict[int, SeasonOutput], k: int) -> None:
    out = runs[k]
    assert out.record is not None and out.record.run == k
    _, rows = _rows(incident_log_text(out.record))
    outcomes = Counter(row["outcome"] for row in rows)
    assert outcomes["intercepted"] == out.total("intercepted")[k]
    assert outcomes["delivered"] == out.total("delivered")[k]
    assert len(rows) == out.total("attempted")[k]  # stalled deliveries are not in the log
    truth = out.record.truth
    assert len(truth) == out.total("deliveries")[k]
    assert sum(row["outcome"] == "stalled" for row in truth) == out.total("stalled")[k]
    by_cause = Counter(row["cause"] for row in truth if row["outcome"] == "intercepted")
    assert [by_cause[c] for c in CAUSES] == out.cause_counts[k].tolist()
    assert (
        sum(row.get("family_arrested", False) for row in truth) == out.total("family_arrested")[k]
    )


def test_log_is_in_day_order_with_unique_ids(runs: dict[int, SeasonOutput]) -> None:
    for out in runs.values():
        assert out.record is not None
        _, rows = _rows(incident_log_text(out.record))
        days = [int(r["day"]) for r in rows]
        assert days == sorted(days)
        assert all(0 <= d < out.horizon_days for d in days)
        ids = [r["delivery"] for r in rows]
        assert len(set(ids)) == len(ids)


def test_truth_document_has_causes_and_agrees_with_the_log(runs: dict[int, SeasonOutput]) -> None:
    out = runs[17]
    assert out.record is not None
    doc = truth_document(out.record, provenance=out.provenance.to_dict())
    json.dumps(doc, allow_nan=False)  # plain JSON
    assert doc["run"] == 17
    assert "evaluation only" in doc["warning"]
    _, rows = _rows(incident_log_text(out.record))
    logged = {r["delivery"]: r["outcome"] for r in rows}
    for row in doc["deliveries"]:
        if row["outcome"] == "stalled":
            assert row["delivery"] not in logged
            continue
        assert logged[row["delivery"]] == row["outcome"]
        if row["outcome"] == "intercepted":
            assert row["cause"] in CAUSES
        else:
            assert row["cause"] is None
    for informant in doc["informants"]:
        assert 0 <= informant["from_day"] < out.horizon_days


def test_no_record_unless_asked(classroom: CompiledModel) -> None:
    assert simulate_season(classroom, n_runs=3, seed=1, record_run=None).record is None


def test_written_files(runs: dict[int, SeasonOutput], tmp_path: Path) -> None:
    out = runs[0]
    assert out.record is not None
    write_incident_log(out.record, tmp_path / "log.csv")
    write_incident_log(out.record, tmp_path / "log.jsonl")
    write_truth(out.record, tmp_path / "truth.json", provenance=out.provenance.to_dict())
    assert (tmp_path / "log.csv").read_text(encoding="utf-8") == incident_log_text(out.record)
    assert (tmp_path / "log.jsonl").read_text(encoding="utf-8") == incident_log_text(
        out.record, fmt="jsonl"
    )
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["provenance"]["seed"] == SEED
    assert len(truth["deliveries"]) == out.total("deliveries")[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "log.jsonl", "truth.json"]
