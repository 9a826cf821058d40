"""Speed of attribution: tipoff's vectorised Gibbs and exact methods, and PyMC / NumPyro if installed.

1. Scale: 500 candidates and about 5,000 deliveries (``--relays``, ``--per-relay``), timed end to
   end (``attribute``: evidence, sampling, diagnostics, intervals). Goal: under 10 s.
2. Time to the same accuracy: on seed-scale logs, the exact method is the reference; each sampler
   runs with more and more draws until its largest marginal error is at most 0.02, and the time it
   took is reported. PyMC (BinaryGibbsMetropolis for the informants, NUTS for the rates) and
   NumPyro (DiscreteHMCGibbs) run the same model: noisy-OR over pooled deliveries, Beta priors.
   Install them with ``pip install -e ".[bench-attribution]"``; without them this part says so.

    .venv/bin/python benchmarks/attribution_speed.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_common import model_of, network_yaml, simulated_log

from tipoff.analysis.attribution import attribute
from tipoff.analysis.attribution._attribute import DEFAULT_STRENGTH
from tipoff.analysis.attribution._evidence import Evidence, build_evidence
from tipoff.scenario import preset_text

TARGET = 0.02


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


def time_to_accuracy(name: str, logs: list, fn, budget_s: float) -> None:  # type: ignore[no-untyped-def]
    for draws in (250, 500, 1000, 2000, 4000, 8000):
        t0 = time.perf_counter()
        worst = 0.0
        for model, log, exact in logs:
            p = fn(model, log, draws)
            worst = max(worst, float(np.max(np.abs(p - exact))))
        took = time.perf_counter() - t0
        print(
            f"  {name:<22} draws {draws:>5}: max error {worst:.4f}, {took:7.2f} s for {len(logs)} logs"
        )
        if worst <= TARGET or took > budget_s:
            return


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--relays", type=int, default=500)
    ap.add_argument("--per-relay", type=float, default=10.0, help="deliveries per relay")
    ap.add_argument("--logs", type=int, default=3, help="seed-scale logs for time-to-accuracy")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds per outside sampler")
    args = ap.parse_args()

    print(
        f"1. Scale: {args.relays} relays (candidates), about {args.relays * args.per_relay:.0f} deliveries"
    )
    m = model_of(
        network_yaml(n_relays=args.relays, deliveries_per_relay=args.per_relay, horizon_days=180)
    )
    s = simulated_log(m, 1)
    ev = build_evidence(s.log, m)
    print(f"   {len(s.log)} deliveries, {ev.n_candidates} candidates, {ev.n_patterns} patterns")
    for method in ("gibbs", "exact"):
        t0 = time.perf_counter()
        r = attribute(s.log, m, method=method, seed=1)
        print(
            f"   {method:<6} {time.perf_counter() - t0:6.2f} s  {r.diagnostics.get('max_rhat', '')}"
        )

    print("2. Time to max marginal error <= 0.02 against the exact method (seed-scale logs)")
    text = preset_text("north-hamgyong-spring").replace(
        "per_sender_per_year: 1.6", "per_sender_per_year: 4.0"
    )
    small = model_of(text)
    logs = []
    for k in range(args.logs):
        sl = simulated_log(small, 100 + k)
        e = attribute(sl.log, small, method="exact")
        ev_k = build_evidence(sl.log, small)
        exact = np.array([e.party(small.party_ids[p]).p_compromised for p in ev_k.party])
        logs.append((small, sl.log, exact))

    def ours(model, log, draws):  # type: ignore[no-untyped-def]
        ev_k = build_evidence(log, model)
        r = attribute(
            log,
            model,
            method="gibbs",
            seed=draws,
            n_draws=max(10, draws // 5),
            n_warmup=max(20, draws // 10),
        )
        return np.array([r.party(model.party_ids[p]).p_compromised for p in ev_k.party])

    time_to_accuracy("tipoff gibbs", logs, ours, args.budget)
    for name, runner in (("pymc", run_pymc), ("numpyro", run_numpyro)):
        try:
            __import__(name)
        except ImportError:
            print(f"  {name}: not installed (pip install -e '.[bench-attribution]'); skipped")
            continue
        time_to_accuracy(
            name, logs, lambda mo, lo, d, f=runner: f(build_evidence(lo, mo), d, 1), args.budget
        )


if __name__ == "__main__":
    main()
