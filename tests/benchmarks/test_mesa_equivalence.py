"""The season simulator and the Mesa reference model (benchmarks/mesa_reference) agree in law.

Both read the same compiled model; their random streams differ, so each season total's mean (and
each cause's) must agree within 3 combined standard errors. Seeds are fixed, so the test is
deterministic. Slow (about 1.5 minutes) and skipped where Mesa is not installed (the ``bench``
extra).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from tipoff.engines import simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import load_preset, parse_scenario

pytest.importorskip("mesa")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
mesa_reference = importlib.import_module("mesa_reference")

pytestmark = pytest.mark.slow

#: A small network that switches every mechanism on, with a binding daily capacity (one stake-out
#: for about 1.7 deliveries a day), meeting-point hand-overs, two-relay routes, a hub named by id,
#: a coercible sender who is also named by id (told twice about its own deliveries), an informant
#: community member who is never on a route, explicit deliveries and sweeps after one day.
MESA_CHECK_YAML = """
name: mesa-check
description: Small network exercising every mechanism, for the Mesa equivalence test.
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

TIPOFF_RUNS = 20_000


def _model(name: str) -> CompiledModel:
    if name == "mesa-check":
        return compile_scenario(parse_scenario(MESA_CHECK_YAML, source="mesa-check"))
    return compile_scenario(load_preset(name))


def _disagreements(label: str, a: np.ndarray, b: np.ndarray, bound: float = 3.0) -> list[str]:
    """Columns whose means differ by more than ``bound`` combined standard errors."""
    out = []
    for j in range(a.shape[1]):
        x, y = a[:, j].astype(float), b[:, j].astype(float)
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        if abs(x.mean() - y.mean()) > bound * se:
            out.append(f"{label}[{j}]: mesa {x.mean():.4f} tipoff {y.mean():.4f} se {se:.4f}")
    return out


@pytest.mark.parametrize(
    ("name", "mesa_runs"),
    [("north-hamgyong-spring", 600), ("classroom", 1500), ("mesa-check", 1500)],
)
def test_mesa_and_tipoff_season_totals_agree(name: str, mesa_runs: int) -> None:
    model = _model(name)
    mesa_out = mesa_reference.run_mesa_season(model, n_runs=mesa_runs, seed=20260101)
    out = simulate_season(model, n_runs=TIPOFF_RUNS, seed=20260102, record_run=None)
    assert mesa_out.metrics == out.metrics
    assert mesa_out.causes == out.causes

    problems = [
        *_disagreements("totals", mesa_out.totals, out.totals),
        *_disagreements("causes", mesa_out.cause_counts, out.cause_counts),
    ]
    names = [*out.metrics, *(f"cause {c}" for c in out.causes)]
    assert not problems, f"{name}: {problems} (columns: {names})"

    # the comparison is only meaningful if the mechanisms are at work
    assert out.total("intercepted").mean() > 0.5
    assert out.total("couriers_arrested").mean() > 0.5
    assert out.total("sweep_arrests").mean() > 0.1
    assert (out.cause_counts.mean(axis=0) > 0).all()


def test_mesa_check_scenario_binds_capacity() -> None:
    model = _model("mesa-check")
    unstaffed = 0
    for k in range(20):
        season = mesa_reference.SeasonModel(model, rng=np.random.default_rng(k))
        for _ in range(model.horizon_days):
            season.step()
        unstaffed += season.unstaffed
    assert unstaffed > 20  # tipped deliveries left without a stake-out: capacity binds
