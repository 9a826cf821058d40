"""Where the season engine spends its time: drawing a run's numbers, and the rest.

Run from the repository root::

    .venv/bin/python benchmarks/profile_season.py [--runs N] [--preset NAME]

The engine is one compiled loop, so phases are timed by running parts of it on their own, in
compiled code too: the run's draws alone (``_kernel.draw_run``, run after run), the draws and the
sort into day order, and the whole engine (``simulate_season``, one worker, default chunks, no
recorded run). The difference is the mechanisms' share.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numba

from tipoff.engines import simulate_season
from tipoff.engines.season import _kernel
from tipoff.engines.season._pcg import seed_words
from tipoff.engines.season._state import new_deliveries, new_work
from tipoff.engines.season._tables import build_tables, expected_deliveries
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset


@numba.njit(_nrt=False)
def _draws(tb: Any, w: Any, dl: Any, entropy: Any, n_runs: int, sort: bool) -> int:
    sz, wl, rc, _, _, ig, _, _, ex = tb
    ps, cs, dy, _, sc = w
    dr, kn, _, _ = dl
    total = 0
    for run in range(n_runs):
        n = _kernel.draw_run(sz, wl, rc, ig, ex, ps, cs, dy, sc, dr, kn, entropy, run)
        if sort:
            _kernel.sort_by_day(sz, dy, dr, kn, n)
        total += n
    return total


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--preset", default="north-hamgyong-spring")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    model = compile_scenario(load_preset(args.preset))
    tb = build_tables(model)
    work = new_work(tb, model.n_parties, model.n_couriers)
    per_run = expected_deliveries(model)
    dl = new_deliveries(tb, int(per_run + 12 * per_run**0.5 + 64))
    entropy = seed_words(1)
    _draws(tb, work, dl, entropy, 2, True)
    simulate_season(model, n_runs=10, seed=1, record_run=None)
    n = args.runs
    t_draw = best_of(args.repeats, lambda: _draws(tb, work, dl, entropy, n, False))
    t_sort = best_of(args.repeats, lambda: _draws(tb, work, dl, entropy, n, True))
    t_all = best_of(args.repeats, lambda: simulate_season(model, n_runs=n, seed=1, record_run=None))
    print(f"{args.preset}: {n:,} runs, best of {args.repeats}, microseconds per run")
    print(f"  drawing the run's numbers        {t_draw / n * 1e6:8.1f}")
    print(f"  + sorting deliveries by day      {(t_sort - t_draw) / n * 1e6:8.1f}")
    print(f"  + the mechanisms, day by day     {(t_all - t_sort) / n * 1e6:8.1f}")
    print(f"  = the whole engine               {t_all / n * 1e6:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
