"""Counts by place and day that a caller asks the season engine for (calibration's observations).

A :class:`Tallies` lists ``k`` counts; the engine adds to count ``j`` of a run every event of kind
``TALLY_KINDS[kind[j]]`` on days ``first_day[j]..last_day[j]`` at a place where ``places[j]`` is
True. Where an event happens: a courier arrest at a hand-over happens at the recipient's home town
(a meeting-point hand-over too: the meeting point is in that town), a courier arrested later
(identity, background, sweep) at the courier's home town; a family arrest, an interception and the
money lost at the recipient's home town. With ``by_home[j]`` the event counts at the arrested
person's home town instead: the courier's for courier arrests, the recipient's for the others.
An event whose town is unknown (no ``home`` given) counts nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff.errors import UsageError

__all__ = [
    "TALLY_COURIER_ARRESTS",
    "TALLY_FAMILY_ARRESTS",
    "TALLY_INTERCEPTIONS",
    "TALLY_KINDS",
    "TALLY_MONEY_LOST",
    "Tallies",
    "check_tallies",
    "no_tallies",
]

#: Kinds of event a tally counts, in the order of ``Tallies.kind``'s codes.
TALLY_KINDS = ("courier_arrests", "family_arrests", "interceptions", "money_lost")
TALLY_COURIER_ARRESTS, TALLY_FAMILY_ARRESTS, TALLY_INTERCEPTIONS, TALLY_MONEY_LOST = range(4)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tallies:
    """Per-run counts the caller asks for: tally j counts events of kind TALLY_KINDS[kind[j]]
    on days first_day[j]..last_day[j] (inclusive, 0-based) at places where places[j, p] is True
    (p indexes model.place_names), placed by where the event happened (by_home[j] False) or by the
    arrested person's home town (by_home[j] True).

    ``money_lost`` counts the amount (integer units), the other kinds count events.

    Examples
    --------
    >>> import numpy as np
    >>> t = Tallies(
    ...     kind=np.array([0], np.int8),
    ...     by_home=np.array([False]),
    ...     places=np.ones((1, 3), bool),
    ...     first_day=np.array([0], np.int32),
    ...     last_day=np.array([29], np.int32),
    ... )
    >>> t.size
    1
    """

    kind: npt.NDArray[np.int8]  # (k,)
    by_home: npt.NDArray[np.bool_]  # (k,)
    places: npt.NDArray[np.bool_]  # (k, n_places)
    first_day: npt.NDArray[np.int32]  # (k,)
    last_day: npt.NDArray[np.int32]  # (k,)

    @property
    def size(self) -> int:
        """Number of tallies ``k``."""
        return int(np.asarray(self.kind).shape[0])


def no_tallies(n_places: int) -> Tallies:
    """An empty request (k = 0)."""
    return Tallies(
        kind=np.zeros(0, np.int8),
        by_home=np.zeros(0, np.bool_),
        places=np.zeros((0, n_places), np.bool_),
        first_day=np.zeros(0, np.int32),
        last_day=np.zeros(0, np.int32),
    )


def check_tallies(tallies: Tallies | None, n_places: int, horizon_days: int) -> Tallies:
    """``tallies`` as the engine reads them (contiguous, fixed dtypes), or a usage error naming
    every problem; None gives the empty request."""
    if tallies is None:
        return no_tallies(n_places)
    if not isinstance(tallies, Tallies):
        raise UsageError(f"tallies must be a Tallies, got {type(tallies).__name__}")
    kind = np.asarray(tallies.kind)
    by_home = np.asarray(tallies.by_home)
    places = np.asarray(tallies.places)
    first = np.asarray(tallies.first_day)
    last = np.asarray(tallies.last_day)
    problems: list[str] = []
    arrays: tuple[tuple[str, npt.NDArray[Any]], ...]
    if kind.ndim != 1:
        problems.append(f"tallies.kind must be one-dimensional, got shape {kind.shape}")
    k = kind.shape[0] if kind.ndim == 1 else -1
    arrays = (("by_home", by_home), ("first_day", first), ("last_day", last))
    for name, a in arrays:
        if a.shape != (k,):
            problems.append(f"tallies.{name} must have shape ({k},), got {a.shape}")
    if places.shape != (k, n_places):
        problems.append(
            f"tallies.places must have shape ({k}, {n_places}) (one column per place of the "
            f"model), got {places.shape}"
        )
    arrays = (("kind", kind), ("first_day", first), ("last_day", last))
    for name, b in arrays:
        if b.size and not np.issubdtype(b.dtype, np.integer):
            problems.append(f"tallies.{name} must hold integers, got {b.dtype}")
    if not problems and k > 0:
        bad = np.flatnonzero((kind < 0) | (kind >= len(TALLY_KINDS)))
        if bad.size:
            problems.append(
                f"tallies.kind[{bad[0]}] is {kind[bad[0]]}: must be 0..{len(TALLY_KINDS) - 1} "
                f"({', '.join(TALLY_KINDS)})"
            )
        bad = np.flatnonzero((first < 0) | (last >= horizon_days) | (first > last))
        if bad.size:
            j = bad[0]
            problems.append(
                f"tallies day window {j} is {first[j]}..{last[j]}: must lie in "
                f"0..{horizon_days - 1} with first_day <= last_day"
            )
    if problems:
        raise UsageError("; ".join(problems))
    return Tallies(
        kind=np.ascontiguousarray(kind, dtype=np.int8),
        by_home=np.ascontiguousarray(by_home, dtype=np.bool_),
        places=np.ascontiguousarray(places, dtype=np.bool_).reshape(k, n_places),
        first_day=np.ascontiguousarray(first, dtype=np.int32),
        last_day=np.ascontiguousarray(last, dtype=np.int32),
    )
