"""Fuzzing the loader: whatever the text, it returns a Scenario or raises ScenarioError."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from scenario_examples import MINIMAL

from tipoff.errors import ScenarioError
from tipoff.scenario import Scenario, parse_scenario

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

YAMLISH = st.text(
    alphabet=st.sampled_from([*"ab01 :-[]{},&*!|>'\"#?%@`\n\t.+~\\", "\ufeff", "é", "号"]),
    max_size=80,
)
KEYS = st.sampled_from(
    [
        "name",
        "horizon_days",
        "parties",
        "id",
        "role",
        "from",
        "to",
        "items",
        "lead_days",
        "operation",
        "relay",
        "success",
        "protocol",
        "links",
        "generate",
        "x",
        "010-1234-5678",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["sender", "relay", "courier", "r1", "Hoeryong", "+82 10-1234-5678"]),
)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(KEYS, kids, max_size=5)),
    max_leaves=12,
)


def _check(text: str) -> None:
    try:
        result = parse_scenario(text, source="fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.line >= 0
            assert p.col >= 0
            assert p.source == "fuzz.yaml"
            assert p.message
    else:
        assert isinstance(result, Scenario)


def _dump(data: Any) -> str:
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


@FUZZ
@given(YAMLISH)
def test_yamlish_text(text: str) -> None:
    _check(text)


@FUZZ
@given(st.dictionaries(KEYS, TREES, max_size=6))
def test_structured_documents(data: dict[str, Any]) -> None:
    _check(_dump(data))


@FUZZ
@given(st.integers(0, len(MINIMAL) - 1), st.integers(0, 5), YAMLISH)
def test_mutated_minimal_scenario(at: int, cut: int, insert: str) -> None:
    _check(MINIMAL[:at] + insert + MINIMAL[at + cut :])
