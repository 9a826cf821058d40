"""Scenarios for the benchmarks: a preset scaled up by copying its network, and synthetic networks.

``scaled_preset`` copies a preset's network ``factor`` times (relays, couriers, their links and
communities get a ``.xK`` suffix on copy ``K``; the senders generator's count is multiplied and
it is given every copy's relays, so each relay keeps its number of senders). The operation is
unchanged: the service does not grow with the network (its daily capacity and the replacement
rate stay the same). ``synthetic`` builds a network of about ``n_parties`` parties shaped like
the seed preset (30 senders a relay, 1.1 couriers a relay, two couriers per relay, 2.5 relays a community).
"""

from __future__ import annotations

import copy
from typing import Any

from tipoff.scenario import Scenario, load_preset

__all__ = ["scaled_preset", "synthetic"]


def _suffix(value: str, k: int) -> str:
    return value if k == 0 else f"{value}.x{k}"


def scaled_preset(name: str, factor: int) -> Scenario:
    """The preset ``name`` with its relays, couriers and senders multiplied by ``factor``."""
    doc: dict[str, Any] = load_preset(name).model_dump(by_alias=True)
    if factor == 1:
        return Scenario.model_validate(doc)
    base_parties = [p for p in doc["parties"] if p["role"] in ("relay", "courier")]
    if any(p["role"] in ("sender", "recipient") for p in doc["parties"]):
        raise ValueError("scaled_preset copies generated senders only")
    parties = []
    for k in range(factor):
        for p in base_parties:
            q = dict(p, id=_suffix(p["id"], k))
            if q.get("community") is not None:
                q["community"] = _suffix(q["community"], k)
            parties.append(q)
    doc["parties"] = parties
    links = doc["links"]
    for table in ("relay_couriers", "relay_relays"):
        links[table] = {
            _suffix(a, k): [_suffix(b, k) for b in bs]
            for k in range(factor)
            for a, bs in links[table].items()
        }
    gen = doc["generate"]
    senders = copy.deepcopy(gen["senders"])
    senders["count"] *= factor
    senders["relays"] = [_suffix(r, k) for k in range(factor) for r in senders["relays"]]
    gen["senders"] = senders
    doc["name"] = f"{doc['name']}-x{factor}"
    return Scenario.model_validate(doc)


def synthetic(n_parties: int, *, name: str = "synthetic") -> Scenario:
    """A network of about ``n_parties`` parties shaped like the seed preset, with its operation.

    Parties: senders and their recipients (one each), relays (one per 30 senders), couriers (1.1
    per relay; each relay works with two, round-robin), 2.5 relays per community.
    """
    doc: dict[str, Any] = load_preset("north-hamgyong-spring").model_dump(by_alias=True)
    n_senders = max(1, round(n_parties * 300 / 621))
    n_relays = max(1, round(n_senders / 30))
    n_couriers = max(1, round(n_relays * 1.1))
    n_communities = max(1, round(n_relays / 2.5))
    width = max(3, len(str(n_relays)))  # the generators' id format (prefix + zero-padded number)
    relay_ids = [f"r{k:0{width}d}" for k in range(1, n_relays + 1)]
    doc["name"] = f"{name}-{n_parties}"
    doc["parties"] = []
    doc["links"] = {}
    doc["generate"] = {
        "couriers": {"count": n_couriers, "prefix": "c", "homes": ["Hoeryong", "Musan", "Onsong"]},
        "relays": {
            "count": n_relays,
            "prefix": "r",
            "communities": [f"town-{k}" for k in range(n_communities)],
            "couriers_per_relay": min(2, n_couriers),
        },
        "senders": {
            "count": n_senders,
            "side": "abroad",
            "relays": relay_ids,
            "relays_per_sender": 1,
        },
        "recipients": doc["generate"]["recipients"],
    }
    return Scenario.model_validate(doc)
