"""Seasons per unit of effective sample size: how many seasons per particle, and against ABC.

On the seed problem (the seed scenario and the seed observations, 3 unknowns), for importance
sampling from the prior with unbiased likelihood estimates as weights (what ``tipoff calibrate``
does when the reports are weak), the effective sample size of ``N`` particles of ``R`` seasons is
``N (E[L_hat])^2 / E[L_hat^2]``, so the seasons spent per unit of it are

    R * E[L_hat^2] / E[L_hat]^2        (expectations over the prior and the seasons)

which the script measures for several ``R`` from one pool of simulated seasons: ``--draws`` prior
draws, ``--runs`` seasons each, cut into blocks of ``R`` seasons, each block one likelihood
estimate (tipoff's own, :meth:`ObservationModel.likelihoods`). Rejection ABC at epsilon 0 (a prior
draw accepted when the reports hold in one simulated region of K seasons) spends
``K / E[L]`` seasons per accepted draw, each an independent posterior draw: its seasons per unit
of effective sample size. The ratio of the two is the most a pseudo-marginal sampler can gain over
ABC on this problem with this estimate, before either's Monte Carlo overheads.

Run: ``PYTHONPATH=src python benchmarks/calibration_seasons.py`` (``--quick``: a smaller pool).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tipoff.analysis.calibration import observation_model, simulate_counts
from tipoff.scenario import load_preset, resolve_observations

SEED = "north-hamgyong-spring"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--draws", type=int, default=16384)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=99)
    a = ap.parse_args()
    if a.quick:
        a.draws, a.runs = 2048, 100
    scenario = load_preset(SEED)
    obs = resolve_observations(SEED, scenario=scenario)
    om = observation_model(obs, horizon_days=scenario.horizon_days)
    rng = np.random.default_rng(a.seed)
    theta = np.column_stack([p.sample(rng, a.draws) for p in obs.unknowns.values()])
    seeds = rng.integers(2**62, size=a.draws)
    start = time.perf_counter()
    counts = np.concatenate(
        [
            simulate_counts(
                scenario,
                obs.parameter_paths(),
                theta[i : i + 512],
                a.runs,
                list(seeds[i : i + 512]),
                om.request,
            )
            for i in range(0, a.draws, 512)
        ]
    )
    print(
        f"{a.draws:,} prior draws x {a.runs} seasons ({a.draws * a.runs:,} seasons) in "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )
    none = np.zeros((a.draws, 0))
    full = om.likelihoods(counts, none)
    mean_l = float(full.mean())
    abc = om.group_size / mean_l
    print(f"E[L] over the prior: {mean_l:.5f}; rejection ABC: {abc:.0f} seasons per unit of ESS")
    print("R (seasons per particle) | seasons per unit of ESS | estimates not zero | ABC / tipoff")
    rows = []
    for r in (2, 4, 6, 8, 10, 16, 20, 50, 100):
        if r < om.group_size or r > a.runs:
            continue
        est = np.concatenate(
            [om.likelihoods(counts[:, b : b + r], none) for b in range(0, a.runs - r + 1, r)]
        )
        spe = r * float(np.mean(est**2)) / float(np.mean(est)) ** 2
        print(f"{r:4d} | {spe:7.1f} | {np.mean(est > 0):5.2f} | {abc / spe:5.2f}", flush=True)
        rows.append((r, spe))
    # seasons per unit of ESS = A R + C1 + C2 / R for a U-statistic of degree K: A the prior's
    # inefficiency, C1 the floor set by how much one season's counts vary, C2 the pairs' own noise
    rr, y = np.array(rows, dtype=float).T
    (a_, c1, c2), *_ = np.linalg.lstsq(np.column_stack([rr, np.ones_like(rr), 1 / rr]), y)
    print(
        f"fit: seasons per unit of ESS = {a_:.2f} R + {c1:.1f} + {c2:.1f} / R; its least "
        f"{2 * np.sqrt(max(a_ * c2, 0)) + c1:.1f}; the floor {c1:.1f} (R -> 0 with no pair noise) "
        f"caps the ratio to rejection ABC at {abc / c1:.1f}"
    )


if __name__ == "__main__":
    main()
