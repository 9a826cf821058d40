"""Heavy checks of ``calibrate`` on a real scenario (marker ``slow``).

- one unknown and an exact count: the posterior CDF against a fine grid computed by brute-force
  simulation (Kolmogorov distance at most 0.03);
- a reduced simulation-based calibration (Talts et al. 2018); the full one, with 200 data sets, is
  ``benchmarks/calibration_sbc.py``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from tipoff.analysis.calibration import (
    SMCOptions,
    calibrate,
    observation_model,
    simulate_counts,
)
from tipoff.scenario import load_preset, parse_observations

pytestmark = pytest.mark.slow

OBS = """\
unknowns:
  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}
observations:
  - id: arrests
    source: a test report
    count: arrests
    roles: both
    places: [Hamhung, Hoeryong, Kaechon, Musan, Pyongyang]
    placed_by: where
    reported: "== 3"
"""


def test_one_parameter_posterior_matches_a_brute_force_grid() -> None:
    scenario = load_preset("classroom")
    obs = parse_observations(OBS, scenario=scenario)
    om = observation_model(obs, horizon_days=scenario.horizon_days)
    paths = obs.parameter_paths()
    # the grid: P(count == 3 | theta) by simulation at 61 points, 4000 seasons each
    grid = np.linspace(0.01, 0.6, 61)
    seasons = 4000
    counts = simulate_counts(
        scenario, paths, grid[:, None], seasons, list(range(1000, 1000 + len(grid))), om.request
    )
    values = om.observed_values(counts.reshape(-1, counts.shape[2])).reshape(len(grid), seasons)
    like = (values == 3).mean(axis=1)
    like_se = np.sqrt(like * (1 - like) / seasons)
    assert (like > 5 * like_se).all(), "the grid must resolve the likelihood everywhere"
    # the posterior CDF on the grid: piecewise-linear density, integrated exactly
    fine = np.linspace(0.01, 0.6, 5901)
    dens = np.interp(fine, grid, like)
    cdf = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2)])
    cdf /= cdf[-1]

    post = calibrate(
        scenario,
        obs,
        runs_per_particle=40,
        seed=3,
        options=SMCOptions(n_particles=4096),
    )
    order = np.argsort(post.draws[:, 0], kind="stable")
    x, w = post.draws[order, 0], post.weights[order]
    cum = np.cumsum(w)
    f = np.interp(x, fine, cdf)
    ks = max(np.abs(cum - f).max(), np.abs(cum - w - f).max())
    assert ks <= 0.03, ks


def test_reduced_simulation_based_calibration() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
    sbc = importlib.import_module("calibration_sbc")
    res = sbc.run_sbc(40, n_particles=64, runs_per_particle=30, n_draws=15, seed=2)
    # with 40 data sets only gross miscalibration is detectable: ranks not uniform at p < 0.001,
    # or 90% intervals covering the truth less than 75% of the time (binomial 40, 0.9: P < 0.1%)
    assert (res.chi2_p(bins=5) >= 0.001).all(), res.chi2_p(bins=5)
    assert (res.cover90 >= 0.75).all(), res.cover90
    assert (res.cover50 >= 0.25).all() and (res.cover50 <= 0.75).all(), res.cover50
