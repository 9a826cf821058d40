"""Speed of attribution: tipoff's vectorised Gibbs and exact methods, and PyMC / NumPyro if installed.

1. Scale: 500 candidates and about 5,000 deliveries (``--relays``, ``--per-relay``), timed end to
   end (``attribute``: evidence, sampling, diagnostics, intervals), in the persistent model and
   (``--hazard``) the turning model. Goal: under 10 s.
2. Time to the same accuracy: on seed-scale logs, the exact method is the reference; each sampler
   runs with more and more draws until its largest marginal error is at most 0.02, and the time it
   took is reported. tipoff also runs once with its defaults (adaptive stopping) and with
   ``method="auto"``. PyMC (BinaryGibbsMetropolis for the informants, NUTS for the rates) and
   NumPyro (DiscreteHMCGibbs) run the same model: noisy-OR over pooled deliveries, Beta priors,
   informants persistent, no watched homes (so tipoff runs with ``turnover=False,
   watched_homes=False`` here). Install them with
   ``pip install -e ".[bench-attribution]"`` (a separate virtual environment is fine: run this
   script with its python, tipoff installed in it with ``pip install -e .``); without them this
   part says so. Every time is wall-clock on the machine at hand: compare ratios from one run.

    .venv/bin/python benchmarks/attribution_speed.py
    /path/to/bench-venv/bin/python benchmarks/attribution_speed.py --skip numpyro
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_common import model_of, network_yaml, simulated_log

from tipoff.analysis.attribution import AttributionWarning, attribute
from tipoff.analysis.attribution import _timeline as timeline
from tipoff.analysis.attribution._attribute import DEFAULT_STRENGTH
from tipoff.analysis.attribution._evidence import Evidence, build_evidence
from tipoff.scenario import preset_text

TARGET = 0.02
#: The model the outside samplers run: informants fixed over the log, no watched homes.
SAME_MODEL = {"turnover": False, "watched_homes": False}


def dense(ev: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    R = np.zeros((ev.n_candidates, ev.n_patterns))
    R[ev.entry_candidate, ev.entry_pattern] = ev.entry_weight
    return R, ev.n_delivered, ev.n_intercepted


def run_pymc(ev: Evidence, draws: int, seed: int) -> np.ndarray:
    import pymc as pm
    import pytensor.tensor as pt

    R, nd, ni = dense(ev)
    a_t, b_t = (
        ev.theta_prior_mean * DEFAULT_STRENGTH[0],
        (1 - ev.theta_prior_mean) * DEFAULT_STRENGTH[0],
    )
    m_e = max(ev.background_prior_mean, 1e-3)
    with pm.Model():
        z = pm.Bernoulli("z", p=ev.prior, shape=ev.n_candidates)
        theta = pm.Beta("theta", a_t, b_t)
        eps = pm.Beta("eps", m_e * DEFAULT_STRENGTH[1], (1 - m_e) * DEFAULT_STRENGTH[1])
        log_q = pt.dot(z, pt.log1p(-pt.minimum(theta * R, 1 - 1e-12)))
        p_int = 1 - (1 - eps) * pt.exp(log_q)
        pm.Binomial("y", n=nd + ni, p=pt.clip(p_int, 1e-12, 1 - 1e-12), observed=ni)
        idata = pm.sample(
            draws=draws,
            tune=max(200, draws // 2),
            chains=4,
            cores=1,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
            step=[pm.BinaryGibbsMetropolis([z]), pm.NUTS([theta, eps])],
        )
    return np.asarray(idata.posterior["z"].mean(dim=("chain", "draw")))


def run_numpyro(ev: Evidence, draws: int, seed: int) -> np.ndarray:
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS, DiscreteHMCGibbs

    R, nd, ni = (jnp.asarray(x) for x in dense(ev))
    a_t, b_t = (
        ev.theta_prior_mean * DEFAULT_STRENGTH[0],
        (1 - ev.theta_prior_mean) * DEFAULT_STRENGTH[0],
    )
    m_e = max(ev.background_prior_mean, 1e-3)

    def model() -> None:
        z = numpyro.sample("z", dist.Bernoulli(probs=jnp.asarray(ev.prior)))
        theta = numpyro.sample("theta", dist.Beta(a_t, b_t))
        eps = numpyro.sample(
            "eps", dist.Beta(m_e * DEFAULT_STRENGTH[1], (1 - m_e) * DEFAULT_STRENGTH[1])
        )
        log_q = z @ jnp.log1p(-jnp.minimum(theta * R, 1 - 1e-12))
        p_int = jnp.clip(1 - (1 - eps) * jnp.exp(log_q), 1e-12, 1 - 1e-12)
        numpyro.sample("y", dist.Binomial(total_count=nd + ni, probs=p_int), obs=ni)

    mcmc = MCMC(
        DiscreteHMCGibbs(NUTS(model)),
        num_warmup=max(200, draws // 2),
        num_samples=draws,
        num_chains=1,
        progress_bar=False,
    )
    mcmc.run(jax.random.PRNGKey(seed))
    return np.asarray(mcmc.get_samples()["z"].mean(axis=0))


def time_to_accuracy(  # type: ignore[no-untyped-def]
    name: str, logs: list, fn, budget_s: float, ladder=(250, 500, 1000, 2000, 4000, 8000)
) -> float | None:
    """Seconds (all logs) at the first rung of the ladder whose largest error is within TARGET."""
    for draws in ladder:
        t0 = time.perf_counter()
        worst = 0.0
        for model, log, exact in logs:
            p = fn(model, log, draws)
            worst = max(worst, float(np.max(np.abs(p - exact))))
        took = time.perf_counter() - t0
        print(
            f"  {name:<26} draws {draws:>5}: max error {worst:.4f}, {took:7.2f} s for {len(logs)} logs"
        )
        if worst <= TARGET:
            return took
        if took > budget_s:
            return None
    return None


def once(name: str, logs: list, fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Best of ``repeat`` timings of one pass over the logs, and the largest error."""
    best, worst = float("inf"), 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        worst = 0.0
        for model, log, exact in logs:
            worst = max(worst, float(np.max(np.abs(fn(model, log) - exact))))
        best = min(best, time.perf_counter() - t0)
    print(
        f"  {name:<26} max error {worst:.4f}, {best:7.3f} s for {len(logs)} logs (best of {repeat})"
    )
    return best


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--relays", type=int, default=500)
    ap.add_argument("--per-relay", type=float, default=10.0, help="deliveries per relay")
    ap.add_argument("--logs", type=int, default=3, help="seed-scale logs for time-to-accuracy")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds per outside sampler")
    ap.add_argument("--hazard", type=float, default=0.001, help="daily hazard, turning model run")
    ap.add_argument("--skip", nargs="*", default=[], help="parts to skip: scale pymc numpyro")
    args = ap.parse_args()

    if "scale" not in args.skip:
        print(
            f"1. Scale: {args.relays} relays (candidates), about "
            f"{args.relays * args.per_relay:.0f} deliveries"
        )
        warmed = False
        for hazard in (0.0, args.hazard):
            m = model_of(
                network_yaml(
                    n_relays=args.relays,
                    deliveries_per_relay=args.per_relay,
                    horizon_days=180,
                    daily_hazard=hazard,
                )
            )
            s = simulated_log(m, 1)
            ev = build_evidence(s.log, m, by_day=hazard > 0)
            print(
                f"   {'turning' if hazard else 'persistent'} model: {len(s.log)} deliveries, "
                f"{ev.n_candidates} candidates, {ev.n_patterns} patterns"
            )
            if hazard and not warmed:  # compile the passes once (numba caches them on disk)
                t0 = time.perf_counter()
                tiny = simulated_log(model_of(preset_text("classroom")), 1)
                attribute(tiny.log, tiny.model, method="exact")
                print(f"   (compiling the passes, once: {time.perf_counter() - t0:.2f} s)")
                warmed = True
            for method in ("gibbs", "exact", "auto"):
                t0 = time.perf_counter()
                r = attribute(s.log, m, method=method, seed=1)
                print(
                    f"   {method:<6} {time.perf_counter() - t0:6.2f} s  ({r.method}; max R-hat "
                    f"{r.diagnostics.get('max_rhat', '-')}, draws {r.diagnostics.get('draws', '-')})"
                )
                if hazard and method == "auto":
                    # the baseline: the same exact method with the numpy passes
                    timeline.COMPILED = False
                    try:
                        t0 = time.perf_counter()
                        base = attribute(s.log, m, method=method, seed=1)
                        took = time.perf_counter() - t0
                    finally:
                        timeline.COMPILED = True
                    diff = max(
                        abs(base.party(q.id).p_compromised - q.p_compromised) for q in r.parties
                    )
                    print(
                        f"   {method:<6} {took:6.2f} s  with the numpy passes (the baseline); "
                        f"largest difference {diff:.1e}"
                    )

    print("2. Time to max marginal error <= 0.02 against the exact method (seed-scale logs)")
    text = preset_text("north-hamgyong-spring").replace(
        "per_sender_per_year: 1.6", "per_sender_per_year: 4.0"
    )
    small = model_of(text)
    logs = []
    for k in range(args.logs):
        sl = simulated_log(small, 100 + k)
        e = attribute(sl.log, small, method="exact", **SAME_MODEL)
        ev_k = build_evidence(sl.log, small)
        exact = np.array([e.party(small.party_ids[p]).p_compromised for p in ev_k.party])
        logs.append((small, sl.log, exact))

    def ours(model, log, draws, **kw):  # type: ignore[no-untyped-def]
        ev_k = build_evidence(log, model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AttributionWarning)
            r = attribute(log, model, seed=draws, **SAME_MODEL, **kw)
        return np.array([r.party(model.party_ids[p]).p_compromised for p in ev_k.party])

    times: dict[str, float | None] = {}
    times["tipoff gibbs, ladder"] = time_to_accuracy(
        "tipoff gibbs (no early stop)",
        logs,
        lambda mo, lo, d: ours(
            mo,
            lo,
            d,
            method="gibbs",
            n_draws=max(10, d // 5),
            n_warmup=max(20, d // 10),
            stop_early=False,
        ),
        args.budget,
        ladder=(50, 100, 250, 500, 1000, 2000, 4000, 8000),
    )
    times["tipoff gibbs, defaults"] = once(
        "tipoff gibbs (defaults)", logs, lambda mo, lo: ours(mo, lo, 1, method="gibbs")
    )
    times["tipoff auto"] = once("tipoff auto (exact here)", logs, lambda mo, lo: ours(mo, lo, 1))
    for name, runner in (("pymc", run_pymc), ("numpyro", run_numpyro)):
        if name in args.skip:
            continue
        try:
            __import__(name)
        except ImportError:
            print(f"  {name}: not installed (pip install -e '.[bench-attribution]'); skipped")
            continue
        took = time_to_accuracy(
            name, logs, lambda mo, lo, d, f=runner: f(build_evidence(lo, mo), d, 1), args.budget
        )
        if took is None:
            continue
        for ours_name, t in times.items():
            if t:
                print(f"  {name} / {ours_name}: {took / t:.0f}x")


if __name__ == "__main__":
    main()
