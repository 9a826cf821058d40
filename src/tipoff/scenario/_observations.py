"""Observations files: what was reported about an operation, and which of its parameters are unknown.

An observations file is YAML, read with the scenario loader's machinery (file guards, the event pass
with the privacy guard, round-trip positions, every problem at once at ``file:line:col``) and
validated by the pydantic models below. It names

- ``unknowns``: scenario parameters by dotted path (checked with :func:`param_info`), and reporting
  probabilities (``reporting.NAME``), each with a prior (:data:`Distribution`);
- ``groups``: named groups of towns (``border: [Hoeryong, Musan, Onsong]``);
- ``observations``: reported counts of arrests (couriers, family members or both), interceptions or
  money lost, by place, placed by where the event happened or by the person's home town, over a
  window of days, with the relation reported (``"> 10"``, ``">= 3"``, ``"== 3"``, ``"<= 2"``,
  ``"3..5"``), the reporting probability and the coverage share, and the source as text.

The observation model these fields feed is described in ``docs/calibration.md`` and implemented in
``tipoff.analysis.calibration``.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tipoff._textfile import read_text
from tipoff.errors import Problem, ScenarioError, UsageError
from tipoff.scenario._distributions import Distribution
from tipoff.scenario._load import (
    MAX_FILE_BYTES,
    _clean_loc,
    _Found,
    _is_key_problem,
    _redact,
    _scan_events,
)
from tipoff.scenario._params import param_info
from tipoff.scenario._schema import Scenario

__all__ = [
    "COUNT_KINDS",
    "Observation",
    "Observations",
    "Relation",
    "list_observation_presets",
    "load_observations",
    "observations_digest",
    "observations_json_schema",
    "observations_preset_text",
    "parse_observations",
    "parse_relation",
    "resolve_observations",
    "scenario_towns",
]

#: What an observation counts.
COUNT_KINDS = ("arrests", "interceptions", "money_lost")
#: Prefix of reporting-probability unknowns (``reporting.NAME``).
REPORTING = "reporting."
_PRESET_SUFFIX = ".observations.yaml"
_KEY = "[key]"  # a problem loc's last part when the problem is with the key, not its value
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$")
_RELATION = re.compile(r"^\s*(==|>=|>|<=|<)\s*(\d{1,12})\s*$")
_RANGE = re.compile(r"^\s*(\d{1,12})\s*\.\.\s*(\d{1,12})\s*$")

Name = Annotated[
    str,
    Field(
        pattern=_NAME.pattern,
        description="A short name: a letter, then letters, digits, '_' or '-' (at most 40).",
    ),
]
Town = Annotated[
    str,
    Field(
        min_length=1,
        max_length=60,
        pattern=r"^[^\d\n]+$",
        description="A town or county, or the name of a group of towns.",
    ),
]


class Relation(BaseModel):
    """What was reported about a count: it lies in ``low..high`` (inclusive; ``high`` None: no end)."""

    model_config = ConfigDict(frozen=True)

    low: int = Field(ge=0)
    high: int | None = None
    text: str

    def contains(self, n: int) -> bool:
        """Whether the count ``n`` satisfies the relation."""
        return self.low <= n and (self.high is None or n <= self.high)


def parse_relation(value: object, /) -> Relation:
    """A relation from what a file says: ``"> 10"``, ``">= 3"``, ``"== 3"``, ``"<= 2"``, ``"< 2"``,
    ``"3..5"``, or a plain count (``3``, meaning exactly 3).

    Raises
    ------
    ValueError
        With one sentence when the text is none of these, or the relation holds for no count.

    Examples
    --------
    >>> parse_relation("> 10").low
    11
    >>> parse_relation("3..5").high
    5
    """
    if isinstance(value, bool):
        raise ValueError("a count relation is a number or text such as '> 10' or '3..5'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a reported count cannot be negative")
        return Relation(low=value, high=value, text=f"== {value}")
    if not isinstance(value, str):
        raise ValueError("a count relation is a number or text such as '> 10' or '3..5'")
    if (m := _RANGE.match(value)) is not None:
        a, b = int(m.group(1)), int(m.group(2))
        if a > b:
            raise ValueError(f"the range {a}..{b} is empty (the first number must not be larger)")
        return Relation(low=a, high=b, text=f"{a}..{b}")
    if (m := _RELATION.match(value)) is None:
        raise ValueError(
            "a count relation is '== N', '>= N', '> N', '<= N', '< N', 'A..B' or a plain count"
        )
    op, n = m.group(1), int(m.group(2))
    low, high = {
        "==": (n, n),
        ">=": (n, None),
        ">": (n + 1, None),
        "<=": (0, n),
        "<": (0, n - 1),
    }[op]
    if high is not None and high < 0:
        raise ValueError("'< 0' holds for no count")
    return Relation(low=low, high=high, text=f"{op} {n}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Observation(_Strict):
    """One reported count, with how it was reported."""

    id: Name = Field(description="A short name for this observation, used in outputs.")
    source: str = Field(
        min_length=1,
        max_length=4000,
        description="Where the number comes from, as text (publication, date, the words quoted).",
    )
    count: Literal["arrests", "interceptions", "money_lost"] = Field(
        description="What is counted: arrests, interceptions (deliveries lost), or money lost "
        "(integer currency units)."
    )
    roles: Literal["couriers", "family", "both"] | None = Field(
        default=None,
        description="For arrests: couriers, family members, or both. Not used for other counts.",
    )
    places: Town | list[Town] = Field(
        description="A town, a group name from `groups`, or a list of them."
    )
    placed_by: Literal["where", "home"] = Field(
        description="Count an event at the town where it happened, or at the home town of the "
        "person arrested (couriers: the courier's home; families, interceptions and losses: the "
        "family's home). Reports use both readings: say which one the source means."
    )
    days: tuple[int, int] | None = Field(
        default=None,
        description="First and last day counted (inclusive, day 0 is the season's first day). "
        "Default: the whole season.",
    )
    reported: int | str = Field(
        description="The relation reported: '== N', '>= N', '> N', '<= N', '< N', 'A..B', or N."
    )
    reporting: float | str = Field(
        default=1.0,
        description="Probability that each true event is known to the source: a number in (0, 1], "
        "or the name of an unknown `reporting.NAME` declared in `unknowns`.",
    )
    coverage: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="Share of the reported population's traffic that the scenario covers: the "
        "reported population is 1/coverage independent copies of the scenario (see the docs).",
    )

    @field_validator("reported")
    @classmethod
    def _relation(cls, v: int | str) -> int | str:
        parse_relation(v)
        return v

    @field_validator("reporting")
    @classmethod
    def _reporting(cls, v: float | str) -> float | str:
        if isinstance(v, str):
            if not _NAME.match(v):
                raise ValueError("a reporting name is a letter, then letters, digits, '_' or '-'")
        elif not (0.0 < v <= 1.0):
            raise ValueError("a reporting probability must be in (0, 1]")
        return v

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not (0 <= v[0] <= v[1]):
            raise ValueError("days are [first, last] with 0 <= first <= last")
        return v

    @property
    def relation(self) -> Relation:
        """The parsed ``reported`` relation."""
        return parse_relation(self.reported)

    @property
    def place_list(self) -> tuple[str, ...]:
        """The places as written (towns or group names)."""
        return (self.places,) if isinstance(self.places, str) else tuple(self.places)

    @property
    def slices(self) -> float:
        """How many independent copies of the scenario the reported population holds (1/coverage)."""
        return 1.0 / self.coverage


class Observations(_Strict):
    """An observations file: the unknowns with their priors, and what was reported."""

    scenario: str | None = Field(
        default=None,
        max_length=200,
        description="The scenario these observations are about (a preset name or a file), "
        "for the reader; tipoff calibrate takes the scenario as its own argument.",
    )
    description: str = Field(default="", max_length=20_000)
    unknowns: dict[str, Distribution] = Field(
        min_length=1,
        description="Dotted scenario parameter paths (operation.recruitment.initial) or "
        "reporting.NAME, each with its prior: {dist: uniform|loguniform|beta, ...}.",
    )
    groups: dict[Name, list[Town]] = Field(
        default_factory=dict, description="Named groups of towns, usable in `places`."
    )
    observations: list[Observation] = Field(min_length=1, max_length=200)

    def reporting_names(self) -> tuple[str, ...]:
        """Names of the unknown reporting probabilities, in file order."""
        return tuple(k[len(REPORTING) :] for k in self.unknowns if k.startswith(REPORTING))

    def parameter_paths(self) -> tuple[str, ...]:
        """Dotted paths of the unknown scenario parameters, in file order."""
        return tuple(k for k in self.unknowns if not k.startswith(REPORTING))

    def towns(self, observation: Observation, /) -> tuple[str, ...]:
        """The towns an observation counts, groups expanded, in first-seen order."""
        out: list[str] = []
        for p in observation.place_list:
            for town in self.groups.get(p, [p]):
                if town not in out:
                    out.append(town)
        return tuple(out)


# ---------------------------------------------------------------------------------- problems --


def _semantic_problems(
    obs: Observations, scenario: Scenario | None
) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references: parameter paths, prior supports, reporting names, groups, towns, days.

    A problem with an unknown's name (its dotted path, the key) is at ``(*loc, "[key]")``.
    """
    found: list[tuple[tuple[Any, ...], str]] = []
    for path, prior in obs.unknowns.items():
        loc: tuple[Any, ...] = ("unknowns", path)
        if path.startswith(REPORTING):
            name = path[len(REPORTING) :]
            if not _NAME.match(name):
                found.append(((*loc, _KEY), "a reporting unknown is reporting.NAME (a short name)"))
            lo, hi = prior.bounds
            if lo < 0.0 or hi > 1.0:
                found.append((loc, "the prior of a reporting probability must lie within [0, 1]"))
            continue
        try:
            info = param_info(path)
        except UsageError as exc:
            found.append(((*loc, _KEY), str(exc)))
            continue
        if info.kind is not float:
            found.append(
                ((*loc, _KEY), "only real-valued parameters can be unknowns (this one is whole)")
            )
            continue
        lo, hi = prior.bounds
        if lo < info.lower or hi > info.upper:
            found.append(
                (
                    loc,
                    f"the prior's support [{lo:g}, {hi:g}] goes beyond the parameter's "
                    f"range [{info.lower:g}, {info.upper:g}]",
                )
            )
    names = set(obs.reporting_names())
    towns = scenario_towns(scenario) if scenario is not None else None
    ids: set[str] = set()
    for group, members in obs.groups.items():
        for j, town in enumerate(members):
            if towns is not None and town not in towns:
                found.append((("groups", group, j), _no_town(town, towns)))
    for i, o in enumerate(obs.observations):
        loc = ("observations", i)
        if o.id in ids:
            found.append(((*loc, "id"), "another observation has this id"))
        ids.add(o.id)
        if o.count == "arrests" and o.roles is None:
            found.append(((*loc, "roles"), "arrests need roles: couriers, family or both"))
        if o.count != "arrests" and o.roles is not None:
            found.append(((*loc, "roles"), f"roles apply to arrests only, not to {o.count}"))
        if isinstance(o.reporting, str) and o.reporting not in names:
            found.append(
                (
                    (*loc, "reporting"),
                    f"no unknown reporting.{o.reporting} is declared in unknowns",
                )
            )
        if o.count == "money_lost" and o.reporting != 1.0:
            found.append(
                (
                    (*loc, "reporting"),
                    "money lost is compared as a total: its reporting probability must be 1",
                )
            )
        for j, p in enumerate(o.place_list):
            at = (*loc, "places") if isinstance(o.places, str) else (*loc, "places", j)
            if p in obs.groups:
                continue
            if towns is not None and p not in towns:
                found.append((at, _no_town(p, towns)))
        if scenario is not None and o.days is not None and o.days[1] >= scenario.horizon_days:
            found.append(
                (
                    (*loc, "days"),
                    f"the last day {o.days[1]} is beyond the season "
                    f"(days 0..{scenario.horizon_days - 1})",
                )
            )
    used = {o.reporting for o in obs.observations if isinstance(o.reporting, str)}
    for name in names - used:
        found.append((("unknowns", REPORTING + name), "no observation uses this reporting name"))
    return found


def _no_town(town: str, towns: tuple[str, ...]) -> str:
    shown = ", ".join(towns[:12]) + (", ..." if len(towns) > 12 else "")
    return f"'{town}' is neither a group nor a town of the scenario (towns: {shown})"


def scenario_towns(scenario: Scenario, /) -> tuple[str, ...]:
    """The towns a scenario names (parties' and generated parties' homes), sorted."""
    towns: set[str] = {p.home for p in scenario.parties if p.home}
    gen = scenario.generate
    if gen.recipients is not None:
        towns.update(gen.recipients.homes)
    if gen.couriers is not None:
        towns.update(gen.couriers.homes)
    return tuple(sorted(towns))


# ----------------------------------------------------------------------------------- loading --


def parse_observations(
    text: str, /, *, source: str = "<string>", scenario: Scenario | None = None
) -> Observations:
    """Parse and validate an observations file from YAML text.

    Parameters
    ----------
    text
        The YAML document.
    source
        What to call the text in problem positions.
    scenario
        When given, towns and days are also checked against it.

    Returns
    -------
    Observations
        The validated observations.

    Raises
    ------
    ScenarioError
        With every problem found, each at ``file:line:col``.
    PrivacyError
        When any value looks like a phone number, e-mail or street address.
    """
    text = text.removeprefix("\ufeff")
    found = _Found(source, text)
    scan = _scan_events(text, found)  # YAML, sizes and the privacy guard, as for scenarios
    if scan is None:
        raise found.error()
    doc = scan.document(found)
    if doc is None:
        raise found.error()
    obs: Observations | None = None
    try:
        obs = Observations.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False, include_context=False):
            message = err["msg"].removeprefix("Value error, ")
            loc = _clean_loc(doc, tuple(err["loc"]))
            if loc not in scan.refused:  # a value refused by the guard says so once
                found.at(scan, loc, message, doc=doc, key=_is_key_problem(err))
    if obs is not None:
        for loc, message in _semantic_problems(obs, scenario):
            key = loc[-1:] == (_KEY,)
            loc = loc[:-1] if key else loc
            found.at(scan, loc, _redact(message), doc=doc, key=key)
    if obs is None or found.problems:
        raise found.error()
    return obs


def load_observations(
    source: str | os.PathLike[str], /, *, scenario: Scenario | None = None
) -> Observations:
    """Read and validate an observations file (see :func:`parse_observations`)."""
    name = os.fspath(source)
    text = read_text(name, limit=MAX_FILE_BYTES, what="observations file", error=ScenarioError)
    return parse_observations(text, source=name, scenario=scenario)


def list_observation_presets() -> list[str]:
    """Names of the built-in observations files (each named after the scenario it pairs with)."""
    folder = resources.files("tipoff.scenario").joinpath("presets")
    if not folder.is_dir():
        return []
    return sorted(
        e.name.removesuffix(_PRESET_SUFFIX)
        for e in folder.iterdir()
        if e.is_file() and e.name.endswith(_PRESET_SUFFIX)
    )


def observations_preset_text(name: str, /) -> str:
    """The YAML text of a built-in observations file.

    Raises
    ------
    ScenarioError
        When there is none of that name.
    """
    if _NAME.match(name) and name in list_observation_presets():
        folder = resources.files("tipoff.scenario").joinpath("presets")
        return folder.joinpath(name + _PRESET_SUFFIX).read_text(encoding="utf-8")
    have = ", ".join(list_observation_presets()) or "none installed"
    raise ScenarioError(
        Problem(source=f"observations:{name}", message=f"no such observations preset ({have})")
    )


def resolve_observations(arg: str, /, *, scenario: Scenario | None = None) -> Observations:
    """Observations named on the command line: a file path, or else a built-in name."""
    looks_like_path = "/" in arg or os.sep in arg or arg.lower().endswith((".yaml", ".yml"))
    if looks_like_path or Path(arg).exists():
        return load_observations(arg, scenario=scenario)
    return parse_observations(
        observations_preset_text(arg), source=f"observations:{arg}", scenario=scenario
    )


def observations_digest(observations: Observations, /) -> str:
    """First 16 hex digits of the SHA-256 of the observations' canonical JSON (for provenance)."""
    canonical = observations.model_dump_json()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def observations_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of observations files, for editor completion."""
    schema = Observations.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "tipoff observations",
        "description": (
            "What was reported about an operation (counts with their sources) and which scenario "
            "parameters are unknown, with priors; read by `tipoff calibrate`."
        ),
    }
