"""Scenarios and logs shared by the attribution benchmarks (not part of the package).

``network_yaml`` writes a scenario with ``n_relays`` China-side relays in communities of
``community_size``, each working with two couriers, and enough senders for the wanted number of
deliveries per relay over the season. Everything is a pseudonym.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tipoff.engines import simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.results import IncidentLog, incident_log_text, parse_incident_log
from tipoff.scenario import parse_scenario


def network_yaml(
    *,
    n_relays: int,
    community_size: int = 5,
    deliveries_per_relay: float = 30.0,
    horizon_days: int = 180,
    initial: float = 0.1,
    daily_hazard: float = 0.0,
    harvest: float = 0.2,
    success: float = 0.7,
    background: float = 0.01,
    interrogation: bool = False,
    tracing: float = 0.0,
    capacity: int | None = None,
) -> str:
    n_couriers = max(2, n_relays // 2)
    relays = [f"r{k:04d}" for k in range(n_relays)]
    couriers = [f"c{k:04d}" for k in range(n_couriers)]
    lines = [f"name: bench-{n_relays}", f"horizon_days: {horizon_days}", "parties:"]
    for k, r in enumerate(relays):
        lines.append(
            f"  - {{id: {r}, role: relay, side: china, community: g{k // community_size}}}"
        )
    for k, c in enumerate(couriers):
        lines.append(
            f"  - {{id: {c}, role: courier, side: north, home: {('Hoeryong', 'Musan', 'Onsong', 'Hyesan', 'Chongjin')[k % 5]}}}"
        )
    n_senders = 4 * n_relays
    rate = deliveries_per_relay * n_relays / n_senders / horizon_days * 365
    lines += [
        "generate:",
        f"  senders: {{count: {n_senders}, side: abroad, relays: [{', '.join(relays)}], relays_per_sender: 1}}",
        "  recipients: {per_sender: 1, homes: [Hamhung, Pyongyang, Chongjin]}",
        "links:",
        "  relay_couriers:",
    ]
    for k, r in enumerate(relays):
        a, b = couriers[k % n_couriers], couriers[(k + 1) % n_couriers]
        lines.append(f"    {r}: [{a}, {b}]")
    cap = "null" if capacity is None else str(capacity)
    interrog = (
        "{recipients: 0.5, couriers: 0.3, watch_days: 60, sweep_delay_days: 5}"
        if interrogation
        else "{recipients: 0.0, couriers: 0.0, watch_days: 0, sweep_delay_days: 5}"
    )
    lines += [
        "workload:",
        f"  per_sender_per_year: {rate:.6f}",
        "  amount: {median: 1500, spread: 0.5}",
        "protocol:",
        "  - {from: sender, to: relay, items: [recipient_identity, recipient_address, amount], lead_days: 10}",
        "  - {from: courier, to: relay, items: [schedule, courier_identity], lead_days: 3}",
        "  - {from: relay, to: courier, items: [recipient_identity, recipient_address, amount, schedule], lead_days: 3}",
        "handover: home",
        "operation:",
        f"  recruitment: {{initial: {initial}, daily_hazard: {daily_hazard}}}",
        f"  harvest: {{community: {harvest}}}",
        f"  relay: {{success: {success}, delay_days: 2}}",
        "  response:",
        "    catch: {address_and_schedule: 0.9, address_only: 0.4, courier_identity: 0.3}",
        "    meeting_point_factor: 0.2",
        f"    capacity_per_day: {cap}",
        f"  background: {background}",
        "  family_arrest: 0.5",
        f"  interrogation: {interrog}",
        f"  tracing: {tracing}",
        "  replacement_couriers_per_month: 1",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class SimulatedLog:
    model: CompiledModel
    log: IncidentLog
    informants: tuple[str, ...]
    truth: dict[str, Any]


def simulated_log(model: CompiledModel, seed: int, *, family: bool = True) -> SimulatedLog:
    """One simulated season's incident log (read back through the reader) and its true informants
    (``truth["traced"]``: the relays it traced); ``family=False`` leaves the family arrests out
    of the log."""
    out = simulate_season(model, n_runs=1, seed=seed, record_run=0)
    record = out.record
    assert record is not None
    log = parse_incident_log(incident_log_text(record, family=family), model=model)
    informants = tuple(i["party"] for i in record.informants)
    traced = tuple(t["party"] for t in record.traced_relays)
    return SimulatedLog(model, log, informants, {"informants": record.informants, "traced": traced})


def model_of(yaml_text: str) -> CompiledModel:
    return compile_scenario(parse_scenario(yaml_text))


def ceil_div(a: int, b: int) -> int:
    return math.ceil(a / b)
