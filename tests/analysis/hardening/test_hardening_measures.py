"""Each countermeasure changes exactly what it claims: compiled masks and exposure before and after."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hardening_examples import TWO_HOP, USER_C1, explicit, measure, two_hop

from tipoff.analysis.hardening import (
    LIBRARY_IDS,
    STATUS_CODE,
    apply_plan,
    china_targets,
    from_spec,
    library,
    scenario_measures,
    score_model,
)
from tipoff.engines import exposure
from tipoff.errors import ScenarioError
from tipoff.model import (
    ADDRESS,
    COURIER_IDENTITY,
    ITEM_BIT,
    MODE_HOME,
    MODE_MEETING_POINT,
    SCHEDULE,
    CompiledModel,
    compile_scenario,
)
from tipoff.scenario import Scenario, load_preset, parse_scenario, scenario_digest

IDENTITY = ITEM_BIT["recipient_identity"]
MEETING = ITEM_BIT["meeting_point"]
SEED = load_preset("north-hamgyong-spring")
CLASSROOM = load_preset("classroom")


def masks(model: CompiledModel) -> dict[str, tuple[int, int]]:
    """Per party id: (items told in time for a tip, every item told), over all chains."""
    out: dict[str, tuple[int, int]] = {}
    for c in range(model.n_chains):
        for party, tip, every in zip(
            model.chain_slot_party[c], model.chain_slot_tip[c], model.chain_slot_all[c], strict=True
        ):
            if party >= 0:
                pid = model.party_ids[party]
                old = out.get(pid, (0, 0))
                out[pid] = (old[0] | int(tip), old[1] | int(every))
    return out


def china_ids(model: CompiledModel) -> list[str]:
    return [model.party_ids[p] for p in np.flatnonzero(model.party_side == 1)]


def test_library_is_sourced_and_labelled() -> None:
    lib = library(SEED)
    assert tuple(m.id for m in lib) == LIBRARY_IDS
    for m in lib:
        assert m.sources and all(s.startswith("C") and 1 <= int(s[1:]) <= 15 for s in m.sources)
        assert m.status in STATUS_CODE and m.status_code in ("R", "Rec", "I")
        assert m.title and m.changes and m.rationale and "ASSUMPTION" in m.cost_note
        assert m.origin == "library"
    by_id = {m.id: m for m in lib}
    # the labels of docs/sources.md §4: C1, C11-C13 are hypotheses; C2, C3/C4, C6 reported
    assert by_id["withhold-recipient-china"].status_code == "I"
    assert by_id["meeting-point"].status_code == "R"
    assert by_id["lie-low"].status_code == "R"
    assert by_id["split-transfers"].status_code == "I"


@pytest.mark.parametrize("scenario", [SEED, CLASSROOM, two_hop(), explicit()], ids=lambda s: s.name)
def test_transforms_are_pure(scenario: Scenario) -> None:
    before = scenario_digest(scenario)
    for m in library(scenario):
        changed = m.apply(scenario)
        assert scenario_digest(scenario) == before
        if m.not_applicable(scenario) is None:
            assert scenario_digest(changed) != before, m.id
        compile_scenario(changed)  # every transformed scenario is valid


def test_withhold_recipient_china_masks() -> None:
    base, after = (
        compile_scenario(SEED),
        compile_scenario(measure(SEED, "withhold-recipient-china").apply(SEED)),
    )
    mb, ma = masks(base), masks(after)
    for pid in china_ids(after):
        assert ma[pid][1] & (ADDRESS | IDENTITY) == 0, pid
        assert ma[pid][1] == mb[pid][1] & ~(ADDRESS | IDENTITY)  # nothing else changes
    for pid in [p for p in ma if p not in china_ids(after)]:  # couriers: told by the family, late
        assert ma[pid][1] & ADDRESS and not ma[pid][0] & ADDRESS
    assert (after.sender_mask_all, after.recipient_mask_all) == (
        base.sender_mask_all,
        base.recipient_mask_all,
    )


def test_withholding_the_address_leaves_only_what_china_side_knowledge_cannot_explain() -> None:
    m = measure(CLASSROOM, "withhold-recipient-china")
    changed = apply_plan(CLASSROOM, [m], contact_risk=0.002)
    out = exposure(compile_scenario(changed), method="exact")
    # classroom: relays knew only identity, address and amount; nothing catch-relevant is left
    eps = 1 - (1 - 0.01) * (1 - 0.002)
    np.testing.assert_allclose(out.p_intercept, eps, rtol=0, atol=1e-15)
    assert changed.operation.background == pytest.approx(eps)

    # seed preset: the relays still know the schedule and the courier; with the address gone the
    # stake-out catch is zero, so P equals the courier-identity catch plus background
    seed = compile_scenario(apply_plan(SEED, [measure(SEED, "withhold-recipient-china")]))
    states = exposure(seed, method="exact").states
    assert states[:, 1::2].max() == 0.0  # no state with the address bit
    no_stakeout = dataclasses.replace(
        seed.operation, catch_address_and_schedule=0.0, catch_address_only=0.0
    )
    zeroed = dataclasses.replace(seed, operation=no_stakeout)
    assert score_model(seed) == pytest.approx(score_model(zeroed), abs=1e-15)
    assert score_model(seed) < score_model(compile_scenario(SEED))


def test_meeting_point_changes_the_mode_and_tells_the_place() -> None:
    m = measure(SEED, "meeting-point")
    base, after = compile_scenario(SEED), compile_scenario(m.apply(SEED))
    assert base.handover_mode == MODE_HOME and after.handover_mode == MODE_MEETING_POINT
    assert masks(after) == masks(base)
    assert after.recipient_mask_all == base.recipient_mask_all | MEETING
    e = explicit()
    modes = compile_scenario(measure(e, "meeting-point").apply(e)).explicit_mode
    assert (modes == MODE_MEETING_POINT).all()
    # the catch: the same knowledge, the stake-out scaled by meeting_point_factor
    p0, p1 = score_model(base), score_model(after)
    assert p1 < p0


def test_late_schedule_keeps_the_day_out_of_every_tip() -> None:
    m = measure(SEED, "late-schedule")
    base, after = compile_scenario(SEED), compile_scenario(m.apply(SEED))
    mb, ma = masks(base), masks(after)
    assert any(t & SCHEDULE for t, _ in mb.values())
    for pid in ma:
        assert not ma[pid][0] & SCHEDULE
        assert ma[pid][1] == mb[pid][1]  # everyone is still told, later
        assert ma[pid][0] == mb[pid][0] & ~SCHEDULE
    assert m.cost.days == SEED.operation.relay.delay_days
    no_delay = SEED.model_copy(
        update={
            "operation": SEED.operation.model_copy(
                update={"relay": SEED.operation.relay.model_copy(update={"delay_days": 0})}
            )
        }
    )
    assert measure(no_delay, "late-schedule").not_applicable(no_delay) is not None


def test_pickup_code_drops_the_identity_and_nothing_else() -> None:
    m = measure(SEED, "pickup-code")
    base, after = compile_scenario(SEED), compile_scenario(m.apply(SEED))
    mb, ma = masks(base), masks(after)
    for pid in ma:
        assert ma[pid] == (mb[pid][0] & ~IDENTITY, mb[pid][1] & ~IDENTITY)
    assert after.recipient_mask_all == base.recipient_mask_all
    # the catch needs the address, not the name: the model credits nothing
    assert score_model(after) == pytest.approx(score_model(base), abs=1e-15)


def test_compartmentalised_relays_tell_only_the_hop_that_needs_it() -> None:
    s = two_hop()
    m = measure(s, "compartmentalise-relays")
    assert m.not_applicable(s) is None
    assert m.not_applicable(SEED) is not None  # single-hop paths
    base, after = compile_scenario(s), compile_scenario(m.apply(s))
    mb, ma = masks(base), masks(after)
    told_by_sender = ADDRESS | IDENTITY | ITEM_BIT["amount"]
    # b1 is only ever the last relay: it keeps what the courier tells; loses what the sender tells
    assert mb["b1"][1] & told_by_sender and not ma["b1"][1] & ITEM_BIT["amount"]
    assert ma["b1"][1] & (SCHEDULE | COURIER_IDENTITY)
    # a1, a2 are only first relays: they keep the sender's items and lose the courier's
    for pid in ("a1", "a2"):
        assert ma[pid][1] & told_by_sender == told_by_sender
        assert not ma[pid][1] & COURIER_IDENTITY
    assert ma["hub"] == mb["hub"]  # a party named by id is unchanged
    assert score_model(after) < score_model(base)


def test_courier_code_names_hide_the_courier_from_china() -> None:
    m = measure(SEED, "courier-code-names")
    base, after = compile_scenario(SEED), compile_scenario(m.apply(SEED))
    mb, ma = masks(base), masks(after)
    for pid in china_ids(after):
        assert not ma[pid][1] & COURIER_IDENTITY
        assert ma[pid][1] == mb[pid][1] & ~COURIER_IDENTITY
    assert measure(CLASSROOM, "courier-code-names").not_applicable(CLASSROOM) is not None


def test_no_community_relays_reroutes_senders() -> None:
    s = two_hop()
    m = measure(s, "no-community-relays")
    assert m.not_applicable(s) is None
    assert m.not_applicable(SEED) == "no sender belongs to a community"
    changed = m.apply(s)
    assert changed.links.sender_relays == {"s1": ["a2"], "s2": ["a1"]}
    model = compile_scenario(changed)
    for k in range(model.n_senders):
        sender = model.sender_party[k]
        for c in model.chains_of(k):
            first = model.chain_relays[c, 0]
            assert model.party_community[first] != model.party_community[sender]


def test_courier_rotation_doubles_the_couriers_on_the_same_links() -> None:
    m = measure(CLASSROOM, "courier-rotation")
    base, after = compile_scenario(CLASSROOM), compile_scenario(m.apply(CLASSROOM))
    assert after.n_couriers == 2 * base.n_couriers
    assert after.n_chains == 2 * base.n_chains
    homes = dict(zip(after.party_ids, after.party_home, strict=True))
    for cid in ("c1", "c2"):
        assert homes[f"{cid}-r2"] == homes[cid]
    assert set(masks(after).values()) == set(masks(base).values())
    # the same masks on twice the routes: the per-delivery exposure is unchanged
    assert score_model(after) == pytest.approx(score_model(base), abs=1e-12)


def test_lie_low_drops_the_window() -> None:
    e = explicit()
    m = measure(e, "lie-low")
    changed = m.apply(e)
    days = [d.day for d in changed.workload.deliveries]
    assert days == [5, 50]  # days 23..36 dropped (14 days around the middle of 60)
    assert m.cost.days == pytest.approx(14 * 14 / (2 * 60))
    p = measure(CLASSROOM, "lie-low").apply(CLASSROOM)
    assert p.workload.per_sender_per_year == pytest.approx(6 * (1 - 14 / 60))
    assert score_model(compile_scenario(p)) == score_model(compile_scenario(CLASSROOM))


def test_split_transfers_halves_amounts_and_doubles_deliveries() -> None:
    e = explicit()
    m = measure(e, "split-transfers")
    changed = m.apply(e)
    ws = changed.workload
    assert len(ws.deliveries) == 2 * len(e.workload.deliveries)
    assert [d.amount for d in ws.deliveries[:2]] == [1500, 1500]
    assert [d.id for d in ws.deliveries[:2]] == ["d1.h1", "d1.h2"]
    assert ws.amount.median == 1000
    assert m.cost.handovers == 2
    c = measure(CLASSROOM, "split-transfers").apply(CLASSROOM)
    assert c.workload.per_sender_per_year == 12
    # the same exposure per delivery (the amount is not part of the catch)
    assert score_model(compile_scenario(changed)) == pytest.approx(
        score_model(compile_scenario(e)), abs=1e-15
    )


def test_user_defined_measure_equals_the_library_c1() -> None:
    s = parse_scenario(TWO_HOP + USER_C1)
    user = scenario_measures(s)
    assert [m.id for m in user] == ["family-tells-courier", "late-day"]
    assert user[0].origin == "scenario" and user[0].sources == ("C1",)
    lib = measure(s, "withhold-recipient-china")
    a = compile_scenario(user[0].apply(s))
    b = compile_scenario(lib.apply(s))
    assert masks(a) == masks(b)
    assert score_model(a) == score_model(b)
    assert user[0].cost.contacts == 1 and user[0].cost.days == 1
    # cap_lead_days + handover
    late = compile_scenario(user[1].apply(s))
    assert late.handover_mode == MODE_MEETING_POINT
    assert all(not tip & SCHEDULE for tip, _ in masks(late).values())
    assert from_spec(s.countermeasures[1]).cost.fee == 0.01


def test_user_defined_measures_are_checked_when_loading() -> None:
    bad = USER_C1.replace("targets: [china_side]", "targets: [china_side, nobody]")
    bad += "  - {name: empty}\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(TWO_HOP + bad)
    text = str(info.value)
    assert "'nobody' is neither a target" in text
    assert "changes nothing" in text


def test_china_targets_include_named_china_parties() -> None:
    s = two_hop()
    assert china_targets(s) == {"relay", "first_relay", "last_relay", "hub"}
    changed = measure(s, "withhold-recipient-china").apply(s)
    assert all(
        not ({i.value for i in st.items} & {"recipient_address", "recipient_identity"})
        for st in changed.protocol
        if st.to in china_targets(s) or st.from_ in china_targets(s)
    )
