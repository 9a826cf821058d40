"""The exported JSON Schema accepts the example scenario and refuses what the loader refuses."""

from __future__ import annotations

import json

from jsonschema import Draft7Validator, Draft202012Validator
from ruamel.yaml import YAML
from scenario_examples import MINIMAL, MODEL_EXAMPLE

from tipoff.scenario import scenario_json_schema


def _data(text: str) -> object:
    return json.loads(json.dumps(YAML(typ="safe").load(text)))


def test_schema_is_draft_2020_12_and_serialisable() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "tipoff scenario"
    Draft202012Validator.check_schema(schema)
    assert json.loads(json.dumps(schema)) == schema


def test_from_alias_appears_as_written() -> None:
    step = scenario_json_schema()["$defs"]["Step"]
    assert "from" in step["properties"]
    assert "from_" not in step["properties"]
    assert "from" in step["required"]


def test_examples_validate_under_2020_12_and_draft_7() -> None:
    schema = scenario_json_schema()
    for text in (MODEL_EXAMPLE, MINIMAL):
        for validator in (Draft202012Validator(schema), Draft7Validator(schema)):
            assert list(validator.iter_errors(_data(text))) == []


def test_schema_refuses_typos_and_bounds() -> None:
    bad = _data(MINIMAL.replace("success: 0.5", "success: 1.5").replace("lead_days", "lead_dayz"))
    errors = list(Draft202012Validator(scenario_json_schema()).iter_errors(bad))
    assert len(errors) >= 2
