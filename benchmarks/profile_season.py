"""Where the season simulator spends its time, and what two candidate speed-ups would save.

Run from the repository root::

    .venv/bin/python benchmarks/profile_season.py [--runs N] [--cprofile]

1. Wall-clock time per phase on the seed preset (default chunking, one worker): the up-front draws
   (``draw_run``), building the chunk state (``new_state``), and each mechanism of the day loop,
   measured by wrapping the engine's functions with timers (interrogation is timed inside ``sweep``
   and ``arrest`` and shown on its own line). ``--cprofile`` adds cProfile's top functions.
2. Two prototypes of faster mechanisms, swapped in for the engine's own (nothing in ``src/`` is
   changed) and checked to give the same results bit for bit:
   - ``interrogate`` reading the hand-over history from growing buffers instead of concatenating
     every past day's arrays on every call, and selecting the arrested couriers' rows with a
     lookup table instead of ``np.isin``;
   - ``replace`` vectorised over runs (one stable ``argsort`` of the vacancy days) instead of a
     Python loop over the runs that recruit today.
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

import numpy as np

from tipoff.engines import simulate_season
from tipoff.engines.season import _mechanisms as mech
from tipoff.engines.season import _simulate as sim
from tipoff.engines.season._draws import NEVER
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

PHASES = {
    sim: ["draw_run", "new_state", "simulate_day"],
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


# --- prototypes ---------------------------------------------------------------------------------


class _History:
    """The chunk's past hand-overs in growing buffers (amortised O(1) append, no re-concatenation)."""

    def __init__(self) -> None:
        self.seen = 0  # entries of st.history already copied in
        self.size = 0
        self.cols: list[np.ndarray] = []

    def update(self, history: list[tuple[np.ndarray, ...]]) -> None:
        new = history[self.seen :]
        self.seen = len(history)
        if not new:
            return
        parts = [np.concatenate(c) for c in zip(*new, strict=True)]
        n = parts[0].size
        if not self.cols:
            self.cols = [np.empty(max(1024, 2 * n), dtype=p.dtype) for p in parts]
        if self.size + n > self.cols[0].size:
            cap = max(2 * self.cols[0].size, self.size + n)
            self.cols = [np.resize(c, cap) for c in self.cols]
        for c, p in zip(self.cols, parts, strict=True):
            c[self.size : self.size + n] = p
        self.size += n

    def view(self) -> list[np.ndarray]:
        return [c[: self.size] for c in self.cols]


_histories: dict[int, _History] = {}


def interrogate_buffered(model, st, runs, couriers, t) -> None:  # type: ignore[no-untyped-def]
    """Same law and same numbers as the engine's ``interrogate``; history read from buffers."""
    op = model.operation
    if runs.size == 0:
        return
    n_c = model.n_couriers
    if op.reveal_recipients > 0 and op.watch_days > 0 and st.history:
        h = _histories.setdefault(id(st), _History())
        if h.seen > len(st.history):  # a new chunk reusing the id
            h = _histories[id(st)] = _History()
        h.update(st.history)
        h_run, h_courier, h_gen, h_recipient, h_reveal = h.view()
        arrested = np.zeros(st.courier_free.size, dtype=np.bool_)
        arrested[runs.astype(np.int64) * n_c + couriers] = True
        h_key = h_run.astype(np.int64) * n_c + h_courier  # (a real fix would store this column)
        served = np.flatnonzero(arrested[h_key])  # then the generation check on these rows only
        served = served[h_gen[served] == st.courier_generation.ravel()[h_key[served]]]
        pair = h_key[served] * model.n_parties + h_recipient[served]
        _, first = np.unique(pair, return_index=True)
        revealed = served[first][h_reveal[served[first]] < op.reveal_recipients]
        if revealed.size:
            np.maximum.at(
                st.watch_until, (h_run[revealed], h_recipient[revealed]), t + op.watch_days
            )
    if op.reveal_couriers > 0 and st.pair_reveal.shape[1]:
        arrested2 = np.zeros((st.courier_free.shape[0], n_c), dtype=np.bool_)
        arrested2[runs, couriers] = True
        to = model.courier_pairs[:, 1]
        free_to = st.courier_free[:, to]
        hit = arrested2[:, model.courier_pairs[:, 0]] & (st.pair_reveal < op.reveal_couriers)
        r, p = np.nonzero(hit & free_to)
        if r.size:
            np.minimum.at(st.sweep_day, (r, to[p]), t + max(1, op.sweep_delay_days))


def replace_vectorised(model, st, t) -> None:  # type: ignore[no-untyped-def]
    """Same result as the engine's ``replace``: fill the slots vacant longest, all runs at once."""
    n_new = st.replacements[:, t]
    rows = np.flatnonzero(n_new)
    if rows.size == 0:
        return
    vac = np.where(st.courier_free[rows], NEVER, st.vacated_day[rows])
    order = np.argsort(vac, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    fill = (rank < n_new[rows, None]) & ~st.courier_free[rows]
    r, c = np.nonzero(fill)
    r = rows[r]
    st.courier_free[r, c] = True
    st.courier_generation[r, c] += 1
    st.vacated_day[r, c] = NEVER


@contextmanager
def swapped(**functions: Callable[..., Any]) -> Iterator[None]:
    saved = {name: getattr(mech, name) for name in functions}
    for name, fn in functions.items():
        setattr(mech, name, fn)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(mech, name, fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    model = compile_scenario(load_preset("north-hamgyong-spring"))
    n = args.runs

    def run() -> Any:
        return simulate_season(model, n_runs=n, seed=1, record_run=None)

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
        ("draw_run (all runs)", phases["draw_run"]),
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

    print("\nprototypes (swapped in, timers on; interleaved, best of the repeats; results compared")
    print("bit for bit with the engine's):")
    base = run()
    candidates: dict[str, dict[str, Callable[..., Any]]] = {
        "engine as is": {},
        "interrogate from buffers": {"interrogate": interrogate_buffered},
        "replace vectorised": {"replace": replace_vectorised},
        "both": {"interrogate": interrogate_buffered, "replace": replace_vectorised},
    }
    times: dict[str, float] = dict.fromkeys(candidates, float("inf"))
    phase: dict[str, dict[str, float]] = {k: {} for k in candidates}
    same: dict[str, bool] = {}
    for _ in range(args.repeats):
        for label, fns in candidates.items():
            with swapped(**fns), timed_phases() as spent:
                t0 = time.perf_counter()
                out = run()
                elapsed = time.perf_counter() - t0
            times[label] = min(times[label], elapsed)
            for k in ("interrogate", "replace"):
                phase[label][k] = min(phase[label].get(k, float("inf")), spent[k])
            same[label] = all(
                np.array_equal(getattr(out, f), getattr(base, f))
                for f in (
                    "totals",
                    "cause_counts",
                    "daily_sum",
                    "daily_sumsq",
                    "courier_arrests_by_place",
                    "family_arrests_by_place",
                )
            )
    t_base = times["engine as is"]
    print(f"{'':26s} {'whole run':>9s} {'speed-up':>8s} {'interrogate':>11s} {'replace':>8s}")
    for label, t in times.items():
        ph = phase[label]
        print(
            f"{label:26s} {t:8.3f}s {t_base / t:7.2f}x {ph['interrogate']:10.3f}s "
            f"{ph['replace']:7.3f}s  identical: {same[label]}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
