r"""How robust a hardening recommendation is to what is not known about the operation.

Each option of a :class:`~tipoff.analysis.hardening.HardeningResult` (and today's procedure) is
simulated under ``n_draws`` posterior draws, ``n_runs`` seasons each, with the same seeds for every
plan under a given draw (common random numbers, so differences between plans are not drowned in
season-to-season noise). With :math:`A_{pd}` the mean arrests (couriers and family members) of plan
:math:`p` under draw :math:`d`:

- expected arrests over the posterior: :math:`\bar A_p = \frac1D \sum_d A_{pd}`;
- share of draws where :math:`p` is the best plan (:math:`A_{pd} = \min_q A_{qd}`), or within 5%
  of it (:math:`A_{pd} \le 1.05 \min_q A_{qd}`);
- regret :math:`A_{pd} - \min_q A_{qd}`, and its 90th percentile over draws.

The plans compared are those within the budget; the recommendation across the posterior is the
one with the fewest expected arrests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tipoff._rng import make_seed
from tipoff.analysis.calibration._across import posterior_digest, posterior_draw_indices
from tipoff.analysis.calibration._summary import label
from tipoff.analysis.hardening import HardeningResult, apply_plan
from tipoff.engines import simulate_season
from tipoff.model import CompiledModel, compile_scenario, recompile_operation
from tipoff.results import Posterior
from tipoff.scenario import Scenario, with_params

__all__ = ["PlanRobustness", "Robustness", "harden_across_posterior", "plan_name"]

#: "Within 5% of the best plan".
NEAR = 0.05


def plan_name(measures: tuple[str, ...], /) -> str:
    """A plan in words: its measures joined by ' + ', or "today's procedure"."""
    return " + ".join(measures) if measures else "today's procedure"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRobustness:
    """One plan across the posterior."""

    measures: tuple[str, ...]
    within_budget: bool
    expected_arrests: float
    stderr: float  # Monte Carlo standard error of expected_arrests
    share_best: float
    share_near_best: float
    regret_p90: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "countermeasures": list(self.measures),
            "within_budget": self.within_budget,
            "expected_arrests": self.expected_arrests,
            "stderr": self.stderr,
            "share_best": self.share_best,
            "share_within_5pct": self.share_near_best,
            "regret_p90": self.regret_p90,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Robustness:
    """Plans within the budget ranked by expected arrests over the posterior."""

    plans: tuple[PlanRobustness, ...]
    recommended: tuple[str, ...]
    n_draws: int
    n_runs: int
    seed: int
    posterior: str
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "plans": [p.to_dict() for p in self.plans],
            "recommended": list(self.recommended),
            "n_draws": self.n_draws,
            "runs_per_draw": self.n_runs,
            "seed": self.seed,
            "posterior": self.posterior,
            "sentence": self.sentence,
        }


def _models(
    scenario: Scenario,
    posterior: Posterior,
    draws: np.ndarray,
    plan: list[Any],
    contact_risk: float,
) -> list[CompiledModel]:
    ops = all(p.startswith("operation.") for p in posterior.parameter_paths)
    base = compile_scenario(apply_plan(scenario, plan, contact_risk=contact_risk)) if ops else None
    out = []
    for d in draws:
        variant = apply_plan(
            with_params(scenario, posterior.scenario_values(int(d))),
            plan,
            contact_risk=contact_risk,
        )
        out.append(
            recompile_operation(base, variant) if base is not None else compile_scenario(variant)
        )
    return out


def harden_across_posterior(
    scenario: Scenario,
    posterior: Posterior,
    result: HardeningResult,
    /,
    *,
    n_draws: int = 64,
    n_runs: int = 100,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Robustness:
    """Rank ``result``'s plans within the budget by expected arrests over the posterior.

    Parameters
    ----------
    scenario
        Today's procedure (the scenario ``result`` was computed for).
    posterior
        From ``tipoff calibrate``.
    result
        From :func:`tipoff.analysis.hardening.harden`: its options and budget.
    n_draws, n_runs
        Posterior draws, and seasons per draw and plan.
    seed
        Seeds the draws taken and the seasons; the same for every plan.
    progress
        Called as ``progress(done, total)`` after each plan's seasons at each draw taken
        (``total``: plans times draws).
    """
    seed = make_seed(seed)
    draws = posterior_draw_indices(posterior, n_draws, seed=seed)
    plans = [result.baseline, *(o for o in result.options if o.within_budget)]
    seeds = [
        int(np.random.SeedSequence(seed, spawn_key=(9, k)).generate_state(1, np.uint64)[0] >> 1)
        for k in range(n_draws)
    ]
    arrests = np.empty((len(plans), n_draws))
    for i, p in enumerate(plans):
        measures = [result.measure(m) for m in p.measures]
        for k, model in enumerate(
            _models(scenario, posterior, draws, measures, result.contact_risk)
        ):
            out = simulate_season(model, n_runs=n_runs, seed=seeds[k], record_run=None)
            arrests[i, k] = (out.total("couriers_arrested") + out.total("family_arrested")).mean()
            if progress is not None:
                progress(i * n_draws + k + 1, len(plans) * n_draws)
    best = arrests.min(axis=0)
    regret = arrests - best
    rows = [
        PlanRobustness(
            measures=p.measures,
            within_budget=p.within_budget,
            expected_arrests=float(arrests[i].mean()),
            stderr=float(arrests[i].std(ddof=1) / np.sqrt(n_draws)) if n_draws > 1 else 0.0,
            share_best=float((arrests[i] <= best).mean()),
            share_near_best=float((arrests[i] <= (1 + NEAR) * best + 1e-12).mean()),
            regret_p90=float(np.quantile(regret[i], 0.9)),
        )
        for i, p in enumerate(plans)
    ]
    order = np.argsort([r.expected_arrests for r in rows], kind="stable")
    ranked = tuple(rows[i] for i in order)
    rec = ranked[0]
    sentence = _sentence(rec, ranked, arrests[order], posterior, draws)
    chosen = next((r for r in ranked if r.measures == result.recommended.measures), None)
    if chosen is not None and chosen is not rec:
        sentence = _differs(chosen, rec) + " " + sentence
    return Robustness(
        plans=ranked,
        recommended=rec.measures,
        n_draws=n_draws,
        n_runs=n_runs,
        seed=seed,
        posterior=posterior_digest(posterior),
        sentence=sentence,
    )


def _differs(chosen: PlanRobustness, best: PlanRobustness) -> str:
    """Said first when the plan harden recommends (at the scenario's own values) is not the one
    that does best across the posterior."""
    if chosen.share_near_best >= 0.9:
        return (
            f"The plan recommended above at the scenario's own values, "
            f"{plan_name(chosen.measures)}, is the best plan or within 5% of it under "
            f"{chosen.share_near_best:.0%} of the draws ({chosen.expected_arrests:.1f} expected "
            f"arrests a season against {best.expected_arrests:.1f} for the best across the "
            "posterior): it holds."
        )
    return (
        f"The plan recommended above at the scenario's own values, {plan_name(chosen.measures)}, "
        f"is not the best across the posterior: it gives {chosen.expected_arrests:.1f} expected "
        f"arrests a season against {best.expected_arrests:.1f}, is the best plan or within 5% of "
        f"it under only {chosen.share_near_best:.0%} of the draws, and its regret reaches "
        f"{chosen.regret_p90:.1f} arrests a season in 90% of them. Given what is not known, "
        f"prefer {plan_name(best.measures)}."
    )


def _sentence(
    rec: PlanRobustness,
    ranked: tuple[PlanRobustness, ...],
    arrests: np.ndarray,
    posterior: Posterior,
    draws: np.ndarray,
) -> str:
    head = (
        f"Across the posterior, {plan_name(rec.measures)} gives the fewest expected arrests "
        f"({rec.expected_arrests:.1f} a season); it is the best plan or within 5% of it under "
        f"{rec.share_near_best:.0%} of the draws, and its regret is at most "
        f"{rec.regret_p90:.1f} arrests a season in 90% of them."
    )
    if rec.share_near_best >= 0.9 or len(ranked) < 2:
        return head + " That plan holds across what the reports leave unknown."
    best_of = arrests.argmin(axis=0)
    counts = np.bincount(best_of, minlength=len(ranked))
    counts[0] = -1
    alt = int(counts.argmax())
    where_alt, where_rec = best_of == alt, best_of == 0
    text = (
        f" The best plan depends on what is not known: {plan_name(ranked[alt].measures)} does "
        f"best under {where_alt.mean():.0%} of the draws"
    )
    if where_alt.any() and where_rec.any():
        values = posterior.draws[draws]
        sd = values.std(axis=0) + 1e-300
        gap = (np.median(values[where_alt], axis=0) - np.median(values[where_rec], axis=0)) / sd
        j = int(np.abs(gap).argmax())
        side = "higher" if gap[j] > 0 else "lower"
        text += (
            f", mostly where the {label(posterior.unknowns[j])} is {side} (median "
            f"{np.median(values[where_alt, j]):.3g} against {np.median(values[where_rec, j]):.3g})"
        )
    return head + text + "."
