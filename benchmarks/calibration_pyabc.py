"""tipoff calibrate against pyabc's ABC-SMC on the seed problem: seasons and time to a given accuracy.

The problem: the seed scenario (``north-hamgyong-spring``), the seed observations (two reported
counts, coverage 0.5, reporting 0.9 and 0.5), 3 unknowns. Both methods target the same posterior:
pyabc's model simulates one draw of the reported population (two seasons, summed; each event
reported with its probability) and its distance is how far the reported counts are from satisfying
the relations (0 when both hold), so at epsilon 0 ABC accepts exactly when the reports hold: its
posterior is the exact one, the same as tipoff's.

In one run, the script

1. computes a long tipoff reference (``--ref-particles`` particles);
2. runs tipoff at increasing particle counts, and pyabc (population ``--population``, epsilon 4, 2, 1, then 0) generation by generation;
3. prints, for each, the seasons simulated, the wall time, and the Kolmogorov distance of each
   margin to the reference, and the first point where every margin is within 0.05.

Run (needs pyabc: ``pip install 'tipoff[bench-calibration]'``):
``PYTHONPATH=src python benchmarks/calibration_pyabc.py``; ``--quick`` for a smaller run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from tipoff.analysis.calibration import SMCOptions, calibrate, observation_model
from tipoff.engines.season import Tallies, simulate_season
from tipoff.model import compile_scenario, recompile_operation
from tipoff.scenario import load_preset, resolve_observations, with_params

SEED = "north-hamgyong-spring"
TARGET = 0.05
#: pyabc's epsilon per generation: the distance is 0 exactly when both reports hold
SCHEDULE = [4, 2, 1, 0, 0, 0, 0, 0]


def weighted_ks(x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray) -> float:
    """Kolmogorov distance between two weighted samples."""
    pts = np.union1d(x, y)

    def ecdf(v: np.ndarray, w: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="stable")
        cum = np.cumsum(w[order]) / w.sum()
        return np.concatenate([[0.0], cum])[np.searchsorted(v[order], pts, side="right")]

    return float(np.abs(ecdf(x, wx) - ecdf(y, wy)).max())


def max_ks(draws: np.ndarray, w: np.ndarray, ref: np.ndarray, wref: np.ndarray) -> float:
    return max(weighted_ks(draws[:, j], w, ref[:, j], wref) for j in range(ref.shape[1]))


def run_tipoff(scenario, obs, n: int, seed: int, runs: int | None = None):
    start = time.perf_counter()
    post = calibrate(
        scenario, obs, seed=seed, runs_per_particle=runs, options=SMCOptions(n_particles=n)
    )
    return post, time.perf_counter() - start


def run_pyabc(scenario, obs, ref, wref, population: int, generations: int, seed: int):
    import pyabc

    om = observation_model(obs, horizon_days=scenario.horizon_days)
    paths = obs.parameter_paths()
    base = compile_scenario(scenario)
    tallies = None
    rng = np.random.default_rng(seed)
    counter = {"calls": 0}

    def model(p: dict[str, float]) -> dict[str, int]:
        nonlocal tallies
        values = {path: float(p[f"x{j}"]) for j, path in enumerate(paths)}
        m = recompile_operation(base, with_params(scenario, values))
        if tallies is None:
            r = om.request
            tallies = Tallies(
                kind=np.asarray(r.kind, np.int8),
                by_home=np.asarray(r.by_home, np.bool_),
                places=r.places_mask(m.place_names),
                first_day=np.asarray(r.first_day, np.int32),
                last_day=np.asarray(r.last_day, np.int32),
            )
        counter["calls"] += 1
        out = simulate_season(
            m, n_runs=om.group_size, seed=int(rng.integers(2**62)), record_run=None,
            tallies=tallies,
        )  # fmt: skip
        region = om.observed_values(out.tally_counts).sum(axis=0)  # the sum of the slices
        rep = om.reporting_values(np.array([]))
        y = rng.binomial(region, rep)
        return {"y0": int(y[0]), "y1": int(y[1])}

    lows = np.array(om.low)

    def distance(a: dict[str, int], b: dict[str, int]) -> float:
        return float(max(0, lows[0] - a["y0"]) + max(0, lows[1] - a["y1"]))

    priors = list(obs.unknowns.values())
    rvs = {}
    for j, pr in enumerate(priors):
        if pr.dist == "uniform":
            rvs[f"x{j}"] = pyabc.RV("uniform", pr.low, pr.high - pr.low)
        elif pr.dist == "loguniform":
            rvs[f"x{j}"] = pyabc.RV("loguniform", pr.low, pr.high)
        else:
            rvs[f"x{j}"] = pyabc.RV("beta", pr.a, pr.b)
    abc = pyabc.ABCSMC(
        model,
        pyabc.Distribution(**rvs),
        distance,
        population_size=population,
        sampler=pyabc.sampler.SingleCoreSampler(),
        # distances are small integers: a quantile schedule stalls on ties, so step down to 0
        eps=pyabc.epsilon.ListEpsilon(SCHEDULE[:generations]),
    )
    db = os.path.join(tempfile.mkdtemp(prefix="tipoff-pyabc-"), "abc.db")
    abc.new("sqlite:///" + db, {"y0": int(lows[0]), "y1": int(lows[1])})
    rows = []
    start = time.perf_counter()
    for g in range(generations):
        history = abc.run(minimum_epsilon=-1.0, max_nr_populations=1)
        frame, w = history.get_distribution(t=history.max_t)
        draws = frame[[f"x{j}" for j in range(len(priors))]].to_numpy()
        pops = history.get_all_populations()
        eps = float(pops["epsilon"].iloc[-1])
        ks = max_ks(draws, np.asarray(w), ref, wref)
        w = np.asarray(w, dtype=float)
        ess = float(w.sum() ** 2 / (w * w).sum())
        rows.append((g, eps, om.group_size * counter["calls"],
                     time.perf_counter() - start, ks))  # fmt: skip
        print(
            f"  pyabc generation {g}: epsilon {eps:g}, {rows[-1][2]:,} seasons, "
            f"{rows[-1][3]:.0f} s, ESS {ess:.0f}, max KS {ks:.3f}",
            flush=True,
        )
        if eps <= 0 and ks <= TARGET:
            break
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--ref-particles", type=int, default=8192)
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--generations", type=int, default=8)
    a = ap.parse_args()
    if a.quick:
        a.ref_particles, a.population, a.generations = 2048, 400, 5
    scenario = load_preset(SEED)
    obs = resolve_observations(SEED, scenario=scenario)
    print(f"reference: tipoff, {a.ref_particles} particles", flush=True)
    ref, t_ref = run_tipoff(scenario, obs, a.ref_particles, seed=12345)
    print(
        f"  {ref.diagnostics['seasons_smc']:,} seasons, {t_ref:.0f} s, "
        f"weight ESS {ref.diagnostics['weight_ess']:.0f}",
        flush=True,
    )
    first_tipoff = None
    for n in (256, 512, 1024, 2048):
        post, secs = run_tipoff(scenario, obs, n, seed=n)
        ks = max_ks(post.draws, post.weights, ref.draws, ref.weights)
        seasons = int(post.diagnostics["seasons_smc"])
        ess = post.diagnostics["weight_ess"]
        print(
            f"  tipoff {n} particles: {seasons:,} seasons, {secs:.1f} s, ESS {ess:.0f}, "
            f"max KS {ks:.3f}",
            flush=True,
        )
        if ks <= TARGET and first_tipoff is None:
            first_tipoff = (n, seasons, secs)
    print("pyabc ABC-SMC", flush=True)
    rows = run_pyabc(scenario, obs, ref.draws, ref.weights, a.population, a.generations, seed=7)
    first_abc = next(((g, s, t) for g, e, s, t, k in rows if k <= TARGET and e <= 0), None)
    print()
    if first_tipoff:
        print(
            f"tipoff reaches max KS <= {TARGET}: {first_tipoff[1]:,} seasons, "
            f"{first_tipoff[2]:.1f} s ({first_tipoff[0]} particles)"
        )
    else:
        print(f"tipoff did not reach max KS <= {TARGET} in these runs")
    if first_abc:
        print(
            f"pyabc reaches max KS <= {TARGET} at epsilon 0: {first_abc[1]:,} seasons, "
            f"{first_abc[2]:.0f} s (generation {first_abc[0]})"
        )
        if first_tipoff:
            print(
                f"seasons ratio pyabc / tipoff: {first_abc[1] / first_tipoff[1]:.1f}x; "
                f"time ratio: {first_abc[2] / first_tipoff[2]:.1f}x"
            )
    else:
        last = rows[-1]
        print(
            f"pyabc did not reach max KS <= {TARGET} at epsilon 0 within {len(rows)} "
            f"generations ({last[2]:,} seasons, {last[3]:.0f} s; last max KS {last[4]:.3f})"
        )


if __name__ == "__main__":
    main()
