"""Benchmark: the exact exposure engine against static Monte Carlo on 100,000 deliveries, 1,000 parties.

Run with ``.venv/bin/python benchmarks/exact.py`` (one core: BLAS threads are pinned to 1 before
numpy loads). It prints the time of the exact engine (P(intercepted) only, and the full
``exposure()`` call with every counterfactual), the time static Monte Carlo needs to reach a
standard error of 0.001 on every delivery, and their ratio. Monte Carlo is timed on a subset of
rows with a pilot number of samples and extrapolated linearly in rows and samples (its cost is
linear in both); the pilot's largest per-row variance sets the samples needed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from tipoff.engines.exact import Deliveries, exposure, layout  # noqa: E402
from tipoff.engines.exact._closed_form import (  # noqa: E402
    catch_table,
    expected_catch,
    state_probabilities,
)
from tipoff.engines.exact._montecarlo import sample  # noqa: E402
from tipoff.model import CompiledModel, compile_scenario  # noqa: E402
from tipoff.scenario import Scenario  # noqa: E402

TARGET_SE = 0.001


def network(n_senders: int = 400, n_relays: int = 150, n_couriers: int = 50) -> CompiledModel:
    """400 senders, 400 families, 150 relays in 10 communities, 50 couriers: 1,000 parties."""
    relay_ids = [f"r{k:03d}" for k in range(1, n_relays + 1)]
    spec = {
        "name": "bench-1000",
        "horizon_days": 90,
        "generate": {
            "senders": {
                "count": n_senders,
                "relays": relay_ids,
                "relays_per_sender": 2,
                "communities": ["diaspora-a", "diaspora-b"],
            },
            "recipients": {"per_sender": 1, "homes": ["Hamhung", "Pyongyang", "Kaechon"]},
            "relays": {
                "count": n_relays,
                "communities": [f"town{k}" for k in range(10)],
                "couriers_per_relay": 2,
            },
            "couriers": {"count": n_couriers, "homes": ["Hoeryong", "Musan", "Onsong"]},
        },
        "protocol": [
            {
                "from": "sender",
                "to": "relay",
                "items": ["recipient_identity", "recipient_address", "amount"],
                "lead_days": 10,
            },
            {
                "from": "courier",
                "to": "relay",
                "items": ["schedule", "courier_identity"],
                "lead_days": 3,
            },
            {
                "from": "relay",
                "to": "courier",
                "items": ["recipient_address", "schedule", "amount"],
                "lead_days": 3,
            },
        ],
        "operation": {
            "recruitment": {"initial": 0.08, "daily_hazard": 0.0005},
            "harvest": {"community": 0.2},
            "relay": {"success": 0.7, "delay_days": 2},
            "response": {
                "catch": {
                    "address_and_schedule": 0.9,
                    "address_only": 0.4,
                    "courier_identity": 0.3,
                },
                "meeting_point_factor": 0.2,
            },
            "background": 0.01,
        },
    }
    return compile_scenario(Scenario.model_validate(spec))


def deliveries(model: CompiledModel, n: int, seed: int = 1) -> Deliveries:
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    sender = gen.integers(0, model.n_senders, n)
    lo, hi = model.sender_chain_indptr[sender], model.sender_chain_indptr[sender + 1]
    chain = model.sender_chain_indices[lo + (gen.random(n) * (hi - lo)).astype(np.int64)]
    recipient = model.sender_recipient_indices[model.sender_recipient_indptr[sender]]
    return Deliveries.from_arrays(
        model,
        sender=sender,
        chain=chain,
        recipient=recipient,
        day=gen.integers(0, model.horizon_days, n),
        mode=(gen.random(n) < 0.3).astype(np.int8),
    )


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--mc-rows", type=int, default=1_000)
    ap.add_argument("--pilot-samples", type=int, default=4_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    model = network()
    rows = deliveries(model, args.rows)
    op = model.operation
    table = catch_table(op)

    def exact_p() -> np.ndarray:
        lay = layout(model, rows)
        e = expected_catch(state_probabilities(lay, op), lay.mode, table)
        return 1.0 - (1.0 - op.background) * (1.0 - e)

    t_exact = best_of(exact_p, args.repeat)
    t_full = best_of(lambda: exposure(model, deliveries=rows), args.repeat)
    p = exact_p()

    sub = Deliveries.from_arrays(
        model,
        sender=rows.sender[: args.mc_rows],
        chain=rows.chain[: args.mc_rows],
        recipient=rows.recipient[: args.mc_rows],
        day=rows.day[: args.mc_rows],
        mode=rows.mode[: args.mc_rows],
    )
    lay_sub = layout(model, sub)
    score = 1.0 - (1.0 - op.background) * (1.0 - table)
    t0 = time.perf_counter()
    est = sample(
        lay_sub,
        relay_success=op.relay_success,
        harvest=op.harvest,
        score=score,
        variants=[],
        n_samples=args.pilot_samples,
        seed=1,
    )
    t_pilot = time.perf_counter() - t0
    var = est.stderr**2 * args.pilot_samples
    need = int(np.ceil(var.max() / TARGET_SE**2))
    t_mc = t_pilot * (args.rows / args.mc_rows) * (need / args.pilot_samples)
    z = (est.p - p[: args.mc_rows]) / np.maximum(est.stderr, 1e-12)

    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
        f"numpy {np.__version__}, 1 thread"
    )
    print(
        f"model: {model.n_parties} parties, {model.n_chains} chains, {model.n_communities} "
        f"communities; {len(rows):,} deliveries"
    )
    print(f"exact, P(intercepted) only:         {t_exact:8.3f} s (best of {args.repeat})")
    print(f"exact, full exposure() call:        {t_full:8.3f} s (with every counterfactual)")
    print(
        f"Monte Carlo pilot: {args.mc_rows:,} rows x {args.pilot_samples:,} samples in "
        f"{t_pilot:.2f} s; |z| max {np.abs(z).max():.2f} against exact"
    )
    print(
        f"samples for a standard error of {TARGET_SE} on every row: {need:,} "
        f"(largest per-row variance {var.max():.4f})"
    )
    print(f"Monte Carlo, extrapolated:          {t_mc:8.1f} s")
    print(
        f"ratio Monte Carlo / exact:          {t_mc / t_exact:8.0f}x "
        f"({t_mc / t_full:.0f}x against the full call)"
    )


if __name__ == "__main__":
    main()
