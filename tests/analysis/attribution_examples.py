"""Small scenarios and simulated logs shared by the attribution tests."""

from __future__ import annotations

from tipoff.engines import simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.results import IncidentLog, incident_log_text, parse_incident_log
from tipoff.scenario import parse_scenario

HEADER = "delivery,day,sender,relays,courier,recipient,mode,outcome\n"

#: Five relays in one chain of possible paths (r1 -> r2 -> r3, r4 -> r5), no community: a pool
#: of relays per delivery, each told everything in time (exposure weight 1), as in group testing.
POOLS = """\
name: pools
horizon_days: 120
parties:
  - {id: r1, role: relay, side: china}
  - {id: r2, role: relay, side: china}
  - {id: r3, role: relay, side: china}
  - {id: r4, role: relay, side: china}
  - {id: r5, role: relay, side: china}
  - {id: c1, role: courier, side: north, home: Hoeryong}
  - {id: c2, role: courier, side: north, home: Musan}
  - {id: c3, role: courier, side: north, home: Onsong}
generate:
  senders: {count: 20, side: abroad, relays: [r1, r2, r3, r4, r5], relays_per_sender: 1}
  recipients: {per_sender: 1, homes: [Hamhung, Kaechon]}
links:
  relay_relays: {r1: [r2, r3], r2: [r3], r4: [r5]}
  relay_couriers: {r1: [c1], r2: [c2], r3: [c3], r4: [c1, c2], r5: [c3]}
workload:
  per_sender_per_year: 12
protocol:
  - {from: sender, to: relay, items: [recipient_address, schedule, courier_identity], lead_days: 10}
operation:
  recruitment: {initial: 0.3, daily_hazard: 0.0}
  harvest: {community: 0.0}
  relay: {success: 1.0, delay_days: 2}
  response:
    catch: {address_and_schedule: 1.0, address_only: 1.0, courier_identity: 1.0}
    capacity_per_day: null
  background: 0.0
  interrogation: {recipients: 0.0, couriers: 0.0, watch_days: 0}
  tracing: 0.0
  replacement_couriers_per_month: 90
"""

#: Eight relays in two communities that overhear each other (harvest), noisy rates.
COMMUNITIES = """\
name: communities
horizon_days: 150
parties:
  - {id: a1, role: relay, side: china, community: east}
  - {id: a2, role: relay, side: china, community: east}
  - {id: a3, role: relay, side: china, community: east}
  - {id: a4, role: relay, side: china, community: east}
  - {id: b1, role: relay, side: china, community: west}
  - {id: b2, role: relay, side: china, community: west}
  - {id: b3, role: relay, side: china, community: west}
  - {id: b4, role: relay, side: china, community: west}
  - {id: c1, role: courier, side: north, home: Hoeryong}
  - {id: c2, role: courier, side: north, home: Musan}
  - {id: c3, role: courier, side: north, home: Onsong}
  - {id: c4, role: courier, side: north, home: Musan}
generate:
  senders: {count: 40, side: abroad, relays: [a1, a2, a3, a4, b1, b2, b3, b4], relays_per_sender: 1}
  recipients: {per_sender: 1, homes: [Hamhung, Kaechon, Chongjin]}
links:
  relay_couriers: {a1: [c1, c3], a2: [c1, c2], a3: [c2, c4], a4: [c1, c4], b1: [c2, c3], b2: [c1, c4], b3: [c2, c3], b4: [c3, c4]}
workload:
  per_sender_per_year: 6
protocol:
  - {from: sender, to: relay, items: [recipient_identity, recipient_address], lead_days: 10}
  - {from: relay, to: courier, items: [recipient_address, schedule], lead_days: 3}
operation:
  recruitment: {initial: 0.2, daily_hazard: 0.0}
  harvest: {community: 0.3}
  relay: {success: 0.8, delay_days: 2}
  response:
    catch: {address_and_schedule: 0.9, address_only: 0.5, courier_identity: 0.3}
    capacity_per_day: null
  background: 0.02
  interrogation: {recipients: 0.0, couriers: 0.0, watch_days: 0}
  tracing: 0.0
  replacement_couriers_per_month: 90
"""


def model_of(text: str) -> CompiledModel:
    return compile_scenario(parse_scenario(text))


def simulated(model: CompiledModel, seed: int) -> tuple[IncidentLog, set[str]]:
    """A simulated season's incident log, read back through the reader, and its true informants."""
    out = simulate_season(model, n_runs=1, seed=seed, record_run=0)
    assert out.record is not None
    log = parse_incident_log(incident_log_text(out.record), model=model)
    return log, {i["party"] for i in out.record.informants}


def log_of(rows: list[str], model: CompiledModel) -> IncidentLog:
    return parse_incident_log(HEADER + "".join(r + "\n" for r in rows), model=model)
