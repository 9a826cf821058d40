"""Simulation-based calibration (Talts et al. 2018) of ``tipoff calibrate`` on a small scenario.

For each of ``--datasets`` data sets: draw the unknowns from the prior, simulate one season of the
``classroom`` preset with them, report its counts through the observation model (binomial
reporting), calibrate against those reports, and record the rank of the true value among ``L``
posterior draws (thinned from the particles). If the posterior is right, every rank is uniform on
``0..L``; the script prints, per unknown, the chi-square p-value of the ranks' uniformity (bins of
equal width) and how often the central 50% and 90% posterior intervals cover the truth.

Run: ``PYTHONPATH=src python benchmarks/calibration_sbc.py --datasets 200 --workers 2``
(tests/analysis/calibration/test_calibration_slow.py runs a reduced version).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from scipy import stats

from tipoff.analysis.calibration import (
    SMCOptions,
    calibrate,
    observation_model,
    simulate_counts,
)
from tipoff.scenario import Observations, load_preset, parse_observations

SCENARIO = "classroom"
#: The observations template: the relations are filled in from each simulated data set.
TEMPLATE = """\
unknowns:
  operation.recruitment.initial: {{dist: uniform, low: 0.01, high: 0.6}}
  operation.harvest.community: {{dist: uniform, low: 0.0, high: 0.8}}
  reporting.src: {{dist: uniform, low: 0.3, high: 1.0}}
observations:
  - id: arrests
    source: simulated
    count: arrests
    roles: both
    places: [Hamhung, Hoeryong, Kaechon, Musan, Pyongyang]
    placed_by: where
    reported: "== {y0}"
    reporting: src
  - id: early-interceptions
    source: simulated
    count: interceptions
    places: [Hamhung, Hoeryong, Kaechon, Musan, Pyongyang]
    placed_by: where
    days: [0, 29]
    reported: "== {y1}"
"""


@dataclass(frozen=True)
class SBCResult:
    names: tuple[str, ...]
    ranks: np.ndarray  # (n_datasets, d) in 0..L
    n_draws: int  # L
    cover50: np.ndarray  # (d,) share of data sets whose central 50% interval holds the truth
    cover90: np.ndarray
    seasons: int
    seconds: float

    def chi2_p(self, bins: int = 10) -> np.ndarray:
        out = []
        for j in range(self.ranks.shape[1]):
            # ranks 0..L: L + 1 values; equal-width bins over them
            hist = np.bincount(self.ranks[:, j] * bins // (self.n_draws + 1), minlength=bins)
            out.append(stats.chisquare(hist).pvalue)
        return np.array(out)


def _observations(y0: int, y1: int) -> Observations:
    return parse_observations(TEMPLATE.format(y0=y0, y1=y1))


def run_sbc(
    n_datasets: int,
    *,
    n_particles: int = 128,
    runs_per_particle: int = 40,
    n_draws: int = 31,
    seed: int = 0,
    n_workers: int = 1,
    direct_fraction: float | None = None,
) -> SBCResult:
    """Ranks of the true unknowns among posterior draws, over ``n_datasets`` simulated data sets."""
    scenario = load_preset(SCENARIO)
    template = _observations(0, 0)
    om = observation_model(template, horizon_days=scenario.horizon_days)
    priors = list(template.unknowns.values())
    names = tuple(template.unknowns)
    paths = template.parameter_paths()
    rng = np.random.default_rng(seed)
    ranks, c50, c90 = [], [], []
    seasons = 0
    start = time.perf_counter()
    for i in range(n_datasets):
        truth = np.array([p.sample(rng, 1)[0] for p in priors])
        counts = simulate_counts(
            scenario, paths, truth[None, : len(paths)], 1, [int(rng.integers(2**62))], om.request
        )[0]
        true_counts = om.observed_values(counts)[0]
        y0 = int(rng.binomial(true_counts[0], truth[2]))
        y1 = int(true_counts[1])
        post = calibrate(
            scenario,
            _observations(y0, y1),
            runs_per_particle=runs_per_particle,
            seed=seed * 100_000 + i,
            n_workers=n_workers,
            options=SMCOptions(n_particles=n_particles)
            if direct_fraction is None
            else SMCOptions(n_particles=n_particles, direct_fraction=direct_fraction),
        )
        seasons += int(post.diagnostics["seasons_smc"])
        draws = post.draws[post.sample(rng, n_draws)]  # L draws taken by weight
        # ties (identical particles) are broken at random, as SBC requires
        below = (draws < truth).sum(axis=0)
        ties = (draws == truth).sum(axis=0)
        ranks.append(below + rng.integers(0, ties + 1))
        lo50, hi50 = post.quantile(0.25), post.quantile(0.75)
        lo90, hi90 = post.quantile(0.05), post.quantile(0.95)
        c50.append((lo50 <= truth) & (truth <= hi50))
        c90.append((lo90 <= truth) & (truth <= hi90))
    return SBCResult(
        names=names,
        ranks=np.array(ranks),
        n_draws=n_draws,
        cover50=np.mean(c50, axis=0),
        cover90=np.mean(c90, axis=0),
        seasons=seasons,
        seconds=time.perf_counter() - start,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--particles", type=int, default=128)
    ap.add_argument("--runs-per-particle", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument(
        "--direct-fraction",
        type=float,
        help="SMCOptions.direct_fraction (default: the sampler's; above 1: always temper)",
    )
    a = ap.parse_args()
    res = run_sbc(
        a.datasets,
        n_particles=a.particles,
        runs_per_particle=a.runs_per_particle,
        seed=a.seed,
        n_workers=a.workers,
        direct_fraction=a.direct_fraction,
    )
    n = len(res.ranks)
    print(
        f"SBC on {SCENARIO}: {n} data sets, {a.particles} particles x {a.runs_per_particle} "
        f"seasons, ranks among {res.n_draws} draws; {res.seasons:,} seasons in {res.seconds:.0f} s"
    )
    print(f"{'unknown':40s} {'chi2 p':>8s} {'50% cover':>10s} {'90% cover':>10s}")
    for j, name in enumerate(res.names):
        print(f"{name:40s} {res.chi2_p()[j]:8.3f} {res.cover50[j]:10.3f} {res.cover90[j]:10.3f}")
    print("goals: chi2 p >= 0.01; 50% cover 0.43-0.57; 90% cover 0.86-0.94")


if __name__ == "__main__":
    main()
