"""Benchmark the season simulator against a Mesa model of the same operation, and against its RNG.

Run from the repository root (needs the ``bench`` extra: ``pip install -e ".[bench]"``)::

    .venv/bin/python benchmarks/season.py [--quick] [--json PATH]

For each case (the seed preset, and the same network ten times larger) it prints, measured in this
one process: tipoff's runs per second (default chunking, one worker), the Mesa reference model's
runs per second (``benchmarks/mesa_reference``) and their ratio (goal: at least 500); then how many
random numbers one run draws (counted by wrapping the ``Generator`` that ``draw_run`` uses), the time
numpy takes to draw that many uniforms (``gen.random(n)``), and tipoff's per-run cost as a multiple
of it (goal: at most 5). Every time is the best of 3 calls (1 with ``--quick``); Mesa builds a new
model per run, as a Mesa batch run does, and that is timed too.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
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
from tipoff.engines.season._draws import draw_run
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


def bench_case(
    label: str, model: CompiledModel, tipoff_runs: int, mesa_runs: int, repeats: int
) -> dict[str, Any]:
    import mesa_reference

    simulate_season(model, n_runs=min(50, tipoff_runs), seed=0, record_run=None)  # warm-up
    t_tip = best_of(
        repeats, lambda: simulate_season(model, n_runs=tipoff_runs, seed=1, record_run=None)
    )
    t_draw = best_of(
        repeats, lambda: [draw_run(model, g) for g in run_generators(1, 0, tipoff_runs)]
    )
    t_mesa = best_of(
        repeats, lambda: mesa_reference.run_mesa_season(model, n_runs=mesa_runs, seed=1)
    )
    n_per_run, by_method = numbers_per_run(model, min(tipoff_runs, 500))
    floor = rng_floor(n_per_run, tipoff_runs, repeats)
    tip_per_run = t_tip / tipoff_runs
    return {
        "case": label,
        "parties": model.n_parties,
        "chains": model.n_chains,
        "couriers": model.n_couriers,
        "tipoff_runs": tipoff_runs,
        "tipoff_s": t_tip,
        "tipoff_runs_per_s": tipoff_runs / t_tip,
        "mesa_runs": mesa_runs,
        "mesa_s": t_mesa,
        "mesa_runs_per_s": mesa_runs / t_mesa,
        "speedup_vs_mesa": (t_mesa / mesa_runs) / tip_per_run,
        "numbers_per_run": n_per_run,
        "numbers_by_method_per_run": {k: v / min(tipoff_runs, 500) for k, v in by_method.items()},
        "rng_one_stream_us_per_run": floor["one_stream_s_per_run"] * 1e6,
        "rng_streams_us_per_run": floor["streams_s_per_run"] * 1e6,
        "draw_run_us_per_run": t_draw / tipoff_runs * 1e6,
        "tipoff_us_per_run": tip_per_run * 1e6,
        "multiple_of_rng_one_stream": tip_per_run / floor["one_stream_s_per_run"],
        "multiple_of_rng_streams": tip_per_run / floor["streams_s_per_run"],
    }


def report(r: dict[str, Any]) -> None:
    print(
        f"\n== {r['case']}: {r['parties']:,} parties, {r['chains']} chains, {r['couriers']} couriers"
    )
    print(
        f"  tipoff  {r['tipoff_runs_per_s']:10.1f} runs/s  "
        f"({r['tipoff_runs']:,} runs in {r['tipoff_s']:.2f} s, default chunks, 1 worker)"
    )
    print(
        f"  Mesa    {r['mesa_runs_per_s']:10.2f} runs/s  "
        f"({r['mesa_runs']} runs in {r['mesa_s']:.2f} s, a new model per run)"
    )
    ok = "met" if r["speedup_vs_mesa"] >= 500 else "NOT met"
    print(f"  ratio   {r['speedup_vs_mesa']:10.1f} x faster than Mesa (goal >= 500: {ok})")
    methods = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(r["numbers_by_method_per_run"].items()))
    print(f"  random numbers per run: {r['numbers_per_run']:,.0f} ({methods})")
    print(
        f"  drawing them: {r['rng_one_stream_us_per_run']:.1f} us/run from one stream, "
        f"{r['rng_streams_us_per_run']:.1f} us/run with a new stream per run; "
        f"tipoff's own draw_run: {r['draw_run_us_per_run']:.1f} us/run"
    )
    ok = "met" if r["multiple_of_rng_one_stream"] <= 5 else "NOT met"
    print(
        f"  tipoff: {r['tipoff_us_per_run']:.1f} us/run = {r['multiple_of_rng_one_stream']:.1f} x the "
        f"one-stream draw (goal <= 5: {ok}), {r['multiple_of_rng_streams']:.1f} x with per-run streams"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a CI-sized check)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    try:
        import mesa
    except ImportError:
        print("Mesa is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}, "
        f"{platform.machine()} {platform.processor() or ''}".rstrip()
    )
    repeats = 1 if args.quick else 3
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
    if args.json:
        meta = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "machine": platform.machine(),
        }
        args.json.write_text(json.dumps({"meta": meta, "cases": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
