"""The exact engine against the static Monte Carlo engine and against the season simulator.

Both comparisons are statistical: each delivery's exact P(intercepted) must lie within 4 standard
errors of the sampled rate. Seeds are fixed and Hypothesis is derandomized, so a run either always
passes or always fails. Where a Monte Carlo row shows no variance at all, the rule of three bounds
what it could have missed (``5 / n`` is used).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_exact import brute_force, load, small_scenarios

from tipoff.engines import simulate_season
from tipoff.engines.exact import exposure
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

ROUND = st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.8, 1.0])
SMALL_HAZARD = st.sampled_from([0.0, 0.02, 0.1])


def assert_within(p_exact: np.ndarray, p_mc: np.ndarray, se: np.ndarray, n: int) -> None:
    z = np.abs(p_mc - p_exact)
    bound = 4.0 * se + 5.0 / n
    assert (z <= bound).all(), (p_exact[z > bound], p_mc[z > bound], se[z > bound])


# --------------------------------------------------------------------------------------------
# static Monte Carlo


@pytest.mark.parametrize("preset", ["classroom", "north-hamgyong-spring"])
def test_montecarlo_agrees_with_exact_on_presets(preset: str) -> None:
    model = compile_scenario(load_preset(preset))
    exact = exposure(model)
    n = 4000
    mc = exposure(model, method="montecarlo", n_samples=n, seed=11)
    if len(exact.deliveries) > 100:  # many rows: 4 standard errors per row is too tight jointly
        z = (mc.p_intercept - exact.p_intercept) / np.maximum(mc.stderr, 1e-12)
        assert abs(z.mean()) * np.sqrt(z.size) < 4.0
        assert (np.abs(z) < 5.0).all()
    else:
        assert_within(exact.p_intercept, mc.p_intercept, mc.stderr, n)
    assert mc.states.sum(axis=1) == pytest.approx(1.0)
    assert mc.provenance.seed == 11 and mc.provenance.options["n_samples"] == n
    # counterfactuals use common random numbers: close to the exact drops
    slack = 8.0 * float((mc.deliveries.weight * mc.stderr).sum()) + 1e-9
    assert np.abs(mc.role_reduction - exact.role_reduction).max() <= slack
    assert np.abs(mc.party_reduction - exact.party_reduction).max() <= slack


@settings(max_examples=40, deadline=None, derandomize=True)
@given(small_scenarios(prob=ROUND, hazard=SMALL_HAZARD))
def test_montecarlo_agrees_with_exact_on_small_scenarios(spec: dict[str, Any]) -> None:
    model = load(spec)
    n = 3000
    exact = exposure(model)
    assume(0.01 < exact.p_intercept[0] < 0.99)
    mc = exposure(model, method="montecarlo", n_samples=n, seed=5)
    assert_within(exact.p_intercept, mc.p_intercept, mc.stderr, n)
    assert exact.p_intercept[0] == pytest.approx(brute_force(spec), abs=1e-12)


def test_montecarlo_is_reproducible_and_shrinks_with_samples() -> None:
    model = compile_scenario(load_preset("classroom"))
    a = exposure(model, method="montecarlo", n_samples=1000, seed=3)
    b = exposure(model, method="montecarlo", n_samples=1000, seed=3)
    c = exposure(model, method="montecarlo", n_samples=1000, seed=4)
    assert np.array_equal(a.p_intercept, b.p_intercept)
    assert not np.array_equal(a.p_intercept, c.p_intercept)
    big = exposure(model, method="montecarlo", n_samples=16000, seed=3)
    assert big.stderr.mean() == pytest.approx(a.stderr.mean() / 4, rel=0.15)
    drawn = exposure(model, method="montecarlo", n_samples=100)
    assert isinstance(drawn.provenance.seed, int)


def test_exact_and_montecarlo_share_structural_outputs() -> None:
    model = compile_scenario(load_preset("classroom"))
    exact = exposure(model)
    mc = exposure(model, method="montecarlo", n_samples=200, seed=1)
    assert np.array_equal(exact.alone_catch, mc.alone_catch)
    assert np.array_equal(exact.single_point, mc.single_point)
    assert np.array_equal(exact.slot_party, mc.slot_party)


# --------------------------------------------------------------------------------------------
# season simulator (capacity unlimited; no interrogation, tracing, family arrest, replacement)

QUIET = {
    "family_arrest": 0.0,
    "interrogation": {"recipients": 0.0, "couriers": 0.0},
    "tracing": 0.0,
    "replacement_couriers_per_month": 0.0,
}


def _quiet(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    spec["operation"].update(QUIET)
    spec["operation"]["response"]["capacity_per_day"] = None
    spec["workload"]["per_sender_per_year"] = 0
    return spec


def _lanes(n: int, *, meeting_point_every: int = 2) -> dict[str, Any]:
    """n independent lanes s_k -> r_k -> c_k -> f_k, one explicit delivery each on day k.

    Relays share two communities, with an off-route member in each; the protocol names a party
    by id; the senders are coercible in half the lanes.
    """
    parties: list[dict[str, Any]] = []
    links: dict[str, Any] = {"sender_relays": {}, "sender_recipients": {}, "relay_couriers": {}}
    deliveries = []
    for k in range(n):
        comm = "east" if k % 2 else "west"
        parties += [
            {"id": f"s{k}", "role": "sender", "coercible": k % 2 == 0, "community": comm},
            {"id": f"r{k}", "role": "relay", "community": comm, "informant": 0.05 + 0.05 * k},
            {"id": f"c{k}", "role": "courier"},
            {"id": f"f{k}", "role": "recipient"},
        ]
        links["sender_relays"][f"s{k}"] = [f"r{k}"]
        links["sender_recipients"][f"s{k}"] = [f"f{k}"]
        links["relay_couriers"][f"r{k}"] = [f"c{k}"]
        mode = "meeting_point" if k % meeting_point_every == 0 else "home"
        deliveries.append(
            {
                "id": f"d{k}",
                "day": k,
                "sender": f"s{k}",
                "relays": [f"r{k}"],
                "courier": f"c{k}",
                "recipient": f"f{k}",
                "mode": mode,
            }
        )
    parties += [
        {"id": "east-peer", "role": "relay", "community": "east", "informant": 0.3},
        {"id": "west-peer", "role": "relay", "community": "west", "informant": 0.2},
        {"id": "cx", "role": "courier"},
    ]
    links["relay_couriers"]["east-peer"] = ["cx"]
    links["relay_couriers"]["west-peer"] = ["cx"]
    return {
        "name": "lanes",
        "horizon_days": n,
        "parties": parties,
        "links": links,
        "workload": {"per_sender_per_year": 0, "deliveries": deliveries},
        "protocol": [
            {"from": "sender", "to": "relay", "items": ["recipient_address"], "lead_days": 10},
            {"from": "courier", "to": "relay", "items": ["courier_identity"], "lead_days": 3},
            {
                "from": "relay",
                "to": "courier",
                "items": ["recipient_address", "schedule"],
                "lead_days": 3,
            },
            {"from": "relay", "to": "sender", "items": ["schedule"], "lead_days": 4},
            {"from": "relay", "to": "east-peer", "items": ["amount"], "lead_days": 4},
            {"from": "courier", "to": "recipient", "items": ["schedule"], "lead_days": 1},
        ],
        "operation": {
            "recruitment": {"initial": 0.1, "daily_hazard": 0.01},
            "harvest": {"community": 0.4},
            "relay": {"success": 0.7, "delay_days": 2},
            "response": {
                "catch": {
                    "address_and_schedule": 0.9,
                    "address_only": 0.4,
                    "courier_identity": 0.3,
                },
                "meeting_point_factor": 0.25,
            },
            "background": 0.02,
        },
    }


@pytest.mark.slow
def test_season_simulator_agrees_with_exact_delivery_by_delivery() -> None:
    spec = _quiet(_lanes(8))
    model = load(spec)
    exact = exposure(model)
    assert len(exact.deliveries) == 8
    n_runs = 40_000
    out = simulate_season(model, n_runs=n_runs, seed=2024, record_run=None)
    row = out.metrics.index("intercepted")
    for k in range(8):  # delivery k is the only one on day k
        assert out.daily_sum[out.metrics.index("attempted"), k] == n_runs
        rate = out.daily_sum[row, k] / n_runs
        p = exact.p_intercept[k]
        se = np.sqrt(p * (1 - p) / n_runs)
        assert abs(rate - p) <= 4 * se + 1e-12, (k, rate, p)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True)
@given(small_scenarios(prob=ROUND, hazard=SMALL_HAZARD, horizon=6))
def test_season_simulator_agrees_with_exact_on_small_scenarios(spec: dict[str, Any]) -> None:
    spec = _quiet(spec)
    model = load(spec)
    p = exposure(model).p_intercept[0]
    assume(0.01 < p < 0.99)  # certain outcomes are covered by the exact tests
    n_runs = 20_000
    hits = int(
        simulate_season(model, n_runs=n_runs, seed=7, record_run=None).total("intercepted").sum()
    )
    se = np.sqrt(p * (1 - p) / n_runs)
    assert abs(hits / n_runs - p) <= 4 * se + 5.0 / n_runs, (hits / n_runs, p)
