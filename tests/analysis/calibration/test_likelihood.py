"""The observation model: tallies asked for, thinning, coverage, and unbiased estimates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tipoff.analysis.calibration import observation_model
from tipoff.errors import UsageError
from tipoff.scenario import parse_observations

TEXT = """\
unknowns:
  operation.recruitment.initial: {{dist: uniform, low: 0.01, high: 0.4}}
  reporting.src: {{dist: uniform, low: 0.2, high: 1}}
groups:
  border: [Hoeryong, Musan, Onsong]
observations:
  - id: both
    source: a
    count: arrests
    roles: both
    places: border
    placed_by: where
    reported: "{rel}"
    reporting: src
    coverage: {coverage}
  - id: couriers-home
    source: b
    count: arrests
    roles: couriers
    places: [Musan]
    placed_by: home
    days: [10, 20]
    reported: "== 2"
  - id: lost
    source: c
    count: money_lost
    places: border
    placed_by: where
    reported: "100..5000"
"""


def _model(rel: str = ">= 3", coverage: float = 1.0):
    return observation_model(
        parse_observations(TEXT.format(rel=rel, coverage=coverage)), horizon_days=90
    )


def test_tallies_requested() -> None:
    om = _model()
    # couriers and families at the border by where, couriers at Musan by home, money by where
    assert om.request.kind == (0, 1, 0, 3)
    assert om.request.by_home == (False, False, True, False)
    assert om.request.towns[0] == ("Hoeryong", "Musan", "Onsong")
    assert (om.request.first_day[2], om.request.last_day[2]) == (10, 20)
    assert om.request.last_day[0] == 89
    assert om.tallies_of == ((0, 1), (2,), (3,))
    mask = om.request.places_mask(("Chongjin", "Hoeryong", "Musan", "Onsong"))
    assert mask[0].tolist() == [False, True, True, True]
    assert mask[2].tolist() == [False, False, True, False]


def test_probabilities_binomial_thinning_and_exact_relations() -> None:
    om = _model()
    counts = np.array([[2, 1, 2, 300], [5, 0, 1, 50]])
    totals = om.observed_values(counts)
    assert totals.tolist() == [[3, 2, 300], [5, 1, 50]]
    p = om.probabilities(totals, np.array([0.6, 1.0, 1.0]))
    assert p[0, 0] == pytest.approx(stats.binom.sf(2, 3, 0.6))
    assert p[1, 0] == pytest.approx(stats.binom.sf(2, 5, 0.6))
    assert p[:, 1].tolist() == [1.0, 0.0]  # "== 2" with reporting 1
    assert p[:, 2].tolist() == [1.0, 0.0]  # 100..5000


def test_coverage_estimate_is_unbiased_for_the_sum_of_slices() -> None:
    # slices have a known count law: N ~ Poisson(1.3); 2.5 slices on average (coverage 0.4):
    # the region is 2 or 3 slices (half and half), reported with r = 0.5, relation ">= 3"
    om = _model(">= 3", 0.4)
    assert om.group_size == 3
    r = 0.5
    exact = 0.5 * stats.poisson.sf(2, 2 * 1.3 * r) + 0.5 * stats.poisson.sf(2, 3 * 1.3 * r)
    rng = np.random.default_rng(1)
    estimates = []
    for _ in range(400):
        counts = np.zeros((60, 4), dtype=np.int64)
        counts[:, 0] = rng.poisson(1.3, 60)
        totals = om.region_totals(om.observed_values(counts), rng)
        estimates.append(om.probabilities(totals, np.array([r, 1, 1]))[:, 0].mean())
    est = np.array(estimates)
    se = est.std(ddof=1) / np.sqrt(len(est))
    assert abs(est.mean() - exact) < 4 * se + 1e-9


def test_reporting_values_and_too_few_seasons() -> None:
    om = _model(">= 3", 0.25)
    assert om.reporting_values(np.array([0.3])).tolist() == [0.3, 1.0, 1.0]
    with pytest.raises(UsageError, match="at least 4 seasons"):
        om.region_totals(np.zeros((3, 3), dtype=np.int64), np.random.default_rng(0))
