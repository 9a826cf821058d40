"""The season simulator: many runs of a season of the operation, chunked and optionally parallel."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed, run_generators
from tipoff.engines._provenance import Provenance
from tipoff.engines.season import _mechanisms as mech
from tipoff.engines.season._draws import ChunkDraws, draw_chunk, expected_deliveries
from tipoff.engines.season._record import RunRecord, append_delivery, record_day, start_record
from tipoff.engines.season._state import (
    CAUSES,
    METRICS,
    ChunkState,
    M,
    Tables,
    build_tables,
    new_state,
)
from tipoff.engines.season._tallies import Tallies, check_tallies
from tipoff.errors import UsageError
from tipoff.model import CompiledModel

__all__ = ["ENGINES", "SeasonOutput", "resolve_engine", "simulate_season"]

METHOD = "season"

#: ``engine`` values of :func:`simulate_season`.
ENGINES = ("auto", "numpy", "numba")
#: Environment variable that says what ``engine="auto"`` means ("numpy" or "numba").
ENGINE_ENV = "TIPOFF_SEASON_ENGINE"


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
    tally_counts: npt.NDArray[np.int64]  # (n_runs, k) the counts ``tallies`` asked for

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
    tally_counts: npt.NDArray[np.int64]


def _simulate_chunk(
    model: CompiledModel,
    seed: int,
    start: int,
    stop: int,
    record_run: int,
    engine: str = "numpy",
    kernel_tables: Any = None,
    tallies: Tallies | None = None,
) -> _ChunkResult:
    local = record_run - start
    if engine == "numba":
        return _simulate_chunk_numba(
            model, seed, start, stop, local, kernel_tables=kernel_tables, tallies=tallies
        )
    draws = draw_chunk(model, run_generators(seed, start, stop))
    tables = build_tables(model)
    st = new_state(model, draws)
    record = start_record(model, st, local) if 0 <= local < stop - start else None
    for t in range(model.horizon_days):
        simulate_day(model, st, tables, t, record)
    if record is not None:
        record = record.finish(model, st, local)
        record.run = start + local  # the run's index in the batch, not in the chunk
    return _ChunkResult(
        start,
        st.daily.sum(axis=2),
        st.daily.sum(axis=0),
        (st.daily * st.daily).sum(axis=0),
        st.causes,
        st.courier_arrests_by_place,
        st.family_arrests_by_place,
        record,
        np.zeros((stop - start, 0), dtype=np.int64),
    )


def _simulate_chunk_numba(
    model: CompiledModel,
    seed: int,
    start: int,
    stop: int,
    local: int,
    draws: ChunkDraws | None = None,
    kernel_tables: Any = None,
    tallies: Tallies | None = None,
) -> _ChunkResult:
    """The numba engine on one chunk (``draws``: read numpy's draws instead of drawing;
    ``kernel_tables``: the model's, built once per batch)."""
    from tipoff.engines.season import _kernel as k

    kt = kernel_tables
    if kt is None:
        kt = k.build_kernel_tables(model, build_tables(model))
    kr = k.run_chunk(
        model,
        kt,
        seed=seed,
        start=start,
        stop=stop,
        record_local=local,
        draws=draws,
        tallies=tallies,
    )
    record = None
    if 0 <= local < stop - start:
        record = RunRecord(run=start + local)
        for i, row in enumerate(kr.record_ints):
            append_delivery(
                model,
                record,
                t=int(row[k.R_DAY]),
                sender=int(row[k.R_SENDER]),
                recipient=int(row[k.R_RECIPIENT]),
                label=int(row[k.R_LABEL]),
                local_index=int(row[k.R_LOCAL]),
                mode=int(row[k.R_MODE]),
                chain=int(row[k.R_CHAIN]),
                generation=int(row[k.R_GENERATION]),
                intercepted=bool(row[k.R_INTERCEPTED]),
                cause=int(row[k.R_CAUSE]),
                tipped=kr.record_slot_party[i][kr.record_relayed[i]],
                community=int(row[k.R_COMMUNITY]),
                family=bool(row[k.R_FAMILY]),
            )
        record = record.finish_with(model, kr.record_informant_day, kr.record_traced_day)
    return _ChunkResult(
        start,
        kr.totals,
        kr.daily_sum,
        kr.daily_sumsq,
        kr.causes,
        kr.courier_places,
        kr.family_places,
        record,
        kr.tally_counts,
    )


def _auto_chunk(model: CompiledModel, engine: str = "numpy") -> int:
    """Runs per chunk.

    numpy: keep the (runs x parties) state arrays near 8 million cells (whole chunks are
    vectorised, so bigger is faster). numba: runs are drawn and simulated one by one, so a chunk
    only amortises per-call costs; keep its outputs near 16 MB.
    """
    if engine == "numba":
        # the chunk's per-run outputs: money by day, and a few numbers per delivery
        per_run = 2 * model.horizon_days * 8 + 16 * expected_deliveries(model)
        return int(np.clip(16_000_000 // max(1.0, per_run), 16, 4096))
    return int(np.clip(8_000_000 // max(1, model.n_parties * 4), 16, 4096))


_NUMBA_OK: bool | None = None
_NUMBA_WHY = "numba is not installed"


def _numba_available() -> bool:
    global _NUMBA_OK, _NUMBA_WHY
    if _NUMBA_OK is None:
        try:
            from tipoff.engines.season import _kernel  # noqa: F401
        except Exception as exc:  # numba missing, or too old or too new for the kernel
            _NUMBA_OK = False
            if not isinstance(exc, ModuleNotFoundError) or exc.name != "numba":
                _NUMBA_WHY = f"the numba engine did not load ({type(exc).__name__}: {exc})"
        else:
            _NUMBA_OK = True
    return _NUMBA_OK


def resolve_engine(engine: str = "auto") -> str:
    """The engine ``engine`` means here: "numpy" or "numba".

    "auto" is numba when it can be imported, else numpy; the environment variable
    ``TIPOFF_SEASON_ENGINE`` ("numpy" or "numba") overrides that choice. Both engines give the
    same results bit for bit; numba is faster.
    """
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "auto":
        forced = os.environ.get(ENGINE_ENV, "").strip().lower()
        if forced in ("numpy", "numba"):
            engine = forced
        elif forced not in ("", "auto"):
            raise UsageError(f"{ENGINE_ENV} must be numpy, numba or auto, got {forced!r}")
        else:
            engine = "numba" if _numba_available() else "numpy"
    if engine == "numba" and not _numba_available():
        raise UsageError(
            f"engine 'numba' is not available: {_NUMBA_WHY} "
            "(pip install 'tipoff[fast]', or use engine='numpy')"
        )
    return engine


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
    engine: str = "auto",
    tallies: Tallies | None = None,
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
    engine : {"auto", "numpy", "numba"}
        "numpy": the day loop vectorised over a chunk of runs (the reference); "numba": a
        compiled loop over each run's days and deliveries (``pip install 'tipoff[fast]'``), with
        the same draws and the same results bit for bit, many times faster; "auto": numba when it
        can be imported, else numpy (the environment variable ``TIPOFF_SEASON_ENGINE`` overrides
        this choice). The engine used is recorded in the provenance options.
    tallies : Tallies or None
        Counts by kind of event, place and day window to keep for every run
        (``SeasonOutput.tally_counts``, shape ``(n_runs, k)``); None keeps none (k = 0).

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
    engine = resolve_engine(engine)
    tallies = check_tallies(tallies, len(model.place_names), model.horizon_days)
    if tallies.size and engine != "numba":
        raise UsageError("tallies are counted by the compiled engine only (engine='numba')")
    seed = make_seed(seed)
    size = _auto_chunk(model, engine) if chunk_size is None else chunk_size
    if size < 1:
        raise UsageError(f"chunk_size must be at least 1, got {size}")
    bounds = [(s, min(s + size, n_runs)) for s in range(0, n_runs, size)]
    rec = -1 if record_run is None else record_run
    kt = None
    if engine == "numba":
        from tipoff.engines.season import _kernel

        kt = _kernel.build_kernel_tables(model, build_tables(model))
    results: list[_ChunkResult] = []
    done = 0
    if n_workers == 1 or len(bounds) == 1:
        for a, b in bounds:
            results.append(_simulate_chunk(model, seed, a, b, rec, engine, kt, tallies))
            done += b - a
            if progress:
                progress(done)
    else:
        workers = min(n_workers, len(bounds), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(_simulate_chunk, model, seed, a, b, rec, engine, kt, tallies)
                for a, b in bounds
            ]
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
            options={"n_runs": n_runs, "record_run": record_run, "engine": engine},
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
        tally_counts=np.concatenate([r.tally_counts for r in results]),
    )
