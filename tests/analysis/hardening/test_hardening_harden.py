"""``harden`` end to end: options, budget, season confirmation with standard errors, honesty."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hardening_examples import TWO_HOP, USER_C1, measure

from tipoff.analysis.hardening import (
    Estimate,
    SeasonCheck,
    harden,
    recommend,
    season_check,
    season_runs,
)
from tipoff.errors import UsageError
from tipoff.scenario import load_preset, parse_scenario

CLASSROOM = load_preset("classroom")


def test_classroom_recommends_a_plan_within_budget_and_confirms_it() -> None:
    r = harden(CLASSROOM, max_fee=0.05, max_days=3, n_runs=60, seed=3)
    rec = r.recommended
    assert rec.measures and rec.within_budget
    assert rec.cost.fee <= 0.05 and rec.cost.days <= 3
    assert rec.p_intercept < r.baseline.p_intercept
    assert "withhold-recipient-china" in rec.measures
    assert r.search == "exhaustive" and r.n_evaluated == 2 ** len(r.measures)
    # every applicable measure appears alone among the options, each simulated
    singles = {o.measures[0] for o in r.options if len(o.measures) == 1}
    assert singles == {m.id for m in r.measures}
    assert all(o.season is not None and o.season.n_runs == 60 for o in r.options)
    assert r.confirmed is True
    d = rec.season.versus_baseline["arrests"]  # type: ignore[union-attr]
    assert d.mean + 2 * d.stderr < 0
    # the best plan by the exact score within the budget is on the Pareto front
    assert r.best.pareto and r.best.measures == rec.measures


def test_same_seed_same_result_and_json_contract() -> None:
    a = harden(CLASSROOM, max_fee=0.0, max_days=2, n_runs=20, seed=5).to_dict()
    b = harden(CLASSROOM, max_fee=0.0, max_days=2, n_runs=20, seed=5).to_dict()
    assert a == b
    json.dumps(a, allow_nan=False)
    assert {"p_intercept", "arrests"} <= set(a["baseline"])
    for o in a["options"]:
        assert {"countermeasures", "p_intercept", "arrests", "fee", "days"} <= set(o)
    assert {"countermeasures", "p_intercept", "arrests", "fee", "days", "confirmed"} <= set(
        a["recommended"]
    )
    assert a["provenance"]["method"] == "harden" and a["provenance"]["seed"] == 5
    assert a["search"]["method"] == "exhaustive"
    assert {n["id"] for n in a["search"]["not_applicable"]} >= {"no-community-relays"}


def test_nothing_helps_so_keep_todays_procedure() -> None:
    # tips never reach the service: every measure can only add phone contacts, or nothing
    text = TWO_HOP.replace("relay: {success: 0.8, delay_days: 2}", "relay: {success: 0.0}")
    s = parse_scenario(text)
    r = harden(s, n_runs=20, seed=1)
    assert r.recommended.measures == () and r.best.measures == ()
    assert r.confirmed is None
    assert all(o.p_intercept >= r.baseline.p_intercept - 1e-15 for o in r.options)


def test_a_tie_with_the_baseline_is_not_an_improvement() -> None:
    r = harden(CLASSROOM, measures=[measure(CLASSROOM, "pickup-code")], n_runs=10, seed=1)
    assert r.options[0].p_intercept == pytest.approx(r.baseline.p_intercept, abs=1e-15)
    assert r.recommended.measures == ()
    # the same seasons, run for run: the difference is exactly zero, and not significant
    d = r.options[0].season.versus_baseline["arrests"]  # type: ignore[union-attr]
    assert d.mean == 0.0 and d.stderr == 0.0 and not d.significant


def test_budget_zero_allows_only_free_measures() -> None:
    r = harden(CLASSROOM, max_fee=0.0, max_days=0.0, n_runs=0)
    assert r.recommended.measures == ()  # the only free measure (pickup code) gains nothing
    assert all(not o.within_budget for o in r.options if o.cost.fee or o.cost.days)
    assert r.provenance.seed is None and r.confirmed is None


def _check(arrests: float, se: float) -> SeasonCheck:
    zero = Estimate(mean=0.0, stderr=0.0)
    diff = {"intercepted": zero, "money_net": zero, "arrests": Estimate(mean=arrests, stderr=se)}
    return SeasonCheck(n_runs=100, seed=1, totals={}, versus_baseline=diff)


def test_recommend_skips_plans_the_seasons_contradict() -> None:
    worse, noise, better = _check(+1.0, 0.2), _check(-0.1, 0.2), _check(-1.0, 0.2)
    assert recommend([((0,), worse), ((1,), noise), ((2,), better)]) == ((1,), False)
    assert recommend([((0,), worse), ((2,), better)]) == ((2,), True)
    assert recommend([((0,), worse)]) == ((), None)
    assert recommend([((3,), None)]) == ((3,), None)
    assert recommend([]) == ((), None)


def test_season_comparison_is_paired_with_standard_errors() -> None:
    s = parse_scenario(TWO_HOP)
    base = season_runs(s, n_runs=40, seed=2, fee=0.3)
    same = season_check(base, base, seed=2)
    assert all(v.mean == 0 and v.stderr == 0 for v in same.versus_baseline.values())
    assert not same.fewer_arrests and not same.more_arrests
    plan = measure(s, "withhold-recipient-china").apply(s)
    runs = season_runs(plan, n_runs=40, seed=2, fee=0.3)
    check = season_check(runs, base, seed=2)
    diff = runs["arrests"] - base["arrests"]
    assert check.versus_baseline["arrests"].mean == pytest.approx(diff.mean())
    assert check.versus_baseline["arrests"].stderr == pytest.approx(diff.std(ddof=1) / np.sqrt(40))
    assert np.allclose(runs["money_net"], runs["money_delivered"] * 0.7)
    assert np.array_equal(runs["arrests"], runs["couriers_arrested"] + runs["family_arrested"])
    with pytest.raises(ValueError, match="as many runs"):
        season_check(runs, season_runs(s, n_runs=10, seed=2, fee=0.3), seed=2)


def test_user_defined_measures_are_searched() -> None:
    s = parse_scenario(TWO_HOP + USER_C1)
    r = harden(s, n_runs=0, method="greedy")
    assert r.search == "greedy"
    ids = {m.id for m in r.measures}
    assert {"family-tells-courier", "late-day"} <= ids
    assert r.measure("family-tells-courier").origin == "scenario"
    clash = USER_C1.replace("name: late-day", "name: lie-low")
    with pytest.raises(UsageError, match="lie-low"):
        harden(parse_scenario(TWO_HOP + clash), n_runs=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_fee": 1.5},
        {"max_fee": -0.1},
        {"max_days": -1},
        {"n_runs": 1},
        {"n_runs": -3},
        {"method": "random"},
        {"contact_risk": 2.0},
        {"base_fee": 1.0},
        {"seed": -1},
    ],
)
def test_bad_options_are_usage_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        harden(CLASSROOM, **kwargs)  # type: ignore[arg-type]


@pytest.mark.slow
def test_seed_preset_recommendation_is_confirmed() -> None:
    seed = load_preset("north-hamgyong-spring")
    r = harden(seed, max_fee=0.1, max_days=7, n_runs=400, seed=11)
    assert "withhold-recipient-china" in r.recommended.measures
    assert r.confirmed is True
    base = r.baseline.season.totals  # type: ignore[union-attr]
    assert 8 <= base["arrests"].mean <= 20  # the preset is calibrated on "more than ten arrests"
    alone = next(o for o in r.options if o.measures == ("withhold-recipient-china",))
    assert alone.season.fewer_arrests  # type: ignore[union-attr]


@pytest.mark.slow
def test_beam_matches_exhaustive_on_the_seed_preset() -> None:
    seed = load_preset("north-hamgyong-spring")
    a = harden(seed, max_fee=0.1, max_days=7, n_runs=0, method="exhaustive")
    b = harden(seed, max_fee=0.1, max_days=7, n_runs=0, method="beam", beam_width=4)
    assert b.best.p_intercept == pytest.approx(a.best.p_intercept, abs=1e-12)


def test_progress_reports_each_plan_scored_then_each_plans_seasons() -> None:
    seen: list[tuple[str, int, int | None]] = []
    result = harden(
        load_preset("classroom"),
        max_fee=0.05,
        n_runs=4,
        seed=1,
        progress=lambda *a: seen.append(a),
    )
    scoring = [s for s in seen if s[0] == "scoring plans"]
    seasons = [s for s in seen if s[0] == "simulating seasons"]
    assert seen == [*scoring, *seasons]  # the stages in order, none else
    # the exhaustive search scores every plan once: 1, 2, ... 2**n of 2**n
    n_plans = 2 ** len(result.measures)
    assert [d for _, d, _ in scoring] == list(range(1, n_plans + 1))
    assert {t for _, _, t in scoring} == {n_plans}
    assert result.n_evaluated == n_plans
    # today's procedure and every option, simulated: 0 first, then each plan as it finishes
    n_sim = 1 + len(result.options)
    assert [d for _, d, _ in seasons] == list(range(n_sim + 1))
    assert {t for _, _, t in seasons} == {n_sim}


def test_progress_of_a_search_whose_length_is_not_known_ahead() -> None:
    seen: list[tuple[str, int, int | None]] = []
    harden(load_preset("classroom"), n_runs=0, method="greedy", progress=lambda *a: seen.append(a))
    assert seen and all(s == ("scoring plans", k + 1, None) for k, s in enumerate(seen))
