"""The season simulator: many runs of a season of the operation, chunked and optionally parallel."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed, run_generators
from tipoff.engines._provenance import Provenance
from tipoff.engines.season import _mechanisms as mech
from tipoff.engines.season._draws import draw_run
from tipoff.engines.season._record import RunRecord, record_day, start_record
from tipoff.engines.season._state import (
    CAUSES,
    METRICS,
    ChunkState,
    M,
    Tables,
    build_tables,
    new_state,
)
from tipoff.errors import UsageError
from tipoff.model import CompiledModel

__all__ = ["SeasonOutput", "simulate_season"]

METHOD = "season"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonOutput:
    """Raw per-run results of :func:`simulate_season` (summaries live in ``tipoff.results``).

    ``daily_sum`` and ``daily_sumsq`` hold, for each metric of ``METRICS`` and each day, the sum over
    runs of the count and of its square (integers, so any chunking adds up to the same numbers).
    """

    provenance: Provenance
    n_runs: int
    horizon_days: int
    metrics: tuple[str, ...]
    causes: tuple[str, ...]
    place_names: tuple[str, ...]
    totals: npt.NDArray[np.int64]  # (n_runs, n_metrics) season totals per run
    cause_counts: npt.NDArray[np.int64]  # (n_runs, n_causes)
    courier_arrests_by_place: npt.NDArray[np.int64]  # (n_runs, n_places)
    family_arrests_by_place: npt.NDArray[np.int64]  # (n_runs, n_places)
    daily_sum: npt.NDArray[np.int64]  # (n_metrics, horizon)
    daily_sumsq: npt.NDArray[np.int64]  # (n_metrics, horizon)
    record: RunRecord | None

    def total(self, metric: str) -> npt.NDArray[np.int64]:
        """Season totals of one metric, one per run."""
        return self.totals[:, self.metrics.index(metric)]


def simulate_day(
    model: CompiledModel, st: ChunkState, tables: Tables, t: int, record: RunRecord | None
) -> None:
    """Advance every run of the chunk by one day, mechanism by mechanism (in this order)."""
    runs_swept, _ = mech.sweep(model, st, tables, t)
    np.add.at(st.daily[:, M["couriers_arrested"], t], runs_swept, 1)
    np.add.at(st.daily[:, M["sweep_arrests"], t], runs_swept, 1)
    mech.replace(model, st, t)
    sl = slice(int(st.day_bounds[t]), int(st.day_bounds[t + 1]))
    if sl.start == sl.stop:
        return
    chain, stalled = mech.route(model, st, tables, sl)
    k = mech.knowledge(model, st, tables, sl, chain, t)
    staked = mech.stake_out(model, st, sl, k.known, stalled)
    intercepted, cause, at_handover = mech.intercept(model, st, sl, k, staked, stalled, t)
    runs_arrested, _, family = mech.arrest(
        model, st, tables, sl, chain, intercepted, at_handover, t
    )

    run, R = st.run[sl], st.daily.shape[0]
    amount = st.amount[sl]
    delivered = ~stalled & ~intercepted
    for name, weights in (
        ("deliveries", None),
        ("attempted", ~stalled),
        ("stalled", stalled),
        ("delivered", delivered),
        ("intercepted", intercepted),
        ("family_arrested", family),
        ("money_lost", np.where(intercepted, amount, 0)),
        ("money_delivered", np.where(delivered, amount, 0)),
    ):
        w = None if weights is None else weights.astype(np.int64)
        st.daily[:, M[name], t] += np.bincount(run, weights=w, minlength=R).astype(np.int64)
    st.daily[:, M["couriers_arrested"], t] += np.bincount(runs_arrested, minlength=R)
    np.add.at(st.causes, (run[intercepted], cause[intercepted]), 1)
    if record is not None:
        record_day(model, st, record, sl, chain, k, intercepted, cause, family, t)


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    start: int
    totals: npt.NDArray[np.int64]
    daily_sum: npt.NDArray[np.int64]
    daily_sumsq: npt.NDArray[np.int64]
    causes: npt.NDArray[np.int64]
    courier_places: npt.NDArray[np.int64]
    family_places: npt.NDArray[np.int64]
    record: RunRecord | None


def _simulate_chunk(
    model: CompiledModel, seed: int, start: int, stop: int, record_run: int
) -> _ChunkResult:
    draws = [draw_run(model, g) for g in run_generators(seed, start, stop)]
    st = new_state(model, draws)
    tables = build_tables(model)
    record = start_record(model, st, record_run - start) if start <= record_run < stop else None
    for t in range(model.horizon_days):
        simulate_day(model, st, tables, t, record)
    if record is not None:
        record = record.finish(model, st, record_run - start)
    return _ChunkResult(
        start,
        st.daily.sum(axis=2),
        st.daily.sum(axis=0),
        (st.daily * st.daily).sum(axis=0),
        st.causes,
        st.courier_arrests_by_place,
        st.family_arrests_by_place,
        record,
    )


def _auto_chunk(model: CompiledModel) -> int:
    """Runs per chunk: keep the (runs x parties) state arrays near 8 million cells."""
    return int(np.clip(8_000_000 // max(1, model.n_parties * 4), 16, 4096))


def simulate_season(
    model: CompiledModel,
    /,
    *,
    n_runs: int = 1000,
    seed: int | None = None,
    chunk_size: int | None = None,
    n_workers: int = 1,
    record_run: int | None = 0,
    progress: Callable[[int], None] | None = None,
) -> SeasonOutput:
    """Simulate ``n_runs`` independent seasons of the operation against ``model``.

    Parameters
    ----------
    model : CompiledModel
        From :func:`tipoff.model.compile_scenario`.
    n_runs : int
        Number of independent seasons.
    seed : int or None
        Seed of the batch; run ``k`` draws from ``SeedSequence(seed, spawn_key=(k,))``, so results
        do not depend on ``chunk_size`` or ``n_workers``. None draws a seed (recorded).
    chunk_size : int or None
        Runs simulated together (vectorised); None picks a size that bounds memory.
    n_workers : int
        Worker processes (1: in this process).
    record_run : int or None
        The run whose deliveries and ground truth are kept (for the incident log); None keeps none.
    progress : callable or None
        Called with the number of runs finished after each chunk.

    Returns
    -------
    SeasonOutput
        Per-run totals, causes and arrests by place; per-day sums; the recorded run.

    Examples
    --------
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.scenario import load_preset
    >>> out = simulate_season(compile_scenario(load_preset("classroom")), n_runs=20, seed=1)
    >>> out.totals.shape[0]
    20
    """
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 1:
        raise UsageError(f"n_runs must be a positive integer, got {n_runs!r}")
    if n_workers < 1:
        raise UsageError(f"n_workers must be at least 1, got {n_workers!r}")
    if record_run is not None and not 0 <= record_run < n_runs:
        raise UsageError(f"record_run must be in 0..{n_runs - 1}, got {record_run}")
    seed = make_seed(seed)
    size = _auto_chunk(model) if chunk_size is None else chunk_size
    if size < 1:
        raise UsageError(f"chunk_size must be at least 1, got {size}")
    bounds = [(s, min(s + size, n_runs)) for s in range(0, n_runs, size)]
    rec = -1 if record_run is None else record_run
    results: list[_ChunkResult] = []
    done = 0
    if n_workers == 1 or len(bounds) == 1:
        for a, b in bounds:
            results.append(_simulate_chunk(model, seed, a, b, rec))
            done += b - a
            if progress:
                progress(done)
    else:
        workers = min(n_workers, len(bounds), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_simulate_chunk, model, seed, a, b, rec) for a, b in bounds]
            for f, (a, b) in zip(futures, bounds, strict=True):
                results.append(f.result())
                done += b - a
                if progress:
                    progress(done)

    record = next((r.record for r in results if r.record is not None), None)
    return SeasonOutput(
        provenance=Provenance(
            method=METHOD,
            seed=seed,
            scenario=model.name,
            scenario_digest=model.digest,
            options={"n_runs": n_runs, "record_run": record_run},
        ),
        n_runs=n_runs,
        horizon_days=model.horizon_days,
        metrics=METRICS,
        causes=CAUSES,
        place_names=model.place_names,
        totals=np.concatenate([r.totals for r in results]),
        cause_counts=np.concatenate([r.causes for r in results]),
        courier_arrests_by_place=np.concatenate([r.courier_places for r in results]),
        family_arrests_by_place=np.concatenate([r.family_places for r in results]),
        daily_sum=np.sum([r.daily_sum for r in results], axis=0),
        daily_sumsq=np.sum([r.daily_sumsq for r in results], axis=0),
        record=record,
    )
