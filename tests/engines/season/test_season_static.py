"""The season simulator reproduces docs/model.md's static one-delivery semantics.

With unlimited capacity and no interrogation or tracing, each delivery's interception rate must
match docs/model.md's formula, computed here directly: enumerate every party's outcome (informant or
not, overhears or not, tip gets through or not), take the union K of what was relayed, and average
``1 - (1 - eps)(1 - a(K))(1 - b(K))``. The parties' told sets D_i are written out by hand from each
case's protocol (not taken from the compiled model), so a compile error shows up too.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from season_helpers import NEUTRAL_OPERATION, assert_binomial, daily, merged, simulate

A, S, C = "address", "schedule", "courier_identity"

SIGMA, PI, EPS = 0.4, 0.7, 0.05
CATCH = {"address_and_schedule": 0.9, "address_only": 0.4, "courier_identity": 0.3}
MEETING_POINT_FACTOR = 0.25
DELAY = 2


@dataclass(frozen=True)
class Party:
    """A coercible party as the static formula sees it for one delivery."""

    rho: float  # P(informant) for this delivery
    told: frozenset[str]  # D_i: items told at least delay_days ahead
    community: str | None


def static_interception(
    parties: Mapping[str, Party], *, meeting_point: bool, sigma: float = SIGMA, pi: float = PI
) -> float:
    """docs/model.md, "Static semantics: one delivery", steps 1-5, by enumeration."""
    names = list(parties)
    heard = {  # G_i: the items in D_j of every other party j of i's community
        i: frozenset().union(
            *(
                parties[j].told
                for j in names
                if j != i
                and parties[i].community is not None
                and parties[j].community == parties[i].community
            )
        )
        for i in names
    }
    factor = MEETING_POINT_FACTOR if meeting_point else 1.0
    expected_catch = 0.0
    for outcome in itertools.product(itertools.product((True, False), repeat=3), repeat=len(names)):
        prob = 1.0
        known: set[str] = set()
        for name, (informant, overhears, passes) in zip(names, outcome, strict=True):
            p = parties[name]
            prob *= p.rho if informant else 1 - p.rho
            prob *= sigma if overhears else 1 - sigma
            prob *= pi if passes else 1 - pi
            if informant and passes:
                known |= p.told | (heard[name] if overhears else frozenset())
        if A in known:
            a = CATCH["address_and_schedule"] if S in known else CATCH["address_only"]
        else:
            a = 0.0
        a *= factor
        b = CATCH["courier_identity"] if C in known else 0.0
        expected_catch += prob * (1 - (1 - a) * (1 - b))
    return 1 - (1 - EPS) * (1 - expected_catch)


def _doc(
    protocol: list[dict[str, Any]], *, sender_side: str = "abroad", hazard: float = 0.0
) -> dict:
    """s1 -> r1 -> r2 -> courier -> family. r1, r2 and r3 (off the route, with its own courier) are
    in community k; r4 is alone in community m. s1 may be a China-side member of k (coercible).
    Delivery "home" goes on day 5, delivery "mp" (at a meeting point) on day 6."""
    sender: dict[str, Any] = {"id": "s1", "role": "sender", "side": sender_side}
    if sender_side == "china":
        sender.update(community="k", informant=0.35)
    return {
        "name": "static",
        "horizon_days": 8,
        "parties": [
            sender,
            {"id": "r1", "role": "relay", "community": "k", "informant": 0.3},
            {"id": "r2", "role": "relay", "community": "k", "informant": 0.2},
            {"id": "r3", "role": "relay", "community": "k", "informant": 0.5},
            {"id": "r4", "role": "relay", "community": "m", "informant": 0.9},
            {"id": "c1", "role": "courier", "home": "Hoeryong"},
            {"id": "c2", "role": "courier", "home": "Hoeryong"},
            {"id": "c3", "role": "courier", "home": "Musan"},
            {"id": "c4", "role": "courier", "home": "Onsong"},
            {"id": "f1", "role": "recipient", "home": "Hamhung"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"]},
            "relay_relays": {"r1": ["r2"]},
            "relay_couriers": {"r2": ["c1", "c2"], "r3": ["c3"], "r4": ["c4"]},
            "sender_recipients": {"s1": ["f1"]},
        },
        "workload": {
            "per_sender_per_year": 0,
            "deliveries": [
                {"id": "home", "day": 5, "sender": "s1", "courier": "c1", "mode": "home"},
                {"id": "mp", "day": 6, "sender": "s1", "courier": "c2", "mode": "meeting_point"},
            ],
        },
        "protocol": protocol,
        "operation": merged(
            NEUTRAL_OPERATION,
            {
                "recruitment": {"initial": 0.0, "daily_hazard": hazard},
                "harvest": {"community": SIGMA},
                "relay": {"success": PI, "delay_days": DELAY},
                "response": {"catch": CATCH, "meeting_point_factor": MEETING_POINT_FACTOR},
                "background": EPS,
                "family_arrest": 0.5,  # harmless without tracing
            },
        ),
    }


def _step(to: str, items: list[str], lead_days: int, frm: str = "sender") -> dict[str, Any]:
    return {"from": frm, "to": to, "items": items, "lead_days": lead_days}


def _rho(base: float, hazard: float, day: int) -> float:
    return 1 - (1 - base) * (1 - hazard) ** max(0, day - DELAY)


# Each case: the scenario, and for a delivery on a given day, the parties the formula needs.
# r4 is listed to show that an informant of another community learns nothing (its G is empty).


def case_split_knowledge(hazard: float = 0.0) -> tuple[dict, Any]:
    """The first relay knows the address, the last relay the day and the courier: each alone
    gives at most a partial catch, harvest in the community (r3 off the route) joins them."""
    protocol = [
        _step("first_relay", ["recipient_identity", "recipient_address", "amount"], 10),
        _step("last_relay", ["schedule", "courier_identity"], 3, frm="courier"),
        _step("courier", ["recipient_address", "schedule"], 3, frm="relay"),
        _step("recipient", ["schedule"], 1, frm="courier"),
    ]

    def parties(day: int) -> dict[str, Party]:
        return {
            "r1": Party(_rho(0.3, hazard, day), frozenset({A}), "k"),
            "r2": Party(_rho(0.2, hazard, day), frozenset({S, C}), "k"),
            "r3": Party(_rho(0.5, hazard, day), frozenset(), "k"),
            "r4": Party(_rho(0.9, hazard, day), frozenset(), "m"),
        }

    return _doc(protocol, hazard=hazard), parties


def case_address_only() -> tuple[dict, Any]:
    """Every relay knows the address; the day is told too late for a tip (lead 1 < delay 2);
    the first relay learns the courier's identity just in time (lead 2 = delay)."""
    protocol = [
        _step("relay", ["recipient_address", "amount"], 10),
        _step("last_relay", ["schedule"], 1, frm="courier"),
        _step("first_relay", ["courier_identity"], 2, frm="courier"),
    ]

    def parties(day: int) -> dict[str, Party]:
        return {
            "r1": Party(0.3, frozenset({A, C}), "k"),
            "r2": Party(0.2, frozenset({A}), "k"),
            "r3": Party(0.5, frozenset(), "k"),
            "r4": Party(0.9, frozenset(), "m"),
        }

    return _doc(protocol), parties


def case_sender_in_community() -> tuple[dict, Any]:
    """A China-side sender (coercible, community k) is the only one told the address and day;
    the relays learn them only by overhearing it."""
    protocol = [
        _step("sender", ["recipient_address", "schedule"], 7, frm="recipient"),
        _step("first_relay", ["recipient_identity"], 10),
        _step("last_relay", ["courier_identity"], 3, frm="courier"),
    ]

    def parties(day: int) -> dict[str, Party]:
        return {
            "s1": Party(0.35, frozenset({A, S}), "k"),
            "r1": Party(0.3, frozenset(), "k"),
            "r2": Party(0.2, frozenset({C}), "k"),
            "r3": Party(0.5, frozenset(), "k"),
            "r4": Party(0.9, frozenset(), "m"),
        }

    return _doc(protocol, sender_side="china"), parties


def case_named_party() -> tuple[dict, Any]:
    """r3 is named in the protocol (a hub told the day of every delivery): it is then told
    about the delivery itself, not only a community member who may overhear."""
    protocol = [
        _step("first_relay", ["recipient_address"], 10),
        _step("r3", ["schedule"], 4, frm="relay"),
    ]

    def parties(day: int) -> dict[str, Party]:
        return {
            "r1": Party(0.3, frozenset({A}), "k"),
            "r2": Party(0.2, frozenset(), "k"),
            "r3": Party(0.5, frozenset({S}), "k"),
            "r4": Party(0.9, frozenset(), "m"),
        }

    return _doc(protocol), parties


CASES = {
    "split_knowledge": case_split_knowledge,
    "address_only": case_address_only,
    "sender_in_community": case_sender_in_community,
    "named_party": case_named_party,
    "split_knowledge_with_hazard": lambda: case_split_knowledge(hazard=0.05),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n_runs", [3000, pytest.param(30_000, marks=pytest.mark.slow)])
def test_interception_rate_matches_the_static_formula(case: str, n_runs: int) -> None:
    doc, parties = CASES[case]()
    out = simulate(doc, n_runs=n_runs, seed=100 + sorted(CASES).index(case))
    per_day = daily(out, "intercepted")
    for day, meeting_point in ((5, False), (6, True)):
        expected = static_interception(parties(day), meeting_point=meeting_point)
        assert_binomial(int(per_day[day]), n_runs, expected, what=f"{case}, day {day}")


def test_the_formula_itself_on_hand_computed_values() -> None:
    """The enumeration against values worked out by hand, so the reference is trusted."""
    lone = {"r": Party(0.5, frozenset({A, S}), None)}
    # caught when informant (0.5) and the tip gets through (0.7): 0.35 x 0.9, then background
    assert static_interception(lone, meeting_point=False) == pytest.approx(
        1 - (1 - EPS) * (1 - 0.35 * 0.9)
    )
    assert static_interception(lone, meeting_point=True) == pytest.approx(
        1 - (1 - EPS) * (1 - 0.35 * 0.9 * MEETING_POINT_FACTOR)
    )
    # an off-route informant for sure, overhearing the address from a member that never informs
    pair = {
        "on": Party(0.0, frozenset({A}), "k"),
        "off": Party(1.0, frozenset(), "k"),
    }
    assert static_interception(pair, meeting_point=False) == pytest.approx(
        1 - (1 - EPS) * (1 - SIGMA * PI * CATCH["address_only"])
    )
    # two sources of different items: address from one, identity from the other
    split = {
        "x": Party(1.0, frozenset({A}), None),
        "y": Party(1.0, frozenset({C}), None),
    }
    a_only = PI * (1 - PI) * CATCH["address_only"]
    c_only = (1 - PI) * PI * CATCH["courier_identity"]
    both = PI * PI * (1 - (1 - CATCH["address_only"]) * (1 - CATCH["courier_identity"]))
    assert static_interception(split, meeting_point=False) == pytest.approx(
        1 - (1 - EPS) * (1 - (a_only + c_only + both))
    )
