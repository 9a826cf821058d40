"""Season summaries: intervals computed from the per-run totals, pooled causes, provenance."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tipoff
from tipoff.engines import SeasonOutput, simulate_season
from tipoff.model import compile_scenario
from tipoff.results import HEADLINE, SeasonSummary, summarize
from tipoff.scenario import load_preset, scenario_digest

N_RUNS = 60


@pytest.fixture(scope="module")
def output() -> SeasonOutput:
    return simulate_season(compile_scenario(load_preset("classroom")), n_runs=N_RUNS, seed=5)


@pytest.fixture(scope="module")
def summary(output: SeasonOutput) -> SeasonSummary:
    return summarize(output)


def test_intervals_come_from_the_per_run_totals(
    output: SeasonOutput, summary: SeasonSummary
) -> None:
    for name in output.metrics:
        values = output.total(name).astype(float)
        iv = summary.totals[name]
        assert iv.mean == pytest.approx(values.mean())
        assert iv.stderr == pytest.approx(values.std(ddof=1) / np.sqrt(N_RUNS))
        assert iv.lo == pytest.approx(np.percentile(values, 2.5))
        assert iv.hi == pytest.approx(np.percentile(values, 97.5))
        assert iv.lo <= iv.mean <= iv.hi


def test_causes_are_pooled_shares(output: SeasonOutput, summary: SeasonSummary) -> None:
    pooled = output.cause_counts.sum(axis=0)
    assert pooled.sum() > 0
    assert list(summary.causes) == list(output.causes)
    assert sum(summary.causes.values()) == pytest.approx(1.0)
    for k, cause in enumerate(output.causes):
        assert summary.causes[cause] == pytest.approx(pooled[k] / pooled.sum())


def test_daily_series(output: SeasonOutput, summary: SeasonSummary) -> None:
    k = output.metrics.index("intercepted")
    np.testing.assert_allclose(summary.daily_mean["intercepted"], output.daily_sum[k] / N_RUNS)
    for name in output.metrics:
        assert summary.daily_mean[name].shape == (output.horizon_days,)
        assert (summary.daily_lo[name] >= 0).all()
        assert (summary.daily_lo[name] <= summary.daily_mean[name] + 1e-12).all()
        assert (summary.daily_hi[name] >= summary.daily_mean[name] - 1e-12).all()
    # the daily means add up to the mean season total
    assert summary.daily_mean["delivered"].sum() == pytest.approx(summary.totals["delivered"].mean)


def test_arrests_by_place_are_means_per_season(
    output: SeasonOutput, summary: SeasonSummary
) -> None:
    assert set(summary.courier_arrests_by_place) == set(output.place_names)
    total = sum(summary.courier_arrests_by_place.values())
    assert total == pytest.approx(summary.totals["couriers_arrested"].mean)


def test_to_dict_is_plain_json_with_provenance(
    output: SeasonOutput, summary: SeasonSummary
) -> None:
    doc = summary.to_dict()
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text) == doc
    assert doc["scenario"] == "classroom"
    assert doc["runs"] == N_RUNS
    assert doc["seed"] == 5
    assert doc["horizon_days"] == 60
    for name in HEADLINE:
        assert set(doc["totals"][name]) >= {"mean", "lo", "hi"}
    prov = doc["provenance"]
    assert prov["method"] == "season"
    assert prov["seed"] == 5
    assert prov["version"] == tipoff.__version__
    assert prov["scenario_digest"] == scenario_digest(load_preset("classroom"))
    assert prov["options"]["n_runs"] == N_RUNS


def test_one_run_has_no_spread() -> None:
    out = simulate_season(compile_scenario(load_preset("classroom")), n_runs=1, seed=5)
    s = summarize(out)
    for iv in s.totals.values():
        assert iv.stderr == 0.0
        assert iv.lo == iv.mean == iv.hi
    json.dumps(s.to_dict(), allow_nan=False)
