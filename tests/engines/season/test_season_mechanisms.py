"""Each mechanism of the season simulator in isolation, on tiny scenarios whose outcome is known.

Every scenario switches one mechanism on over the neutral operation of ``season_helpers`` (no
informants, no background, no interrogation, tracing or replacement). Outcomes that are certain
are checked exactly in every run; random ones against their probability within 4 standard errors
(fixed seeds). Fast versions run by default; the ``slow`` ones use many more runs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from season_helpers import (
    HOMES,
    NEUTRAL_OPERATION,
    assert_binomial,
    assert_mean,
    causes,
    daily,
    lanes_doc,
    merged,
    simulate,
)

from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

INFORMANT_RELAY = {"recruitment": {"initial": 1.0}}


def place_arrests(out: Any, place: str, *, family: bool = False) -> np.ndarray:
    """Arrests per run at one place (couriers, or family members)."""
    table = out.family_arrests_by_place if family else out.courier_arrests_by_place
    return table[:, out.place_names.index(place)]


# ---------------------------------------------------------------------- no informants at all --


def test_no_informants_and_no_background_intercept_nothing() -> None:
    everything_else_on = {
        "recruitment": {"initial": 0.0, "daily_hazard": 0.0},
        "harvest": {"community": 1.0},
        "response": {"catch": {"address_only": 1.0, "courier_identity": 1.0}},
        "family_arrest": 1.0,
        "tracing": 1.0,
        "interrogation": {"recipients": 1.0, "couriers": 1.0, "watch_days": 30},
        "replacement_couriers_per_month": 5.0,
    }
    doc = lanes_doc(list(range(12)), operation=everything_else_on, relay={"community": "k"})
    out = simulate(doc, n_runs=200, seed=1)
    for metric in ("intercepted", "couriers_arrested", "family_arrested", "sweep_arrests"):
        assert (out.total(metric) == 0).all(), metric
    assert (out.total("delivered") == 12).all()
    assert (out.total("stalled") == 0).all()
    assert out.cause_counts.sum() == 0
    assert out.courier_arrests_by_place.sum() == out.family_arrests_by_place.sum() == 0


def test_no_informants_in_the_classroom_preset_intercept_nothing() -> None:
    scenario = load_preset("classroom")
    op = scenario.operation
    quiet = op.model_copy(
        update={
            "recruitment": op.recruitment.model_copy(update={"initial": 0.0, "daily_hazard": 0.0}),
            "background": 0.0,
        }
    )
    model = compile_scenario(scenario.model_copy(update={"operation": quiet}))
    assert (
        model.operation.initial == model.operation.daily_hazard == model.operation.background == 0
    )
    assert model.operation.family_arrest > 0 and model.operation.reveal_couriers > 0
    out = simulate_season(model, n_runs=100, seed=2)
    assert out.total("deliveries").sum() > 0
    assert (out.total("intercepted") == 0).all()
    assert (out.total("couriers_arrested") == 0).all()
    assert (out.total("delivered") == out.total("deliveries")).all()


def test_the_same_scenario_with_an_informant_does_intercept() -> None:
    """Control for the test above: the lanes can be intercepted at all."""
    doc = lanes_doc(list(range(12)), operation=INFORMANT_RELAY)
    out = simulate(doc, n_runs=20, seed=1)
    assert (out.total("intercepted") == 12).all()


# ------------------------------------------------------------------- informants and capacity --


@pytest.mark.parametrize(
    ("capacity", "expected"), [(0, 0), (1, 1), (2, 2), (5, 5), (7, 5), (None, 5)]
)
def test_capacity_binds_exactly(capacity: int | None, expected: int) -> None:
    """Five certain stake-outs on one day through distinct couriers: capacity is all that limits."""
    op = merged(INFORMANT_RELAY, {"response": {"capacity_per_day": capacity}})
    out = simulate(lanes_doc([5] * 5, operation=op), n_runs=200, seed=3)
    assert (out.total("intercepted") == expected).all()
    assert (out.total("couriers_arrested") == expected).all()
    assert (out.total("delivered") == 5 - expected).all()
    assert causes(out) == {
        "informant": 200 * expected,
        "harvest": 0,
        "interrogation": 0,
        "tracing": 0,
        "background": 0,
    }


def test_capacity_is_per_day() -> None:
    days = [5, 5, 5, 6, 6, 6, 9]
    op = merged(INFORMANT_RELAY, {"response": {"capacity_per_day": 2}})
    out = simulate(lanes_doc(days, operation=op), n_runs=100, seed=4)
    per_day = daily(out, "intercepted")
    assert per_day[5] == per_day[6] == 200
    assert per_day[9] == 100
    assert per_day.sum() == 500


def test_capacity_picks_at_random_among_equal_stake_outs() -> None:
    """Ties are broken at random: each of five equal deliveries is staffed 2 times in 5."""
    n_runs = 500
    op = merged(INFORMANT_RELAY, {"response": {"capacity_per_day": 2}})
    out = simulate(lanes_doc([5] * 5, operation=op), n_runs=n_runs, seed=5)
    for k in range(5):
        hits = int(place_arrests(out, HOMES[k]).sum())
        assert_binomial(hits, n_runs, 2 / 5, what=f"delivery {k} staffed")


def test_capacity_staffs_the_best_stake_outs_first() -> None:
    """Home hand-overs (catch 1) are staffed before meeting points (catch 0.5)."""
    modes = ["meeting_point", "home", "meeting_point", "home", "home"]
    op = merged(
        INFORMANT_RELAY,
        {"response": {"capacity_per_day": 3, "meeting_point_factor": 0.5}},
    )
    out = simulate(lanes_doc([5] * 5, operation=op, modes=modes), n_runs=300, seed=6)
    assert (out.total("intercepted") == 3).all()
    for k, mode in enumerate(modes):
        expected = 300 if mode == "home" else 0
        assert place_arrests(out, HOMES[k]).sum() == expected, (k, mode)


def test_a_courier_caught_at_two_hand_overs_of_one_day_is_one_arrest() -> None:
    """Hand-overs of a day are simultaneous: c0 makes both, is caught at both, arrested once
    (at the first one's town); both families are arrested."""
    doc = lanes_doc([4, 4], operation=merged(INFORMANT_RELAY, {"family_arrest": 1.0}))
    for delivery in doc["workload"]["deliveries"]:
        delivery["courier"] = "c0"
    out = simulate(doc, n_runs=30, seed=31)
    assert (out.total("intercepted") == 2).all()
    assert (out.total("couriers_arrested") == 1).all()
    assert (out.courier_arrests_by_place.sum(axis=1) == 1).all()
    assert (out.total("family_arrested") == 2).all()
    assert (out.family_arrests_by_place.sum(axis=1) == 2).all()


@pytest.mark.parametrize(
    ("lead_days", "delay_days", "all_caught"),
    [(2, 2, True), (1, 2, False), (0, 0, True), (3, 5, False), (5, 5, True), (9, 5, True)],
)
def test_tips_count_only_for_items_told_at_least_delay_days_ahead(
    lead_days: int, delay_days: int, all_caught: bool
) -> None:
    protocol = [
        {
            "from": "sender",
            "to": "relay",
            "items": ["recipient_address", "schedule", "courier_identity"],
            "lead_days": lead_days,
        }
    ]
    op = merged(
        INFORMANT_RELAY,
        {
            "relay": {"delay_days": delay_days},
            "response": {"catch": {"address_only": 1.0, "courier_identity": 1.0}},
        },
    )
    out = simulate(lanes_doc([6, 7, 8], operation=op, protocol=protocol), n_runs=100, seed=7)
    assert (out.total("intercepted") == (3 if all_caught else 0)).all()


def test_address_only_and_courier_identity_catches() -> None:
    """Without the schedule the stake-out catch is ``address_only``; the identity catch adds on."""
    n_runs = 400
    protocol = [
        {"from": "sender", "to": "relay", "items": ["recipient_address"], "lead_days": 5},
        {"from": "courier", "to": "relay", "items": ["courier_identity"], "lead_days": 5},
    ]
    op = merged(
        INFORMANT_RELAY,
        {"response": {"catch": {"address_only": 0.4, "courier_identity": 0.3}}},
    )
    out = simulate(
        lanes_doc(list(range(3, 13)), operation=op, protocol=protocol), n_runs=n_runs, seed=8
    )
    expected = 1 - (1 - 0.4) * (1 - 0.3)
    assert_binomial(int(out.total("intercepted").sum()), 10 * n_runs, expected)


def test_identity_catches_need_no_stake_out_and_arrest_at_the_courier_home() -> None:
    """With capacity 0 no stake-out is mounted, yet a known courier is still picked up, at home."""
    n_runs = 400
    protocol = [{"from": "courier", "to": "relay", "items": ["courier_identity"], "lead_days": 5}]
    op = merged(
        INFORMANT_RELAY,
        {"response": {"capacity_per_day": 0, "catch": {"courier_identity": 0.3}}},
    )
    op["family_arrest"] = 1.0
    out = simulate(
        lanes_doc(list(range(3, 13)), operation=op, protocol=protocol), n_runs=n_runs, seed=9
    )
    total = int(out.total("intercepted").sum())
    assert_binomial(total, 10 * n_runs, 0.3)
    assert place_arrests(out, "Hoeryong").sum() == total
    assert out.total("family_arrested").sum() == 0


# ----------------------------------------------------------------------------- meeting point --


@pytest.mark.parametrize("how", ["scenario", "delivery", "home"])
def test_meeting_point_scales_the_catch(how: str) -> None:
    n_runs, n = 400, 10
    catch, factor = 0.8, 0.25
    op = merged(
        INFORMANT_RELAY,
        {"response": {"catch": {"address_and_schedule": catch}, "meeting_point_factor": factor}},
    )
    days = list(range(3, 3 + n))
    if how == "scenario":
        doc = lanes_doc(days, operation=op, handover="meeting_point")
    elif how == "delivery":
        doc = lanes_doc(days, operation=op, modes=["meeting_point"] * n)
    else:
        doc = lanes_doc(days, operation=op, handover="meeting_point", modes=["home"] * n)
    out = simulate(doc, n_runs=n_runs, seed=10)
    expected = catch * factor if how != "home" else catch
    assert_binomial(int(out.total("intercepted").sum()), n * n_runs, expected)
    assert causes(out)["informant"] == out.total("intercepted").sum()


# ------------------------------------------------------------------------------ interrogation --


def _sweep_doc(sweep_delay: int, couriers: float = 1.0) -> dict[str, Any]:
    """c0 is caught on day 3; c0 and c1 share relay r1, c1 and c2 share relay r2 (not c0 and c2)."""
    return {
        "name": "sweep",
        "horizon_days": 30,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "r1", "role": "relay"},
            {"id": "r2", "role": "relay", "informant": 0.0},
            {"id": "c0", "role": "courier", "home": "Hoeryong"},
            {"id": "c1", "role": "courier", "home": "Musan"},
            {"id": "c2", "role": "courier", "home": "Onsong"},
            {"id": "f0", "role": "recipient", "home": "Hamhung"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"]},
            "relay_couriers": {"r1": ["c0", "c1"], "r2": ["c1", "c2"]},
            "sender_recipients": {"s1": ["f0"]},
        },
        "workload": {
            "per_sender_per_year": 0,
            "deliveries": [{"day": 3, "sender": "s1", "relays": ["r1"], "courier": "c0"}],
        },
        "protocol": [
            {
                "from": "sender",
                "to": "relay",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            }
        ],
        "operation": merged(
            NEUTRAL_OPERATION,
            {
                "recruitment": {"initial": 1.0},
                "interrogation": {"couriers": couriers, "sweep_delay_days": sweep_delay},
            },
        ),
    }


@pytest.mark.parametrize(("sweep_delay", "step"), [(0, 1), (1, 1), (4, 4)])
def test_interrogation_sweeps_revealed_couriers_on_the_right_day(
    sweep_delay: int, step: int
) -> None:
    """c0 (caught on day 3) names c1, swept on day 3 + step; c1 names c2, swept step days later."""
    n_runs = 50
    out = simulate(_sweep_doc(sweep_delay), n_runs=n_runs, seed=11)
    sweeps = daily(out, "sweep_arrests")
    expected = np.zeros(30, dtype=np.int64)
    expected[3 + step] = n_runs
    expected[3 + 2 * step] = n_runs
    np.testing.assert_array_equal(sweeps, expected)
    arrests = daily(out, "couriers_arrested")
    assert arrests[3] == n_runs
    np.testing.assert_array_equal(arrests[4:], expected[4:])
    assert (out.total("couriers_arrested") == 3).all()
    # the hand-over arrest is at the family's town, sweep arrests at the couriers' own towns
    for place in ("Hamhung", "Musan", "Onsong"):
        assert (place_arrests(out, place) == 1).all(), place
    assert (place_arrests(out, "Hoeryong") == 0).all()


def test_interrogation_sweep_is_random_with_the_set_probability() -> None:
    n_runs = 1000
    out = simulate(_sweep_doc(2, couriers=0.3), n_runs=n_runs, seed=12)
    sweeps = daily(out, "sweep_arrests")
    assert_binomial(int(sweeps[5]), n_runs, 0.3, what="c1 swept")
    assert_binomial(int(sweeps[7]), n_runs, 0.3 * 0.3, what="c2 swept after c1")
    assert sweeps.sum() == sweeps[5] + sweeps[7]


def test_no_sweep_without_courier_interrogation() -> None:
    out = simulate(_sweep_doc(2, couriers=0.0), n_runs=50, seed=13)
    assert out.total("sweep_arrests").sum() == 0
    assert (out.total("couriers_arrested") == 1).all()


def test_a_sweep_never_arrests_a_replacement_for_a_courier_already_in_custody() -> None:
    """c0 and c1 are caught together on day 3 and name each other; both slots are refilled the
    next day. The revealed couriers are already arrested, so the sweep has no one to take: the
    replacements (new people, ``c0.new1`` and ``c1.new1``) were never named by anyone."""
    doc = lanes_doc(
        [3, 3],
        horizon=20,
        operation={
            "recruitment": {"initial": 1.0},
            "interrogation": {"couriers": 1.0, "sweep_delay_days": 5},
            "replacement_couriers_per_month": 10_000.0,  # both slots refilled on day 4
        },
    )
    out = simulate(doc, n_runs=50, seed=14)
    assert (out.total("couriers_arrested") == 2).all()
    assert out.total("sweep_arrests").sum() == 0


def _watch_doc(watch_days: int, probe_day: int, *, reveal: float = 1.0) -> dict[str, Any]:
    """r1 is an informant, r2 is not. c0 (through r1) is caught at f0's home on day 2; the probe
    goes to f0 through r2 on ``probe_day``; delivery d goes to f1 (never revealed) on day 3."""
    deliveries = [
        {"id": "a", "day": 2, "sender": "s1", "relays": ["r1"], "courier": "c0", "recipient": "f0"},
        {
            "id": "probe",
            "day": probe_day,
            "sender": "s1",
            "relays": ["r2"],
            "courier": "c1",
            "recipient": "f0",
        },
        {"id": "d", "day": 3, "sender": "s1", "relays": ["r2"], "courier": "c3", "recipient": "f1"},
    ]
    return {
        "name": "watch",
        "horizon_days": probe_day + 5,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "r1", "role": "relay", "informant": 1.0},
            {"id": "r2", "role": "relay", "informant": 0.0},
            {"id": "c0", "role": "courier", "home": "Hoeryong"},
            {"id": "c1", "role": "courier", "home": "Hoeryong"},
            {"id": "c3", "role": "courier", "home": "Hoeryong"},
            {"id": "f0", "role": "recipient", "home": "Hamhung"},
            {"id": "f1", "role": "recipient", "home": "Pyongyang"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1", "r2"]},
            "relay_couriers": {"r1": ["c0"], "r2": ["c1", "c3"]},
            "sender_recipients": {"s1": ["f0", "f1"]},
        },
        "workload": {"per_sender_per_year": 0, "deliveries": deliveries},
        "protocol": [
            {
                "from": "sender",
                "to": "relay",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            }
        ],
        "operation": merged(
            NEUTRAL_OPERATION,
            {"interrogation": {"recipients": reveal, "watch_days": watch_days}},
        ),
    }


@pytest.mark.parametrize("watch_days", [1, 5, 20])
@pytest.mark.parametrize("after_the_watch", [0, 1])
def test_interrogation_watches_revealed_homes_for_watch_days(
    watch_days: int, after_the_watch: int
) -> None:
    """The home of the family c0 served is watched through day 2 + watch_days: a delivery there on
    the last watched day is caught (cause interrogation), on the next day it is not; a delivery to
    another family is not."""
    n_runs = 50
    probe_day = 2 + watch_days + after_the_watch
    out = simulate(_watch_doc(watch_days, probe_day), n_runs=n_runs, seed=15, record_run=3)
    watched = after_the_watch == 0
    per_day = daily(out, "intercepted")
    assert per_day[2] == n_runs
    assert per_day[probe_day] == (n_runs if watched else 0)
    assert per_day.sum() == (2 if watched else 1) * n_runs
    assert causes(out) == {
        "informant": n_runs,
        "harvest": 0,
        "interrogation": n_runs if watched else 0,
        "tracing": 0,
        "background": 0,
    }
    assert out.record is not None
    truth = {row["delivery"]: row for row in out.record.truth}
    assert truth["a"]["cause"] == "informant"
    assert truth["probe"]["cause"] == ("interrogation" if watched else None)
    assert truth["d"]["outcome"] == "delivered"


def test_no_watch_without_recipient_interrogation() -> None:
    out = simulate(_watch_doc(5, 6, reveal=0.0), n_runs=50, seed=16)
    assert (out.total("intercepted") == 1).all()


def test_a_courier_reveals_each_recipient_once_however_often_it_served_it() -> None:
    """c0 serves f0 three times (days 1-3, unnoticed), then is caught at f1's home on day 4 and
    reveals each recipient with probability 0.5: f0's home is watched half the time, not 1 - 0.5^3."""
    n_runs = 600
    deliveries = [
        *(
            {"day": d, "sender": "s1", "relays": ["r2"], "courier": "c0", "recipient": "f0"}
            for d in (1, 2, 3)
        ),
        {"day": 4, "sender": "s1", "relays": ["r1"], "courier": "c0", "recipient": "f1"},
        {
            "id": "probe",
            "day": 6,
            "sender": "s1",
            "relays": ["r2"],
            "courier": "c1",
            "recipient": "f0",
        },
    ]
    doc = _watch_doc(10, 6, reveal=0.5)
    doc["workload"]["deliveries"] = deliveries
    doc["links"]["relay_couriers"] = {"r1": ["c0"], "r2": ["c0", "c1"]}
    out = simulate(doc, n_runs=n_runs, seed=17)
    assert (daily(out, "intercepted")[:4] == 0).all()
    assert daily(out, "intercepted")[4] == n_runs
    assert_binomial(int(daily(out, "intercepted")[6]), n_runs, 0.5, what="f0 watched")
    assert causes(out)["interrogation"] == daily(out, "intercepted")[6]


# ---------------------------------------------------------------------------------- tracing --


def _tracing_doc(tracing: float, success: float = 1.0) -> dict[str, Any]:
    """Delivery a goes s1 -> r1 -> r2 -> c0 -> f0; only the first relay (r1, the informant) is told
    the address and the day, so a's courier is caught and its family arrested; the family can
    reveal r2 (the relay that paid the courier). Deliveries b (day 3) and c (day 4) go through r2
    alone, which is not an informant and overhears nothing: only tracing can expose them."""
    return {
        "name": "tracing",
        "horizon_days": 10,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "s2", "role": "sender"},
            {"id": "r1", "role": "relay", "informant": 1.0, "community": "k"},
            {"id": "r2", "role": "relay", "informant": 0.0},
            {"id": "c0", "role": "courier", "home": "Hoeryong"},
            {"id": "c1", "role": "courier", "home": "Hoeryong"},
            {"id": "c2", "role": "courier", "home": "Hoeryong"},
            {"id": "f0", "role": "recipient", "home": "Hamhung"},
            {"id": "f1", "role": "recipient", "home": "Pyongyang"},
            {"id": "f2", "role": "recipient", "home": "Kaechon"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"], "s2": ["r2"]},
            "relay_relays": {"r1": ["r2"]},
            "relay_couriers": {"r2": ["c0", "c1", "c2"]},
            "sender_recipients": {"s1": ["f0"], "s2": ["f1", "f2"]},
        },
        "workload": {
            "per_sender_per_year": 0,
            "deliveries": [
                {"id": "a", "day": 2, "sender": "s1", "relays": ["r1", "r2"], "courier": "c0"},
                {
                    "id": "b",
                    "day": 3,
                    "sender": "s2",
                    "relays": ["r2"],
                    "courier": "c1",
                    "recipient": "f1",
                },
                {
                    "id": "c",
                    "day": 4,
                    "sender": "s2",
                    "relays": ["r2"],
                    "courier": "c2",
                    "recipient": "f2",
                },
            ],
        },
        "protocol": [
            {
                "from": "sender",
                "to": "first_relay",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            }
        ],
        "operation": merged(
            NEUTRAL_OPERATION,
            {
                "relay": {"success": success, "delay_days": 1},
                "family_arrest": 1.0,
                "tracing": tracing,
                "harvest": {"community": 1.0},
            },
        ),
    }


def test_a_traced_relay_exposes_its_later_deliveries() -> None:
    """r2 is traced on day 2 and counts from day 3; with a 1-day tip delay its deliveries are known
    from day 4 on: b (day 3) goes through, c (day 4) is caught, cause tracing."""
    n_runs = 50
    out = simulate(_tracing_doc(1.0), n_runs=n_runs, seed=18, record_run=7)
    per_day = daily(out, "intercepted")
    assert (per_day[2], per_day[3], per_day[4]) == (n_runs, 0, n_runs)
    assert causes(out)["tracing"] == n_runs
    assert causes(out)["informant"] == n_runs
    assert (out.total("family_arrested") == 2).all()
    assert out.record is not None
    truth = {row["delivery"]: row for row in out.record.truth}
    assert truth["c"]["cause"] == "tracing"
    assert truth["c"]["tipped_by"] == []
    assert truth["b"]["outcome"] == "delivered"
    assert out.record.traced_relays == [{"party": "r2", "from_day": 3}]


def test_without_tracing_the_later_deliveries_go_through() -> None:
    out = simulate(_tracing_doc(0.0), n_runs=50, seed=18)
    assert (out.total("intercepted") == 1).all()
    assert causes(out)["tracing"] == 0


def test_a_traced_relay_reports_like_an_informant() -> None:
    """P(c caught) = pi (a's tip) x psi (the trace) x pi (r2's report, as an informant's)."""
    n_runs = 1500
    pi, psi = 0.8, 0.5
    out = simulate(_tracing_doc(psi, success=pi), n_runs=n_runs, seed=19)
    assert_binomial(int(daily(out, "intercepted")[2]), n_runs, pi, what="a caught")
    assert_binomial(int(daily(out, "intercepted")[4]), n_runs, pi * psi * pi, what="c caught")
    assert causes(out)["tracing"] == daily(out, "intercepted")[4]


# ------------------------------------------------------------------------------ replacement --


def _replacement_doc(per_month: float, horizon: int) -> dict[str, Any]:
    """c0 is caught on day 0 (through the informant r1); every later day s2 sends through r2 (not
    an informant) and c0's slot, which stalls until a recruit fills it."""
    later = [
        {"day": d, "sender": "s2", "relays": ["r2"], "courier": "c0"} for d in range(1, horizon)
    ]
    return {
        "name": "replacement",
        "horizon_days": horizon,
        "parties": [
            {"id": "s1", "role": "sender"},
            {"id": "s2", "role": "sender"},
            {"id": "r1", "role": "relay", "informant": 1.0},
            {"id": "r2", "role": "relay", "informant": 0.0},
            {"id": "c0", "role": "courier", "home": "Hoeryong"},
            {"id": "f0", "role": "recipient", "home": "Hamhung"},
            {"id": "f1", "role": "recipient", "home": "Pyongyang"},
        ],
        "links": {
            "sender_relays": {"s1": ["r1"], "s2": ["r2"]},
            "relay_couriers": {"r1": ["c0"], "r2": ["c0"]},
            "sender_recipients": {"s1": ["f0"], "s2": ["f1"]},
        },
        "workload": {
            "per_sender_per_year": 0,
            "deliveries": [{"day": 0, "sender": "s1", "relays": ["r1"], "courier": "c0"}, *later],
        },
        "protocol": [
            {
                "from": "sender",
                "to": "relay",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            }
        ],
        "operation": merged(NEUTRAL_OPERATION, {"replacement_couriers_per_month": per_month}),
    }


def test_without_replacement_an_arrested_courier_stays_gone() -> None:
    horizon = 30
    out = simulate(_replacement_doc(0.0, horizon), n_runs=50, seed=20)
    assert (out.total("intercepted") == 1).all()
    assert (out.total("stalled") == horizon - 1).all()
    assert (out.total("attempted") == 1).all()


@pytest.mark.parametrize("n_runs", [400, pytest.param(10_000, marks=pytest.mark.slow)])
def test_replacements_arrive_at_the_set_rate(n_runs: int) -> None:
    """Recruits arrive as Poisson(rate x 12/365) a day, so the day-t delivery (t >= 1) stalls with
    probability exp(-lambda t): the expected number stalled is the sum of that over the season."""
    per_month, horizon = 3.0, 40
    lam = per_month * 12 / 365
    out = simulate(_replacement_doc(per_month, horizon), n_runs=n_runs, seed=21, record_run=0)
    expected = sum(math.exp(-lam * t) for t in range(1, horizon))
    assert_mean(out.total("stalled"), expected, what="stalled deliveries")
    assert (out.total("attempted") + out.total("stalled") == horizon).all()
    assert (out.total("intercepted") == 1).all()
    # the slot is refilled by a new pseudonym, who delivers from then on
    assert out.record is not None
    couriers = {row["courier"] for row in out.record.deliveries}
    assert couriers <= {"c0", "c0.new1"}
    if out.total("attempted")[0] > 1:
        assert "c0.new1" in couriers


# ---------------------------------------------------------------------------------- harvest --


def _harvest_doc(
    n_off: int, sigma: float, pi: float, *, same_community: bool = True
) -> dict[str, Any]:
    """Deliveries go through r1 (not an informant, community k). ``n_off`` relays x1, x2, ... off
    the route are informants, in community k (or another one)."""
    days = list(range(3, 13))
    doc = lanes_doc(
        days,
        relay={"community": "k", "informant": 0.0},
        operation={"harvest": {"community": sigma}, "relay": {"success": pi}},
    )
    for j in range(1, n_off + 1):
        doc["parties"] += [
            {
                "id": f"x{j}",
                "role": "relay",
                "informant": 1.0,
                "community": "k" if same_community else "elsewhere",
            },
            {"id": f"xc{j}", "role": "courier", "home": "Musan"},
        ]
        doc["links"]["relay_couriers"][f"x{j}"] = [f"xc{j}"]
    return doc


@pytest.mark.parametrize("n_off", [1, 2])
def test_community_harvest_by_off_route_informants(n_off: int) -> None:
    """Each off-route informant overhears (sigma) and gets the tip through (pi), independently:
    the route's address and day reach the service with probability 1 - (1 - sigma pi)^m."""
    n_runs, sigma, pi = 400, 0.5, 0.6
    out = simulate(_harvest_doc(n_off, sigma, pi), n_runs=n_runs, seed=22, record_run=0)
    expected = 1 - (1 - sigma * pi) ** n_off
    total = int(out.total("intercepted").sum())
    assert_binomial(total, 10 * n_runs, expected)
    assert causes(out)["harvest"] == total
    assert out.record is not None
    for row in out.record.truth:
        if row["outcome"] == "intercepted":
            assert row["harvest_community"] == "k"
            assert row["tipped_by"] == []


def test_no_harvest_from_another_community() -> None:
    out = simulate(_harvest_doc(2, 1.0, 1.0, same_community=False), n_runs=50, seed=23)
    assert out.total("intercepted").sum() == 0


def test_no_harvest_when_sigma_is_zero() -> None:
    out = simulate(_harvest_doc(2, 0.0, 1.0), n_runs=50, seed=24)
    assert out.total("intercepted").sum() == 0


# ------------------------------------------------------------------------------- background --


@pytest.mark.parametrize("n_runs", [400, pytest.param(20_000, marks=pytest.mark.slow)])
def test_background_only(n_runs: int) -> None:
    """Interceptions unrelated to informants: rate eps, cause background, the courier arrested in
    its own town, never the family (there was no stake-out at the home)."""
    eps = 0.1
    doc = lanes_doc(list(range(10)), operation={"background": eps, "family_arrest": 1.0})
    out = simulate(doc, n_runs=n_runs, seed=25)
    total = int(out.total("intercepted").sum())
    assert_binomial(total, 10 * n_runs, eps)
    assert causes(out)["background"] == total
    assert place_arrests(out, "Hoeryong").sum() == total
    assert out.total("family_arrested").sum() == 0


# ---------------------------------------------------------------------------------- hazard --


@pytest.mark.parametrize("rho0", [0.0, 0.1])
@pytest.mark.parametrize("n_runs", [1000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_daily_hazard_turns_informants_over_the_season(rho0: float, n_runs: int) -> None:
    """The delivery of day t is tipped by an informant turned by day max(0, t - delta):
    P(caught) = (1 - (1 - rho0)(1 - h)^max(0, t - delta)) x catch."""
    h, delta, catch = 0.02, 2, 0.9
    days = [0, 2, 3, 12, 42, 80]
    op = {
        "recruitment": {"initial": rho0, "daily_hazard": h},
        "relay": {"delay_days": delta},
        "response": {"catch": {"address_and_schedule": catch}},
    }
    out = simulate(lanes_doc(days, horizon=90, operation=op), n_runs=n_runs, seed=26)
    per_day = daily(out, "intercepted")
    for t in days:
        p = (1 - (1 - rho0) * (1 - h) ** max(0, t - delta)) * catch
        assert_binomial(int(per_day[t]), n_runs, p, what=f"day {t}")
