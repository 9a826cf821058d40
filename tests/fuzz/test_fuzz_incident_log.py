"""Fuzz the incident-log reader through the CLI: mutated simulated logs (CSV and JSON lines).

Same budget and contract as the scenario fuzz test; the log is simulated once from the classroom
preset, then mutated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BUDGET, check_contract, run_cli
from hypothesis import given
from hypothesis import strategies as st
from mutations import BYTE_EDITS, MUTATIONS, SIZE_EDITS, STRUCTURE_EDITS, TOKEN_EDITS, mutate


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from tipoff.engines import simulate_season
    from tipoff.model import compile_scenario
    from tipoff.results import incident_log_text
    from tipoff.scenario import load_preset

    output = simulate_season(
        compile_scenario(load_preset("classroom")), n_runs=1, seed=3, record_run=0
    )
    assert output.record is not None
    return {fmt: incident_log_text(output.record, fmt=fmt).encode() for fmt in ("csv", "jsonl")}


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-log")


def _check(tmp: Path, fmt: str, data: bytes) -> None:
    target = tmp / f"mutated.{fmt}"
    target.write_bytes(data)
    result = run_cli(["attribute", str(target), "--scenario", "classroom"])
    check_contract(result, str(target))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@BUDGET
@given(edits=MUTATIONS)
def test_mutated_logs(tmp: Path, logs: dict[str, bytes], fmt: str, edits: list) -> None:
    _check(tmp, fmt, mutate(logs[fmt], edits))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("kind", ["bytes", "tokens", "structure", "sizes"])
@BUDGET
@given(data=st.data())
def test_each_kind_of_mutation(
    tmp: Path, logs: dict[str, bytes], fmt: str, kind: str, data: st.DataObject
) -> None:
    strategy = {
        "bytes": BYTE_EDITS,
        "tokens": TOKEN_EDITS,
        "structure": STRUCTURE_EDITS,
        "sizes": SIZE_EDITS,
    }[kind]
    edits = data.draw(st.lists(strategy, min_size=1, max_size=3))
    _check(tmp, fmt, mutate(logs[fmt], edits))
