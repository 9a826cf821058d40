"""The scenario language: what users write, loaded from YAML with every problem at ``file:line:col``.

>>> from tipoff.scenario import parse_scenario, scenario_digest
"""

from __future__ import annotations

import hashlib

from tipoff.scenario._distributions import (
    Beta,
    Distribution,
    LogUniform,
    Uniform,
    parse_distribution,
)
from tipoff.scenario._jsonschema import scenario_json_schema
from tipoff.scenario._load import MAX_FILE_BYTES, load_scenario, parse_scenario
from tipoff.scenario._network import Network, expand
from tipoff.scenario._observations import (
    Observation,
    Observations,
    Relation,
    list_observation_presets,
    load_observations,
    observations_digest,
    observations_json_schema,
    observations_preset_text,
    parse_observations,
    parse_relation,
    resolve_observations,
    scenario_towns,
)
from tipoff.scenario._params import ParamInfo, param_info, param_paths, with_params
from tipoff.scenario._presets import list_presets, load_preset, preset_text, resolve_scenario
from tipoff.scenario._schema import (
    ITEMS,
    PATH_ROLES,
    ROLES,
    Item,
    Mode,
    Operation,
    Party,
    Role,
    Scenario,
    Side,
    Step,
)

__all__ = [
    "ITEMS",
    "MAX_FILE_BYTES",
    "PATH_ROLES",
    "ROLES",
    "Beta",
    "Distribution",
    "Item",
    "LogUniform",
    "Mode",
    "Network",
    "Observation",
    "Observations",
    "Operation",
    "ParamInfo",
    "Party",
    "Relation",
    "Role",
    "Scenario",
    "Side",
    "Step",
    "Uniform",
    "expand",
    "list_observation_presets",
    "list_presets",
    "load_observations",
    "load_preset",
    "load_scenario",
    "observations_digest",
    "observations_json_schema",
    "observations_preset_text",
    "param_info",
    "param_paths",
    "parse_distribution",
    "parse_observations",
    "parse_relation",
    "parse_scenario",
    "preset_text",
    "resolve_observations",
    "resolve_scenario",
    "scenario_digest",
    "scenario_json_schema",
    "scenario_towns",
    "with_params",
]


def scenario_digest(scenario: Scenario, /) -> str:
    """A short fingerprint of a scenario, recorded in results for provenance.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    str
        The first 16 hex digits of the SHA-256 of the scenario's canonical JSON
        (``model_dump_json(by_alias=True)``): equal scenarios, however written, share it.
    """
    canonical = scenario.model_dump_json(by_alias=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
