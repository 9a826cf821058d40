"""The season simulator's contract: reproducible, chunking-free, and internally consistent.

Run ``k`` of a batch is a function of ``(seed, k)`` alone, so the summary JSON must not depend on
``chunk_size`` or ``n_workers``; the per-run counts must add up (planned = attempted + stalled,
attempted = delivered + intercepted, causes = interceptions) in every run of every preset.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from season_helpers import lanes_doc, simulate

from tipoff.engines import CAUSES, METRICS, SeasonOutput, simulate_season
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.results import summarize
from tipoff.scenario import list_presets, load_preset

N_RUNS = 20


@pytest.fixture(scope="module")
def classroom() -> CompiledModel:
    return compile_scenario(load_preset("classroom"))


def summary_json(out: SeasonOutput) -> str:
    return json.dumps(summarize(out).to_dict(), sort_keys=True, allow_nan=False)


def record_json(out: SeasonOutput) -> str:
    assert out.record is not None
    r = out.record
    doc: dict[str, Any] = {
        "deliveries": r.deliveries,
        "truth": r.truth,
        "informants": r.informants,
        "traced": r.traced_relays,
    }
    return json.dumps(doc, sort_keys=True)


@pytest.fixture(scope="module")
def reference(classroom: CompiledModel) -> SeasonOutput:
    return simulate_season(classroom, n_runs=N_RUNS, seed=7, chunk_size=None, record_run=5)


def test_same_seed_same_json(classroom: CompiledModel, reference: SeasonOutput) -> None:
    again = simulate_season(classroom, n_runs=N_RUNS, seed=7, record_run=5)
    assert summary_json(again) == summary_json(reference)
    assert record_json(again) == record_json(reference)


@pytest.mark.parametrize(
    ("chunk_size", "n_workers"),
    [(1, 1), (7, 1), (None, 1), (1, 2), (7, 2), (None, 2), (N_RUNS, 2)],
)
def test_chunking_and_workers_do_not_change_results(
    classroom: CompiledModel, reference: SeasonOutput, chunk_size: int | None, n_workers: int
) -> None:
    out = simulate_season(
        classroom, n_runs=N_RUNS, seed=7, chunk_size=chunk_size, n_workers=n_workers, record_run=5
    )
    assert summary_json(out) == summary_json(reference)
    assert record_json(out) == record_json(reference)
    np.testing.assert_array_equal(out.totals, reference.totals)
    np.testing.assert_array_equal(out.cause_counts, reference.cause_counts)
    np.testing.assert_array_equal(out.courier_arrests_by_place, reference.courier_arrests_by_place)
    np.testing.assert_array_equal(out.daily_sumsq, reference.daily_sumsq)


def test_a_run_does_not_depend_on_the_batch_size(
    classroom: CompiledModel, reference: SeasonOutput
) -> None:
    """Run k draws from SeedSequence(seed, spawn_key=(k,)): the first runs of a longer batch are
    the runs of a shorter one."""
    longer = simulate_season(classroom, n_runs=N_RUNS + 13, seed=7, chunk_size=4, record_run=5)
    np.testing.assert_array_equal(longer.totals[:N_RUNS], reference.totals)
    assert record_json(longer) == record_json(reference)


def test_different_seed_different_json(classroom: CompiledModel, reference: SeasonOutput) -> None:
    other = simulate_season(classroom, n_runs=N_RUNS, seed=8, record_run=5)
    assert summary_json(other) != summary_json(reference)
    assert not np.array_equal(other.totals, reference.totals)


def test_provenance_records_the_seed_and_a_drawn_seed_reproduces(classroom: CompiledModel) -> None:
    out = simulate_season(classroom, n_runs=5, seed=None, record_run=None)
    seed = out.provenance.seed
    assert isinstance(seed, int) and seed >= 0
    again = simulate_season(classroom, n_runs=5, seed=seed, record_run=None)
    assert summary_json(again) == summary_json(out)
    assert out.provenance.method == "season"
    assert out.provenance.scenario_digest == classroom.digest


@pytest.mark.parametrize(
    "options",
    [
        {"n_runs": 0},
        {"n_runs": -3},
        {"n_runs": True},
        {"n_workers": 0},
        {"record_run": 10},
        {"record_run": -1},
        {"chunk_size": -2},
        {"chunk_size": 0},
    ],
)
def test_bad_options_are_usage_errors(classroom: CompiledModel, options: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {"n_runs": 10, "seed": 1, **options}
    with pytest.raises(UsageError):
        simulate_season(classroom, **kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_bad_seeds_are_refused(classroom: CompiledModel, seed: Any) -> None:
    with pytest.raises(UsageError, match="seed must be a non-negative integer"):
        simulate_season(classroom, n_runs=2, seed=seed)


# ------------------------------------------------------------------------ bookkeeping, per run --


@pytest.mark.parametrize("preset", list_presets())
def test_counts_add_up_in_every_run(preset: str) -> None:
    model = compile_scenario(load_preset(preset))
    out = simulate_season(model, n_runs=60, seed=3)
    t = {m: out.total(m) for m in METRICS}
    assert out.metrics == METRICS and out.causes == CAUSES
    assert out.totals.shape == (60, len(METRICS))
    assert (out.totals >= 0).all()
    np.testing.assert_array_equal(t["deliveries"], t["attempted"] + t["stalled"])
    np.testing.assert_array_equal(t["attempted"], t["delivered"] + t["intercepted"])
    np.testing.assert_array_equal(out.cause_counts.sum(axis=1), t["intercepted"])
    assert (t["family_arrested"] <= t["intercepted"]).all()
    assert (t["sweep_arrests"] <= t["couriers_arrested"]).all()
    # each interception arrests its courier, unless that courier was already caught that day
    assert (t["couriers_arrested"] <= t["intercepted"] + t["sweep_arrests"]).all()
    assert (t["couriers_arrested"] >= (t["intercepted"] > 0)).all()
    assert ((t["money_lost"] > 0) == (t["intercepted"] > 0)).all()
    # every party of the presets has a home, so arrests by place account for every arrest
    np.testing.assert_array_equal(out.courier_arrests_by_place.sum(axis=1), t["couriers_arrested"])
    np.testing.assert_array_equal(out.family_arrests_by_place.sum(axis=1), t["family_arrested"])
    # daily sums add up to the season totals
    np.testing.assert_array_equal(out.daily_sum.sum(axis=1), out.totals.sum(axis=0))
    assert out.daily_sum.shape == (len(METRICS), model.horizon_days)
    assert (out.daily_sumsq >= out.daily_sum).all()


def test_explicit_deliveries_happen_in_every_run() -> None:
    """Explicit deliveries only: each is planned once per run, on its day."""
    out = simulate(lanes_doc([0, 4, 4, 19], horizon=20), n_runs=30, seed=1)
    planned = out.daily_sum[out.metrics.index("deliveries")]
    assert (planned[[0, 4, 19]] == [30, 60, 30]).all()
    assert planned.sum() == 4 * 30
