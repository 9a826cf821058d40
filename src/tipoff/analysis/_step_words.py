"""Protocol steps and exposure advice in plain words: one place for the CLI, the JSON and the report.

Item names such as ``recipient_address`` are the scenario format's keys; people read "the family's
address". Results keep the keys in their machine-readable fields and use these words in every
sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["ITEM_WORDS", "StepLike", "advice_sentence", "days", "item_words", "names", "step_words"]

ITEM_WORDS = {
    "recipient_identity": "who the family is",
    "recipient_address": "the family's address",
    "schedule": "the day of the hand-over",
    "courier_identity": "who the courier is",
    "sender_identity": "who the sender is",
    "amount": "the amount",
    "meeting_point": "the meeting point",
}
_WHO = {
    "sender": "the sender",
    "relay": "every relay on the path",
    "first_relay": "the first relay",
    "last_relay": "the last relay",
    "courier": "the courier",
    "recipient": "the family",
}
_WHOM = {
    "sender": ("the senders", "them"),
    "relay": ("the relays", "them"),
    "first_relay": ("the first relay", "it"),
    "last_relay": ("the last relay", "it"),
    "courier": ("the couriers", "them"),
    "recipient": ("the families", "them"),
}


def names(ids: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    ids = list(ids)
    if not ids:
        return ""
    return ", ".join(ids[:-1]) + (" and " if len(ids) > 1 else "") + ids[-1]


def item_words(items: Sequence[str]) -> str:
    """Item keys in words: ``("recipient_address", "schedule")`` -> "the family's address and
    the day of the hand-over"."""
    return names([ITEM_WORDS.get(i, i) for i in items])


def days(n: float) -> str:
    return "1 day" if n == 1 else f"{n:g} days"


def _who(name: str) -> str:
    return _WHO.get(name, f"party {name}")


def step_words(source: str, target: str, items: Sequence[str], lead_days: int) -> str:
    """One protocol step in plain words: who tells whom what, and how early.

    Examples
    --------
    >>> step_words("sender", "relay", ["recipient_address", "schedule"], 10)
    "The sender tells every relay on the path the family's address and the day of the hand-over, 10 days before the hand-over."
    """
    when = (
        "on the day of the hand-over"
        if lead_days == 0
        else f"{days(lead_days)} before the hand-over"
    )
    text = f"{_who(source)} tells {_who(target)} {item_words(items)}, {when}."
    return text[0].upper() + text[1:]


class StepLike(Protocol):
    """What :func:`advice_sentence` reads of a step's attribution (a ``StepAttribution``)."""

    @property
    def step(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def items(self) -> tuple[str, ...]: ...
    @property
    def lead_days(self) -> int: ...
    @property
    def attributable(self) -> float: ...
    @property
    def relevant_items(self) -> tuple[str, ...]: ...


def advice_sentence(steps: Sequence[StepLike], total: float, delay_days: int) -> str:
    """What to change first: the step whose removal avoids the most of ``total`` expected
    interceptions, in words (``delay_days``: the operation's relay delay)."""
    if not steps or total <= 0:
        return "No step of the procedure exposes these deliveries under this operation."
    best = max(steps, key=lambda s: s.attributable)
    if best.attributable <= 1e-12:
        return (
            "No single step drives the exposure: the interceptions come from background losses "
            "or from several steps telling the same thing; compare the options for changing the "
            "procedure instead."
        )
    whom, them = _WHOM.get(best.target, (f"party {best.target}", "it"))
    what = item_words(best.relevant_items or best.items)
    said = step_words(best.source, best.target, best.items, best.lead_days).rstrip(".")
    text = (
        f"Tell {whom} less. Dropping step {best.step + 1} ({said[0].lower() + said[1:]}) would "
        f"avoid about {best.attributable:.2f} of the {total:.2f} expected interceptions."
    )
    if delay_days > 0:
        return (
            f"{text} If {whom} must know {what}, tell {them} less than {days(delay_days)} "
            "before the hand-over: too late for a tip to reach the service in time."
        )
    return f"{text} Above all, stop telling {them} {what}."
