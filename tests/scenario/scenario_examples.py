"""Scenario texts shared by the scenario tests: the docs/model.md example, verbatim."""

from __future__ import annotations

MODEL_EXAMPLE = """\
# yaml-language-server: $schema=./scenario.schema.json
name: example
horizon_days: 90
parties:
  - {id: r1, role: relay, side: china, community: yanji}
  - {id: r2, role: relay, side: china, community: yanji}
  - {id: c1, role: courier, side: north, home: Hoeryong}
generate:                      # many parties without listing them one by one
  senders: {count: 40, side: abroad, relays: [r1, r2]}
  recipients: {per_sender: 1, homes: [Hamhung, Pyongyang, Kaechon]}
links:
  relay_couriers: {r1: [c1], r2: [c1]}
workload:
  per_sender_per_year: 1.6
  amount: {median: 1500, spread: 0.5}
protocol:                      # what people do today
  - {from: sender, to: relay, items: [recipient_identity, recipient_address, amount], lead_days: 10}
  - {from: relay, to: courier, items: [recipient_identity, recipient_address, amount, schedule], lead_days: 3}
handover: home                 # or meeting_point
operation:
  recruitment: {initial: 0.2, daily_hazard: 0.001}
  harvest: {community: 0.3}
  relay: {success: 0.8, delay_days: 2}
  response:
    catch: {address_and_schedule: 0.9, address_only: 0.4, courier_identity: 0.3}
    meeting_point_factor: 0.2
    capacity_per_day: 2
  background: 0.01
  family_arrest: 0.5
  interrogation: {recipients: 0.5, couriers: 0.3, watch_days: 60, sweep_delay_days: 5}
  tracing: 0.3
  replacement_couriers_per_month: 1
"""

#: The smallest useful scenario, in block style so that tests can point at lines.
MINIMAL = """\
name: minimal
horizon_days: 30
parties:
  - id: s1
    role: sender
  - id: r1
    role: relay
  - id: c1
    role: courier
  - id: f1
    role: recipient
links:
  sender_relays:
    s1: [r1]
  relay_couriers:
    r1: [c1]
  sender_recipients:
    s1: [f1]
protocol:
  - from: sender
    to: relay
    items: [recipient_address]
    lead_days: 5
operation:
  recruitment:
    initial: 0.1
  relay:
    success: 0.5
  response:
    catch:
      address_and_schedule: 0.9
"""
