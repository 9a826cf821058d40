"""The exact engine against a brute-force enumeration written from docs/model.md's text, and its properties.

The brute force below reads the scenario as written (not the compiled model): who is told what
by the protocol, each party an informant or not, overhearing or not, relaying or not, all
independent; the distribution of K over every item mask is built party by party and the catch is
docs/model.md's step 4, written out here again. It shares no code with the engine.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipoff.engines.exact import Deliveries, exposure, model_deliveries
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import Scenario, load_preset, parse_scenario

ITEMS = (
    "recipient_identity",
    "recipient_address",
    "schedule",
    "courier_identity",
    "sender_identity",
    "amount",
    "meeting_point",
)
TARGETS = ("sender", "relay", "first_relay", "last_relay", "courier", "recipient")
PROB = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0))
HAZARD = st.one_of(st.just(0.0), st.floats(0.0, 0.2), st.just(1.0))
COMMUNITY = st.sampled_from([None, "east", "west"])


# ---------------------------------------------------------------------------------------------
# small scenarios: one explicit delivery s1 -> r1 [-> r2] -> c1 -> f1, plus off-route parties


@st.composite
def small_scenarios(
    draw: st.DrawFn,
    *,
    communities: bool = True,
    prob: st.SearchStrategy[float] = PROB,
    hazard: st.SearchStrategy[float] = HAZARD,
    horizon: int = 30,
) -> dict[str, Any]:
    """A scenario dict of 4 to 8 parties with one explicit delivery on a fixed route."""
    comm = COMMUNITY if communities else st.just(None)
    hops = draw(st.integers(1, 2))
    extra = draw(st.integers(0, 8 - 3 - hops))
    path = [f"r{k + 1}" for k in range(hops)]
    people: list[tuple[str, str]] = [("s1", "sender"), *((r, "relay") for r in path)]
    people += [("c1", "courier"), ("f1", "recipient")]
    for k in range(extra):
        people.append(draw(st.sampled_from([(f"x{k}", "relay"), (f"y{k}", "courier")])))
    parties = []
    for pid, role in people:
        p: dict[str, Any] = {"id": pid, "role": role}
        coercible = draw(st.booleans())
        p["coercible"] = coercible
        if coercible and draw(st.booleans()):
            p["informant"] = draw(prob)
        if (c := draw(comm)) is not None:
            p["community"] = c
        parties.append(p)
    ids = [pid for pid, _ in people]
    relay_couriers = {r: ["c1"] for r, role in people if role == "relay" and r not in path[:-1]}
    relay_couriers[path[-1]] = ["c1"]
    links: dict[str, Any] = {
        "sender_relays": {"s1": ["r1"]},
        "sender_recipients": {"s1": ["f1"]},
        "relay_couriers": relay_couriers,
    }
    if hops == 2:
        links["relay_relays"] = {"r1": ["r2"]}
    protocol = [
        {
            "from": "sender",
            "to": draw(st.sampled_from(TARGETS + tuple(ids))),
            "items": draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4, unique=True)),
            "lead_days": draw(st.integers(0, 4)),
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    return {
        "name": "small",
        "horizon_days": horizon,
        "parties": parties,
        "links": links,
        "workload": {
            "per_sender_per_year": 0,
            "deliveries": [
                {
                    "id": "d1",
                    "day": draw(st.integers(0, horizon - 1)),
                    "sender": "s1",
                    "recipient": "f1",
                    "relays": path,
                    "courier": "c1",
                    "mode": draw(st.sampled_from(["home", "meeting_point"])),
                }
            ],
        },
        "protocol": protocol,
        "operation": {
            "recruitment": {
                "initial": draw(prob),
                "daily_hazard": draw(hazard),
            },
            "harvest": {"community": draw(prob)},
            "relay": {"success": draw(prob), "delay_days": draw(st.integers(0, 3))},
            "response": {
                "catch": {
                    "address_and_schedule": draw(prob),
                    "address_only": draw(prob),
                    "courier_identity": draw(prob),
                },
                "meeting_point_factor": draw(prob),
                "capacity_per_day": None,
            },
            "background": draw(st.one_of(st.just(0.0), prob)),
        },
    }


def monotone_catch(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the catch grow with what the service knows (address_and_schedule >= address_only).

    The schema refuses a schedule that lowers the catch (learning more could then lower
    exposure), so every drawn scenario is ordered this way before it is loaded.
    """
    c = spec["operation"]["response"]["catch"]
    c["address_and_schedule"] = max(c["address_and_schedule"], c.get("address_only", 0.0))
    return spec


def load(spec: dict[str, Any], *, yaml: bool = False) -> CompiledModel:
    """Compile a scenario dict: validated directly, or through the YAML loader (JSON is YAML)."""
    spec = monotone_catch(spec)
    if yaml:
        return compile_scenario(parse_scenario(json.dumps(spec)))
    return compile_scenario(Scenario.model_validate(spec))


# ---------------------------------------------------------------------------------------------
# brute force from docs/model.md's text


def _told(spec: dict[str, Any], delivery: dict[str, Any]) -> dict[str, set[str]]:
    """D_i: the items disclosed to each party for this delivery with lead_days >= delta."""
    delta = spec["operation"]["relay"].get("delay_days", 0)
    relays = delivery["relays"]
    who = {
        "sender": [delivery["sender"]],
        "relay": relays,
        "first_relay": relays[:1],
        "last_relay": relays[-1:],
        "courier": [delivery["courier"]],
        "recipient": [delivery["recipient"]],
    }
    told: dict[str, set[str]] = {p["id"]: set() for p in spec["parties"]}
    for step in spec["protocol"]:
        if step["lead_days"] >= delta:
            for party in who.get(step["to"], [step["to"]]):
                told[party] |= set(step["items"])
    return told


def _rho(spec: dict[str, Any], party: dict[str, Any], day: int) -> float:
    """rho_i(t) = 1 - (1 - rho0)(1 - h)^max(0, t - delta) for a coercible party, else 0."""
    if not party.get("coercible", False):
        return 0.0
    op = spec["operation"]
    rho0 = party.get("informant", op["recruitment"]["initial"])
    h = op["recruitment"].get("daily_hazard", 0.0)
    t = max(0, day - op["relay"].get("delay_days", 0))
    return 1.0 - (1.0 - rho0) * (1.0 - h) ** t


def _catch(spec: dict[str, Any], known: frozenset[str], mode: str) -> float:
    """docs/model.md step 4: 1 - (1 - a(K))(1 - b(K))."""
    resp = spec["operation"]["response"]
    c = resp["catch"]
    if "recipient_address" in known:
        a = c["address_and_schedule"] if "schedule" in known else c["address_only"]
    else:
        a = 0.0
    if mode == "meeting_point":
        a *= resp.get("meeting_point_factor", 1.0)
    b = c["courier_identity"] if "courier_identity" in known else 0.0
    return 1.0 - (1.0 - a) * (1.0 - b)


def brute_force(
    spec: dict[str, Any],
    *,
    withheld: str | None = None,
    only: set[str] | None = None,
    background: bool = True,
) -> float:
    """P(intercepted) of the scenario's first explicit delivery, by full enumeration.

    ``withheld``: that party learns nothing (D = ∅). ``only``: those parties are informants for
    sure and nobody else is (and ``background=False`` leaves eps out: the catch alone).
    """
    delivery = spec["workload"]["deliveries"][0]
    op = spec["operation"]
    pi, sigma = op["relay"]["success"], op["harvest"].get("community", 0.0)
    told = _told(spec, delivery)
    if withheld is not None:
        told[withheld] = set()
    dist: dict[frozenset[str], float] = {frozenset(): 1.0}
    for party in spec["parties"]:
        pid = party["id"]
        rho = (
            (1.0 if pid in only else 0.0)
            if only is not None
            else _rho(spec, party, delivery["day"])
        )
        community = party.get("community")
        heard = set()
        if community is not None:
            for other in spec["parties"]:
                if other["id"] != pid and other.get("community") == community:
                    heard |= told[other["id"]]
        outcomes: list[tuple[float, frozenset[str]]] = [(1.0 - rho, frozenset())]
        for informant_overhears in (True, False):
            for relays in (True, False):
                p = rho * (sigma if informant_overhears else 1 - sigma) * (pi if relays else 1 - pi)
                knows = told[pid] | (heard if informant_overhears else set())
                outcomes.append((p, frozenset(knows) if relays else frozenset()))
        new: dict[frozenset[str], float] = {}
        for known, p in dist.items():
            for q, relayed in outcomes:
                if q > 0:
                    key = known | relayed
                    new[key] = new.get(key, 0.0) + p * q
        dist = new
    e = sum(p * _catch(spec, k, delivery["mode"]) for k, p in dist.items())
    eps = op.get("background", 0.0) if background else 0.0
    return 1.0 - (1.0 - eps) * (1.0 - e)


# ---------------------------------------------------------------------------------------------
# tests


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_exact_equals_brute_force(spec: dict[str, Any]) -> None:
    out = exposure(load(spec))
    assert len(out.deliveries) == 1
    assert out.p_intercept[0] == pytest.approx(brute_force(spec), abs=1e-12)
    assert out.states[0].sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(small_scenarios(communities=False))
def test_exact_equals_brute_force_without_communities(spec: dict[str, Any]) -> None:
    assert exposure(load(spec)).p_intercept[0] == pytest.approx(brute_force(spec), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(small_scenarios())
def test_exact_equals_brute_force_through_yaml(spec: dict[str, Any]) -> None:
    assert exposure(load(spec, yaml=True)).p_intercept[0] == pytest.approx(
        brute_force(spec), abs=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(small_scenarios())
def test_withheld_reduction_equals_brute_force(spec: dict[str, Any]) -> None:
    model = load(spec)
    out = exposure(model)
    base = brute_force(spec)
    for k, party in enumerate(out.slot_party[0]):
        if party >= 0:
            pid = model.party_ids[party]
            expected = base - brute_force(spec, withheld=pid)
            assert out.withheld_reduction[0, k] == pytest.approx(expected, abs=1e-12), pid
            assert out.party_reduction[party] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(small_scenarios())
def test_alone_catch_equals_brute_force(spec: dict[str, Any]) -> None:
    model = load(spec)
    out = exposure(model)
    for k, party in enumerate(out.slot_party[0]):
        if party >= 0:
            pid = model.party_ids[party]
            expected = brute_force(spec, only={pid}, background=False)
            assert out.alone_catch[0, k] == pytest.approx(expected, abs=1e-12), pid
            coercible = bool(model.party_coercible[party])
            assert out.single_point[0, k] == (coercible and out.alone_catch[0, k] >= 0.5)


@settings(max_examples=150, deadline=None)
@given(
    small_scenarios(),
    st.sampled_from(["initial", "success", "community", "catch", "informant"]),
    st.floats(0.0, 1.0),
)
def test_raising_a_parameter_never_lowers_exposure(
    spec: dict[str, Any], which: str, fraction: float
) -> None:
    monotone_catch(spec)
    before = exposure(load(spec)).p_intercept[0]
    op = spec["operation"]

    def up(x: float) -> float:
        return x + (1.0 - x) * fraction

    if which == "initial":
        op["recruitment"]["initial"] = up(op["recruitment"]["initial"])
    elif which == "success":
        op["relay"]["success"] = up(op["relay"]["success"])
    elif which == "community":
        op["harvest"]["community"] = up(op["harvest"]["community"])
    elif which == "catch":
        for key in op["response"]["catch"]:
            op["response"]["catch"][key] = up(op["response"]["catch"][key])
    else:
        for p in spec["parties"]:
            if p["coercible"]:
                p["informant"] = up(p.get("informant", op["recruitment"]["initial"]))
    after = exposure(load(spec)).p_intercept[0]
    assert after >= before - 1e-12


@settings(max_examples=100, deadline=None)
@given(small_scenarios())
def test_telling_less_never_raises_exposure(spec: dict[str, Any]) -> None:
    monotone_catch(spec)
    out = exposure(load(spec))
    assert (out.withheld_reduction >= -1e-12).all()
    assert (out.role_reduction >= -1e-12).all()
    # dropping any one protocol step (when more than one) never raises it either
    if len(spec["protocol"]) > 1:
        for k in range(len(spec["protocol"])):
            fewer = dict(spec, protocol=[s for j, s in enumerate(spec["protocol"]) if j != k])
            assert exposure(load(fewer)).p_intercept[0] <= out.p_intercept[0] + 1e-12


def test_certain_events_stay_certain() -> None:
    spec = {
        "name": "certain",
        "horizon_days": 10,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "r1", "role": "relay", "informant": 1.0},
            {"id": "c1", "role": "courier"},
            {"id": "f1", "role": "recipient"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"]},
            "sender_recipients": {"s1": ["f1"]},
            "relay_couriers": {"r1": ["c1"]},
        },
        "protocol": [
            {
                "from": "sender",
                "to": "relay",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            }
        ],
        "operation": {
            "recruitment": {"initial": 0.0},
            "relay": {"success": 1.0},
            "response": {"catch": {"address_and_schedule": 1.0}},
        },
    }
    out = exposure(load(spec))
    assert (out.p_intercept == 1.0).all()
    assert (out.states[:, 3] == 1.0).all() and (out.states[:, [0, 1, 2, 4, 5, 6, 7]] == 0).all()
    spec["operation"]["relay"]["success"] = 0.0
    out = exposure(load(spec))
    assert (out.p_intercept == 0.0).all()
    assert (out.states[:, 0] == 1.0).all()


def test_large_community_matches_direct_product() -> None:
    """Off-route members are pooled per community; check against the product written out."""
    n = 200
    parties = [
        {"id": "s1", "role": "sender"},
        {"id": "c1", "role": "courier"},
        {"id": "f1", "role": "recipient"},
    ]
    parties += [
        {"id": f"r{k}", "role": "relay", "community": "big", "informant": 0.01 + 0.004 * (k % 7)}
        for k in range(n)
    ]
    spec = {
        "name": "big",
        "horizon_days": 10,
        "parties": parties,
        "links": {
            "sender_relays": {"s1": ["r0"]},
            "sender_recipients": {"s1": ["f1"]},
            "relay_couriers": {f"r{k}": ["c1"] for k in range(n)},
        },
        "protocol": [
            {"from": "sender", "to": "relay", "items": ["recipient_address"], "lead_days": 5}
        ],
        "operation": {
            "recruitment": {"initial": 0.0},
            "harvest": {"community": 0.3},
            "relay": {"success": 0.8},
            "response": {"catch": {"address_and_schedule": 0.9, "address_only": 0.5}},
        },
    }
    out = exposure(load(spec))
    rho = [p["informant"] for p in parties[3:]]
    avoid = (1 - rho[0] * 0.8) * math.prod(1 - r * 0.8 * 0.3 for r in rho[1:])
    assert out.p_intercept[0] == pytest.approx(0.5 * (1 - avoid), abs=1e-13)
    assert out.peer_catch[0, 1] == pytest.approx(0.8 * 0.3 * 0.5, abs=1e-15)


def test_representative_deliveries() -> None:
    model = compile_scenario(load_preset("north-hamgyong-spring"))
    rows = model_deliveries(model)
    expected = sum(
        model.chains_of(s).size * model.recipients_of(s).size for s in range(model.n_senders)
    )
    assert len(rows) == expected
    assert (rows.day == model.horizon_days // 2).all()
    assert np.bincount(rows.sender, weights=rows.weight) == pytest.approx(1.0)
    out = exposure(model)
    assert out.expected_interceptions == pytest.approx(float((rows.weight * out.p_intercept).sum()))
    assert not out.p_intercept.flags.writeable


def test_explicit_delivery_with_several_routes_gets_one_row_per_route() -> None:
    spec = {
        "name": "routes",
        "horizon_days": 10,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "r1", "role": "relay"},
            {"id": "c1", "role": "courier"},
            {"id": "c2", "role": "courier"},
            {"id": "f1", "role": "recipient"},
            {"id": "f2", "role": "recipient"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"]},
            "sender_recipients": {"s1": ["f1", "f2"]},
            "relay_couriers": {"r1": ["c1", "c2"]},
        },
        "workload": {"deliveries": [{"id": "x", "day": 3, "sender": "s1"}]},
        "protocol": [
            {"from": "sender", "to": "relay", "items": ["recipient_address"], "lead_days": 5}
        ],
        "operation": {
            "recruitment": {"initial": 0.2},
            "relay": {"success": 1.0},
            "response": {"catch": {"address_and_schedule": 1.0, "address_only": 0.5}},
        },
    }
    rows = model_deliveries(load(spec))
    assert rows.ids == ("x/1", "x/2", "x/3", "x/4")
    assert rows.weight == pytest.approx([0.25] * 4)
    assert (rows.day == 3).all()


def test_deliveries_from_arrays_are_checked() -> None:
    model = compile_scenario(load_preset("classroom"))
    good = Deliveries.from_arrays(
        model,
        sender=[0, 1],
        chain=[model.chains_of(0)[0], model.chains_of(1)[0]],
        recipient=[model.recipients_of(0)[0], model.recipients_of(1)[0]],
        day=5,
    )
    assert len(exposure(model, deliveries=good).p_intercept) == 2
    with pytest.raises(UsageError):
        Deliveries.from_arrays(
            model,
            sender=[0],
            chain=[model.chains_of(2)[0]],
            recipient=[model.recipients_of(0)[0]],
            day=5,
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "bayes"},
        {"n_samples": 1},
        {"threshold": 1.5},
        {"method": "montecarlo", "seed": -1},
    ],
)
def test_bad_options_raise_usage_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        exposure(compile_scenario(load_preset("classroom")), **kwargs)


def test_provenance_records_the_method() -> None:
    model = compile_scenario(load_preset("classroom"))
    out = exposure(model)
    assert out.provenance.method == "exact" and out.provenance.seed is None
    assert out.provenance.scenario_digest == model.digest
    assert (out.stderr == 0).all()
