"""Benchmark the season engine against a Mesa model of the same operation, and against its RNG.

Run from the repository root (needs the ``bench`` extra: ``pip install -e ".[bench]"``)::

    .venv/bin/python benchmarks/season.py [--quick] [--memory] [--json PATH]

For each case (the seed preset, and the same network ten times larger) it prints, measured in this
one process: tipoff's runs per second (default chunking, one worker), the Mesa reference model's
runs per second (``benchmarks/mesa_reference``) and their ratio (goal: at least 600); then how many
random numbers one run draws (counted from the run's draws, in the engine's documented order), the
time numpy takes to draw that many uniforms (``gen.random(n)`` from one stream), and tipoff's
per-run cost as a multiple of it (goal: at most 3). Every time is the best of 5 calls (1 with
``--quick``; shared machines are noisy, and the best of a few calls is the steadiest figure); Mesa
builds a new model per run, as a Mesa batch run does, and that is timed too. ``--memory`` also
measures the peak memory of ``simulate_season`` for 1,000 to 100,000 runs, each in a fresh
process. The first run after an install (compiling the engine) is ``benchmarks/cold_start.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaled import scaled_preset

from tipoff._rng import run_generators
from tipoff.engines import simulate_season
from tipoff.engines.season._tables import build_tables
from tipoff.model import CompiledModel, compile_scenario

SEED_PRESET = "north-hamgyong-spring"
MESA_GOAL = 600
RNG_GOAL = 3


def numbers_per_run(model: CompiledModel, deliveries_per_run: float) -> dict[str, float]:
    """Mean count of random numbers one run draws, by draw (``_kernel.draw_run``'s order): each
    distribution draw counts as one number (a rejection sampler may use a few raw outputs)."""
    tb = build_tables(model)
    sz, wl, rc = tb.sizes, tb.workload, tb.recruitment
    nc = rc.coercible.shape[0]
    n = deliveries_per_run
    n_gen = n - tb.explicit.day.shape[0]
    return {
        "informant_uniforms": nc,
        "turning_days": nc if rc.hazard > 0 else 0,
        "sender_counts": sz.n_senders if wl.lam_deliveries > 0 else 0,
        "delivery_days": n_gen,
        "amount_normals": n,
        "decision_uniforms": n * sz.n_cols,
        "recruits": sz.T if wl.lam_replace > 0 else 0,
        "courier_reveals": sz.n_pairs if tb.interrogation.reveal_couriers > 0 else 0,
    }


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def rng_floor(n_per_run: float, n_runs: int, repeats: int) -> dict[str, float]:
    """Seconds per run to draw ``n_per_run`` uniforms with ``gen.random(n)``, one call per run.

    ``one_stream``: every call on one generator (the bare cost of the numbers); ``streams``: a new
    generator per run from ``SeedSequence(seed, spawn_key=(run,))``, as tipoff's reproducibility
    policy requires.
    """
    n = max(1, round(n_per_run))
    gen = np.random.default_rng(0)

    def one_stream() -> None:
        for _ in range(n_runs):
            gen.random(n)

    def per_run_streams() -> None:
        for g in run_generators(0, 0, n_runs):
            g.random(n)

    return {
        "one_stream_s_per_run": best_of(repeats, one_stream) / n_runs,
        "streams_s_per_run": best_of(repeats, per_run_streams) / n_runs,
    }


def bench_case(
    label: str, model: CompiledModel, tipoff_runs: int, mesa_runs: int, repeats: int
) -> dict[str, Any]:
    import mesa_reference

    t_mesa = best_of(
        repeats, lambda: mesa_reference.run_mesa_season(model, n_runs=mesa_runs, seed=1)
    )
    mesa_per_run = t_mesa / mesa_runs
    simulate_season(model, n_runs=50, seed=0, record_run=None)  # compiled, or loaded from cache
    out: list[Any] = []
    t = best_of(
        repeats,
        lambda: out.append(simulate_season(model, n_runs=tipoff_runs, seed=1, record_run=None)),
    )
    per_run = t / tipoff_runs
    deliveries = float(out[-1].total("deliveries").mean())
    by_draw = numbers_per_run(model, deliveries)
    n_per_run = sum(by_draw.values())
    floor = rng_floor(n_per_run, tipoff_runs, repeats)
    return {
        "case": label,
        "parties": model.n_parties,
        "chains": model.n_chains,
        "couriers": model.n_couriers,
        "mesa_runs": mesa_runs,
        "mesa_s": t_mesa,
        "mesa_runs_per_s": mesa_runs / t_mesa,
        "deliveries_per_run": deliveries,
        "numbers_per_run": n_per_run,
        "numbers_by_draw_per_run": by_draw,
        "rng_one_stream_us_per_run": floor["one_stream_s_per_run"] * 1e6,
        "rng_streams_us_per_run": floor["streams_s_per_run"] * 1e6,
        "runs": tipoff_runs,
        "s": t,
        "runs_per_s": tipoff_runs / t,
        "us_per_run": per_run * 1e6,
        "speedup_vs_mesa": mesa_per_run / per_run,
        "multiple_of_rng_one_stream": per_run / floor["one_stream_s_per_run"],
        "multiple_of_rng_streams": per_run / floor["streams_s_per_run"],
    }


def report(r: dict[str, Any]) -> None:
    print(
        f"\n== {r['case']}: {r['parties']:,} parties, {r['chains']} chains, {r['couriers']} couriers"
    )
    print(
        f"  Mesa    {r['mesa_runs_per_s']:10.2f} runs/s  "
        f"({r['mesa_runs']} runs in {r['mesa_s']:.2f} s, a new model per run)"
    )
    ok_mesa = "met" if r["speedup_vs_mesa"] >= MESA_GOAL else "NOT met"
    ok_rng = "met" if r["multiple_of_rng_one_stream"] <= RNG_GOAL else "NOT met"
    print(
        f"  tipoff  {r['runs_per_s']:10.1f} runs/s  ({r['runs']:,} runs in {r['s']:.2f} s, "
        f"default chunks, 1 worker) = {r['us_per_run']:.1f} us/run"
    )
    draws = ", ".join(f"{k} {v:,.0f}" for k, v in r["numbers_by_draw_per_run"].items() if v)
    print(f"  random numbers per run: {r['numbers_per_run']:,.0f} ({draws})")
    print(
        f"  drawing them with numpy: {r['rng_one_stream_us_per_run']:.1f} us/run from one stream, "
        f"{r['rng_streams_us_per_run']:.1f} us/run with a new stream per run"
    )
    print(
        f"  {r['speedup_vs_mesa']:8.1f} x faster than Mesa (goal >= {MESA_GOAL}: {ok_mesa}); "
        f"{r['multiple_of_rng_one_stream']:.2f} x the one-stream draw (goal <= {RNG_GOAL}: "
        f"{ok_rng}), {r['multiple_of_rng_streams']:.2f} x with per-run streams"
    )


MEMORY_SCRIPT = """
import sys, tracemalloc
from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset
model = compile_scenario(load_preset("north-hamgyong-spring"))
simulate_season(model, n_runs=1, seed=1, record_run=None)
tracemalloc.start()
out = simulate_season(model, n_runs=int(sys.argv[1]), seed=1, record_run=None)
current, peak = tracemalloc.get_traced_memory()
kept = sum(a.nbytes for a in (out.totals, out.cause_counts, out.courier_arrests_by_place,
                              out.family_arrests_by_place, out.tally_counts))
print(peak, kept)
"""


def memory(sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> list[dict[str, float]]:
    """Peak memory allocated (numpy and Python, traced with ``tracemalloc``) during one
    ``simulate_season`` call in a fresh process, after the engine is loaded, next to the size of
    the per-run results it returns."""
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        peak, kept = map(int, done.stdout.split()[-2:])
        rows.append({"runs": n, "peak_mib": peak / 2**20, "results_mib": kept / 2**20})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a CI-sized check)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--memory", action="store_true", help="also measure peak memory for 1e3..1e5 runs"
    )
    args = parser.parse_args(argv)
    try:
        import mesa
    except ImportError:
        print("Mesa is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    import numba

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}, "
        f"numba {numba.__version__}, {platform.machine()} {platform.processor() or ''}".rstrip()
    )
    repeats = 1 if args.quick else 5
    seed_model = compile_scenario(scaled_preset(SEED_PRESET, 1))
    large_model = compile_scenario(scaled_preset(SEED_PRESET, 10))
    cases = [
        ("seed preset", seed_model, 200 if args.quick else 2000, 5 if args.quick else 50),
        ("seed preset x10", large_model, 20 if args.quick else 200, 2 if args.quick else 10),
    ]
    results = []
    for label, model, n_tip, n_mesa in cases:
        r = bench_case(label, model, n_tip, n_mesa, repeats)
        report(r)
        results.append(r)
    mem: list[dict[str, float]] = []
    if args.memory:
        mem = memory()
        print("\nmemory of one call (fresh process each), north-hamgyong-spring:")
        for m in mem:
            print(
                f"  {m['runs']:>7,} runs: peak allocated {m['peak_mib']:6.1f} MiB, of which "
                f"per-run results returned {m['results_mib']:5.1f} MiB"
            )
    if args.json:
        meta = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "machine": platform.machine(),
        }
        meta["numba"] = numba.__version__
        doc = {"meta": meta, "cases": results, "memory": mem}
        args.json.write_text(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
