"""The record of one chosen run: every delivery as the defender saw it, and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tipoff.engines.season._draws import NEVER
from tipoff.engines.season._state import CAUSES, ChunkState
from tipoff.model import CompiledModel

if TYPE_CHECKING:
    from tipoff.engines.season._mechanisms import Knowledge

__all__ = ["RunRecord", "record_day", "start_record"]

MODES = ("home", "meeting_point")


def courier_label(model: CompiledModel, courier: int, generation: int) -> str:
    """A courier's pseudonym; a replacement in the same slot gets ``.new1``, ``.new2``, ..."""
    base = model.party_ids[model.courier_party[courier]]
    return base if generation == 0 else f"{base}.new{generation}"


@dataclass(slots=True)
class RunRecord:
    """Deliveries of one run (``deliveries``: what a defender sees) and its ground truth."""

    run: int
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    informants: list[dict[str, Any]] = field(default_factory=list)
    traced_relays: list[dict[str, Any]] = field(default_factory=list)
    sweep_arrests: list[dict[str, Any]] = field(default_factory=list)

    def finish(self, model: CompiledModel, st: ChunkState, local: int) -> RunRecord:
        """Add the run's informants and traced relays (who, from which day)."""
        ids = model.party_ids
        days = st.informant_day[local]
        self.informants = [
            {
                "party": ids[p],
                "role": "relay" if model.party_role[p] == 1 else "other",
                "from_day": int(days[p]),
            }
            for p in np.flatnonzero(days < model.horizon_days)
        ]
        traced = st.traced_day[local]
        self.traced_relays = [
            {"party": ids[p], "from_day": int(traced[p])} for p in np.flatnonzero(traced < NEVER)
        ]
        return self


def start_record(model: CompiledModel, st: ChunkState, local: int) -> RunRecord:
    return RunRecord(run=local)


def record_day(
    model: CompiledModel,
    st: ChunkState,
    record: RunRecord,
    sl: slice,
    chain: np.ndarray,
    k: Knowledge,
    intercepted: np.ndarray,
    cause: np.ndarray,
    family: np.ndarray,
    t: int,
) -> None:
    """Append the recorded run's deliveries of day ``t``."""
    ids = model.party_ids
    rows = np.flatnonzero(st.run[sl] == record.run)
    for i in rows:
        j = sl.start + i
        sender = ids[model.sender_party[st.sender[j]]]
        recipient = ids[st.recipient[j]]
        delivery_id = (
            model.explicit_ids[st.label[j]] if st.label[j] >= 0 else f"d{st.local_index[j] + 1:05d}"
        )
        c = int(chain[i])
        truth: dict[str, Any] = {"delivery": delivery_id, "day": t}
        if c < 0:
            truth.update(outcome="stalled", cause=None)
            record.truth.append(truth)
            continue
        relays = [ids[p] for p in model.chain_relays[c] if p >= 0]
        courier = int(model.chain_courier[c])
        gen = int(st.courier_generation[record.run, courier])
        record.deliveries.append(
            {
                "delivery": delivery_id,
                "day": t,
                "sender": sender,
                "relays": relays,
                "courier": courier_label(model, courier, gen),
                "recipient": recipient,
                "mode": MODES[int(st.mode[j])],
                "outcome": "intercepted" if intercepted[i] else "delivered",
            }
        )
        tipped = [ids[p] for p in k.slot_party[i][k.relayed[i]]]
        community = int(k.harvested_from[i])
        truth.update(
            outcome="intercepted" if intercepted[i] else "delivered",
            cause=CAUSES[int(cause[i])] if intercepted[i] else None,
            tipped_by=tipped,
            harvest_community=model.community_names[community] if community >= 0 else None,
            family_arrested=bool(family[i]),
        )
        record.truth.append(truth)
