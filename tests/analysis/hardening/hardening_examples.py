"""Small scenarios for the hardening tests (pseudonyms only)."""

from __future__ import annotations

from tipoff.analysis.hardening import Countermeasure, library
from tipoff.scenario import Scenario, parse_scenario

OPERATION = """\
operation:
  recruitment: {initial: 0.3, daily_hazard: 0.002}
  harvest: {community: 0.4}
  relay: {success: 0.8, delay_days: 2}
  response:
    catch: {address_and_schedule: 0.9, address_only: 0.4, courier_identity: 0.3}
    meeting_point_factor: 0.2
  background: 0.01
  family_arrest: 0.5
  interrogation: {recipients: 0.5, couriers: 0.3, watch_days: 30, sweep_delay_days: 3}
  tracing: 0.2
"""

#: Two hops in China (a first relay, then b1), senders in communities, a party named by id.
TWO_HOP = (
    """\
name: two-hop
horizon_days: 60
parties:
  - {id: s1, role: sender, community: yanji}
  - {id: s2, role: sender, community: tumen}
  - {id: a1, role: relay, community: yanji}
  - {id: a2, role: relay, community: tumen}
  - {id: b1, role: relay, community: helong}
  - {id: hub, role: relay, community: helong}
  - {id: c1, role: courier, home: Hoeryong}
  - {id: c2, role: courier, home: Musan}
  - {id: f1, role: recipient, home: Hamhung}
  - {id: f2, role: recipient, home: Kaechon}
links:
  sender_relays: {s1: [a1, a2], s2: [a2, a1]}
  relay_relays: {a1: [b1], a2: [b1]}
  relay_couriers: {b1: [c1, c2], hub: [c1]}
  sender_recipients: {s1: [f1], s2: [f2]}
workload:
  per_sender_per_year: 30
  amount: {median: 1500, spread: 0.5}
protocol:
  - {from: sender, to: relay, items: [recipient_identity, recipient_address, amount], lead_days: 10}
  - {from: courier, to: relay, items: [schedule, courier_identity], lead_days: 3}
  - {from: relay, to: courier, items: [recipient_identity, recipient_address, schedule], lead_days: 3}
  - {from: relay, to: hub, items: [recipient_address, amount], lead_days: 5}
  - {from: courier, to: recipient, items: [schedule], lead_days: 1}
"""
    + OPERATION
)

#: Explicit deliveries only (for lie-low and split-transfers).
EXPLICIT = (
    """\
name: explicit
horizon_days: 60
parties:
  - {id: s1, role: sender}
  - {id: s2, role: sender}
  - {id: r1, role: relay, community: yanji}
  - {id: r2, role: relay, community: yanji}
  - {id: c1, role: courier, home: Hoeryong}
  - {id: f1, role: recipient, home: Hamhung}
  - {id: f2, role: recipient, home: Kaechon}
links:
  sender_relays: {s1: [r1], s2: [r2]}
  relay_couriers: {r1: [c1], r2: [c1]}
  sender_recipients: {s1: [f1], s2: [f2]}
workload:
  amount: {median: 2000, spread: 0.5}
  deliveries:
    - {id: d1, day: 5, sender: s1, amount: 3000}
    - {id: d2, day: 28, sender: s2, amount: 800, mode: home}
    - {id: d3, day: 31, sender: s1}
    - {day: 50, sender: s2, amount: 1200}
protocol:
  - {from: sender, to: relay, items: [recipient_identity, recipient_address, amount], lead_days: 10}
  - {from: relay, to: courier, items: [recipient_identity, recipient_address, schedule], lead_days: 3}
"""
    + OPERATION
)

#: A user-defined countermeasure equal to the library's C1 (family tells the courier 1 day ahead).
USER_C1 = """\
countermeasures:
  - name: family-tells-courier
    description: The family tells the courier its address by phone the day before.
    sources: [C1]
    status: hypothesis
    withhold:
      - {items: [recipient_identity, recipient_address], targets: [china_side]}
    tell:
      - {from: recipient, to: courier, items: [recipient_identity, recipient_address], lead_days: 1}
    cost: {fee: 0.0, days: 1, contacts: 1}
  - name: late-day
    cap_lead_days:
      - {items: [schedule], lead_days: 1}
    handover: meeting_point
    cost: {fee: 0.01, days: 2, contacts: 1}
"""


def two_hop() -> Scenario:
    return parse_scenario(TWO_HOP, source="two-hop")


def explicit() -> Scenario:
    return parse_scenario(EXPLICIT, source="explicit")


def measure(scenario: Scenario, measure_id: str) -> Countermeasure:
    """The library measure ``measure_id`` with its costs for ``scenario``."""
    return next(m for m in library(scenario) if m.id == measure_id)
