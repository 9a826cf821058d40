"""A party told in two slots of one delivery is one party: one informant draw, one relay draw."""

from __future__ import annotations

import json

from season_helpers import assert_binomial, lanes_doc, simulate

from tipoff.engines.exact import exposure
from tipoff.model import compile_scenario
from tipoff.scenario import parse_scenario


def _doc() -> dict:
    # the protocol names the delivery's own sender by id, so s1 is also the sender slot
    doc = lanes_doc(
        [5],
        protocol=[
            {
                "from": "relay",
                "to": "s1",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            },
            {
                "from": "s1",
                "to": "sender",
                "items": ["recipient_address", "schedule"],
                "lead_days": 5,
            },
        ],
        operation={"relay": {"success": 0.5}},
    )
    doc["parties"][0] = {"id": "s1", "role": "sender", "coercible": True, "informant": 1.0}
    return doc


def test_a_party_in_two_slots_relays_once_with_probability_pi():
    out = simulate(_doc(), n_runs=4000, seed=11, record_run=None)
    hits = int(out.total("intercepted").sum())
    assert_binomial(hits, 4000, 0.5, what="intercepted with the sender in two slots")


def test_simulator_and_exact_agree_on_the_duplicate_slot():
    model = compile_scenario(parse_scenario(json.dumps(_doc())))
    assert exposure(model).p_intercept[0] == 0.5
