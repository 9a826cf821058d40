"""The record of one chosen run: every delivery as the defender saw it, and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tipoff.engines.season._state import CAUSES, NEVER
from tipoff.model import CompiledModel

__all__ = ["RunRecord", "append_delivery"]

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

    def finish_with(
        self, model: CompiledModel, informant_day: np.ndarray, traced_day: np.ndarray
    ) -> RunRecord:
        """Add the run's informants and traced relays (who, from which day)."""
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
