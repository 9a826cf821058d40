"""The network as layered columns (sender groups, relays, couriers, recipient towns) for a diagram.

Senders are counted per group (the senders who use the same first relays), families per town:
the diagram shows who works with whom, never which family a sender pays. Columns with more than
``MAX_NODES`` boxes are grouped further (relays by community, couriers by home town) so the drawing
stays readable at any scale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from tipoff.model import CompiledModel
from tipoff.report._data import Edge, NetworkDiagram, Node

__all__ = ["MAX_NODES", "network_diagram"]

#: Most boxes drawn in one column; beyond it, parties are grouped.
MAX_NODES = 24


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _grouper(
    ids: list[int], by: Callable[[int], str], label: Callable[[str, int], str]
) -> tuple[dict[int, str], dict[str, tuple[str, int]]]:
    """Map parties to group keys, and each key to (label, count)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for p in ids:
        groups[by(p)].append(p)
    return (
        {p: key for key, members in groups.items() for p in members},
        {key: (label(key, len(m)), len(m)) for key, m in groups.items()},
    )


def _column_nodes(
    m: CompiledModel,
    parties: list[int],
    role: str,
    prefix: str,
    group_by: Callable[[int], str],
    group_word: str,
    notes: list[str],
) -> tuple[dict[int, str], dict[str, tuple[str, str, int]]]:
    """Node keys of a column's parties: one per party, or per group when there are too many."""
    word = role
    if len(parties) <= MAX_NODES:
        return (
            {p: f"{prefix}:{m.party_ids[p]}" for p in parties},
            {
                f"{prefix}:{m.party_ids[p]}": (m.party_ids[p], _detail(m, p, role), 1)
                for p in parties
            },
        )
    key_of, groups = _grouper(
        parties, group_by, lambda k, n: f"{k}: {_plural(n, word)}" if k else _plural(n, word)
    )
    if len(groups) > MAX_NODES:
        key_of = dict.fromkeys(parties, "")
        groups = {"": (_plural(len(parties), word), len(parties))}
        notes.append(f"The {len(parties)} {word}s are drawn as one box.")
    else:
        notes.append(f"{word.capitalize()}s are grouped by {group_word}.")
    return (
        {p: f"{prefix}:{k}" for p, k in key_of.items()},
        {f"{prefix}:{k}": (label, label, n) for k, (label, n) in groups.items()},
    )


def _detail(m: CompiledModel, p: int, role: str) -> str:
    parts = [f"{m.party_ids[p]}, {role}"]
    c = int(m.party_community[p])
    if c >= 0:
        parts.append(f"community {m.community_names[c]}")
    h = int(m.party_home[p])
    if h >= 0:
        parts.append(f"from {m.place_names[h]}")
    if m.party_coercible[p]:
        parts.append("can be coerced into informing")
    return ", ".join(parts)


def _town(m: CompiledModel, p: int) -> str:
    h = int(m.party_home[p])
    return m.place_names[h] if h >= 0 else ""


def _layout(order: list[list[str]], neighbours: dict[str, set[str]]) -> dict[str, float]:
    """y positions, column by column in ``order``: the first column as given, each later one
    sorted by the mean position of its neighbours already placed (barycentre ordering)."""
    y: dict[str, float] = {}
    for column in order:

        def centre(k: str) -> float:
            placed = [y[n] for n in neighbours.get(k, ()) if n in y]
            return sum(placed) / len(placed) if placed else 0.0

        ordered = sorted(column, key=lambda k: (-centre(k), k)) if y else column
        n = len(ordered)
        for i, k in enumerate(ordered):
            y[k] = (n - 1) / 2 - i  # centred on 0, top to bottom
    return y


def network_diagram(m: CompiledModel, /) -> NetworkDiagram:
    """Lay the network out in columns: sender groups -> relays (by hop) -> couriers -> towns.

    Edge weights: for sender groups, the senders in the group; between relays and couriers, the
    routes (relay path + courier) using the link; from couriers to towns, the families in the town
    that the courier's routes can reach.
    """
    notes: list[str] = []
    hops = m.chain_relays.shape[1] if m.chain_relays.ndim == 2 else 0
    relay_hop: dict[int, int] = {}
    for c in range(m.n_chains):
        for h in range(hops):
            p = int(m.chain_relays[c, h])
            if p >= 0:
                relay_hop[p] = min(relay_hop.get(p, h), h)
    n_relay_cols = max(relay_hop.values(), default=-1) + 1
    courier_parties = sorted({int(m.courier_party[int(k)]) for k in m.chain_courier})

    def community(p: int) -> str:
        c = int(m.party_community[p])
        return m.community_names[c] if c >= 0 else "no community"

    def home(p: int) -> str:
        return _town(m, p) or "home not given"

    relay_key: dict[int, str] = {}
    infos: dict[str, tuple[str, str, int]] = {}
    node_column: dict[str, int] = {}
    relay_columns: list[list[str]] = []
    for h in range(n_relay_cols):
        parties = sorted(
            (p for p, k in relay_hop.items() if k == h), key=lambda p: (community(p), p)
        )
        keys, info = _column_nodes(m, parties, "relay", f"r{h}", community, "community", notes)
        relay_key.update(keys)
        infos.update(info)
        relay_columns.append(list(info))
        node_column.update(dict.fromkeys(info, 1 + h))
    courier_key, info = _column_nodes(
        m,
        sorted(courier_parties, key=lambda p: (home(p), p)),
        "courier",
        "c",
        home,
        "home town",
        notes,
    )
    infos.update(info)
    courier_column = list(info)
    node_column.update(dict.fromkeys(info, 1 + n_relay_cols))

    # sender groups: senders who start on the same first-hop boxes are counted together
    edges: dict[tuple[str, str], int] = defaultdict(int)
    group_senders: dict[tuple[str, ...], int] = defaultdict(int)
    families: dict[tuple[str, str], set[int]] = defaultdict(set)
    town_families: dict[str, set[int]] = defaultdict(set)
    route_links: set[tuple[str, str, int]] = set()
    for s in range(m.n_senders):
        first: set[str] = set()
        recipients = [int(r) for r in m.recipients_of(s)]
        for r in recipients:
            town_families[_town(m, r) or "town not given"].add(r)
        for c in (int(c) for c in m.chains_of(s)):
            path = [relay_key[int(p)] for p in m.chain_relays[c] if p >= 0]
            courier = courier_key[int(m.courier_party[int(m.chain_courier[c])])]
            first.add(path[0] if path else courier)
            for a, b in zip([*path], [*path[1:], courier], strict=True):
                route_links.add((a, b, c))
            for r in recipients:
                families[(courier, _town(m, r) or "town not given")].add(r)
        group_senders[tuple(sorted(first))] += 1
    for a, b, _ in route_links:
        edges[(a, b)] += 1

    group_keys = sorted(group_senders)
    if len(group_keys) > MAX_NODES:
        notes.append(f"The {m.n_senders} senders are drawn as one box.")
        merged: dict[tuple[str, ...], int] = {
            tuple(sorted({k for g in group_keys for k in g})): m.n_senders
        }
        group_senders = defaultdict(int, merged)
        group_keys = list(merged)
    sender_column = []
    for j, g in enumerate(group_keys):
        key = f"s:{j}"
        n = group_senders[g]
        via = ", ".join(infos[k][0] for k in g)
        infos[key] = (_plural(n, "sender"), f"{_plural(n, 'sender')} who use {via}", n)
        node_column[key] = 0
        sender_column.append(key)
        for k in g:
            edges[(key, k)] += n

    towns = sorted(town_families, key=lambda t: (-len(town_families[t]), t))
    if len(towns) > MAX_NODES:
        keep, rest = towns[: MAX_NODES - 1], towns[MAX_NODES - 1 :]
        notes.append(f"The {len(rest)} towns with the fewest families are drawn as one box.")
    else:
        keep, rest = towns, []
    town_key = {t: f"t:{t}" for t in keep} | {t: "t:" for t in rest}
    town_column: list[str] = []
    for t in keep:
        n = len(town_families[t])
        fams = _plural(n, "family", "families")
        infos[town_key[t]] = (f"{t}: {fams}", f"{fams} in {t}", n)
        town_column.append(town_key[t])
    if rest:
        n = sum(len(town_families[t]) for t in rest)
        label = f"{len(rest)} other towns: {_plural(n, 'family', 'families')}"
        infos["t:"] = (label, label, n)
        town_column.append("t:")
    for k in town_column:
        node_column[k] = 2 + n_relay_cols
    grouped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (courier, town), members in families.items():
        grouped[(courier, town_key[town])] |= members
    for link, members in grouped.items():
        edges[link] += len(members)

    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    columns = [sender_column, *relay_columns, courier_column, town_column]
    # the first relays keep their community order; senders line up with their relays
    y = _layout([*columns[1:2], columns[0], *columns[2:]], neighbours)
    roles = ["sender", *(["relay"] * n_relay_cols), "courier", "recipient"]
    nodes = tuple(
        Node(
            key=k,
            column=node_column[k],
            y=y[k],
            role=roles[node_column[k]],
            label=infos[k][0],
            detail=infos[k][1],
            count=infos[k][2],
        )
        for column in columns
        for k in column
    )
    headings = (
        "Senders abroad",
        *(
            ("Relays",)
            if n_relay_cols == 1
            else tuple(f"Relays, hop {h + 1}" for h in range(n_relay_cols))
        ),
        "Couriers",
        "Families, by town",
    )
    return NetworkDiagram(
        columns=headings,
        nodes=nodes,
        edges=tuple(Edge(source=a, target=b, weight=w) for (a, b), w in sorted(edges.items())),
        notes=tuple(notes),
    )
