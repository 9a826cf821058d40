"""The JSON Schema of scenario files, for editor completion and outside validators."""

from __future__ import annotations

from typing import Any

from tipoff.scenario._schema import Scenario

__all__ = ["scenario_json_schema"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that a scenario YAML file follows.

    Field names appear as written in YAML (``from``, not ``from_``). Only plain ``$ref``/``$defs``
    features are used, so draft-07 validators such as yaml-language-server's accept it too.

    Returns
    -------
    dict
        A fresh, JSON-serialisable schema; write it next to scenario files and point at it with
        ``# yaml-language-server: $schema=./scenario.schema.json``.

    Examples
    --------
    >>> schema = scenario_json_schema()
    >>> "from" in schema["$defs"]["Step"]["properties"]
    True
    """
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": _DRAFT,
        **schema,
        "title": "tipoff scenario",
        "description": (
            "A network of pseudonymous parties, the procedure they follow and the operation "
            "against it, over a season (see the tipoff documentation, 'The scenario file')."
        ),
    }
