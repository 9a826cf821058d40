"""What a countermeasure is: a pure change to a scenario's procedure, with its sources and its cost.

The helpers here edit a protocol the way people change what they tell each other: stop telling a
target some items (``withhold_items``), tell some items later (``cap_lead_days``), tell the same
items to fewer relays (``retarget``). Each returns a new list of steps; scenarios are never
mutated (they are frozen pydantic models).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tipoff.scenario import PATH_ROLES, Item, Scenario, Side, Step, expand

__all__ = [
    "ADDRESS_ITEMS",
    "CONTACT_RISK",
    "RELAY_TARGETS",
    "STATUS_CODE",
    "Cost",
    "Countermeasure",
    "Status",
    "cap_lead_days",
    "china_targets",
    "expand_targets",
    "make_step",
    "retarget",
    "with_background",
    "with_protocol",
    "withhold_items",
]

Status = Literal["reported", "recommended", "hypothesis"]
#: The status codes of the countermeasure table in docs/sources.md (§4): R, Rec and I.
STATUS_CODE: dict[str, str] = {"reported": "R", "recommended": "Rec", "hypothesis": "I"}

#: ASSUMPTION: probability that one added phone contact (a call or message about one delivery)
#: leads to that delivery's interception. Anchor: docs/sources.md §3.3, radio direction-finding answers
#: within 1-2 minutes, patrols 4-5 times a day (2026), jamming pushes callers ~20 km out; calls are
#: kept short from remote spots (C5). The seed preset's background eps = 0.01 covers today's four or
#: so contacts *and* checkpoints and travel, so one short call is put at a fifth of it: 0.002.
CONTACT_RISK = 0.002

#: The protocol targets that are relays.
RELAY_TARGETS: tuple[str, ...] = ("relay", "first_relay", "last_relay")
#: The items that identify and locate the family.
ADDRESS_ITEMS: tuple[Item, ...] = (Item.recipient_identity, Item.recipient_address)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost:
    """What a countermeasure costs per delivery, in the user's terms (every value an assumption).

    Costs of a plan add up: fee shares, days and phone contacts are summed; ``handovers`` (hand-overs
    per transfer of money, 2 when transfers are split in two) multiplies.

    Attributes
    ----------
    fee : float
        Added fee, as a share of the amount (0.05: five percentage points on top of today's fee).
    days : float
        Added days, on average, until the family has the money.
    contacts : int
        Added phone contacts per delivery; each adds ``contact_risk`` of interception (background).
    handovers : float
        Hand-overs per transfer of money.
    """

    fee: float = 0.0
    days: float = 0.0
    contacts: int = 0
    handovers: float = 1.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            fee=self.fee + other.fee,
            days=self.days + other.days,
            contacts=self.contacts + other.contacts,
            handovers=self.handovers * other.handovers,
        )

    def to_dict(self) -> dict[str, float]:
        return {
            "fee": self.fee,
            "days": self.days,
            "contacts": self.contacts,
            "handovers": self.handovers,
        }


def _always(scenario: Scenario) -> str | None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Countermeasure:
    """One change to the procedure: a pure transform ``Scenario -> Scenario`` and what it costs.

    Attributes
    ----------
    id : str
        Short name (``withhold-recipient-china``); user-defined measures keep their own name.
    title : str
        The change in plain words, as advice.
    changes : str
        What the transform changes in the scenario.
    rationale : str
        Why it should help, in one or two sentences.
    sources : tuple of str
        Countermeasure ids of docs/sources.md, §4 (``C1`` ... ``C15``).
    status : {"reported", "recommended", "hypothesis"}
        Reported in practice (R), recommended by an NGO or government (Rec), or a hypothesis (I).
    cost : Cost
        Added fee share, days, phone contacts and hand-overs per transfer.
    cost_note : str
        Where the cost figures come from (assumptions, labelled).
    transform : callable
        The pure transform; it never mutates its argument.
    not_applicable : callable
        Returns why the measure does not apply to a scenario (changes nothing there), or None.
    origin : {"library", "scenario"}
        Built into tipoff, or defined in the scenario file's ``countermeasures``.
    """

    id: str
    title: str
    changes: str
    rationale: str
    sources: tuple[str, ...]
    status: Status
    cost: Cost
    cost_note: str
    transform: Callable[[Scenario], Scenario]
    not_applicable: Callable[[Scenario], str | None] = _always
    origin: Literal["library", "scenario"] = "library"

    @property
    def status_code(self) -> str:
        """R, Rec or I, as in docs/sources.md §4."""
        return STATUS_CODE[self.status]

    def apply(self, scenario: Scenario, /) -> Scenario:
        """The scenario with this change made (the procedure only; see ``apply_plan`` for risk)."""
        return self.transform(scenario)


# ------------------------------------------------------------------------ protocol editing --


def make_step(source: str, target: str, items: Iterable[Item], lead_days: int) -> Step:
    """A protocol step (``source`` tells ``target`` the items, ``lead_days`` before)."""
    return Step.model_validate(
        {"from": source, "to": target, "items": list(items), "lead_days": lead_days}
    )


def with_protocol(scenario: Scenario, protocol: Sequence[Step]) -> Scenario:
    """The scenario with another protocol (no re-validation: an empty protocol tells nothing)."""
    return scenario.model_copy(update={"protocol": list(protocol)})


def with_background(scenario: Scenario, background: float) -> Scenario:
    """The scenario with another background interception probability."""
    op = scenario.operation.model_copy(update={"background": background})
    return scenario.model_copy(update={"operation": op})


def china_targets(scenario: Scenario) -> frozenset[str]:
    """Protocol targets on the China side: the relay targets, and the party ids named in the
    protocol (as ``from`` or ``to``) of parties on the china side."""
    named = {x for st in scenario.protocol for x in (st.to, st.from_)} - set(PATH_ROLES)
    ids: set[str] = set()
    if named:  # expanding a large network is the slow part: only when ids are named
        ids = {p.id for p in expand(scenario).parties if p.id in named and p.side is Side.china}
    return frozenset({*RELAY_TARGETS, *ids})


def expand_targets(scenario: Scenario, words: Iterable[str]) -> frozenset[str]:
    """Target words as the set of protocol targets they cover.

    ``relay`` covers ``first_relay`` and ``last_relay`` too; ``china_side`` covers
    :func:`china_targets`; anything else stands for itself.
    """
    out: set[str] = set()
    for w in words:
        if w == "relay":
            out.update(RELAY_TARGETS)
        elif w == "china_side":
            out.update(china_targets(scenario))
        else:
            out.add(w)
    return frozenset(out)


def withhold_items(
    protocol: Sequence[Step], items: Collection[Item], targets: Collection[str]
) -> list[Step]:
    """Remove ``items`` from every step told to, or told by, one of ``targets``.

    A target no longer told an item cannot pass it on, so steps it tells lose the items too. Steps
    left with no item are dropped.
    """
    out: list[Step] = []
    drop = set(items)
    for step in protocol:
        if step.to in targets or step.from_ in targets:
            kept = [i for i in step.items if i not in drop]
            if not kept:
                continue
            if len(kept) != len(step.items):
                step = step.model_copy(update={"items": kept})
        out.append(step)
    return out


def cap_lead_days(
    protocol: Sequence[Step],
    items: Collection[Item],
    lead_days: int,
    targets: Collection[str] | None = None,
) -> list[Step]:
    """Tell ``items`` no earlier than ``lead_days`` ahead; a step is split where it tells others.

    Only steps told to one of ``targets`` change (all steps when ``targets`` is None).
    """
    out: list[Step] = []
    late = set(items)
    for step in protocol:
        hit = [i for i in step.items if i in late]
        if (
            not hit
            or step.lead_days <= lead_days
            or (targets is not None and step.to not in targets)
        ):
            out.append(step)
            continue
        rest = [i for i in step.items if i not in late]
        if rest:
            out.append(step.model_copy(update={"items": rest}))
        out.append(step.model_copy(update={"items": hit, "lead_days": lead_days}))
    return out


def retarget(protocol: Sequence[Step], rule: Callable[[Step], str | None]) -> list[Step]:
    """Steps with a new target where ``rule`` gives one (None keeps the step as it is)."""
    out: list[Step] = []
    for step in protocol:
        new = rule(step)
        out.append(step if new is None or new == step.to else step.model_copy(update={"to": new}))
    return out
