"""Benchmark the season simulator against a Mesa model of the same operation, and against its RNG.

Run from the repository root (needs the ``bench`` extra: ``pip install -e ".[bench]"``; the numba
engine needs the ``fast`` extra)::

    .venv/bin/python benchmarks/season.py [--quick] [--cold-start] [--json PATH]

For each case (the seed preset, and the same network ten times larger) it prints, measured in this
one process and for each engine (``numpy``, and ``numba`` when it is installed): tipoff's runs per
second (default chunking, one worker), the Mesa reference model's runs per second
(``benchmarks/mesa_reference``) and their ratio (goal: at least 500); then how many random numbers
one run draws (counted by wrapping the ``Generator`` that ``draw_run`` uses), the time numpy takes
to draw that many uniforms (``gen.random(n)``), and tipoff's per-run cost as a multiple of it
(goal: at most 5). Every time is the best of 5 calls (1 with ``--quick``; shared machines are
noisy, and the best of a few calls is the steadiest figure); Mesa builds a new model
per run, as a Mesa batch run does, and that is timed too. ``--cold-start`` also times the numba
engine's first call in a fresh process, with an empty compilation cache and with a warm one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaled import scaled_preset

from tipoff._rng import run_generators
from tipoff.engines import simulate_season
from tipoff.engines.season._draws import draw_chunk, draw_run
from tipoff.engines.season._simulate import _numba_available
from tipoff.model import CompiledModel, compile_scenario

SEED_PRESET = "north-hamgyong-spring"


class CountingGenerator:
    """Wraps a ``numpy.random.Generator`` and counts the numbers each method returns."""

    def __init__(self, gen: np.random.Generator) -> None:
        self._gen = gen
        self.counts: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._gen, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            out = method(*args, **kwargs)
            self.counts[name] += int(np.size(out))
            return out

        return counted


def numbers_per_run(model: CompiledModel, n_runs: int, seed: int = 1) -> tuple[float, Counter]:
    """Mean count of random numbers ``draw_run`` draws per run, and the totals by method."""
    total: Counter[str] = Counter()
    for gen in run_generators(seed, 0, n_runs):
        counting = CountingGenerator(gen)
        draw_run(model, counting)  # type: ignore[arg-type]
        total.update(counting.counts)
    return sum(total.values()) / n_runs, total


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


def engines() -> list[str]:
    return ["numpy", "numba"] if _numba_available() else ["numpy"]


def bench_case(
    label: str, model: CompiledModel, tipoff_runs: int, mesa_runs: int, repeats: int
) -> dict[str, Any]:
    import mesa_reference

    n_per_run, by_method = numbers_per_run(model, min(tipoff_runs, 500))
    floor = rng_floor(n_per_run, tipoff_runs, repeats)
    t_mesa = best_of(
        repeats, lambda: mesa_reference.run_mesa_season(model, n_runs=mesa_runs, seed=1)
    )
    mesa_per_run = t_mesa / mesa_runs
    t_draw = best_of(repeats, lambda: draw_chunk(model, run_generators(1, 0, tipoff_runs)))
    result: dict[str, Any] = {
        "case": label,
        "parties": model.n_parties,
        "chains": model.n_chains,
        "couriers": model.n_couriers,
        "mesa_runs": mesa_runs,
        "mesa_s": t_mesa,
        "mesa_runs_per_s": mesa_runs / t_mesa,
        "numbers_per_run": n_per_run,
        "numbers_by_method_per_run": {k: v / min(tipoff_runs, 500) for k, v in by_method.items()},
        "rng_one_stream_us_per_run": floor["one_stream_s_per_run"] * 1e6,
        "rng_streams_us_per_run": floor["streams_s_per_run"] * 1e6,
        "numpy_draws_us_per_run": t_draw / tipoff_runs * 1e6,
        "engines": {},
    }
    for engine in engines():
        n = tipoff_runs if engine == "numpy" else 5 * tipoff_runs
        simulate_season(model, n_runs=min(50, n), seed=0, record_run=None, engine=engine)  # warm
        t = best_of(
            repeats,
            lambda n=n, engine=engine: simulate_season(
                model, n_runs=n, seed=1, record_run=None, engine=engine
            ),
        )
        per_run = t / n
        result["engines"][engine] = {
            "runs": n,
            "s": t,
            "runs_per_s": n / t,
            "us_per_run": per_run * 1e6,
            "speedup_vs_mesa": mesa_per_run / per_run,
            "multiple_of_rng_one_stream": per_run / floor["one_stream_s_per_run"],
            "multiple_of_rng_streams": per_run / floor["streams_s_per_run"],
        }
    return result


def report(r: dict[str, Any]) -> None:
    print(
        f"\n== {r['case']}: {r['parties']:,} parties, {r['chains']} chains, {r['couriers']} couriers"
    )
    print(
        f"  Mesa          {r['mesa_runs_per_s']:10.2f} runs/s  "
        f"({r['mesa_runs']} runs in {r['mesa_s']:.2f} s, a new model per run)"
    )
    methods = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(r["numbers_by_method_per_run"].items()))
    print(f"  random numbers per run: {r['numbers_per_run']:,.0f} ({methods})")
    print(
        f"  drawing them: {r['rng_one_stream_us_per_run']:.1f} us/run from one stream, "
        f"{r['rng_streams_us_per_run']:.1f} us/run with a new stream per run; "
        f"numpy engine's draw_chunk: {r['numpy_draws_us_per_run']:.1f} us/run"
    )
    for engine, e in r["engines"].items():
        ok_mesa = "met" if e["speedup_vs_mesa"] >= 500 else "NOT met"
        ok_rng = "met" if e["multiple_of_rng_one_stream"] <= 5 else "NOT met"
        print(
            f"  tipoff {engine:6s} {e['runs_per_s']:10.1f} runs/s  ({e['runs']:,} runs in "
            f"{e['s']:.2f} s, default chunks, 1 worker) = {e['us_per_run']:.1f} us/run"
        )
        print(
            f"      {e['speedup_vs_mesa']:8.1f} x faster than Mesa (goal >= 500: {ok_mesa}); "
            f"{e['multiple_of_rng_one_stream']:.1f} x the one-stream draw (goal <= 5: {ok_rng}), "
            f"{e['multiple_of_rng_streams']:.1f} x with per-run streams"
        )


COLD_SCRIPT = """
import time
t0 = time.perf_counter()
from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset
model = compile_scenario(load_preset("classroom"))
t1 = time.perf_counter()
simulate_season(model, n_runs=1, seed=1, record_run=None, engine="numba")
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def cold_start() -> dict[str, float]:
    """The numba engine's first call in a fresh process: with an empty cache, then a warm one."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = {}
        for label in ("cold", "cached"):
            done = subprocess.run(
                [sys.executable, "-c", COLD_SCRIPT], env=env, capture_output=True, text=True
            )
            imports, first = map(float, done.stdout.split())
            out[f"{label}_first_call_s"] = first
            out[f"{label}_imports_s"] = imports
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a CI-sized check)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--cold-start",
        action="store_true",
        help="also time the numba engine's first call in a fresh process (empty cache, then warm)",
    )
    args = parser.parse_args(argv)
    try:
        import mesa
    except ImportError:
        print("Mesa is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    try:
        import numba

        numba_version = f", numba {numba.__version__}"
    except ImportError:
        numba_version = " (numba not installed: numpy engine only)"
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}"
        f"{numba_version}, {platform.machine()} {platform.processor() or ''}".rstrip()
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
    cold: dict[str, float] = {}
    if args.cold_start and _numba_available():
        cold = cold_start()
        print(
            f"\nnumba engine, first call in a fresh process (1 run of classroom, after imports): "
            f"{cold['cold_first_call_s']:.1f} s with an empty cache (compiling), "
            f"{cold['cached_first_call_s']:.2f} s with the cache filled"
        )
    if args.json:
        meta = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "machine": platform.machine(),
        }
        doc = {"meta": meta, "cases": results, "numba_cold_start": cold}
        args.json.write_text(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
