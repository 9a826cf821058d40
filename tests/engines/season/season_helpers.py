"""Tiny scenarios for the season simulator's tests, and the statistical checks they share.

Scenarios are built as Python dicts, merged over a neutral operation (every mechanism off) and
written out as YAML text (JSON is a subset of YAML 1.2), which goes through the same loader as a
user's file: ``parse_scenario`` then ``compile_scenario``.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tipoff.engines import SeasonOutput, simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import parse_scenario

#: Every mechanism off: no informants, no background, perfect tips and catches when switched on.
NEUTRAL_OPERATION: dict[str, Any] = {
    "recruitment": {"initial": 0.0, "daily_hazard": 0.0},
    "harvest": {"community": 0.0},
    "relay": {"success": 1.0, "delay_days": 2},
    "response": {
        "catch": {"address_and_schedule": 1.0, "address_only": 0.0, "courier_identity": 0.0},
        "meeting_point_factor": 1.0,
        "capacity_per_day": None,
    },
    "background": 0.0,
    "family_arrest": 0.0,
    "interrogation": {"recipients": 0.0, "couriers": 0.0, "watch_days": 0, "sweep_delay_days": 0},
    "tracing": 0.0,
    "replacement_couriers_per_month": 0.0,
}

#: Every mechanism at once on a small generated network (the Mesa equivalence test's scenario):
#: a binding capacity, meeting points, two-relay routes, a hub named by id, a coercible sender
#: told about its own deliveries, an off-route informant, explicit deliveries, one-day sweeps.
BUSY_YAML = """
name: busy
horizon_days: 60
parties:
  - {id: ra, role: relay, community: east}
  - {id: rb, role: relay, community: east}
  - {id: re, role: relay, community: east}
  - {id: rc, role: relay, community: west}
  - {id: rd, role: relay, community: west}
  - {id: hub, role: relay, community: west}
  - {id: k1, role: courier, home: Hoeryong}
  - {id: k2, role: courier, home: Musan}
  - {id: k3, role: courier, home: Onsong}
  - {id: k4, role: courier, home: Hoeryong}
  - {id: k5, role: courier, home: Musan}
  - {id: sx, role: sender, side: china, community: east}
  - {id: sx.f1, role: recipient, home: Hamhung}
generate:
  senders: {count: 30, relays: [ra, rb, rc], relays_per_sender: 1}
  recipients: {per_sender: 2, homes: [Hamhung, Pyongyang, Kaechon]}
links:
  sender_relays: {sx: [ra]}
  sender_recipients: {sx: [sx.f1]}
  relay_relays: {ra: [rd], rc: [rd]}
  relay_couriers: {ra: [k1, k4], rb: [k1, k2], rc: [k3, k5], rd: [k2, k3], re: [k1], hub: [k3]}
workload:
  per_sender_per_year: 20
  amount: {median: 800, spread: 0.7}
  deliveries:
    - {day: 3, sender: sx}
    - {day: 10, sender: s004, relays: [ra, rd], mode: home}
    - {day: 10, sender: s003, courier: k3, amount: 5000}
    - {day: 30, sender: s001, recipient: s001.f2, mode: home}
protocol:
  - {from: sender, to: first_relay, items: [recipient_identity, recipient_address, sender_identity], lead_days: 8}
  - {from: first_relay, to: relay, items: [recipient_address, amount], lead_days: 4}
  - {from: courier, to: last_relay, items: [schedule, courier_identity], lead_days: 3}
  - {from: last_relay, to: courier, items: [recipient_address, schedule, meeting_point], lead_days: 1}
  - {from: sender, to: hub, items: [schedule], lead_days: 5}
  - {from: first_relay, to: sx, items: [schedule], lead_days: 4}
  - {from: courier, to: recipient, items: [schedule, meeting_point], lead_days: 1}
handover: meeting_point
operation:
  recruitment: {initial: 0.2, daily_hazard: 0.01}
  harvest: {community: 0.5}
  relay: {success: 0.7, delay_days: 2}
  response:
    catch: {address_and_schedule: 0.7, address_only: 0.5, courier_identity: 0.2}
    meeting_point_factor: 0.5
    capacity_per_day: 1
  background: 0.01
  family_arrest: 0.6
  interrogation: {recipients: 0.6, couriers: 0.6, watch_days: 20, sweep_delay_days: 0}
  tracing: 0.5
  replacement_couriers_per_month: 10
"""


#: The sender tells the relay the address and the day well ahead: enough for a perfect stake-out.
TIP_PROTOCOL: list[dict[str, Any]] = [
    {
        "from": "sender",
        "to": "relay",
        "items": ["recipient_identity", "recipient_address", "schedule"],
        "lead_days": 5,
    },
]


#: Family homes of ``lanes_doc``, one town per delivery (no digits: place names hold none).
HOMES = (
    "Hamhung",
    "Pyongyang",
    "Kaechon",
    "Chongjin",
    "Wonsan",
    "Sinuiju",
    "Hyesan",
    "Kimchaek",
    "Nampo",
    "Sariwon",
    "Haeju",
    "Kanggye",
)


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in, recursively for mappings (neither is changed)."""
    out = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def yaml_text(doc: Mapping[str, Any]) -> str:
    """A scenario document as YAML text (JSON, which YAML 1.2 reads as flow style)."""
    return json.dumps(doc, indent=2)


def compile_doc(doc: Mapping[str, Any]) -> CompiledModel:
    return compile_scenario(parse_scenario(yaml_text(doc), source="<test>"))


def lanes_doc(
    days: Sequence[int],
    *,
    horizon: int = 20,
    operation: Mapping[str, Any] | None = None,
    protocol: Sequence[Mapping[str, Any]] = TIP_PROTOCOL,
    modes: Sequence[str | None] | None = None,
    relay: Mapping[str, Any] | None = None,
    handover: str = "home",
) -> dict[str, Any]:
    """One sender, one relay ``r1``, and one courier and one recipient per delivery.

    Delivery ``k`` (0-based) goes on ``days[k]`` from ``s1`` through ``r1`` and courier ``cK`` to
    family ``fK``, so arrests and watched homes of one delivery never touch another. Couriers live
    in Hoeryong; family ``fK`` lives in ``HOMES[K]`` (distinct towns for up to 12 deliveries), so
    arrests by place say which deliveries were caught at the hand-over.
    """
    n = len(days)
    couriers = [f"c{k}" for k in range(n)]
    families = [f"f{k}" for k in range(n)]
    deliveries = []
    for k, day in enumerate(days):
        d: dict[str, Any] = {
            "day": int(day),
            "sender": "s1",
            "relays": ["r1"],
            "courier": couriers[k],
            "recipient": families[k],
        }
        if modes is not None and modes[k] is not None:
            d["mode"] = modes[k]
        deliveries.append(d)
    return {
        "name": "lanes",
        "horizon_days": horizon,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "r1", "role": "relay", **(relay or {})},
            *({"id": c, "role": "courier", "home": "Hoeryong"} for c in couriers),
            *(
                {"id": f, "role": "recipient", "home": HOMES[k % len(HOMES)]}
                for k, f in enumerate(families)
            ),
        ],
        "links": {
            "sender_relays": {"s1": ["r1"]},
            "relay_couriers": {"r1": couriers},
            "sender_recipients": {"s1": families},
        },
        "workload": {"per_sender_per_year": 0, "deliveries": deliveries},
        "protocol": list(protocol),
        "handover": handover,
        "operation": merged(NEUTRAL_OPERATION, operation or {}),
    }


def simulate(doc: Mapping[str, Any], *, n_runs: int, seed: int, **options: Any) -> SeasonOutput:
    return simulate_season(compile_doc(doc), n_runs=n_runs, seed=seed, **options)


def daily(out: SeasonOutput, metric: str) -> np.ndarray:
    """The per-day sum over runs of one metric."""
    return out.daily_sum[out.metrics.index(metric)]


def causes(out: SeasonOutput) -> dict[str, int]:
    """Interceptions by true cause, summed over runs."""
    pooled = out.cause_counts.sum(axis=0)
    return {c: int(pooled[k]) for k, c in enumerate(out.causes)}


def assert_binomial(hits: int, n: int, p: float, *, z: float = 4.0, what: str = "rate") -> None:
    """``hits`` successes in ``n`` independent trials agree with probability ``p``.

    The tolerance is ``z`` standard errors of the proportion under ``p``, so ``p`` of exactly 0 or 1
    demands an exact count.
    """
    se = math.sqrt(p * (1.0 - p) / n)
    observed = hits / n
    assert abs(observed - p) <= z * se + 1e-12, (
        f"{what}: observed {observed:.5f} ({hits}/{n}), expected {p:.5f}, "
        f"|diff| {abs(observed - p):.5f} > {z} x SE {se:.5f}"
    )


def assert_mean(values: np.ndarray, expected: float, *, z: float = 4.0, what: str = "mean") -> None:
    """The mean of independent per-run ``values`` agrees with ``expected`` within ``z`` SE."""
    v = np.asarray(values, dtype=np.float64)
    se = float(v.std(ddof=1)) / math.sqrt(v.size)
    assert se > 0, f"{what}: no spread over runs, the check cannot work"
    assert abs(v.mean() - expected) <= z * se, (
        f"{what}: observed {v.mean():.5f}, expected {expected:.5f}, "
        f"|diff| {abs(v.mean() - expected):.5f} > {z} x SE {se:.5f}"
    )
