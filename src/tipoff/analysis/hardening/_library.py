"""The built-in countermeasures: procedures to harden, each sourced in docs/sources.md (§4).

Every measure is a pure ``Scenario -> Scenario`` transform with a cost. Costs are assumptions,
labelled ASSUMPTION with their anchor; ``docs/hardening.md`` tabulates them. Whether a measure is
reported practice (R), recommended (Rec) or a hypothesis (I) is the label of docs/sources.md §4.
"""

from __future__ import annotations

from collections.abc import Callable

from tipoff.analysis.hardening._measures import (
    ADDRESS_ITEMS,
    Cost,
    Countermeasure,
    cap_lead_days,
    china_targets,
    make_step,
    retarget,
    with_protocol,
    withhold_items,
)
from tipoff.scenario import Item, Mode, Party, Role, Scenario, Step, expand
from tipoff.scenario._network import MAX_PARTIES

__all__ = ["LIBRARY_IDS", "library"]

LIBRARY_IDS: tuple[str, ...] = (
    "withhold-recipient-china",
    "meeting-point",
    "late-schedule",
    "pickup-code",
    "compartmentalise-relays",
    "courier-code-names",
    "no-community-relays",
    "courier-rotation",
    "lie-low",
    "split-transfers",
)


def _told(scenario: Scenario, items: tuple[Item, ...], targets: frozenset[str]) -> bool:
    return any(
        (s.to in targets or s.from_ in targets) and any(i in items for i in s.items)
        for s in scenario.protocol
    )


# ----------------------------------------------------------------- C1: withhold from China --


def _withhold_recipient(lead_days: int) -> Callable[[Scenario], Scenario]:
    def transform(s: Scenario) -> Scenario:
        protocol = withhold_items(s.protocol, ADDRESS_ITEMS, china_targets(s))
        protocol.append(make_step("recipient", "courier", ADDRESS_ITEMS, lead_days))
        return with_protocol(s, protocol)

    return transform


def _withhold_recipient_na(s: Scenario) -> str | None:
    if _told(s, ADDRESS_ITEMS, china_targets(s)):
        return None
    return "no China-side party is told the recipient's identity or address"


# --------------------------------------------------------------------- C2: meeting point --


def _meeting_point(s: Scenario) -> Scenario:
    deliveries = [
        d.model_copy(update={"mode": Mode.meeting_point}) if d.mode is Mode.home else d
        for d in s.workload.deliveries
    ]
    workload = s.workload.model_copy(update={"deliveries": deliveries})
    protocol = [*s.protocol, make_step("courier", "recipient", [Item.meeting_point], 1)]
    return s.model_copy(
        update={"handover": Mode.meeting_point, "workload": workload, "protocol": protocol}
    )


def _meeting_point_na(s: Scenario) -> str | None:
    home = s.handover is Mode.home or any(d.mode is Mode.home for d in s.workload.deliveries)
    return None if home else "every hand-over is already at a meeting point"


# ---------------------------------------------------------------------- C12: late schedule --


def _late_schedule(s: Scenario) -> Scenario:
    delta = s.operation.relay.delay_days
    if delta == 0:
        return s
    return with_protocol(s, cap_lead_days(s.protocol, [Item.schedule], delta - 1))


def _late_schedule_na(s: Scenario) -> str | None:
    delta = s.operation.relay.delay_days
    if delta == 0:
        return "tips take no time (relay.delay_days is 0): no lead time is short enough"
    if not any(Item.schedule in st.items and st.lead_days >= delta for st in s.protocol):
        return "nobody is told the schedule early enough for a tip"
    return None


# -------------------------------------------------------------------- C3/C4: pickup codes --

_FAMILY_SIDE = frozenset({"sender", "recipient"})


def _pickup_code(s: Scenario) -> Scenario:
    protocol = []
    for st in s.protocol:
        if st.to not in _FAMILY_SIDE and Item.recipient_identity in st.items:
            kept = [i for i in st.items if i is not Item.recipient_identity]
            if not kept:
                continue
            st = st.model_copy(update={"items": kept})
        protocol.append(st)
    return with_protocol(s, protocol)


def _pickup_code_na(s: Scenario) -> str | None:
    told = any(
        st.to not in _FAMILY_SIDE and Item.recipient_identity in st.items for st in s.protocol
    )
    return None if told else "only the sender and the family are told who the family is"


# ------------------------------------------------------------ C11: compartmentalised relays --


def _compartment_rule(s: Scenario) -> Callable[[Step], str | None]:
    roles = {p.id: p.role for p in expand(s).parties}

    def rule(step: Step) -> str | None:
        if step.to != "relay":
            return None
        if step.from_ == "sender" or roles.get(step.from_) is Role.sender:
            return "first_relay"
        return "last_relay"

    return rule


def _compartmentalise(s: Scenario) -> Scenario:
    return with_protocol(s, retarget(s.protocol, _compartment_rule(s)))


def _compartmentalise_na(s: Scenario) -> str | None:
    if not any(st.to == "relay" for st in s.protocol):
        return "no step tells every relay of the path"
    if not any(s_ for s_ in expand(s).relay_relays.values()):
        return "every path has a single relay: nothing to compartmentalise"
    return None


# ------------------------------------------------------------------ C3/C11: courier code names --


def _courier_code_names(s: Scenario) -> Scenario:
    return with_protocol(s, withhold_items(s.protocol, [Item.courier_identity], china_targets(s)))


def _courier_code_names_na(s: Scenario) -> str | None:
    if _told(s, (Item.courier_identity,), china_targets(s)):
        return None
    return "no China-side party is told who the courier is"


# ------------------------------------------------------------- C7: no same-community relays --


def _community_links(s: Scenario) -> dict[str, list[str]]:
    """Senders with a community whose relays include one of the same community: relays to keep."""
    net = expand(s)
    community = {p.id: p.community for p in net.parties}
    out: dict[str, list[str]] = {}
    for p in net.parties:
        if p.role is not Role.sender or p.community is None:
            continue
        relays = net.sender_relays.get(p.id, ())
        keep = [r for r in relays if community.get(r) != p.community]
        if keep and len(keep) < len(relays):
            out[p.id] = keep
    return out


def _no_community_relays(s: Scenario) -> Scenario:
    changed = _community_links(s)
    if not changed:
        return s
    sender_relays = {**s.links.sender_relays, **changed}
    links = s.links.model_copy(update={"sender_relays": sender_relays})
    deliveries = [
        d.model_copy(update={"relays": None, "courier": None})
        if d.sender in changed and d.relays is not None and d.relays[0] not in changed[d.sender]
        else d
        for d in s.workload.deliveries
    ]
    workload = s.workload.model_copy(update={"deliveries": deliveries})
    return s.model_copy(update={"links": links, "workload": workload})


def _no_community_relays_na(s: Scenario) -> str | None:
    if not any(p.role is Role.sender and p.community for p in expand(s).parties):
        return "no sender belongs to a community"
    if not _community_links(s):
        return "no sender can drop a relay of its own community and keep another"
    return None


# ---------------------------------------------------------------------- courier rotation --


def _twin_id(cid: str, taken: set[str]) -> str:
    for k in range(2, 100):
        twin = f"{cid[:36]}-r{k}"
        if twin not in taken:
            return twin
    raise ValueError(f"no free pseudonym for a second courier beside {cid!r}")


def _courier_rotation(s: Scenario) -> Scenario:
    net = expand(s)
    taken = {p.id for p in net.parties}
    if len(taken) + sum(p.role is Role.courier for p in net.parties) > MAX_PARTIES:
        return s
    twins: dict[str, str] = {}
    added: list[Party] = []
    for p in net.parties:
        if p.role is not Role.courier:
            continue
        twins[p.id] = _twin_id(p.id, taken)
        taken.add(twins[p.id])
        added.append(
            Party(
                id=twins[p.id],
                role=Role.courier,
                side=p.side,
                community=p.community,
                coercible=p.coercible,
                home=p.home,
                informant=p.informant if p.coercible else None,
            )
        )
    relay_couriers = {
        r: [*cs, *(twins[c] for c in cs if c in twins)] for r, cs in net.relay_couriers.items()
    }
    links = s.links.model_copy(update={"relay_couriers": relay_couriers})
    return s.model_copy(update={"parties": [*s.parties, *added], "links": links})


# ------------------------------------------------------------------------------ C6: lie low --


def _lie_low(start: int, days: int) -> Callable[[Scenario], Scenario]:
    def transform(s: Scenario) -> Scenario:
        lo, hi = _window(s, start, days)
        if hi <= lo:
            return s
        deliveries = [d for d in s.workload.deliveries if not lo <= d.day < hi]
        rate = s.workload.per_sender_per_year * (1.0 - (hi - lo) / s.horizon_days)
        workload = s.workload.model_copy(
            update={"deliveries": deliveries, "per_sender_per_year": rate}
        )
        return s.model_copy(update={"workload": workload})

    return transform


def _window(s: Scenario, start: int | None, days: int) -> tuple[int, int]:
    lo = max(0, s.horizon_days // 2 - days // 2) if start is None else max(0, start)
    return lo, min(s.horizon_days, lo + days)


# ---------------------------------------------------------------------- C13: split transfers --


def _split_transfers(s: Scenario) -> Scenario:
    w = s.workload
    deliveries = []
    for d in w.deliveries:
        half = None if d.amount is None else d.amount / 2
        for k in (1, 2):
            ident = None if d.id is None else f"{d.id[:37]}.h{k}"
            deliveries.append(d.model_copy(update={"amount": half, "id": ident}))
    workload = w.model_copy(
        update={
            "deliveries": deliveries,
            "amount": w.amount.model_copy(update={"median": w.amount.median / 2}),
            "per_sender_per_year": min(365.0, 2 * w.per_sender_per_year),
        }
    )
    return s.model_copy(update={"workload": workload})


def _split_na(s: Scenario) -> str | None:
    if s.workload.per_sender_per_year == 0 and not s.workload.deliveries:
        return "the scenario has no deliveries"
    return None


# ---------------------------------------------------------------------------- the library --


def library(
    scenario: Scenario,
    /,
    *,
    family_call_lead_days: int = 1,
    lie_low_start: int | None = None,
    lie_low_days: int = 14,
    rotation_factor: int = 2,
) -> tuple[Countermeasure, ...]:
    """The built-in countermeasures, with their costs for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        Costs that depend on the scenario (the lie-low delay, the late-schedule delay) use it.
    family_call_lead_days : int
        When the family tells the courier its address under ``withhold-recipient-china`` (0 or 1
        days before the hand-over in docs/sources.md's reading of C1).
    lie_low_start, lie_low_days : int or None, int
        The campaign window of ``lie-low`` (ASSUMPTION: 14 days in the middle of the season when
        the start is None).
    rotation_factor : int
        Only 2 is supported: ``courier-rotation`` gives every courier one partner on its links.

    Returns
    -------
    tuple of Countermeasure
        In ``LIBRARY_IDS`` order, which is also the order in which a plan applies them.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> [m.id for m in library(load_preset("classroom"))][:2]
    ['withhold-recipient-china', 'meeting-point']
    """
    if family_call_lead_days not in (0, 1):
        raise ValueError("family_call_lead_days must be 0 or 1")
    if rotation_factor != 2:
        raise ValueError("only rotation_factor=2 is supported")
    if lie_low_days < 1:
        raise ValueError("lie_low_days must be at least 1")
    T = scenario.horizon_days
    delta = scenario.operation.relay.delay_days
    lo, hi = _window(scenario, lie_low_start, lie_low_days)
    w = hi - lo
    return (
        Countermeasure(
            id="withhold-recipient-china",
            title="Keep the family's name and address away from everyone on the China side; "
            "the family tells the courier by phone just before the hand-over",
            changes="recipient_identity and recipient_address leave every step told to or by a "
            "China-side target (relays, China-side parties); a step recipient -> courier adds "
            f"them {family_call_lead_days} day(s) ahead",
            rationale="The seed's leak is informants in China passing on the recipients' "
            "addresses; a China-side party that never learns the address cannot pass it on.",
            sources=("C1",),
            status="hypothesis",
            cost=Cost(fee=0.0, days=1.0, contacts=1),
            cost_note="ASSUMPTION: one more call (family to courier, §1.1 step 5: families are "
            "phoned on their domestic phones); one more day while the courier waits in the "
            "destination town for it (interior delivery 1-7 days, §1.3 [INFERENCE]); no fee.",
            transform=_withhold_recipient(family_call_lead_days),
            not_applicable=_withhold_recipient_na,
        ),
        Countermeasure(
            id="meeting-point",
            title="Hand the money over at a neutral meeting point, not at the family's home",
            changes="handover: meeting_point (and every explicit delivery at home); a step "
            "courier -> recipient tells the meeting point 1 day ahead",
            rationale="The service waits at the family's home (seed); away from the home a "
            "stake-out catches less (operation.response.meeting_point_factor).",
            sources=("C2",),
            status="reported",
            cost=Cost(fee=0.0, days=1.0, contacts=1),
            cost_note="ASSUMPTION: one call to tell the family the place; one day for the family to "
            "travel (travel permits, §1.3). Not modelled: colluding brokers at pick-up points "
            "(C2 caveat) and a travelling family being followed (§1.3, Onsong case).",
            transform=_meeting_point,
            not_applicable=_meeting_point_na,
        ),
        Countermeasure(
            id="late-schedule",
            title="Fix the day of the hand-over late, inside the time a tip needs to travel",
            changes="every step telling the schedule at least relay.delay_days ahead tells it "
            f"{max(delta - 1, 0)} day(s) ahead instead (steps split where they tell more)",
            rationale="A tip counts only for what an informant learns delay_days ahead; without "
            "the day, the service must watch the home for days (address-only catch).",
            sources=("C12",),
            status="hypothesis",
            cost=Cost(fee=0.0, days=float(delta), contacts=1),
            cost_note=f"ASSUMPTION: a late call to fix the day; deliveries wait about "
            f"relay.delay_days = {delta} day(s) longer on average (C12: random delays between "
            "fund arrival and delivery).",
            transform=_late_schedule,
            not_applicable=_late_schedule_na,
        ),
        Countermeasure(
            id="pickup-code",
            title="Use a pickup code instead of the family's name",
            changes="recipient_identity leaves every step told to anyone but the sender and the "
            "family (the code travels with the other items)",
            rationale="Pseudonyms and code words are reported practice (C3, C4); verification by "
            "code, not by questions about relatives, stops identity leaking.",
            sources=("C3", "C4"),
            status="reported",
            cost=Cost(),
            cost_note="ASSUMPTION: none; the code travels in calls that happen anyway. In tipoff's "
            "catch only the address, schedule and courier identity count, so the model credits "
            "this measure with nothing on its own.",
            transform=_pickup_code,
            not_applicable=_pickup_code_na,
        ),
        Countermeasure(
            id="compartmentalise-relays",
            title="Compartmentalise the relays: each hop is told only what it needs",
            changes="steps told to every relay of the path (to: relay) go to the first relay "
            "when the sender tells them, else to the last relay",
            rationale="Compartmentalisation limits how far one informant's knowledge reaches "
            "(C11; Gutfraind, Lindelauf §5).",
            sources=("C11",),
            status="hypothesis",
            cost=Cost(),
            cost_note="ASSUMPTION: none. Not modelled: how the courier-bound items then reach the "
            "last relay without the middle hops reading them (sealed messages).",
            transform=_compartmentalise,
            not_applicable=_compartmentalise_na,
        ),
        Countermeasure(
            id="courier-code-names",
            title="China-side brokers know the courier only by a code name",
            changes="courier_identity leaves every step told to or by a China-side target",
            rationale="C11: 'the China-side account holder knows neither the recipient's address "
            "nor the courier'; C3: code names.",
            sources=("C3", "C11"),
            status="hypothesis",
            cost=Cost(fee=0.05, days=0.0, contacts=1),
            cost_note="ASSUMPTION: a North-side go-between settles with the courier, taking half "
            "a broker's usual cut (≥10% per broker, §1.2): +5 points; one more call.",
            transform=_courier_code_names,
            not_applicable=_courier_code_names_na,
        ),
        Countermeasure(
            id="no-community-relays",
            title="Do not use relays from the sender's own community",
            changes="senders with a community drop the relays of that community (when one of "
            "another community remains); explicit deliveries through them re-route",
            rationale="Informants 'identify fellow defectors planning to send money' (seed); "
            "trust ties recruit through one's own community (Erickson 1981, §5).",
            sources=("C7",),
            status="hypothesis",
            cost=Cost(),
            cost_note="ASSUMPTION: none.",
            transform=_no_community_relays,
            not_applicable=_no_community_relays_na,
        ),
        Countermeasure(
            id="courier-rotation",
            title="Rotate couriers: spread the deliveries over twice as many couriers",
            changes="every courier gets a partner (same home, same relays); the simulator has "
            "no cap on deliveries per courier, so this approximates a cap of about half today's "
            "deliveries per courier",
            rationale="An arrested courier reveals the families it served and the couriers it "
            "knows (§3.4 six-month look-back); fewer deliveries each means less to reveal, and "
            "a spare courier keeps deliveries moving after an arrest.",
            sources=("C9", "C11"),
            status="hypothesis",
            cost=Cost(fee=0.02, days=0.0, contacts=0),
            cost_note="ASSUMPTION: +2 points to recruit and keep twice as many couriers. Risk "
            "elsewhere, which the simulator does show: more couriers who know each other, so "
            "larger sweeps after an arrest.",
            transform=_courier_rotation,
        ),
        Countermeasure(
            id="lie-low",
            title=f"Lie low: no deliveries during a {w}-day campaign (days {lo} to {hi - 1})",
            changes="explicit deliveries in the window are dropped; a Poisson workload's rate "
            "is scaled by (1 - window / horizon_days)",
            rationale="Pausing remittances during campaigns is reported practice (C6).",
            sources=("C6",),
            status="reported",
            cost=Cost(fee=0.0, days=w * w / (2.0 * T), contacts=0),
            cost_note="ASSUMPTION: the deliveries of the window wait for its end, on average "
            "window/2 days; spread over all deliveries that is window²/(2 horizon) days. tipoff's "
            "operation has one intensity for the whole season, so lying low defers deliveries "
            "without making them safer; it pays only where a campaign raises the intensity.",
            transform=_lie_low(lo, w),
            not_applicable=lambda s: None if hi > lo else "the window is outside the season",
        ),
        Countermeasure(
            id="split-transfers",
            title="Split large transfers in two",
            changes="twice the deliveries at half the amount (Poisson rate doubled, median "
            "halved; each explicit delivery becomes two)",
            rationale="The service reportedly treats transfers above RMB 10,000 as coming from "
            "South Korea (§1.4, C13).",
            sources=("C13",),
            status="hypothesis",
            cost=Cost(fee=0.02, days=0.0, contacts=1, handovers=2.0),
            cost_note="ASSUMPTION: +2 points for per-transfer minimum charges, one more call; "
            "twice the hand-overs for the same money. The amount heuristic is not part of "
            "tipoff's catch (no source ties it to stake-outs), so the model gives this measure "
            "no benefit: it is scored as a pure cost, and the share of transfers above the "
            "threshold is reported beside it.",
            transform=_split_transfers,
            not_applicable=_split_na,
        ),
    )
