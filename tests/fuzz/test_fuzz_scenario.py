"""Fuzz the scenario reader through the CLI: mutated presets are accepted or refused, never a crash.

A fixed budget (derandomized, ``TIPOFF_FUZZ_EXAMPLES`` examples per test, 25 by default) keeps
CI's run short and repeatable; raise it locally to search harder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BUDGET, check_contract, run_cli
from hypothesis import given
from hypothesis import strategies as st
from mutations import BYTE_EDITS, MUTATIONS, SIZE_EDITS, STRUCTURE_EDITS, TOKEN_EDITS, mutate

from tipoff.scenario import list_presets, preset_text

SEEDS = {name: preset_text(name).encode() for name in list_presets()}


def _check(tmp: Path, data: bytes) -> None:
    target = tmp / "mutated.yaml"
    target.write_bytes(data)
    check_contract(run_cli(["scenario", "validate", str(target)]), str(target))


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-scenario")


@pytest.mark.parametrize("seed", sorted(SEEDS))
@BUDGET
@given(edits=MUTATIONS)
def test_mutated_presets(tmp: Path, seed: str, edits: list) -> None:
    _check(tmp, mutate(SEEDS[seed], edits))


@pytest.mark.parametrize(
    "kind",
    ["bytes", "tokens", "structure", "sizes"],
)
@BUDGET
@given(data=st.data())
def test_each_kind_of_mutation(tmp: Path, kind: str, data: st.DataObject) -> None:
    strategy = {
        "bytes": BYTE_EDITS,
        "tokens": TOKEN_EDITS,
        "structure": STRUCTURE_EDITS,
        "sizes": SIZE_EDITS,
    }[kind]
    edits = data.draw(st.lists(strategy, min_size=1, max_size=3))
    _check(tmp, mutate(SEEDS["classroom"], edits))
