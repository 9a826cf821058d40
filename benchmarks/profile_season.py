"""Where the season simulator spends its time, and what two candidate speed-ups would save.

Run from the repository root::

    .venv/bin/python benchmarks/profile_season.py [--runs N] [--cprofile]

1. Wall-clock time per phase on the seed preset (default chunking, one worker): the up-front draws
   (``draw_chunk``), building the chunk state (``new_state``), and each mechanism of the day loop,
   measured by wrapping the engine's functions with timers (interrogation is timed inside ``sweep``
   and ``arrest`` and shown on its own line). ``--cprofile`` adds cProfile's top functions.
The two speed-ups this script first prototyped (hand-over history in growing buffers, replacement
vectorised over runs) are now in the engine.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tipoff.engines import simulate_season
from tipoff.engines.season import _mechanisms as mech
from tipoff.engines.season import _simulate as sim
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

PHASES = {
    sim: ["draw_chunk", "new_state", "simulate_day"],
    mech: ["sweep", "replace", "route", "knowledge", "stake_out", "intercept", "arrest"],
}


@contextmanager
def timed_phases() -> Iterator[dict[str, float]]:
    """Wrap the engine's phase functions with timers for the duration of the block."""
    spent: dict[str, float] = defaultdict(float)
    saved: list[tuple[Any, str, Callable[..., Any]]] = []

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return timed

    for module, names in PHASES.items():
        for name in names:
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, wrap(name, getattr(module, name)))
    saved.append((mech, "interrogate", mech.interrogate))
    mech.interrogate = wrap("interrogate", mech.interrogate)
    try:
        yield spent
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    model = compile_scenario(load_preset("north-hamgyong-spring"))
    n = args.runs

    def run() -> Any:
        return simulate_season(model, n_runs=n, seed=1, record_run=None, engine="numpy")

    run()  # warm-up
    best, phases = float("inf"), {}
    for _ in range(args.repeats):
        with timed_phases() as spent:
            t0 = time.perf_counter()
            run()
            total = time.perf_counter() - t0
        if total < best:
            best, phases = total, dict(spent)
    print(f"seed preset, {n:,} runs, default chunking, one worker: {best:.3f} s ")
    print(f"({best / n * 1e6:.0f} us a run; best of {args.repeats}, timers on)\n")
    days = phases.pop("simulate_day")
    inner = sum(v for k, v in phases.items() if k in PHASES[mech])
    rows = [
        ("draw_chunk (all runs)", phases["draw_chunk"]),
        ("new_state", phases["new_state"]),
        *((f"  {k}", phases[k]) for k in PHASES[mech]),
        ("    of which interrogate", phases["interrogate"]),
        ("  rest of simulate_day (counting, bincounts)", days - inner),
        ("day loop total (simulate_day)", days),
    ]
    for label, v in rows:
        print(f"{label:48s} {v:7.3f} s {100 * v / best:5.1f} %  {v / n * 1e6:7.1f} us/run")

    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        run()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
