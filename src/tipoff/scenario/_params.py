"""Scenario parameters addressed by dotted path: checked against the schema, changed with validation.

One mechanism for every feature that varies a parameter (``Scenario`` values are frozen): the Python
API's ``with_params``, ``tipoff sweep --vary`` and the unknowns of a calibration all name a number of
the scenario by its dotted path as written in YAML (``operation.recruitment.initial``) and go through
:func:`param_info` and :func:`with_params`.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from tipoff.errors import Problem, ScenarioError, UsageError
from tipoff.scenario._schema import Scenario

__all__ = ["ParamInfo", "param_info", "param_paths", "with_params"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamInfo:
    """A numeric scenario parameter: its dotted path, type and the bounds the schema allows."""

    path: str
    kind: type  # int or float
    lower: float  # -inf when unbounded
    upper: float  # +inf when unbounded
    description: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` is within the schema's bounds (inclusive)."""
        return self.lower <= value <= self.upper


def _numeric(annotation: Any) -> type | None:
    """int or float when ``annotation`` is one (or ``X | None``); else None."""
    if annotation in (int, float):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(kinds) == 1 and kinds[0] in (int, float):
            return kinds[0]
    return None


def _submodel(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *typing.get_args(annotation)]
    for c in candidates:
        if isinstance(c, type) and issubclass(c, BaseModel):
            return c
    return None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the name users write (the alias where one is set)."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, f in _fields(model).items():
        path = f"{prefix}{key}"
        sub = _submodel(f.annotation)
        if sub is not None and typing.get_origin(f.annotation) is not list:
            out.extend(_leaves(sub, path + "."))
        elif _numeric(f.annotation) is not None:
            out.append(path)
    return out


def param_paths() -> tuple[str, ...]:
    """Every numeric scenario parameter that can be addressed by a dotted path (not in lists)."""
    return tuple(_leaves(Scenario))


def param_info(path: str, /) -> ParamInfo:
    """The numeric parameter at dotted ``path``, with its type and bounds.

    Raises
    ------
    UsageError
        When ``path`` names no numeric parameter (with the closest valid paths as suggestions).

    Examples
    --------
    >>> info = param_info("operation.recruitment.initial")
    >>> info.kind.__name__, info.lower, info.upper
    ('float', 0.0, 1.0)
    """
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        f = _fields(model).get(part)
        if f is None:
            break
        if i < len(parts) - 1:
            sub = _submodel(f.annotation)
            if sub is None or typing.get_origin(f.annotation) is list:
                break
            model = sub
            continue
        kind = _numeric(f.annotation)
        if kind is None:
            break
        lower, upper = -math.inf, math.inf
        for m in f.metadata:
            bound = getattr(m, "ge", getattr(m, "gt", None))
            if isinstance(m, Ge | Gt) and bound is not None:
                lower = float(bound)
            bound = getattr(m, "le", getattr(m, "lt", None))
            if isinstance(m, Le | Lt) and bound is not None:
                upper = float(bound)
        return ParamInfo(
            path=path, kind=kind, lower=lower, upper=upper, description=f.description or ""
        )
    close = difflib.get_close_matches(path, param_paths(), n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UsageError(f"{path!r} is not a numeric scenario parameter{hint}")


def _set(data: dict[str, Any], parts: list[str], value: float) -> None:
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def with_params(scenario: Scenario, values: Mapping[str, float], /) -> Scenario:
    """A copy of ``scenario`` with the parameters at the dotted paths of ``values`` changed.

    The copy is validated like a loaded file (bounds, cross-field rules), unlike
    ``model_copy(update=...)``, so a share of 5.0 is refused rather than simulated.

    Raises
    ------
    UsageError
        When a path names no numeric parameter.
    ScenarioError
        When a value breaks the schema: one problem per value, with its path.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> s = with_params(load_preset("classroom"), {"operation.recruitment.initial": 0.2})
    >>> s.operation.recruitment.initial
    0.2
    """
    infos = {path: param_info(path) for path in values}
    data = scenario.model_dump(by_alias=True, mode="python", exclude_unset=False)
    for path, value in values.items():
        info = infos[path]
        if info.kind is int and float(value).is_integer():
            value = int(value)
        _set(data, path.split("."), value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                source=scenario.name,
                path=".".join(str(p) for p in e["loc"]),
                message=e["msg"],
            )
            for e in exc.errors()
        ]
        raise ScenarioError(problems) from None
