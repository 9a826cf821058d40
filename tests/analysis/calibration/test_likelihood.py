"""The observation model: tallies asked for, thinning, coverage, and unbiased estimates."""

from __future__ import annotations

import itertools

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


#: A slice's count law for the exact checks: P(N = 0, 1, 2, 3).
LAW = np.array([0.4, 0.3, 0.2, 0.1])


def _exact_expectation(om, n_runs: int, r: np.ndarray) -> float:
    """E[estimate] over every outcome of ``n_runs`` seasons (each N ~ LAW), by enumeration."""
    total = 0.0
    for outcome in itertools.product(range(len(LAW)), repeat=n_runs):
        counts = np.zeros((n_runs, 4), dtype=np.int64)
        counts[:, 0] = outcome
        counts[:, 2] = 2  # "== 2" holds
        counts[:, 3] = 200  # "100..5000" holds
        total += float(np.prod(LAW[list(outcome)])) * om.likelihood(counts, r[:1])
    return total


def _slices_law(k: int) -> np.ndarray:
    """The law of the sum of ``k`` independent slices."""
    law = np.array([1.0])
    for _ in range(k):
        law = np.convolve(law, LAW)
    return law


@pytest.mark.parametrize(("coverage", "n_runs"), [(1.0, 3), (0.5, 4), (0.4, 5)])
def test_estimate_is_exactly_unbiased_for_the_sum_of_slices(coverage, n_runs) -> None:
    # 2.5 slices on average (coverage 0.4): the region is 2 or 3 slices, half and half; the
    # estimate's expectation over every outcome of the seasons equals the likelihood exactly
    om = _model(">= 3", coverage)
    r = 0.6
    m = 1 / coverage
    whole, frac = int(np.floor(m + 1e-9)), m - np.floor(m + 1e-9)

    def p_sum(k: int) -> float:
        law = _slices_law(k)
        return float(sum(q * stats.binom.sf(2, total, r) for total, q in enumerate(law)))

    exact = (1 - frac) * p_sum(whole) + (frac * p_sum(whole + 1) if frac > 1e-9 else 0.0)
    assert _exact_expectation(om, n_runs, np.array([r])) == pytest.approx(exact, rel=1e-12)


def test_estimate_over_partitions_is_exactly_unbiased(monkeypatch) -> None:
    # force the large-R design (fixed random partitions) on a case small enough to enumerate
    from tipoff.analysis.calibration import _likelihood

    monkeypatch.setattr(_likelihood, "MAX_SETS", 2)
    om = _model(">= 3", 0.5)
    assert om.design(5).shape == (64 * 2, 2)
    law = _slices_law(2)
    exact = float(sum(q * stats.binom.sf(2, t, 0.6) for t, q in enumerate(law)))
    assert _exact_expectation(om, 5, np.array([0.6])) == pytest.approx(exact, rel=1e-12)


def test_design_every_set_or_fixed_partitions() -> None:
    om = _model(">= 3", 0.5)
    d = om.design(6)
    assert d.shape == (15, 2)  # every pair of six seasons
    assert {tuple(x) for x in d.tolist()} == set(itertools.combinations(range(6), 2))
    big = om.design(200)  # 19,900 pairs: 64 fixed partitions into 100 pairs instead
    assert big.shape == (64 * 100, 2)
    assert (big[:, 0] < big[:, 1]).all()
    assert np.array_equal(big, om.design(200))  # never depends on anything but R and K


def test_likelihoods_vectorised_match_one_at_a_time() -> None:
    om = _model(">= 3", 0.4)
    rng = np.random.default_rng(3)
    counts = rng.poisson(1.3, size=(5, 9, 4)).astype(np.int64)
    counts[:, :, 2] = 2
    counts[:, :, 3] = 300
    r = np.array([[0.3], [0.5], [0.9], [1.0], [0.5]])
    many = om.likelihoods(counts, r)
    one = [om.likelihood(counts[i], r[i]) for i in range(5)]
    assert many.tolist() == pytest.approx(one, rel=1e-12)
    assert len(set(many.tolist())) == 5


def test_reporting_values_and_too_few_seasons() -> None:
    om = _model(">= 3", 0.25)
    assert om.reporting_values(np.array([0.3])).tolist() == [0.3, 1.0, 1.0]
    with pytest.raises(UsageError, match="at least 4 seasons"):
        om.design(3)
