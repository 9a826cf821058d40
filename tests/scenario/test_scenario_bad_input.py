"""Classes of bad scenario input (issue 16): one pass, suggestions, limits, positions, no hangs."""

from __future__ import annotations

import time

import pytest
from scenario_examples import MINIMAL

from tipoff.errors import ScenarioError
from tipoff.scenario import _load, parse_scenario


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return [str(p) for p in info.value.problems]


def _line(text: str, needle: str) -> int:
    """1-based line holding ``needle``, lines ended by LF only (not str.splitlines)."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_schema_and_reference_problems_come_in_one_pass() -> None:
    text = MINIMAL.replace("horizon_days: 30", "horizon_days: ninety").replace(
        "r1: [c1]", "r1: [c9]"
    )
    found = problems(text)
    assert any("horizon_days: Input should be a valid integer" in p for p in found), found
    assert any("links.relay_couriers.r1[0]: unknown party 'c9'" in p for p in found), found


def test_a_broken_party_entry_does_not_make_its_links_unknown() -> None:
    text = MINIMAL.replace("role: courier", "role: curier")
    found = problems(text)
    assert any("role" in p and "Input should be" in p for p in found), found
    assert not any("unknown party 'c1'" in p for p in found), found
    assert not any("has no courier" in p for p in found), found


def test_unknown_key_gets_did_you_mean() -> None:
    text = MINIMAL.replace("horizon_days: 30", "horizon_dayz: 30")
    assert any(
        "horizon_dayz: Extra inputs are not permitted (unknown key; did you mean 'horizon_days'?)"
        in p
        for p in problems(text)
    )


def test_unknown_party_gets_did_you_mean() -> None:
    text = MINIMAL.replace("r1: [c1]", "r1: [c2]")
    found = problems(text)
    assert any(p.endswith("unknown party 'c2'; did you mean 'c1'?") for p in found), found


def test_percentage_gets_a_hint() -> None:
    text = MINIMAL.replace("success: 0.5", "success: 80")
    (p,) = problems(text)
    assert "did you mean 0.8" in p and "operation.relay.success" in p


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + "\n" * 0 + "description: " + "a" * 100_000 + "\n", "longer than"),
        (
            lambda t: t.replace(
                "parties:\n", "parties:\n" + "  - {id: x, role: relay}\n" * 100_000, 1
            ),
            "more than",
        ),
        (
            lambda t: t.replace(
                "protocol:\n",
                "protocol:\n"
                + "  - {from: sender, to: relay, items: [recipient_address], lead_days: 5}\n"
                * 10_000,
                1,
            ),
            "more than",
        ),
    ],
    ids=["100kB-scalar", "100k-parties", "10k-steps"],
)
def test_large_files_are_refused_quickly(edit: object, message: str) -> None:
    text = edit(MINIMAL)  # type: ignore[operator]
    if len(text.encode()) > _load.MAX_FILE_BYTES:
        text = text[: _load.MAX_FILE_BYTES - 1000]
    start = time.perf_counter()
    found = problems(text)
    assert time.perf_counter() - start < 2.0
    assert any(message in p for p in found), found[:3]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_unusual_separators_do_not_shift_lines(sep: str) -> None:
    text = MINIMAL.replace("name: minimal", f"name: minimal\ndescription: 'a{sep}b'")
    text = text.replace("initial: 0.1", "initial: 1.3")
    (p,) = problems(text)
    assert p.startswith(f"s.yaml:{_line(text, 'initial: 1.3')}:14:"), p


def test_cr_line_endings_count_lines() -> None:
    text = MINIMAL.replace("initial: 0.1", "initial: 1.3").replace("\n", "\r")
    (p,) = problems(text)
    assert p.startswith(f"s.yaml:{_line(MINIMAL, 'initial: 0.1')}:14:"), p


def test_alias_to_undefined_anchor_is_a_problem() -> None:
    (p,) = problems(MINIMAL.replace("r1: [c1]", "r1: [*nowhere]"))
    assert "anchor" in p


def test_two_documents_are_refused() -> None:
    assert any("more than one YAML document" in p for p in problems(MINIMAL + "---\nname: y\n"))


def test_a_form_feed_is_refused_where_it_is() -> None:
    text = MINIMAL.replace("name: minimal", "name: minimal\ndescription: 'a\x0cb'")
    (p,) = problems(text)
    assert p.startswith("s.yaml:2:16: the text holds a character YAML does not allow"), p


@pytest.mark.parametrize(
    "value",
    ["1" * 4000, "1-" * 2000, "a." * 2000, "A-" * 2000, "가" * 4000, "中" * 4000, "Ab " * 1300],
    ids=["digits", "dashes", "dots", "caps", "hangul", "han", "words"],
)
def test_privacy_patterns_never_backtrack_over_long_values(value: str) -> None:
    from tipoff.scenario._privacy import privacy_problem

    start = time.perf_counter()
    for _ in range(10):
        privacy_problem(value)
    assert time.perf_counter() - start < 1.0  # quadratic patterns took ~2 s for one
