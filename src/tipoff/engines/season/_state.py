"""The mutable state of a chunk of runs simulated together, and the static tables it reads.

Everything is an array with a leading run axis (``R`` runs of the chunk); there is no Python
object per party or per day. Deliveries of all runs of the chunk are flattened and sorted by day,
so one day's hand-overs across every run are one contiguous slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tipoff.engines.season._draws import NEVER, ChunkDraws, sort_chunk
from tipoff.model import CompiledModel

__all__ = ["CAUSES", "METRICS", "ChunkState", "Tables", "build_tables", "new_state"]

#: True causes of an interception, in the order of the ``causes`` arrays.
CAUSES = ("informant", "harvest", "interrogation", "tracing", "background")
CAUSE_INFORMANT, CAUSE_HARVEST, CAUSE_INTERROGATION, CAUSE_TRACING, CAUSE_BACKGROUND = range(5)

#: Per-day series, in the order of the ``daily`` arrays.
METRICS = (
    "deliveries",
    "attempted",
    "stalled",
    "delivered",
    "intercepted",
    "couriers_arrested",
    "family_arrested",
    "money_lost",
    "money_delivered",
    "sweep_arrests",
)
M = {name: k for k, name in enumerate(METRICS)}

I32 = np.ndarray  # int32 arrays


@dataclass(frozen=True, slots=True)
class Tables:
    """Static lookups derived once from the model."""

    candidate_pad: I32  # (n_senders + n_explicit, max_candidates) chain indices, -1 padded
    community_members: I32  # coercible parties with a community, sorted by community
    community_starts: I32  # reduceat offsets into community_members
    community_ids: I32  # community of each reduceat segment
    courier_home: I32  # place index of each courier's home, -1 none
    pair_from: I32
    pair_to: I32


def build_tables(model: CompiledModel) -> Tables:
    # candidate chains: each sender's, then each explicit delivery's (both CSR), padded with -1
    counts = np.concatenate(
        [np.diff(model.sender_chain_indptr), np.diff(model.explicit_chain_indptr)]
    ).astype(np.int64)
    chains = np.concatenate(
        [
            model.sender_chain_indices[
                model.sender_chain_indptr[0] : model.sender_chain_indptr[-1]
            ],
            model.explicit_chain_indices[
                model.explicit_chain_indptr[0] : model.explicit_chain_indptr[-1]
            ],
        ]
    )
    width = max(1, int(counts.max(initial=1)))
    pad = np.full((counts.size, width), -1, dtype=np.int32)
    row = np.repeat(np.arange(counts.size), counts)
    col = np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    pad[row, col] = chains
    members = np.flatnonzero(model.party_coercible & (model.party_community >= 0))
    members = members[np.argsort(model.party_community[members], kind="stable")].astype(np.int32)
    comm = model.party_community[members]
    starts = np.flatnonzero(np.r_[True, comm[1:] != comm[:-1]]) if members.size else np.zeros(0)
    return Tables(
        candidate_pad=pad,
        community_members=members,
        community_starts=starts.astype(np.int32),
        community_ids=comm[starts].astype(np.int32) if members.size else np.zeros(0, np.int32),
        courier_home=model.party_home[model.courier_party].astype(np.int32),
        pair_from=model.courier_pairs[:, 0].astype(np.int32),
        pair_to=model.courier_pairs[:, 1].astype(np.int32),
    )


class History:
    """Past hand-overs of a chunk in growing column buffers (amortised O(1) append).

    Columns: run, courier, generation, recipient, the key ``run * n_couriers + courier``, and the
    uniform that decides whether the courier would reveal that recipient under interrogation.
    """

    __slots__ = ("cols", "size")

    def __init__(self) -> None:
        self.size = 0
        self.cols: list[np.ndarray] = []

    def append(self, *parts: np.ndarray) -> None:
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


@dataclass(slots=True)
class ChunkState:
    """Everything that changes during a season, for ``R`` runs at once."""

    informant_day: I32  # (R, P)
    traced_day: I32  # (R, P)
    watch_until: I32  # (R, P) last day a home is watched, -1 none
    courier_free: npt.NDArray[np.bool_]  # (R, C)
    courier_generation: I32  # (R, C) how many times the slot was refilled
    vacated_day: I32  # (R, C)
    sweep_day: I32  # (R, C) day a revealed courier is arrested, NEVER none
    pair_reveal: npt.NDArray[np.float64]  # (R, n_pairs)
    replacements: npt.NDArray[np.int64]  # (R, T)
    # the flattened deliveries of the chunk, sorted by (day, run)
    run: I32
    day: I32
    sender: I32
    recipient: I32
    candidates: I32
    amount: npt.NDArray[np.int64]
    mode: npt.NDArray[np.int8]
    label: I32
    uniforms: npt.NDArray[np.float64]
    day_bounds: npt.NDArray[np.int64]  # deliveries of day t: day_bounds[t]:day_bounds[t+1]
    local_index: I32  # position of each delivery within its own run (day order)
    # outputs
    daily: npt.NDArray[np.int64]  # (R, n_metrics, T)
    causes: npt.NDArray[np.int64]  # (R, n_causes)
    courier_arrests_by_place: npt.NDArray[np.int64]  # (R, n_places)
    family_arrests_by_place: npt.NDArray[np.int64]  # (R, n_places)
    # past hand-overs, for interrogation
    history: History = field(default_factory=History)


def new_state(model: CompiledModel, draws: ChunkDraws) -> ChunkState:
    R, P, C, T = draws.n_runs, model.n_parties, model.n_couriers, model.horizon_days
    n_places = max(1, len(model.place_names))
    s = sort_chunk(model, draws)
    # a stable sort by day of the runs' day-ordered deliveries: by day, then run, then position
    order = np.argsort(s.day, kind="stable")
    day = s.day[order]
    return ChunkState(
        informant_day=draws.informant_day,
        traced_day=np.full((R, P), NEVER, dtype=np.int32),
        watch_until=np.full((R, P), -1, dtype=np.int32),
        courier_free=np.ones((R, C), dtype=np.bool_),
        courier_generation=np.zeros((R, C), dtype=np.int32),
        vacated_day=np.full((R, C), NEVER, dtype=np.int32),
        sweep_day=np.full((R, C), NEVER, dtype=np.int32),
        pair_reveal=draws.pair_reveal,
        replacements=draws.replacements,
        run=s.run[order],
        day=day,
        sender=s.sender[order],
        recipient=s.recipient[order],
        candidates=s.candidates[order],
        amount=s.amount[order],
        mode=s.mode[order],
        label=s.label[order],
        uniforms=draws.uniforms[order],
        day_bounds=np.searchsorted(day, np.arange(T + 1)),
        local_index=s.local_index[order],
        daily=np.zeros((R, len(METRICS), T), dtype=np.int64),
        causes=np.zeros((R, len(CAUSES)), dtype=np.int64),
        courier_arrests_by_place=np.zeros((R, n_places), dtype=np.int64),
        family_arrests_by_place=np.zeros((R, n_places), dtype=np.int64),
    )
