"""Score a plan (a set of countermeasures) with the exact engine: P(intercepted) per delivery.

A plan's measures are applied in a fixed order (the library's order, then the scenario's own),
then the plan's phone contacts are added to the background interception:

.. math::

    \\varepsilon' = 1 - (1 - \\varepsilon)(1 - p_c)^{n_c},

with ``p_c`` the per-contact risk (``CONTACT_RISK``, an assumption) and ``n_c`` the plan's added
contacts. The score is the weighted mean of the exact engine's P(intercepted) over the delivery
rows it scores (each source delivery counted once), times the hand-overs per transfer: expected
interceptions per transfer of money.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tipoff.analysis.hardening._measures import CONTACT_RISK, Cost, Countermeasure, with_background
from tipoff.engines.exact import catch_table, layout, model_deliveries, state_probabilities
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import Role, Scenario

__all__ = [
    "FLAG_THRESHOLD",
    "PlanScore",
    "apply_plan",
    "flagged_share",
    "plan_cost",
    "scenario_expected_deliveries",
    "score_model",
    "score_plan",
]

#: The service's reported heuristic (docs/sources.md §1.4, C13): transfers above RMB 10,000 are taken
#: as coming from South Korea. In other currencies: RMB 10,000 ≈ USD 1,400 ≈ KRW 1,900,000
#: (ASSUMPTION: exchange rates of about 7.1 RMB and 1,350 KRW to the dollar).
FLAG_THRESHOLD: dict[str, float] = {"CNY": 10_000.0, "USD": 1_400.0, "KRW": 1_900_000.0}


def plan_cost(plan: Sequence[Countermeasure], /) -> Cost:
    """The plan's cost: fees, days and contacts added up, hand-overs multiplied."""
    total = Cost()
    for m in plan:
        total = total + m.cost
    return total


def apply_plan(
    scenario: Scenario,
    plan: Sequence[Countermeasure],
    /,
    *,
    contact_risk: float = CONTACT_RISK,
) -> Scenario:
    """The scenario with every measure of ``plan`` applied, and its contacts' risk added.

    Parameters
    ----------
    scenario : Scenario
        Today's procedure.
    plan : sequence of Countermeasure
        Applied in the order given (``harden`` passes them in library order).
    contact_risk : float
        Interception probability per added phone contact (ASSUMPTION; see ``CONTACT_RISK``).

    Returns
    -------
    Scenario
        A new scenario; ``scenario`` is unchanged.
    """
    if not 0.0 <= contact_risk <= 1.0:
        raise ValueError(f"contact_risk must be in [0, 1], got {contact_risk!r}")
    out = scenario
    for m in plan:
        out = m.apply(out)
    contacts = plan_cost(plan).contacts
    if contacts and contact_risk > 0:
        eps = out.operation.background
        out = with_background(out, 1.0 - (1.0 - eps) * (1.0 - contact_risk) ** contacts)
    return out


def score_model(model: CompiledModel, /) -> float:
    """Weighted mean of the exact P(intercepted) over the rows the exact engine scores.

    The same numbers as ``exposure(model, method="exact").p_intercept`` (without its
    what-if variants, which the search does not need); 0 when there are no deliveries.
    """
    rows = model_deliveries(model)
    if len(rows) == 0:
        return 0.0
    op = model.operation
    states = state_probabilities(layout(model, rows), op)
    table = catch_table(op)
    e = np.clip((states * table[rows.mode.astype(np.intp)]).sum(axis=1), 0.0, 1.0)
    p = 1.0 - (1.0 - op.background) * (1.0 - e)
    return float((rows.weight * p).sum() / rows.weight.sum())


def scenario_expected_deliveries(scenario: Scenario, /) -> float:
    """Expected deliveries in a season of ``scenario``: the Poisson workload's mean plus the explicit ones.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> round(scenario_expected_deliveries(load_preset("classroom")), 1)  # 20 senders, 6 a year, 60 days
    19.7
    """
    w = scenario.workload
    listed = sum(p.role is Role.sender for p in scenario.parties)
    gen = scenario.generate.senders
    n_senders = listed + (0 if gen is None else gen.count)  # ids are unique in a valid scenario
    return n_senders * w.per_sender_per_year * scenario.horizon_days / 365.0 + len(w.deliveries)


def flagged_share(scenario: Scenario, /) -> float:
    """Expected share of deliveries above the amount the service reportedly flags (§1.4).

    Poisson deliveries have log-normal amounts ``median * exp(spread * Z)``; explicit deliveries
    without an amount draw from the same law.
    """
    threshold = FLAG_THRESHOLD[scenario.currency]
    w = scenario.workload
    med, spread = w.amount.median, w.amount.spread
    if spread > 0:
        z = math.log(threshold / med) / spread
        p_drawn = 0.5 * math.erfc(z / math.sqrt(2.0))
    else:
        p_drawn = 1.0 if med > threshold else 0.0
    n_poisson = scenario_expected_deliveries(scenario) - len(w.deliveries)
    flagged = n_poisson * p_drawn + sum(
        p_drawn if d.amount is None else float(d.amount > threshold) for d in w.deliveries
    )
    total = n_poisson + len(w.deliveries)
    return flagged / total if total > 0 else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanScore:
    """A plan scored with the exact engine.

    Attributes
    ----------
    measures : tuple of str
        Countermeasure ids, in the order applied (empty: today's procedure).
    cost : Cost
        The plan's cost.
    p_intercept : float
        P(intercepted) per delivery, weighted mean over the exact engine's rows, contacts' risk
        included.
    per_transfer : float
        ``p_intercept * cost.handovers``: expected interceptions per transfer of money. The
        search minimises it.
    expected_interceptions : float
        ``p_intercept`` times the expected deliveries of a season (static: no arrests' knock-on
        effects, which the season simulator adds).
    flagged_share : float
        Share of deliveries above the amount the service reportedly flags (§1.4).
    """

    measures: tuple[str, ...]
    cost: Cost
    p_intercept: float
    per_transfer: float
    expected_interceptions: float
    flagged_share: float


def score_plan(
    scenario: Scenario,
    plan: Sequence[Countermeasure],
    /,
    *,
    contact_risk: float = CONTACT_RISK,
) -> PlanScore:
    """Apply ``plan`` to ``scenario`` and score it with the exact engine.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> from tipoff.analysis.hardening import library
    >>> s = load_preset("classroom")
    >>> base = score_plan(s, [])
    >>> c1 = score_plan(s, [m for m in library(s) if m.id == "withhold-recipient-china"])
    >>> c1.p_intercept < base.p_intercept
    True
    """
    changed = apply_plan(scenario, plan, contact_risk=contact_risk)
    cost = plan_cost(plan)
    p = score_model(compile_scenario(changed))
    return PlanScore(
        measures=tuple(m.id for m in plan),
        cost=cost,
        p_intercept=p,
        per_transfer=p * cost.handovers,
        expected_interceptions=p * scenario_expected_deliveries(changed),
        flagged_share=flagged_share(changed),
    )
