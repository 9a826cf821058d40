"""The season simulator: many runs of a season of the operation, chunked and optionally parallel."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed
from tipoff.engines._executor import run_tasks
from tipoff.engines._provenance import Provenance
from tipoff.engines.season._record import RunRecord
from tipoff.engines.season._state import CAUSES, METRICS
from tipoff.engines.season._tables import Tables, build_tables
from tipoff.engines.season._tallies import Tallies, check_tallies
from tipoff.errors import UsageError
from tipoff.model import CompiledModel

if TYPE_CHECKING:
    from tipoff.engines.season._chunk import ChunkResult

__all__ = ["SeasonOutput", "simulate_season"]

METHOD = "season"
#: What provenance records as the engine (the compiled engine is the only one).
ENGINE = "numba"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonOutput:
    """Raw per-run results of :func:`simulate_season` (summaries live in ``tipoff.results``).

    ``daily_sum`` and ``daily_sumsq`` hold, for each metric of ``METRICS`` and each day, the sum over
    runs of the count and of its square (integers, so any chunking adds up to the same numbers).
    ``tally_counts`` holds the counts a :class:`~tipoff.engines.season.Tallies` asked for.
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


def _simulate_chunk(
    model: CompiledModel,
    seed: int,
    start: int,
    stop: int,
    record_run: int,
    tables: Tables | None = None,
    tallies: Tallies | None = None,
) -> ChunkResult:
    """Runs ``start..stop-1`` of the batch (a module-level function: picklable, for workers)."""
    from tipoff.engines.season._chunk import simulate_chunk

    return simulate_chunk(model, seed, start, stop, record_run, tables, tallies)


def _auto_chunk(model: CompiledModel) -> int:
    """Runs per chunk: runs are simulated one by one, so a chunk only amortises per-call costs
    and bounds the outputs held at once (per-run totals, causes and places: keep them near 16 MB,
    with at most 4096 runs a chunk)."""
    per_run = 8 * (len(METRICS) + len(CAUSES) + 2 * max(1, len(model.place_names)))
    return int(np.clip(16_000_000 // per_run, 16, 4096))


def _check_engine(engine: str | None) -> None:
    """``engine`` is deprecated: the compiled engine is the only one."""
    if engine is None:
        return
    warnings.warn(
        "simulate_season(engine=...) is deprecated and ignored: the compiled engine is the only "
        "season engine",
        DeprecationWarning,
        stacklevel=3,
    )
    if engine not in ("auto", "numba"):
        raise UsageError(
            f"engine {engine!r} is not available: the compiled (numba) engine is the only season "
            "engine; leave engine out"
        )


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
    engine: str | None = None,
    tallies: Tallies | None = None,
    cluster: str | None = None,
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
        Runs handed to the compiled engine at once (and to a worker); None picks a size that
        bounds memory.
    n_workers : int
        Worker processes (1: in this process).
    record_run : int or None
        The run whose deliveries and ground truth are kept (for the incident log); None keeps none.
    progress : callable or None
        Called with the number of runs finished after each chunk.
    engine : None
        Deprecated and ignored ("auto" and "numba" are accepted, with a warning): the compiled
        engine is the only season engine since the numpy engine was retired.
    tallies : Tallies or None
        Counts by kind of event, place and day window to keep for every run
        (``SeasonOutput.tally_counts``, shape ``(n_runs, k)``); None keeps none (k = 0).
    cluster : str or None
        Address of a Dask scheduler to run the chunks on (None: ``$TIPOFF_CLUSTER`` if set, else
        locally); see :func:`tipoff.engines.run_tasks`. Results are the same bit for bit.

    Returns
    -------
    SeasonOutput
        Per-run totals, causes and arrests by place; per-day sums; tallies; the recorded run.

    Notes
    -----
    The engine is compiled (numba) the first time it runs after an install, once, and kept in
    numba's on-disk cache; a note on stderr says so while it happens.

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
        raise UsageError(
            "{n_workers} must be at least 1, got " + UsageError.quote(repr(n_workers)),
            params=["n_workers"],
        )
    if record_run is not None and not 0 <= record_run < n_runs:
        raise UsageError(f"record_run must be in 0..{n_runs - 1}, got {record_run}")
    _check_engine(engine)
    tallies = check_tallies(tallies, len(model.place_names), model.horizon_days)
    seed = make_seed(seed)
    size = _auto_chunk(model) if chunk_size is None else chunk_size
    if size < 1:
        raise UsageError(f"chunk_size must be at least 1, got {size}")
    bounds = [(s, min(s + size, n_runs)) for s in range(0, n_runs, size)]
    rec = -1 if record_run is None else record_run
    from tipoff.engines.season._warmup import ensure_compiled

    ensure_compiled(model)
    tables = build_tables(model)
    tasks = [(model, seed, a, b, rec, tables, tallies) for a, b in bounds]
    on_task = None if progress is None else (lambda k: progress(min(n_runs, k * size)))
    results: list[ChunkResult] = run_tasks(
        _simulate_chunk, tasks, n_workers=n_workers, cluster=cluster, progress=on_task
    )

    record = next((r.record for r in results if r.record is not None), None)
    return SeasonOutput(
        provenance=Provenance(
            method=METHOD,
            seed=seed,
            scenario=model.name,
            scenario_digest=model.digest,
            options={"n_runs": n_runs, "record_run": record_run, "engine": ENGINE},
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
