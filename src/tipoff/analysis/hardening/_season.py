"""Confirm plans with the season simulator: arrests, deliveries, money that reached families.

Every plan is simulated with the same seed as today's procedure, so run ``k`` of both starts from
the same ``SeedSequence``; differences are taken run by run (paired) and their standard error is
the standard deviation of the per-run differences over ``sqrt(n_runs)``. The pairing is valid
whatever the correlation between the two runs of a pair; it only makes the error smaller when
there is some. A difference counts as real only when it exceeds ``Z`` standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.scenario import Scenario

__all__ = ["BASE_FEE", "COMPARED", "Estimate", "SeasonCheck", "Z", "season_check", "season_runs"]

#: ASSUMPTION: today's total brokerage fee, a share of the amount (docs/sources.md §1.2 and §6: about
#: 30% typical, 15-50%). Money that reaches families is ``money_delivered * (1 - fee)``.
BASE_FEE = 0.30
#: Standard errors a paired difference must exceed to count (about 95%, two-sided).
Z = 2.0
#: Metrics compared with today's procedure, run by run.
COMPARED = ("intercepted", "arrests", "money_net")

Runs = dict[str, npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """A mean over simulated seasons and its standard error."""

    mean: float
    stderr: float

    @property
    def significant(self) -> bool:
        """Whether the mean differs from 0 by more than ``Z`` standard errors."""
        return abs(self.mean) > Z * self.stderr

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "stderr": self.stderr}


def _estimate(v: npt.NDArray[np.float64]) -> Estimate:
    n = v.size
    sd = float(v.std(ddof=1)) if n > 1 else 0.0
    return Estimate(mean=float(v.mean()) if n else 0.0, stderr=sd / math.sqrt(max(n, 1)))


def season_runs(scenario: Scenario, /, *, n_runs: int, seed: int, fee: float) -> Runs:
    """Per-run season totals of ``scenario``: the simulator's metrics plus arrests and net money.

    ``arrests`` is couriers plus family members arrested; ``money_net`` is the money delivered
    times ``1 - fee`` (today's fee plus the plan's added share).
    """
    out = simulate_season(compile_scenario(scenario), n_runs=n_runs, seed=seed, record_run=None)
    runs: Runs = {m: out.total(m).astype(np.float64) for m in out.metrics}
    runs["arrests"] = runs["couriers_arrested"] + runs["family_arrested"]
    runs["money_net"] = runs["money_delivered"] * max(0.0, 1.0 - fee)
    return runs


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonCheck:
    """A plan's seasons, and how they differ from today's procedure's (paired by run).

    Attributes
    ----------
    n_runs, seed : int
        Simulated seasons and their seed (the same for every plan).
    totals : dict of str to Estimate
        Per-season means of ``deliveries``, ``delivered``, ``stalled``, ``intercepted``,
        ``couriers_arrested``, ``family_arrested``, ``arrests``, ``money_delivered``, ``money_net``.
    versus_baseline : dict of str to Estimate
        Plan minus today's procedure for ``intercepted``, ``arrests`` and ``money_net``.
    """

    n_runs: int
    seed: int
    totals: dict[str, Estimate]
    versus_baseline: dict[str, Estimate]

    @property
    def fewer_arrests(self) -> bool:
        """Arrests fall by more than ``Z`` standard errors of the paired difference."""
        d = self.versus_baseline["arrests"]
        return d.mean < 0 and d.significant

    @property
    def more_arrests(self) -> bool:
        """Arrests rise by more than ``Z`` standard errors of the paired difference."""
        d = self.versus_baseline["arrests"]
        return d.mean > 0 and d.significant

    def to_dict(self) -> dict[str, object]:
        return {
            "runs": self.n_runs,
            "seed": self.seed,
            "totals": {k: v.to_dict() for k, v in self.totals.items()},
            "versus_baseline": {k: v.to_dict() for k, v in self.versus_baseline.items()},
        }


_TOTALS = (
    "deliveries",
    "delivered",
    "stalled",
    "intercepted",
    "couriers_arrested",
    "family_arrested",
    "arrests",
    "money_delivered",
    "money_net",
)


def season_check(runs: Runs, baseline: Runs, /, *, seed: int) -> SeasonCheck:
    """Summarise a plan's runs and compare them with today's, run by run."""
    n = runs["arrests"].size
    if baseline["arrests"].size != n:
        raise ValueError("a plan and today's procedure must be simulated with as many runs")
    return SeasonCheck(
        n_runs=n,
        seed=seed,
        totals={k: _estimate(runs[k]) for k in _TOTALS},
        versus_baseline={k: _estimate(runs[k] - baseline[k]) for k in COMPARED},
    )
