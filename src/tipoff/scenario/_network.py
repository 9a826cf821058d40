"""Expand a scenario's generators into one explicit network, and check every cross-reference.

The expansion is deterministic (round-robin, no randomness), so the same file always gives the
same network. Reference problems come back as ``(path, message)`` pairs, where ``path`` is a tuple
into the scenario document (like pydantic's ``loc``), so the loader can point at ``file:line:col``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from tipoff.scenario._schema import CHINA_SIDE, PATH_ROLES, Party, Role, Scenario, Side

__all__ = ["MAX_PARTIES", "MAX_RELAY_HOPS", "Gaps", "Network", "expand", "reference_problems"]

MAX_PARTIES = 100_000
MAX_RELAY_HOPS = 4
#: "Did you mean" is looked for among at most this many ids, for at most this many ids.
_SUGGEST_POOL = 5_000
_SUGGEST_MAX = 50

Loc = tuple[str | int, ...]

# the members as plain names: in a loop over 100,000 parties, Role.sender costs a descriptor call
_SENDER, _RELAY, _COURIER = Role.sender, Role.relay, Role.courier

_DEFAULT_SIDE = {
    Role.sender: Side.abroad,
    Role.relay: Side.china,
    Role.courier: Side.north,
    Role.recipient: Side.north,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Gaps:
    """What is unknown about a scenario whose parts did not all validate.

    ``uncertain``: ids of listed parties whose entries are broken (they exist, role unknown);
    ``ids_complete``: every party id is known (else "unknown party" is never said);
    ``network_complete``: parties, generators and links all validated (else "has no relay"
    and the like are never said); ``horizon_known``: the horizon validated.
    """

    uncertain: frozenset[str] = frozenset()
    ids_complete: bool = True
    network_complete: bool = True
    horizon_known: bool = True


class ResolvedParty(NamedTuple):
    """A party with every default resolved (a named tuple: 200,000 of them build in a blink)."""

    id: str
    role: Role
    side: Side
    community: str | None
    coercible: bool
    home: str | None
    informant: float | None
    origin: Loc  # where in the document the party was declared (or generated)


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """Every party, explicit or generated, and who works with whom (ids only)."""

    parties: tuple[ResolvedParty, ...]
    sender_relays: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relay_relays: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relay_couriers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sender_recipients: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _resolve(p: Party, origin: Loc) -> ResolvedParty:
    side = p.side or _DEFAULT_SIDE[p.role]
    coercible = p.coercible if p.coercible is not None else side is Side.china
    return ResolvedParty(
        id=p.id,
        role=p.role,
        side=side,
        community=p.community,
        coercible=coercible,
        home=p.home,
        informant=p.informant,
        origin=origin,
    )


def _ids(prefix: str, count: int) -> list[str]:
    width = max(3, len(str(count)))
    return [f"{prefix}{k:0{width}d}" for k in range(1, count + 1)]


def _round_robin(pool: list[str], start: int, k: int) -> tuple[str, ...]:
    n = len(pool)
    k = min(k, n)
    start %= n
    if start + k <= n:
        return tuple(pool[start : start + k])
    return tuple(pool[start:]) + tuple(pool[: start + k - n])


def expand(scenario: Scenario) -> Network:
    """Expand generators and links into one explicit :class:`Network`.

    The result may still hold bad references; :func:`reference_problems` reports them.
    """
    parties = [_resolve(p, ("parties", i)) for i, p in enumerate(scenario.parties) if p is not None]
    links = scenario.links
    sender_relays = {k: tuple(v) for k, v in links.sender_relays.items()}
    relay_relays = {k: tuple(v) for k, v in links.relay_relays.items()}
    relay_couriers = {k: tuple(v) for k, v in links.relay_couriers.items()}
    sender_recipients = {k: tuple(v) for k, v in links.sender_recipients.items()}
    gen = scenario.generate

    courier_pool = [p.id for p in parties if p.role is _COURIER]
    if gen.couriers is not None:
        gc = gen.couriers
        ids = _ids(gc.prefix, gc.count)
        for k, pid in enumerate(ids):
            parties.append(
                ResolvedParty(
                    id=pid,
                    role=Role.courier,
                    side=Side.north,
                    community=None,
                    coercible=False,
                    home=gc.homes[k % len(gc.homes)],
                    informant=None,
                    origin=("generate", "couriers"),
                )
            )
        courier_pool = ids
    if gen.relays is not None:
        gr = gen.relays
        for k, pid in enumerate(_ids(gr.prefix, gr.count)):
            community = gr.communities[k % len(gr.communities)] if gr.communities else None
            parties.append(
                ResolvedParty(
                    id=pid,
                    role=Role.relay,
                    side=Side.china,
                    community=community,
                    coercible=True,
                    home=None,
                    informant=None,
                    origin=("generate", "relays"),
                )
            )
            if courier_pool and pid not in relay_couriers:
                relay_couriers[pid] = _round_robin(
                    courier_pool, k * gr.couriers_per_relay, gr.couriers_per_relay
                )
    if gen.senders is not None:
        g = gen.senders
        per = g.relays_per_sender or len(g.relays)
        for k, pid in enumerate(_ids(g.prefix, g.count)):
            community = g.communities[k % len(g.communities)] if g.communities else None
            parties.append(
                ResolvedParty(
                    id=pid,
                    role=Role.sender,
                    side=g.side,
                    community=community,
                    coercible=g.side is Side.china,
                    home=None,
                    informant=None,
                    origin=("generate", "senders"),
                )
            )
            sender_relays.setdefault(pid, _round_robin(list(g.relays), k * per, per))
    if gen.recipients is not None:
        gf = gen.recipients
        n = 0
        for sender in [p for p in parties if p.role is _SENDER]:
            if sender.id in sender_recipients:
                continue
            ids = [f"{sender.id}.{gf.prefix}{j}" for j in range(1, gf.per_sender + 1)]
            for pid in ids:
                parties.append(
                    ResolvedParty(
                        id=pid,
                        role=Role.recipient,
                        side=Side.north,
                        community=None,
                        coercible=False,
                        home=gf.homes[n % len(gf.homes)],
                        informant=None,
                        origin=("generate", "recipients"),
                    )
                )
                n += 1
            sender_recipients[sender.id] = tuple(ids)
    return Network(
        parties=tuple(parties),
        sender_relays=sender_relays,
        relay_relays=relay_relays,
        relay_couriers=relay_couriers,
        sender_recipients=sender_recipients,
    )


class _Ids:
    """Known party ids and their roles (None: the party's entry is broken), with suggestions."""

    def __init__(self, gaps: Gaps) -> None:
        self.roles: dict[str, Role | None] = dict.fromkeys(gaps.uncertain)
        self.complete = gaps.ids_complete
        self.suggested = 0

    def unknown(self, pid: str) -> bool:
        """True when ``pid`` is surely not a party (known ids complete, and not among them)."""
        return self.complete and pid not in self.roles

    def wrong(self, pid: str, role: Role) -> Role | None:
        """The role of ``pid`` when it is known and not ``role``."""
        actual = self.roles.get(pid)
        return actual if actual is not None and actual is not role else None

    def unknown_message(self, pid: str, role: Role | None = None) -> str:
        """``unknown party 'x'``, with "did you mean" when a known id is close."""
        message = f"unknown party '{pid}'"
        if self.suggested >= _SUGGEST_MAX:
            return message
        pool = [k for k, r in self.roles.items() if role is None or r is role]
        if len(pool) > _SUGGEST_POOL:
            pool = [k for k in pool if abs(len(k) - len(pid)) <= 1 and k[:1] == pid[:1]]
            if len(pool) > _SUGGEST_POOL:
                return message
        self.suggested += 1
        close = difflib.get_close_matches(pid, pool, n=1, cutoff=0.5)
        return f"{message}; did you mean '{close[0]}'?" if close else message


def _check_link_table(
    table: Mapping[str, Sequence[str]],
    name: str,
    key_role: Role,
    value_role: Role,
    ids: _Ids,
) -> Iterable[tuple[Loc, str]]:
    for key, values in table.items():
        loc: Loc = ("links", name, key)
        if ids.unknown(key):
            yield loc, ids.unknown_message(key, key_role)
        elif (actual := ids.wrong(key, key_role)) is not None:
            yield loc, f"'{key}' is a {actual.value}, expected a {key_role.value}"
        for j, v in enumerate(values):
            if ids.unknown(v):
                yield (*loc, j), ids.unknown_message(v, value_role)
            elif (actual := ids.wrong(v, value_role)) is not None:
                yield (*loc, j), f"'{v}' is a {actual.value}, expected a {value_role.value}"


def _relays_reaching_courier(net: Network, roles: Mapping[str, Role | None]) -> set[str]:
    """Relays from which some chain of at most MAX_RELAY_HOPS relays ends at a courier."""
    reach = {r for r, cs in net.relay_couriers.items() if any(c in roles for c in cs)}
    for _ in range(MAX_RELAY_HOPS - 1):
        grown = reach | {r for r, nxt in net.relay_relays.items() if any(n in reach for n in nxt)}
        if grown == reach:
            break
        reach = grown
    return reach


def _has_cycle(relay_relays: dict[str, tuple[str, ...]]) -> str | None:
    """A relay on a loop of ``relay_relays``, or None (iterative: no recursion limit)."""
    state: dict[str, int] = {}
    for start in relay_relays:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(relay_relays.get(start, ())))]
        while stack:
            node, nexts = stack[-1]
            for nxt in nexts:
                if state.get(nxt) == 1:
                    return nxt
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(relay_relays.get(nxt, ()))))
                    break
            else:
                state[node] = 2
                stack.pop()
    return None


def reference_problems(
    scenario: Scenario, net: Network, /, *, gaps: Gaps | None = None
) -> list[tuple[Loc, str]]:
    """Every cross-reference problem of a scenario, as ``(path, message)`` pairs.

    With ``gaps`` (a scenario built from the parts of a file that validated, see
    :mod:`tipoff.scenario._partial`), entries that are None are skipped and no problem is
    reported that could only follow from a part that did not validate.
    """
    gaps = gaps or Gaps()
    problems: list[tuple[Loc, str]] = []
    ids = _Ids(gaps)
    roles = ids.roles
    for p in net.parties:
        if p.id in roles and p.id not in gaps.uncertain:
            problems.append((p.origin, f"duplicate party id '{p.id}'"))
        roles[p.id] = p.role
        if p.coercible is False and p.informant:
            problems.append(
                ((*p.origin, "informant"), "a party that is not coercible cannot be an informant")
            )
    if len(net.parties) > MAX_PARTIES:
        problems.append((("parties",), f"more than {MAX_PARTIES} parties"))
        return problems

    for name, kr, vr in (
        ("sender_relays", Role.sender, Role.relay),
        ("relay_relays", Role.relay, Role.relay),
        ("relay_couriers", Role.relay, Role.courier),
        ("sender_recipients", Role.sender, Role.recipient),
    ):
        # only the tables as written: generated entries are checked at their generator
        problems.extend(_check_link_table(getattr(scenario.links, name), name, kr, vr, ids))
    if scenario.generate.senders is not None:
        for j, rid in enumerate(scenario.generate.senders.relays):
            if ids.unknown(rid):
                problems.append(
                    (("generate", "senders", "relays", j), ids.unknown_message(rid, Role.relay))
                )
            elif (actual := ids.wrong(rid, Role.relay)) is not None:
                problems.append(
                    (("generate", "senders", "relays", j), f"not a relay: {actual.value} '{rid}'")
                )

    if gaps.network_complete:
        problems.extend(_completeness_problems(net, roles))

    for i, step in enumerate(scenario.protocol):
        if step is None:
            continue
        for key, value in (("from", step.from_), ("to", step.to)):
            if value not in PATH_ROLES and ids.unknown(value):
                problems.append(
                    (
                        ("protocol", i, key),
                        f"'{value}' is neither a role ({', '.join(PATH_ROLES)}) nor a party id"
                        + _did_you_mean(value, PATH_ROLES),
                    )
                )

    problems.extend(_countermeasure_problems(scenario, ids))
    problems.extend(_delivery_problems(scenario, net, ids, gaps))
    return problems


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _completeness_problems(net: Network, roles: Mapping[str, Role | None]) -> list[tuple[Loc, str]]:
    """Senders, couriers and routes: what a network needs to carry a delivery."""
    problems: list[tuple[Loc, str]] = []
    if not any(p.role is _SENDER for p in net.parties):
        problems.append((("parties",), "the network has no senders"))
    if not any(p.role is _COURIER for p in net.parties):
        problems.append((("parties",), "the network has no couriers"))
    if (cycle := _has_cycle(net.relay_relays)) is not None:
        problems.append((("links", "relay_relays", cycle), f"relay chain loops back to '{cycle}'"))
    reaching = _relays_reaching_courier(net, roles)
    for p in net.parties:
        if p.role is _RELAY and p.id not in reaching:
            problems.append(
                (p.origin, f"relay '{p.id}' has no courier (directly or down its relay chain)")
            )
        if p.role is _SENDER:
            if not net.sender_relays.get(p.id):
                problems.append((p.origin, f"sender '{p.id}' has no relay"))
            if not net.sender_recipients.get(p.id):
                problems.append((p.origin, f"sender '{p.id}' has no recipient"))
    return problems


def _delivery_problems(
    scenario: Scenario, net: Network, ids: _Ids, gaps: Gaps
) -> list[tuple[Loc, str]]:
    """Explicit deliveries: in the horizon, by a known sender, along the sender's routes."""
    problems: list[tuple[Loc, str]] = []
    for i, d in enumerate(scenario.workload.deliveries):
        if d is None:
            continue
        loc: Loc = ("workload", "deliveries", i)
        if gaps.horizon_known and d.day >= scenario.horizon_days:
            problems.append(((*loc, "day"), f"day {d.day} is past the horizon"))
        if d.sender in gaps.uncertain or (not gaps.network_complete and d.sender not in ids.roles):
            continue
        if ids.roles.get(d.sender) is not Role.sender:
            problems.append(((*loc, "sender"), f"'{d.sender}' is not a known sender"))
            continue
        if not gaps.network_complete:
            continue
        if d.recipient is not None and d.recipient not in net.sender_recipients.get(d.sender, ()):
            problems.append(
                ((*loc, "recipient"), f"'{d.recipient}' is not a recipient of '{d.sender}'")
            )
        if d.relays is not None:
            prev: str | None = None
            for j, r in enumerate(d.relays):
                allowed = (
                    net.sender_relays.get(d.sender, ())
                    if prev is None
                    else (net.relay_relays.get(prev, ()))
                )
                if r not in allowed:
                    src = f"sender '{d.sender}'" if prev is None else f"relay '{prev}'"
                    problems.append(((*loc, "relays", j), f"{src} does not pass to '{r}'"))
                    break
                prev = r
            else:
                if d.courier is not None and d.courier not in net.relay_couriers.get(
                    d.relays[-1], ()
                ):
                    problems.append(
                        (
                            (*loc, "courier"),
                            f"relay '{d.relays[-1]}' does not work with '{d.courier}'",
                        )
                    )
        elif d.courier is not None and ids.roles.get(d.courier) is not Role.courier:
            problems.append(((*loc, "courier"), f"'{d.courier}' is not a known courier"))
    return problems


def _countermeasure_problems(scenario: Scenario, ids: _Ids) -> list[tuple[Loc, str]]:
    """Countermeasures defined in the file: known targets, unique names, and some change."""
    problems: list[tuple[Loc, str]] = []
    seen: set[str] = set()
    words = (*PATH_ROLES, CHINA_SIDE)
    for i, m in enumerate(scenario.countermeasures):
        if m is None:
            continue
        loc: Loc = ("countermeasures", i)
        if m.name in seen:
            problems.append(((*loc, "name"), f"countermeasure '{m.name}' is defined twice"))
        seen.add(m.name)
        if not (m.withhold or m.cap_lead_days or m.tell or m.handover is not None):
            problems.append(
                (loc, "changes nothing: give withhold, cap_lead_days, tell or handover")
            )
        rules = [("withhold", j, r.targets) for j, r in enumerate(m.withhold)]
        rules += [("cap_lead_days", j, r.targets) for j, r in enumerate(m.cap_lead_days)]
        for part, j, targets in rules:
            for k, target in enumerate(targets):
                if target not in words and ids.unknown(target):
                    problems.append(
                        (
                            (*loc, part, j, "targets", k),
                            f"'{target}' is neither a target ({', '.join(words)}) nor a party id"
                            + _did_you_mean(target, words),
                        )
                    )
        for j, step in enumerate(m.tell):
            for key, value in (("from", step.from_), ("to", step.to)):
                if value not in PATH_ROLES and ids.unknown(value):
                    problems.append(
                        (
                            (*loc, "tell", j, key),
                            f"'{value}' is neither a role ({', '.join(PATH_ROLES)}) nor a party id"
                            + _did_you_mean(value, PATH_ROLES),
                        )
                    )
    return problems
