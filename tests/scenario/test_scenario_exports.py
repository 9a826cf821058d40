"""The public surface of ``tipoff.scenario`` is declared once and complete."""

from __future__ import annotations

import re

from scenario_examples import MINIMAL, MODEL_EXAMPLE

import tipoff.scenario as scenario_pkg
from tipoff.scenario import parse_scenario, scenario_digest


def test_all_names_exist_and_are_public() -> None:
    for name in scenario_pkg.__all__:
        assert hasattr(scenario_pkg, name), name
        assert not name.startswith("_")
    assert sorted(scenario_pkg.__all__) == sorted(set(scenario_pkg.__all__))
    assert {
        "load_scenario",
        "parse_scenario",
        "resolve_scenario",
        "Scenario",
        "MAX_FILE_BYTES",
    } <= set(scenario_pkg.__all__)


def test_digest_is_short_stable_and_ignores_layout() -> None:
    a = scenario_digest(parse_scenario(MINIMAL))
    assert re.fullmatch(r"[0-9a-f]{16}", a)
    reformatted = "# a comment\n" + MINIMAL.replace(
        "items: [recipient_address]", "items:\n      - recipient_address"
    )
    assert scenario_digest(parse_scenario(reformatted)) == a
    assert scenario_digest(parse_scenario(MODEL_EXAMPLE)) != a
    changed = MINIMAL.replace("horizon_days: 30", "horizon_days: 31")
    assert scenario_digest(parse_scenario(changed)) != a
