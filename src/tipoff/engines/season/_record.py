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

__all__ = ["RunRecord", "append_delivery", "record_day", "start_record"]

MODES = ("home", "meeting_point")


def courier_label(model: CompiledModel, courier: int, generation: int) -> str:
    """A courier's pseudonym; a replacement in the same slot gets ``.new1``, ``.new2``, ..."""
    base = model.party_ids[model.courier_party[courier]]
    return base if generation == 0 else f"{base}.new{generation}"


@dataclass(slots=True)
class RunRecord:
    """Deliveries of one run (``deliveries``: what a defender sees) and its ground truth."""

    run: int  # the run's index in the batch (chunk-local while the chunk is simulated)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    informants: list[dict[str, Any]] = field(default_factory=list)
    traced_relays: list[dict[str, Any]] = field(default_factory=list)
    sweep_arrests: list[dict[str, Any]] = field(default_factory=list)

    def finish(self, model: CompiledModel, st: ChunkState, local: int) -> RunRecord:
        """Add the run's informants and traced relays (who, from which day)."""
        return self.finish_with(model, st.informant_day[local], st.traced_day[local])

    def finish_with(
        self, model: CompiledModel, informant_day: np.ndarray, traced_day: np.ndarray
    ) -> RunRecord:
        """:meth:`finish` from the run's own informant days and traced days."""
        ids = model.party_ids
        days = informant_day
        self.informants = [
            {
                "party": ids[p],
                "role": "relay" if model.party_role[p] == 1 else "other",
                "from_day": int(days[p]),
            }
            for p in np.flatnonzero(days < model.horizon_days)
        ]
        self.traced_relays = [
            {"party": ids[p], "from_day": int(traced_day[p])}
            for p in np.flatnonzero(traced_day < NEVER)
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
    rows = np.flatnonzero(st.run[sl] == record.run)
    for i in rows:
        j = sl.start + i
        c = int(chain[i])
        append_delivery(
            model,
            record,
            t=t,
            sender=int(st.sender[j]),
            recipient=int(st.recipient[j]),
            label=int(st.label[j]),
            local_index=int(st.local_index[j]),
            mode=int(st.mode[j]),
            chain=c,
            generation=int(st.courier_generation[record.run, model.chain_courier[c]])
            if c >= 0
            else 0,
            intercepted=bool(intercepted[i]),
            cause=int(cause[i]),
            tipped=k.slot_party[i][k.relayed[i]],
            community=int(k.harvested_from[i]),
            family=bool(family[i]),
        )


def append_delivery(
    model: CompiledModel,
    record: RunRecord,
    *,
    t: int,
    sender: int,
    recipient: int,
    label: int,
    local_index: int,
    mode: int,
    chain: int,
    generation: int,
    intercepted: bool,
    cause: int,
    tipped: np.ndarray,
    community: int,
    family: bool,
) -> None:
    """Append one delivery of the recorded run (a stalled one, ``chain < 0``, to the truth only)."""
    ids = model.party_ids
    delivery_id = model.explicit_ids[label] if label >= 0 else f"d{local_index + 1:05d}"
    truth: dict[str, Any] = {"delivery": delivery_id, "day": t}
    if chain < 0:
        truth.update(outcome="stalled", cause=None)
        record.truth.append(truth)
        return
    relays = [ids[p] for p in model.chain_relays[chain] if p >= 0]
    courier = int(model.chain_courier[chain])
    outcome = "intercepted" if intercepted else "delivered"
    record.deliveries.append(
        {
            "delivery": delivery_id,
            "day": t,
            "sender": ids[model.sender_party[sender]],
            "relays": relays,
            "courier": courier_label(model, courier, generation),
            "recipient": ids[recipient],
            "mode": MODES[mode],
            "outcome": outcome,
        }
    )
    truth.update(
        outcome=outcome,
        cause=CAUSES[cause] if intercepted else None,
        tipped_by=[ids[p] for p in tipped],
        harvest_community=model.community_names[community] if community >= 0 else None,
        family_arrested=family,
    )
    record.truth.append(truth)
