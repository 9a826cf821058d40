"""``harden``: which changes to the procedure cut interceptions most, at what cost, within a budget.

The steps, in order:

1. candidates: the library (:func:`library`) and the scenario's own ``countermeasures``; those that
   change nothing in this scenario are set aside with the reason;
2. search (:func:`search_plans`): every plan is scored with the exact engine (expected
   interceptions per transfer, contacts' risk included); exhaustive over up to ten candidates,
   beam search beyond;
3. options: each measure alone, the Pareto front of score against fee and days, and the best few
   plans within the budget;
4. confirmation: every option and today's procedure simulated over the same seasons (same seed),
   compared run by run with standard errors;
5. recommendation: the best plan within the budget (exact score) whose seasons do not show more
   arrests than today's; ``confirmed`` says whether they show fewer, beyond noise. When no plan
   beats today's procedure, the recommendation is to keep it: no plan is ever reported as better
   than the baseline when it is not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tipoff._rng import make_seed
from tipoff.analysis.hardening._library import library
from tipoff.analysis.hardening._measures import CONTACT_RISK, Cost, Countermeasure
from tipoff.analysis.hardening._score import PlanScore, apply_plan, plan_cost, score_plan
from tipoff.analysis.hardening._search import (
    SEARCH_METHODS,
    Plan,
    pareto_front,
    rank_key,
    resolve_method,
    search_plans,
    within_budget,
)
from tipoff.analysis.hardening._season import (
    BASE_FEE,
    Runs,
    SeasonCheck,
    season_check,
    season_runs,
)
from tipoff.analysis.hardening._user import scenario_measures
from tipoff.engines import Provenance, run_tasks
from tipoff.errors import UsageError
from tipoff.scenario import Scenario, scenario_digest

__all__ = ["HardeningResult", "PlanResult", "candidates", "harden", "recommend"]

METHOD = "harden"
#: The stages ``harden`` reports to its ``progress`` callback, in order.
STAGES = ("scoring plans", "simulating seasons")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanResult:
    """One plan: its exact score, where it stands, and its seasons (when simulated).

    Attributes
    ----------
    score : PlanScore
        Exact score and cost.
    within_budget : bool
        Whether its fee and days fit the budget.
    pareto : bool
        On the Pareto front of score against fee and days (among the plans the search scored).
    season : SeasonCheck or None
        Simulated seasons, compared with today's procedure; None when not simulated.
    """

    score: PlanScore
    within_budget: bool
    pareto: bool
    season: SeasonCheck | None

    @property
    def measures(self) -> tuple[str, ...]:
        return self.score.measures

    @property
    def cost(self) -> Cost:
        return self.score.cost

    @property
    def p_intercept(self) -> float:
        return self.score.p_intercept

    def to_dict(self) -> dict[str, Any]:
        s, c, season = self.score, self.score.cost, self.season
        arrests = season.totals["arrests"] if season is not None else None
        return {
            "countermeasures": list(s.measures),
            "p_intercept": s.p_intercept,
            "per_transfer": s.per_transfer,
            "expected_interceptions": s.expected_interceptions,
            "arrests": None if arrests is None else arrests.mean,
            "arrests_stderr": None if arrests is None else arrests.stderr,
            "fee": c.fee,
            "days": c.days,
            "contacts": c.contacts,
            "handovers": c.handovers,
            "flagged_share": s.flagged_share,
            "within_budget": self.within_budget,
            "pareto": self.pareto,
            "season": None if season is None else season.to_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class HardeningResult:
    """What ``harden`` found: today's procedure, the options, the best plan and the advice.

    Attributes
    ----------
    provenance : Provenance
        Method ``harden``, seed of the seasons, scenario digest, budget and assumptions.
    measures : tuple of Countermeasure
        The candidates searched (applicable to the scenario), in the order plans apply them.
    not_applicable : tuple of (str, str)
        Measures set aside, with the reason.
    baseline : PlanResult
        Today's procedure.
    options : tuple of PlanResult
        Each measure alone, the Pareto front and the best plans within the budget, by score.
    best : PlanResult
        The best plan within the budget by the exact score (today's procedure if none beats it).
    recommended : PlanResult
        The best plan within the budget whose seasons show no more arrests than today's.
    confirmed : bool or None
        Whether the recommended plan's seasons show fewer arrests than today's beyond ``Z``
        standard errors (None: no seasons simulated, or the recommendation is no change).
    search : str
        ``exhaustive``, ``beam`` or ``greedy``: the search used.
    n_evaluated : int
        Plans scored by the exact engine.
    max_fee, max_days : float or None
        The budget (None: no limit).
    contact_risk, base_fee : float
        The assumptions used (per-contact interception; today's fee share).
    """

    provenance: Provenance
    measures: tuple[Countermeasure, ...]
    not_applicable: tuple[tuple[str, str], ...]
    baseline: PlanResult
    options: tuple[PlanResult, ...]
    best: PlanResult
    recommended: PlanResult
    confirmed: bool | None
    search: str
    n_evaluated: int
    max_fee: float | None
    max_days: float | None
    contact_risk: float
    base_fee: float

    def measure(self, measure_id: str, /) -> Countermeasure:
        """The candidate with this id; raises KeyError when there is none."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``tipoff harden --json`` (plain types only)."""
        base = self.baseline.to_dict()
        rec = self.recommended.to_dict()
        return {
            "scenario": self.provenance.scenario,
            "baseline": base,
            "options": [o.to_dict() for o in self.options],
            "recommended": {**rec, "confirmed": self.confirmed},
            "best_by_exact_score": list(self.best.measures),
            "search": {
                "method": self.search,
                "evaluated": self.n_evaluated,
                "candidates": [
                    {
                        "id": m.id,
                        "sources": list(m.sources),
                        "status": m.status_code,
                        "origin": m.origin,
                        **m.cost.to_dict(),
                    }
                    for m in self.measures
                ],
                "not_applicable": [{"id": i, "reason": r} for i, r in self.not_applicable],
            },
            "budget": {"max_fee": self.max_fee, "max_days": self.max_days},
            "assumptions": {"contact_risk": self.contact_risk, "base_fee": self.base_fee},
            "provenance": self.provenance.to_dict(),
        }


def _check(
    max_fee: float | None,
    max_days: float | None,
    n_runs: int,
    method: str,
    contact_risk: float,
    base_fee: float,
    n_confirm: int,
) -> None:
    if max_fee is not None and not 0.0 <= max_fee <= 1.0:
        raise UsageError(f"max_fee must be a share in [0, 1], got {max_fee!r}")
    if max_days is not None and not max_days >= 0:
        raise UsageError(f"max_days must be at least 0, got {max_days!r}")
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 0 or n_runs == 1:
        raise UsageError(f"n_runs must be 0 (no seasons) or at least 2, got {n_runs!r}")
    if method not in SEARCH_METHODS:
        raise UsageError(f"method must be one of {', '.join(SEARCH_METHODS)}, got {method!r}")
    if not 0.0 <= contact_risk <= 1.0:
        raise UsageError(f"contact_risk must be in [0, 1], got {contact_risk!r}")
    if not 0.0 <= base_fee < 1.0:
        raise UsageError(f"base_fee must be in [0, 1), got {base_fee!r}")
    if n_confirm < 1:
        raise UsageError(f"n_confirm must be at least 1, got {n_confirm!r}")


def recommend(ranked: Sequence[tuple[Plan, SeasonCheck | None]], /) -> tuple[Plan, bool | None]:
    """The first plan whose seasons show no more arrests than today's, and whether they show fewer.

    ``ranked`` holds plans better than today's by the exact score, best first, each with its
    season check (None when no seasons were simulated). Returns ``((), None)`` when there is no
    such plan: keep today's procedure. ``confirmed`` is None without seasons, else whether arrests
    fall by more than ``Z`` standard errors of the run-by-run difference.
    """
    for plan, season in ranked:
        if season is None:
            return plan, None
        if not season.more_arrests:
            return plan, season.fewer_arrests
    return (), None


def candidates(
    scenario: Scenario, measures: Sequence[Countermeasure] | None = None, /
) -> tuple[tuple[Countermeasure, ...], tuple[tuple[str, str], ...]]:
    """The measures that change something in ``scenario``, and those set aside with the reason."""
    pool = (
        (*library(scenario), *scenario_measures(scenario)) if measures is None else tuple(measures)
    )
    ids = [m.id for m in pool]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise UsageError(
            f"countermeasure names must be unique; defined twice (or clashing with the "
            f"library): {', '.join(dup)}"
        )
    usable: list[Countermeasure] = []
    skipped: list[tuple[str, str]] = []
    for m in pool:
        reason = m.not_applicable(scenario)
        if reason is None:
            usable.append(m)
        else:
            skipped.append((m.id, reason))
    return tuple(usable), tuple(skipped)


def _season_task(scenario: Scenario, n_runs: int, seed: int, fee: float) -> Runs:
    return season_runs(scenario, n_runs=n_runs, seed=seed, fee=fee)


def harden(
    scenario: Scenario,
    /,
    *,
    max_fee: float | None = None,
    max_days: float | None = None,
    n_runs: int = 200,
    seed: int | None = None,
    method: str = "auto",
    measures: Sequence[Countermeasure] | None = None,
    contact_risk: float = CONTACT_RISK,
    base_fee: float = BASE_FEE,
    n_confirm: int = 3,
    beam_width: int = 4,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> HardeningResult:
    """Find the changes to the procedure that cut interceptions most within a budget.

    Parameters
    ----------
    scenario : Scenario
        Today's procedure and the operation against it.
    max_fee : float or None
        Most added fee, as a share of the amount (0.1: ten percentage points); None: no limit.
    max_days : float or None
        Most added days until the family has the money; None: no limit.
    n_runs : int
        Seasons simulated per option to confirm it (0: exact scores only).
    seed : int or None
        Seed of the seasons (the same for every plan); None draws one, recorded.
    method : {"auto", "exhaustive", "beam", "greedy"}
        The search (see :func:`search_plans`).
    measures : sequence of Countermeasure or None
        Candidates; None: the library and the scenario's ``countermeasures``.
    contact_risk : float
        Interception probability per added phone contact (ASSUMPTION, ``CONTACT_RISK``).
    base_fee : float
        Today's fee share, for money that reaches families (ASSUMPTION, ``BASE_FEE``).
    n_confirm : int
        How many of the best plans within the budget are simulated before recommending.
    beam_width : int
        Plans kept per size by the beam search.
    n_workers, cluster
        Where the plans' seasons run: local worker processes, or a Dask scheduler's address
        (see :func:`tipoff.engines.run_tasks`). The results do not depend on it.
    progress : callable or None
        Called as ``progress(stage, done, total)`` while it works: ``"scoring plans"`` after
        each plan scored with the exact engine (``total`` is ``2**n`` for the exhaustive search,
        None for the others, whose count is not known ahead), then ``"simulating seasons"``
        after each plan's seasons (``total``: the plans simulated, today's included).

    Returns
    -------
    HardeningResult

    Raises
    ------
    UsageError
        For a bad budget, run count, method or assumption, or clashing measure names.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> r = harden(load_preset("classroom"), max_fee=0.0, max_days=2, n_runs=0)
    >>> r.recommended.p_intercept < r.baseline.p_intercept
    True
    """
    _check(max_fee, max_days, n_runs, method, contact_risk, base_fee, n_confirm)
    used_seed = make_seed(seed)
    cands, skipped = candidates(scenario, measures)
    scores: dict[Plan, PlanScore] = {}

    def chosen(plan: Plan) -> list[Countermeasure]:
        return [cands[i] for i in plan]

    n_plans = 2 ** len(cands) if resolve_method(len(cands), method) == "exhaustive" else None

    def score(plan: Plan) -> float:
        if plan not in scores:
            scores[plan] = score_plan(scenario, chosen(plan), contact_risk=contact_risk)
            if progress is not None:
                progress(STAGES[0], len(scores), n_plans)
        return scores[plan].per_transfer

    def cost(plan: Plan) -> Cost:
        return plan_cost(chosen(plan))

    found = search_plans(
        len(cands),
        score,
        cost,
        max_fee=max_fee,
        max_days=max_days,
        method=method,
        beam_width=beam_width,
    )
    front = set(pareto_front(found.evaluated))
    ranked = sorted(
        (e for e in found.evaluated if within_budget(e[2], max_fee, max_days)),
        key=lambda e: rank_key(*e),
    )
    base_score = scores[()].per_transfer
    # the best plan of each distinct score (a tie adds only measures that change nothing here)
    better: dict[float, Plan] = {}
    for p, s, _ in ranked:
        if round(s, 12) < round(base_score, 12):
            better.setdefault(round(s, 12), p)
    to_confirm = list(better.values())[:n_confirm]
    singles = [(i,) for i in range(len(cands))]
    for p in singles:
        score(p)
    option_plans = list(dict.fromkeys([*singles, *sorted(front), *to_confirm, found.best]))
    option_plans = [p for p in option_plans if p != ()]

    runs: dict[Plan, Runs] = {}
    if n_runs:
        plans = [(), *option_plans]
        tasks = [
            (apply_plan(scenario, chosen(p), contact_risk=contact_risk), n_runs, used_seed,
             base_fee + cost(p).fee)
            for p in plans
        ]  # fmt: skip
        on_task = None if progress is None else (lambda k: progress(STAGES[1], k, len(tasks)))
        if on_task is not None:
            on_task(0)
        done = run_tasks(
            _season_task, tasks, n_workers=n_workers, cluster=cluster, progress=on_task
        )
        runs.update(zip(plans, done, strict=True))

    def result(p: Plan) -> PlanResult:
        return PlanResult(
            score=scores[p],
            within_budget=within_budget(cost(p), max_fee, max_days),
            pareto=p in front,
            season=season_check(runs[p], runs[()], seed=used_seed) if p in runs else None,
        )

    results = {p: result(p) for p in [(), *option_plans]}
    recommended, confirmed = recommend([(p, results[p].season) for p in to_confirm])
    options = sorted(
        (results[p] for p in option_plans),
        key=lambda r: (r.score.per_transfer, r.cost.fee, r.cost.days, len(r.measures)),
    )
    return HardeningResult(
        provenance=Provenance(
            method=METHOD,
            seed=used_seed if n_runs else None,
            scenario=scenario.name,
            scenario_digest=scenario_digest(scenario),
            options={
                "max_fee": max_fee,
                "max_days": max_days,
                "n_runs": n_runs,
                "search": found.method,
                "contact_risk": contact_risk,
                "base_fee": base_fee,
                "n_confirm": n_confirm,
                "candidates": [m.id for m in cands],
            },
        ),
        measures=cands,
        not_applicable=skipped,
        baseline=results[()],
        options=tuple(options),
        best=results[found.best],
        recommended=results[recommended],
        confirmed=confirmed,
        search=found.method,
        n_evaluated=len(found.evaluated),
        max_fee=max_fee,
        max_days=max_days,
        contact_risk=contact_risk,
        base_fee=base_fee,
    )
