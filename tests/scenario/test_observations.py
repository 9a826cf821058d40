"""Observations files: the seed preset, every problem at once with its position, relations, schema."""

from __future__ import annotations

import jsonschema
import pytest
from ruamel.yaml import YAML

from tipoff.errors import PrivacyError, ScenarioError
from tipoff.scenario import (
    list_observation_presets,
    load_observations,
    load_preset,
    observations_digest,
    observations_json_schema,
    observations_preset_text,
    parse_observations,
    parse_relation,
    resolve_observations,
)

SEED = "north-hamgyong-spring"

GOOD = """\
unknowns:
  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.4}
  reporting.src: {dist: beta, a: 2, b: 2}
groups:
  border: [Hoeryong, Musan, Onsong]
observations:
  - id: a
    source: a report
    count: arrests
    roles: both
    places: border
    placed_by: where
    days: [0, 50]
    reported: "> 10"
    reporting: src
    coverage: 0.5
"""


def test_seed_preset_loads_against_its_scenario() -> None:
    assert SEED in list_observation_presets()
    obs = resolve_observations(SEED, scenario=load_preset(SEED))
    assert obs.scenario == SEED
    assert len(obs.parameter_paths()) == 3
    border = obs.observations[0]
    assert obs.towns(border) == ("Hoeryong", "Musan", "Onsong")
    assert border.relation.low == 11 and border.relation.high is None
    assert border.slices == 2.0


def test_good_file_and_digest() -> None:
    obs = parse_observations(GOOD)
    assert obs.reporting_names() == ("src",)
    assert observations_digest(obs) == observations_digest(parse_observations(GOOD + "\n"))
    other = parse_observations(GOOD.replace("> 10", "> 9"))
    assert observations_digest(obs) != observations_digest(other)


def test_value_problems_at_the_value_key_problems_at_the_key() -> None:
    text = GOOD.replace(
        "reporting.src: {dist: beta, a: 2, b: 2}", "reporting.src: beta(2, 2)"
    ).replace("    coverage: 0.5", "    coverage: 5\n    covrage: 0.5")
    with pytest.raises(ScenarioError) as info:
        parse_observations(text, source="obs.yaml")
    lines = [str(p) for p in info.value.problems]
    # line 3: '  reporting.src: beta(2, 2)': a scalar where a mapping belongs, at col 18
    assert any(line.startswith("obs.yaml:3:18: unknowns.reporting.src: ") for line in lines)
    # line 16: '    coverage: 5' (the value at col 15); line 17: '    covrage: 0.5' (the key)
    assert any(line.startswith("obs.yaml:16:15: observations[0].coverage: ") for line in lines)
    assert any(line.startswith("obs.yaml:17:5: observations[0].covrage: ") for line in lines)


def test_every_problem_at_once_with_positions() -> None:
    text = """\
unknowns:
  operation.recruitment.intial: {dist: uniform, low: 0.0, high: 0.4}
  operation.harvest.community: {dist: uniform, low: 0.0, high: 2.0}
  operation.response.capacity_per_day: {dist: uniform, low: 1, high: 4}
observations:
  - id: a
    source: x
    count: arrests
    places: Atlantis
    placed_by: where
    days: [0, 500]
    reported: "about ten"
  - id: b
    source: y
    count: interceptions
    roles: couriers
    places: [Musan]
    reporting: nobody
    reported: 3
"""
    with pytest.raises(ScenarioError) as info:
        parse_observations(text, source="obs.yaml", scenario=load_preset(SEED))
    lines = [str(p) for p in info.value.problems]
    # a bad value is placed at the value, an unknown key at the key
    assert any(line.startswith("obs.yaml:12:15: observations[0].reported") for line in lines)
    assert any(line.startswith("obs.yaml:13:5: observations[1].placed_by") for line in lines)
    # pydantic errors stop the cross-checks; fix them and the rest appear, all together
    fixed = text.replace('"about ten"', '"> 10"').replace(
        "    places: [Musan]\n", "    places: [Musan]\n    placed_by: home\n"
    )
    with pytest.raises(ScenarioError) as info:
        parse_observations(fixed, source="obs.yaml", scenario=load_preset(SEED))
    lines = [str(p) for p in info.value.problems]
    expected = [
        "obs.yaml:2:3: unknowns.operation.recruitment.intial: ",  # did you mean
        "obs.yaml:3:3: unknowns.operation.harvest.community: the prior's support",
        "obs.yaml:4:3: unknowns.operation.response.capacity_per_day: only real-valued",
        "obs.yaml:6:5: observations[0]",  # arrests need roles (at the observation)
        "obs.yaml:9:13: observations[0].places: 'Atlantis' is neither",
        "obs.yaml:11:5: observations[0].days: the last day 500",  # a list: at its key
        "obs.yaml:16:12: observations[1].roles: roles apply to arrests only",
        "obs.yaml:19:16: observations[1].reporting: no unknown reporting.nobody",
    ]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in lines), (prefix, lines)


def test_privacy_guard_refuses_without_echo() -> None:
    text = GOOD.replace("source: a report", "source: call +82 10 1234 5678")
    with pytest.raises(PrivacyError) as info:
        parse_observations(text)
    assert "1234" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("== 3", 3, 3),
        (">= 3", 3, None),
        ("> 10", 11, None),
        ("<= 2", 0, 2),
        ("< 2", 0, 1),
        ("3..5", 3, 5),
        (4, 4, 4),
    ],
)
def test_relations(text: object, low: int, high: int | None) -> None:
    rel = parse_relation(text)
    assert (rel.low, rel.high) == (low, high)
    assert rel.contains(low) and not rel.contains(low - 1)


@pytest.mark.parametrize("text", ["5..3", "< 0", "~3", True, -1, "3.5"])
def test_bad_relations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_relation(text)


def test_schema_accepts_the_preset_and_rejects_a_typo() -> None:
    schema = observations_json_schema()
    data = YAML(typ="safe").load(observations_preset_text(SEED))
    jsonschema.validate(data, schema)
    data["observations"][0]["placed"] = "where"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_file_guards(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_observations(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_observations(tmp_path / "list.yaml")
