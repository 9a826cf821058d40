"""Costs add up as documented, contacts carry their risk, and the score is the exact engine's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hardening_examples import explicit, measure, two_hop

from tipoff.analysis.hardening import (
    CONTACT_RISK,
    FLAG_THRESHOLD,
    Cost,
    apply_plan,
    flagged_share,
    library,
    plan_cost,
    scenario_expected_deliveries,
    score_model,
    score_plan,
)
from tipoff.engines import exposure
from tipoff.model import compile_scenario
from tipoff.scenario import Scenario, load_preset

SEED = load_preset("north-hamgyong-spring")
CLASSROOM = load_preset("classroom")


def test_costs_add_up_and_handovers_multiply() -> None:
    a = Cost(fee=0.05, days=1.0, contacts=1)
    b = Cost(fee=0.02, days=0.5, contacts=2, handovers=2.0)
    assert a + b == Cost(fee=0.07, days=1.5, contacts=3, handovers=2.0)
    assert Cost() + a == a
    lib = library(SEED)
    total = plan_cost(lib)
    assert total.fee == pytest.approx(sum(m.cost.fee for m in lib))
    assert total.days == pytest.approx(sum(m.cost.days for m in lib))
    assert total.contacts == sum(m.cost.contacts for m in lib)
    assert total.handovers == math.prod(m.cost.handovers for m in lib)


@pytest.mark.parametrize("risk", [0.0, CONTACT_RISK, 0.05])
def test_each_phone_contact_adds_its_own_background_risk(risk: float) -> None:
    plan = [measure(SEED, "withhold-recipient-china"), measure(SEED, "meeting-point")]
    changed = apply_plan(SEED, plan, contact_risk=risk)
    n = plan_cost(plan).contacts
    assert n == 2
    eps = SEED.operation.background
    assert changed.operation.background == pytest.approx(1 - (1 - eps) * (1 - risk) ** n)
    # composing measure by measure gives the same risk: (1 - p)^a (1 - p)^b = (1 - p)^(a + b)
    step = apply_plan(apply_plan(SEED, plan[:1], contact_risk=risk), plan[1:], contact_risk=risk)
    assert step.operation.background == pytest.approx(changed.operation.background, abs=1e-15)


def test_a_measure_that_only_adds_contacts_scores_worse_by_exactly_their_risk() -> None:
    # late-schedule changes nothing catch-relevant in the classroom (no relay knows the day) and
    # adds one call: P rises from p to 1 - (1 - p)(1 - p_c)
    base = score_plan(CLASSROOM, [])
    late = score_plan(CLASSROOM, [measure(CLASSROOM, "late-schedule")])
    assert late.p_intercept == pytest.approx(1 - (1 - base.p_intercept) * (1 - CONTACT_RISK))
    assert late.cost.contacts == 1


@pytest.mark.parametrize("scenario", [CLASSROOM, SEED, two_hop(), explicit()], ids=lambda s: s.name)
def test_score_is_the_exact_engine(scenario: Scenario) -> None:
    lib = library(scenario)
    plans = [[], lib[:1], lib[:2], [m for m in lib if m.not_applicable(scenario) is None]]
    for plan in plans:
        changed = apply_plan(scenario, plan)
        out = exposure(compile_scenario(changed), method="exact")
        w = out.deliveries.weight
        expected = float((w * out.p_intercept).sum() / w.sum())
        assert score_model(compile_scenario(changed)) == pytest.approx(expected, abs=1e-14)
        s = score_plan(scenario, plan)
        assert s.p_intercept == pytest.approx(expected, abs=1e-14)
        assert s.per_transfer == pytest.approx(s.p_intercept * s.cost.handovers)
        assert s.expected_interceptions == pytest.approx(
            s.p_intercept * scenario_expected_deliveries(changed)
        )


def test_scenario_expected_deliveries() -> None:
    assert scenario_expected_deliveries(CLASSROOM) == pytest.approx(20 * 6 * 60 / 365)
    assert scenario_expected_deliveries(SEED) == pytest.approx(300 * 1.6 * 90 / 365)
    assert scenario_expected_deliveries(explicit()) == 4
    split = measure(CLASSROOM, "split-transfers").apply(CLASSROOM)
    assert scenario_expected_deliveries(split) == pytest.approx(
        2 * scenario_expected_deliveries(CLASSROOM)
    )


def test_flagged_share_follows_the_lognormal_law() -> None:
    med, spread = 1500, 0.5
    z = math.log(FLAG_THRESHOLD["USD"] / med) / spread
    p = 0.5 * math.erfc(z / math.sqrt(2))
    assert flagged_share(SEED) == pytest.approx(p)
    rng = np.random.default_rng(1)
    sample = med * np.exp(spread * rng.standard_normal(200_000))
    assert flagged_share(SEED) == pytest.approx((sample > 1400).mean(), abs=0.005)
    split = measure(SEED, "split-transfers").apply(SEED)
    assert flagged_share(split) < 0.15 < 0.5 < flagged_share(SEED)
    # explicit amounts count as given: 3000 flagged, 800 and 1200 not, one drawn
    e = explicit()
    z = math.log(1400 / 2000) / 0.5
    drawn = 0.5 * math.erfc(z / math.sqrt(2))
    assert flagged_share(e) == pytest.approx((1 + drawn) / 4)
