"""The parties of the Mesa reference model: one Mesa agent per party, plus plain delivery records.

Written the way a Mesa 3 user would write it: each party is a ``mesa.Agent`` with its own state
(informant since when, traced since when, watched until when, free or arrested); the model's
``step`` is one day. Randomness comes from the model's own ``numpy.random.Generator``
(``model.rng``), one scalar draw per decision. Never imported by ``src/``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from mesa_reference.model import SeasonModel

__all__ = ["Courier", "Delivery", "Party", "Recipient", "Relay", "Sender"]

NEVER = math.inf


class Party(mesa.Agent):
    """A party of the network. Coercible parties may be informants and may be turned each day."""

    model: SeasonModel

    def __init__(
        self,
        model: SeasonModel,
        *,
        index: int,
        pid: str,
        community: int | None,
        coercible: bool,
        home: int | None,
        rho0: float,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.pid = pid
        self.community = community
        self.coercible = coercible
        self.home = home
        # informant on day 0 with probability rho0 (coercible parties only)
        self.informant_since = 0 if coercible and model.rng.random() < rho0 else NEVER
        self.traced_since = NEVER

    def is_informant(self, day: int) -> bool:
        return self.informant_since <= day

    def is_traced(self, day: int) -> bool:
        return self.traced_since <= day

    def consider_turning(self) -> None:
        """The daily hazard: a coercible party not yet an informant is turned with probability h."""
        day = self.model.day
        if (
            day > 0
            and self.informant_since == NEVER
            and self.model.rng.random() < self.model.daily_hazard
        ):
            self.informant_since = day


class Relay(Party):
    """A broker in China."""


class Recipient(Party):
    """A family member in the North; its home may be watched after an interrogation."""

    def __init__(self, model: SeasonModel, **kw) -> None:
        super().__init__(model, **kw)
        self.watched_until = -1


class Sender(Party):
    """A defector abroad: creates deliveries as a Poisson process (exponential gaps)."""

    def __init__(
        self,
        model: SeasonModel,
        *,
        sender_index: int,
        chains: list[int],
        recipients: list[Recipient],
        rate: float,
        **kw,
    ) -> None:
        super().__init__(model, **kw)
        self.sender_index = sender_index
        self.chains = chains
        self.recipients = recipients
        self.rate = rate
        self.next_time = model.rng.exponential(1.0 / rate) if rate > 0 else NEVER

    def plan(self) -> None:
        """Plan today's deliveries: those whose arrival time falls in ``[day, day + 1)``."""
        day = self.model.day
        while self.next_time < day + 1:
            recipient = self.recipients[int(self.model.rng.integers(len(self.recipients)))]
            self.model.plan_delivery(self, recipient, self.chains, None, self.model.handover_mode)
            self.next_time += self.model.rng.exponential(1.0 / self.rate)


class Courier(Party):
    """A courier filling one courier slot; an arrested courier leaves (``remove``)."""

    def __init__(self, model: SeasonModel, *, slot: int, **kw) -> None:
        super().__init__(model, **kw)
        self.slot = slot
        self.sweep_day = NEVER  # day the service will arrest it (revealed in an interrogation)
        self.delivered_to: list[Recipient] = []  # one entry per hand-over, this season


class Delivery:
    """One remittance of the day (not an agent: it lives for one step)."""

    __slots__ = (
        "amount",
        "candidates",
        "cause",
        "chain",
        "courier",
        "direct",
        "harvest",
        "known",
        "mode",
        "recipient",
        "sender",
        "staked",
        "traced",
    )

    def __init__(
        self, sender: Sender, recipient: Recipient, candidates: list[int], amount: int, mode: int
    ) -> None:
        self.sender = sender
        self.recipient = recipient
        self.candidates = candidates
        self.amount = amount
        self.mode = mode
        self.chain = -1
        self.courier: Courier | None = None
        self.direct = self.harvest = self.traced = self.known = 0
        self.staked = False
        self.cause = -1
