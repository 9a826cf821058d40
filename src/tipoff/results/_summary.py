"""Season summaries: means with 95% intervals over runs, causes, arrests by place, daily series."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff.engines import SeasonOutput

__all__ = ["HEADLINE", "Interval", "SeasonSummary", "summarize"]

#: The totals every summary reports first (the ``--json`` contract of ``tipoff run``).
HEADLINE = (
    "deliveries",
    "delivered",
    "intercepted",
    "couriers_arrested",
    "family_arrested",
    "money_lost",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A season total over runs: its mean, the range holding 95% of seasons, and the mean's error.

    ``lo`` and ``hi`` are the 2.5th and 97.5th percentiles of the per-run totals: where one season
    may land. ``stderr`` is the standard error of ``mean`` (how precisely the runs pin it down).
    """

    mean: float
    lo: float
    hi: float
    stderr: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "stderr": self.stderr}


def _interval(values: npt.NDArray[np.int64]) -> Interval:
    v = values.astype(np.float64)
    n = v.size
    lo, hi = np.percentile(v, [2.5, 97.5]) if n else (0.0, 0.0)
    sd = float(v.std(ddof=1)) if n > 1 else 0.0
    return Interval(
        mean=float(v.mean()) if n else 0.0,
        lo=float(lo),
        hi=float(hi),
        stderr=sd / math.sqrt(max(n, 1)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonSummary:
    """What a batch of simulated seasons says, ready to print, export or chart."""

    output: SeasonOutput
    totals: dict[str, Interval]
    causes: dict[str, float]  # share of all interceptions by true cause (pooled over runs)
    courier_arrests_by_place: dict[str, float]  # mean per season
    family_arrests_by_place: dict[str, float]
    daily_mean: dict[str, npt.NDArray[np.float64]]
    daily_lo: dict[str, npt.NDArray[np.float64]]
    daily_hi: dict[str, npt.NDArray[np.float64]]

    @property
    def n_runs(self) -> int:
        return self.output.n_runs

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``tipoff run --json`` (plain types only)."""
        o = self.output
        return {
            "scenario": o.provenance.scenario,
            "runs": o.n_runs,
            "seed": o.provenance.seed,
            "horizon_days": o.horizon_days,
            "totals": {k: v.to_dict() for k, v in self.totals.items()},
            "causes": dict(self.causes),
            "arrests_by_place": {
                "couriers": dict(self.courier_arrests_by_place),
                "family": dict(self.family_arrests_by_place),
            },
            "daily": {
                name: {
                    "mean": self.daily_mean[name].round(6).tolist(),
                    "lo": self.daily_lo[name].round(6).tolist(),
                    "hi": self.daily_hi[name].round(6).tolist(),
                }
                for name in self.daily_mean
            },
            "provenance": o.provenance.to_dict(),
        }


def summarize(output: SeasonOutput, /) -> SeasonSummary:
    """Summarise a :class:`~tipoff.engines.SeasonOutput`.

    Per-day bands are mean +/- 1.96 standard deviations across runs, clipped at zero (computed from
    exact integer sums, so they do not depend on chunking).

    Examples
    --------
    >>> from tipoff.engines import simulate_season
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.scenario import load_preset
    >>> s = summarize(simulate_season(compile_scenario(load_preset("classroom")), n_runs=10, seed=1))
    >>> sorted(s.totals)[:2]
    ['attempted', 'couriers_arrested']
    """
    o = output
    totals = {name: _interval(o.totals[:, k]) for k, name in enumerate(o.metrics)}
    pooled = o.cause_counts.sum(axis=0)
    n_int = int(pooled.sum())
    causes = {c: (float(pooled[k]) / n_int if n_int else 0.0) for k, c in enumerate(o.causes)}
    n = o.n_runs
    mean = o.daily_sum / n
    var = np.maximum(o.daily_sumsq / n - mean**2, 0.0) * (n / max(n - 1, 1))
    sd = np.sqrt(var)
    return SeasonSummary(
        output=o,
        totals=totals,
        causes=causes,
        courier_arrests_by_place={
            p: float(o.courier_arrests_by_place[:, k].mean()) for k, p in enumerate(o.place_names)
        },
        family_arrests_by_place={
            p: float(o.family_arrests_by_place[:, k].mean()) for k, p in enumerate(o.place_names)
        },
        daily_mean={name: mean[k] for k, name in enumerate(o.metrics)},
        daily_lo={
            name: np.maximum(mean[k] - 1.96 * sd[k], 0.0) for k, name in enumerate(o.metrics)
        },
        daily_hi={name: mean[k] + 1.96 * sd[k] for k, name in enumerate(o.metrics)},
    )
