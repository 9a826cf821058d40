"""What a sweep varies: ``PATH=SPEC`` texts checked against the schema, one problem per line.

A SPEC is one of

- a list of values, ``0.02,0.05,0.1`` (one value is a list of one);
- a range with a number of steps, ``START:STOP:N``: ``N`` evenly spaced values from ``START`` to
  ``STOP``, both ends included (``0.02:0.4:10`` is 0.02, 0.0622..., ..., 0.4), like
  ``numpy.linspace``, each rounded to 15 significant digits (``0:1:11`` gives 0.3, not
  0.30000000000000004);
- a distribution, ``uniform(LOW,HIGH)``, ``loguniform(LOW,HIGH)`` or ``beta(A,B)``
  (:func:`tipoff.scenario.parse_distribution`).

Integer parameters take integer values: a list must hold integers; a range's and a distribution's
values are rounded to the nearest integer (a range's repeats dropped).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.errors import UsageError
from tipoff.scenario import Beta, LogUniform, ParamInfo, Uniform, param_info, parse_distribution

__all__ = ["MAX_LEVELS", "Axis", "parse_axes", "parse_axis"]

#: The most values one ``--vary`` may list or a range may make.
MAX_LEVELS = 100_000
_RANGE = re.compile(r"\s*([^:]+):([^:]+):([^:]+)\s*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Axis:
    """One varied parameter: its dotted path, and either levels (list, range) or a distribution."""

    path: str
    spec: str
    info: ParamInfo
    levels: tuple[float, ...] | None = None
    dist: Uniform | LogUniform | Beta | None = None

    @property
    def is_integer(self) -> bool:
        return self.info.kind is int

    def at(self, u: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Values for coordinates ``u`` in [0, 1]: the distribution's quantiles, or the level
        whose share of [0, 1] ``u`` falls in (levels split [0, 1] into equal parts)."""
        q = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.levels is not None:
            n = len(self.levels)
            idx = np.minimum((q * n).astype(np.int64), n - 1)
            return np.asarray(self.levels, dtype=float)[idx]
        if self.dist is None:  # pragma: no cover - parse_axis sets one of the two
            raise ValueError(f"axis {self.path} has neither levels nor a distribution")
        x = self.dist.ppf(q)
        return np.rint(x) if self.is_integer else x


def _number(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError
    return v


def _levels(path: str, spec: str, info: ParamInfo) -> tuple[float, ...]:
    m = _RANGE.fullmatch(spec)
    if m is not None:
        try:
            start, stop = _number(m.group(1)), _number(m.group(2))
        except ValueError:
            raise ValueError(
                "a range is START:STOP:N with numbers START and STOP (e.g. 0.02:0.4:10)"
            ) from None
        try:
            n = int(m.group(3))
        except ValueError:
            raise ValueError(
                f"the range's step count {m.group(3).strip()!r} must be a whole number "
                "(START:STOP:N gives N values from START to STOP)"
            ) from None
        if not 1 <= n <= MAX_LEVELS:
            raise ValueError(f"the range's step count must be from 1 to {MAX_LEVELS:,}")
        if n == 1 and start != stop:
            raise ValueError("a range of 1 step needs START equal to STOP (or give one value)")
        values = np.linspace(start, stop, n)
        if info.kind is int:
            values = np.rint(values)
        # 15 significant digits: 0:1:11 makes 0.3, not linspace's 0.30000000000000004, so the
        # value simulated is the one a table shows and a CSV file holds
        return tuple(dict.fromkeys(float(f"{v:.15g}") for v in values))
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) > MAX_LEVELS:
        raise ValueError(f"at most {MAX_LEVELS:,} values")
    try:
        values_ = [_number(p) for p in parts]
    except ValueError:
        raise ValueError(
            "expected a list (0.02,0.05,0.1), a range START:STOP:N (0.02:0.4:10) or a "
            "distribution (uniform(0.02,0.4), loguniform(...), beta(...))"
        ) from None
    if info.kind is int and not all(v.is_integer() for v in values_):
        raise ValueError(f"{path} is a whole number: list whole numbers")
    if len(set(values_)) != len(values_):
        raise ValueError("a value is listed twice")
    return tuple(values_)


def _check_bounds(info: ParamInfo, lo: float, hi: float) -> None:
    if lo < info.lower:
        raise ValueError(f"{lo:g} is below the smallest allowed value {info.lower:g}")
    if hi > info.upper:
        raise ValueError(f"{hi:g} is above the largest allowed value {info.upper:g}")


def parse_axis(text: str, /) -> Axis:
    """An :class:`Axis` from ``PATH=SPEC``.

    Raises
    ------
    UsageError
        One line: the text, and what is wrong with it (with the closest valid paths when the
        path is unknown). It names the parameter as ``vary`` (the CLI: ``--vary``).

    Examples
    --------
    >>> parse_axis("operation.recruitment.initial=0.02:0.4:3").levels
    (0.02, 0.21, 0.4)
    """
    shown = UsageError.quote(text if len(text) <= 120 else text[:117] + "...")
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise UsageError(
            "{vary} " + shown + ": expected PATH=SPEC, e.g. operation.tracing=0.1,0.2",
            params=["vary"],
        )
    try:
        info = param_info(path)
    except UsageError as exc:
        raise UsageError(
            "{vary} " + shown + ": " + UsageError.quote(str(exc)), params=["vary"]
        ) from None
    try:
        if "(" in spec:
            dist = parse_distribution(spec)
            _check_bounds(info, *dist.bounds)
            return Axis(path=path, spec=spec, info=info, dist=dist)
        levels = _levels(path, spec, info)
        _check_bounds(info, min(levels), max(levels))
    except ValueError as exc:
        raise UsageError(
            "{vary} " + shown + ": " + UsageError.quote(str(exc)), params=["vary"]
        ) from None
    return Axis(path=path, spec=spec, info=info, levels=levels)


def parse_axes(texts: Sequence[str], /) -> tuple[Axis, ...]:
    """Every ``PATH=SPEC``, checked all at once.

    Raises
    ------
    UsageError
        One line per bad ``--vary`` (and per path given twice), all in one message.
    """
    if not texts:
        raise UsageError(
            "nothing to vary: give {vary} one PATH=SPEC or more (e.g. operation.tracing=0:0.5:6)",
            params=["vary"],
        )
    axes: list[Axis] = []
    problems: list[str] = []
    seen: set[str] = set()
    for text in texts:
        try:
            axis = parse_axis(text)
        except UsageError as exc:
            problems.append(exc.template)
            continue
        if axis.path in seen:
            problems.append("{vary} " + axis.path + ": given twice (give each parameter once)")
            continue
        seen.add(axis.path)
        axes.append(axis)
    if problems:
        raise UsageError("\n".join(problems), params=["vary"])
    return tuple(axes)
