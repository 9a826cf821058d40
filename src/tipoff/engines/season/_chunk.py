"""One chunk of runs through the compiled engine: buffers in, per-run results out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.engines.season import _kernel as kernel
from tipoff.engines.season._pcg import seed_words
from tipoff.engines.season._record import RunRecord, append_delivery
from tipoff.engines.season._state import (
    R_CAUSE,
    R_CHAIN,
    R_COMMUNITY,
    R_DAY,
    R_FAMILY,
    R_GENERATION,
    R_INTERCEPTED,
    R_LABEL,
    R_LOCAL,
    R_MODE,
    R_RECIPIENT,
    R_SENDER,
    Record,
    TallySpec,
    new_deliveries,
    new_outputs,
    new_record,
    new_work,
)
from tipoff.engines.season._tables import Tables, build_tables, expected_deliveries
from tipoff.engines.season._tallies import Tallies, check_tallies
from tipoff.model import CompiledModel

__all__ = ["ChunkResult", "simulate_chunk"]


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """Per-run results of runs ``start..start + R - 1``."""

    start: int
    totals: npt.NDArray[np.int64]
    daily_sum: npt.NDArray[np.int64]
    daily_sumsq: npt.NDArray[np.int64]
    causes: npt.NDArray[np.int64]
    courier_places: npt.NDArray[np.int64]
    family_places: npt.NDArray[np.int64]
    record: RunRecord | None
    tally_counts: npt.NDArray[np.int64]


def simulate_chunk(
    model: CompiledModel,
    seed: int,
    start: int,
    stop: int,
    record_run: int = -1,
    tables: Tables | None = None,
    tallies: Tallies | None = None,
    capacity: int | None = None,
) -> ChunkResult:
    """Simulate runs ``start..stop-1`` of the batch seeded with ``seed``.

    ``record_run``: the batch index of the run to record (ignored outside the chunk);
    ``tables``: the model's, built once per batch; ``capacity``: the deliveries' buffers' first
    size (tests set it small to make them grow).
    """
    tb = build_tables(model) if tables is None else tables
    R = stop - start
    local = record_run - start if 0 <= record_run - start < R else -1
    tl = check_tallies(tallies, len(model.place_names), model.horizon_days)
    spec = TallySpec(
        kind=tl.kind.astype(np.int64),
        by_home=tl.by_home,
        places=tl.places,
        first=tl.first_day.astype(np.int64),
        last=tl.last_day.astype(np.int64),
    )
    per_run = expected_deliveries(model)
    cap = int(per_run + 8.0 * np.sqrt(per_run) + 64) if capacity is None else max(1, capacity)
    work = new_work(tb, model.n_parties, model.n_couriers)
    dl = new_deliveries(tb, cap)
    out = new_outputs(tb, R, len(model.place_names), tl.size)
    rec = new_record(tb, cap if local >= 0 else 0, model.n_parties)
    entropy = seed_words(seed)
    done = 0
    while True:  # (at least once: no runs at all still compiles or loads the engine)
        done = kernel.simulate_runs(done, start, entropy, tb, spec, work, dl, out, rec, local)
        if done == R:
            break
        # run ``done`` did not fit: grow the buffers, go on from it
        need = int(work.days.counter[kernel.NEED])
        if need > dl.drawn.day.shape[0]:
            dl = new_deliveries(tb, max(need, 2 * dl.drawn.day.shape[0]))
        if done == local and need > rec.ints.shape[0]:
            rec = new_record(tb, max(need, 2 * rec.ints.shape[0]), model.n_parties)
    return ChunkResult(
        start,
        out.totals,
        out.daily_sum,
        out.daily_sumsq,
        out.causes,
        out.courier_places,
        out.family_places,
        _run_record(model, rec, start + local) if local >= 0 else None,
        out.tally_counts,
    )


def _run_record(model: CompiledModel, rec: Record, run: int) -> RunRecord:
    """The recorded run's :class:`RunRecord` from what the engine kept."""
    record = RunRecord(run=run)
    for i in range(int(rec.n[0])):
        row = rec.ints[i]
        append_delivery(
            model,
            record,
            t=int(row[R_DAY]),
            sender=int(row[R_SENDER]),
            recipient=int(row[R_RECIPIENT]),
            label=int(row[R_LABEL]),
            local_index=int(row[R_LOCAL]),
            mode=int(row[R_MODE]),
            chain=int(row[R_CHAIN]),
            generation=int(row[R_GENERATION]),
            intercepted=bool(row[R_INTERCEPTED]),
            cause=int(row[R_CAUSE]),
            tipped=rec.slot_party[i][rec.relayed[i]],
            community=int(row[R_COMMUNITY]),
            family=bool(row[R_FAMILY]),
        )
    return record.finish_with(model, rec.informant, rec.traced)
