"""Hardening: which changes to the procedure cut interceptions most, at what cost, within a budget.

A *countermeasure* is a pure change to a scenario's procedure (who is told what, when, where the
hand-over happens), sourced in the countermeasure table of docs/sources.md (C1 ... C15) and labelled
reported practice or hypothesis, with a cost (fee share, days, phone contacts). Plans of several
measures are scored with the exact engine, searched within a budget, and the best ones confirmed
with the season simulator. See ``docs/hardening.md``.

>>> from tipoff.analysis.hardening import harden, library
"""

from tipoff._renamed import renamed as _renamed
from tipoff.analysis.hardening._harden import (
    HardeningResult,
    PlanResult,
    candidates,
    harden,
    recommend,
)
from tipoff.analysis.hardening._library import LIBRARY_IDS, library
from tipoff.analysis.hardening._measures import (
    CONTACT_RISK,
    STATUS_CODE,
    Cost,
    Countermeasure,
    china_targets,
)
from tipoff.analysis.hardening._score import (
    FLAG_THRESHOLD,
    PlanScore,
    apply_plan,
    flagged_share,
    plan_cost,
    scenario_expected_deliveries,
    score_model,
    score_plan,
)
from tipoff.analysis.hardening._search import (
    EXHAUSTIVE_LIMIT,
    SEARCH_METHODS,
    SearchResult,
    pareto_front,
    search_plans,
)
from tipoff.analysis.hardening._season import (
    BASE_FEE,
    Estimate,
    SeasonCheck,
    Z,
    season_check,
    season_runs,
)
from tipoff.analysis.hardening._user import from_spec, scenario_measures

__all__ = [
    "BASE_FEE",
    "CONTACT_RISK",
    "EXHAUSTIVE_LIMIT",
    "FLAG_THRESHOLD",
    "LIBRARY_IDS",
    "SEARCH_METHODS",
    "STATUS_CODE",
    "Cost",
    "Countermeasure",
    "Estimate",
    "HardeningResult",
    "PlanResult",
    "PlanScore",
    "SearchResult",
    "SeasonCheck",
    "Z",
    "apply_plan",
    "candidates",
    "china_targets",
    "flagged_share",
    "from_spec",
    "harden",
    "library",
    "pareto_front",
    "plan_cost",
    "recommend",
    "scenario_expected_deliveries",
    "scenario_measures",
    "score_model",
    "score_plan",
    "search_plans",
    "season_check",
    "season_runs",
]


__getattr__ = _renamed(__name__, {"expected_deliveries": "scenario_expected_deliveries"}, globals())
