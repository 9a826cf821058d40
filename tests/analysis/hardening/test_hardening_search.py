"""The search finds the known optimum (brute force), respects the budget, and never invents a gain."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from tipoff.analysis.hardening import Cost, pareto_front, search_plans

Plan = tuple[int, ...]


Score = Callable[[Plan], float]
CostOf = Callable[[Plan], Cost]


def problem(seed: int, n: int) -> tuple[Score, CostOf]:
    """Random scores with pairwise interactions (some measures hurt, some overlap) and costs."""
    rng = np.random.default_rng(seed)
    gain = rng.normal(0.05, 0.05, n)
    pair = rng.normal(0.0, 0.02, (n, n))
    fee = rng.choice([0.0, 0.0, 0.02, 0.05, 0.1], n)
    days = rng.choice([0.0, 0.5, 1.0, 2.0], n)

    def score(p: Plan) -> float:
        s = 0.5 - sum(gain[i] for i in p) + sum(pair[i, j] for i in p for j in p if i < j)
        return float(s)

    def cost(p: Plan) -> Cost:
        return Cost(fee=float(sum(fee[i] for i in p)), days=float(sum(days[i] for i in p)))

    return score, cost


def brute_force(
    n: int, score: Score, cost: CostOf, max_fee: float | None, max_days: float | None
) -> tuple[Plan, float]:
    best: Plan = ()
    best_s = score(())
    for k in range(1, n + 1):
        for p in itertools.combinations(range(n), k):
            c = cost(p)
            if (max_fee is None or c.fee <= max_fee + 1e-9) and (
                max_days is None or c.days <= max_days + 1e-9
            ):
                s = score(p)
                if s < best_s - 1e-12:
                    best, best_s = p, s
    return best, best_s


BUDGETS = [(None, None), (0.05, 1.0), (0.0, 0.0), (0.1, None), (None, 2.0)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("max_fee", "max_days"), BUDGETS)
def test_exhaustive_finds_the_brute_force_optimum(
    seed: int, max_fee: float | None, max_days: float | None
) -> None:
    n = 3 + seed % 5
    score, cost = problem(seed, n)
    want, want_s = brute_force(n, score, cost, max_fee, max_days)
    got = search_plans(n, score, cost, max_fee=max_fee, max_days=max_days, method="exhaustive")
    assert got.method == "exhaustive"
    assert got.best == want
    assert score(got.best) == pytest.approx(want_s, abs=1e-12)
    assert len(got.evaluated) == 2**n
    # a beam as wide as all plans is exhaustive too
    wide = search_plans(
        n, score, cost, max_fee=max_fee, max_days=max_days, method="beam", beam_width=2**n
    )
    assert score(wide.best) == pytest.approx(want_s, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("method", ["beam", "greedy"])
def test_heuristics_stay_in_budget_and_never_beat_the_optimum(seed: int, method: str) -> None:
    n = 7
    score, cost = problem(100 + seed, n)
    _, want_s = brute_force(n, score, cost, 0.05, 1.0)
    got = search_plans(n, score, cost, max_fee=0.05, max_days=1.0, method=method, beam_width=2)
    assert got.method == method
    c = cost(got.best)
    assert c.fee <= 0.05 + 1e-9 and c.days <= 1.0 + 1e-9
    assert score(got.best) >= want_s - 1e-12
    assert got.best == () or score(got.best) < score(())
    assert len(got.evaluated) < 2**n


def test_auto_is_exhaustive_for_small_sets_and_beam_beyond() -> None:
    score, cost = problem(0, 4)
    assert search_plans(4, score, cost).method == "exhaustive"
    score, cost = problem(0, 11)
    assert search_plans(11, score, cost, max_fee=0.0, max_days=0.0).method == "beam"


def test_no_gain_means_no_plan() -> None:
    flat = search_plans(4, lambda p: 0.3, lambda p: Cost())
    assert flat.best == ()
    worse = search_plans(4, lambda p: 0.3 + 0.01 * len(p), lambda p: Cost(), method="greedy")
    assert worse.best == ()


def test_ties_prefer_cheaper_then_smaller_plans() -> None:
    # measure 0 and 1 give the same gain; 1 is free; 2 changes nothing
    gain = {0: 0.1, 1: 0.1, 2: 0.0}
    fee = {0: 0.05, 1: 0.0, 2: 0.0}

    def score(p: Plan) -> float:
        return 0.5 - max((gain[i] for i in p), default=0.0)

    def cost(p: Plan) -> Cost:
        return Cost(fee=sum(fee[i] for i in p))

    assert search_plans(3, score, cost).best == (1,)


def test_pareto_front_is_the_set_of_non_dominated_plans() -> None:
    score, cost = problem(7, 6)
    got = search_plans(6, score, cost, method="exhaustive")
    front = set(pareto_front(got.evaluated))
    vec = {p: (round(s, 12), round(c.fee, 9), round(c.days, 9)) for p, s, c in got.evaluated}
    for p, v in vec.items():
        dominated = any(
            all(a <= b for a, b in zip(w, v, strict=True)) and w != v for w in vec.values()
        )
        if p in front:
            assert not dominated
        elif not dominated:  # equal to a front member on all three: a larger plan of a tie
            assert any(vec[q] == v and len(q) <= len(p) for q in front)
    assert () in front  # nothing is cheaper than today's procedure


def test_bad_arguments() -> None:
    score, cost = problem(0, 3)
    with pytest.raises(ValueError, match="method"):
        search_plans(3, score, cost, method="random")
    with pytest.raises(ValueError, match="beam_width"):
        search_plans(3, score, cost, beam_width=0)
