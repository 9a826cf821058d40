"""Load scenario files: YAML in, a validated :class:`Scenario` out, every problem at ``file:line:col``.

The steps, every problem of a file reported together:

1. file guards (missing, a directory, too large, unreadable, not UTF-8): :mod:`tipoff._textfile`;
2. one pass over the YAML *events* (``yaml.parse``) that builds the plain data and records where
   every key and item is: syntax errors, alias bombs (too many aliases, or too many values once
   aliases are expanded), nesting depth, size limits (values, list lengths, scalar length),
   duplicate keys, custom tags, and the privacy guard over every scalar (keys and values);
3. pydantic validation of the data, with "did you mean" for unknown keys and a hint for
   probabilities written as percentages;
4. cross-references (:func:`~tipoff.scenario._network.reference_problems`) on every part that
   validated, even when others did not.

Every check is linear in the size of the file, and the limits below bound the file, so any file
is accepted or refused in well under two seconds.

Messages never echo input values (pydantic errors are taken without their input); party ids in
reference messages are pseudonyms, and any that look like personal data are redacted.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import types
import typing
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from tipoff._textfile import LineIndex, Problems, read_text, split_lines
from tipoff.errors import PrivacyError, ScenarioError
from tipoff.scenario._network import MAX_PARTIES, expand, reference_problems
from tipoff.scenario._partial import partial_scenario
from tipoff.scenario._privacy import privacy_problem, scanned
from tipoff.scenario._schema import Scenario

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_ITEMS",
    "MAX_LINES",
    "MAX_SCALAR_CHARS",
    "MAX_STEPS",
    "MAX_VALUES",
    "load_scenario",
    "parse_scenario",
    "position",
]

#: Largest scenario file (use ``generate`` for large networks).
MAX_FILE_BYTES = 256 * 1024
#: Most lines in a scenario file (counted before the YAML parser runs).
MAX_LINES = 20_000
MAX_ALIASES = 100
MAX_DEPTH = 50
#: Scalars and collections once aliases are expanded (an alias bomb's 9^7 leaves hit this).
MAX_VALUES = 50_000
#: Items of any one list or mapping: listed parties, explicit deliveries, a link table ...
MAX_ITEMS = 2_000
#: Steps of the protocol, and countermeasures defined in the file.
MAX_STEPS = 200
#: Characters of any one value (descriptions are shorter still); longer ones are not read.
MAX_SCALAR_CHARS = 4_000
#: Problems shown at one position (a generator of 10 000 relays may have 10 000 alike).
MAX_PROBLEMS_PER_PLACE = 5
#: Problems shown in all; the rest are counted.
MAX_PROBLEMS = 500

Loc = tuple[Any, ...]
_PLAIN_TAGS = frozenset(
    {
        "!",
        *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")),
    }
)
_SHORT_LISTS = {("protocol",): MAX_STEPS, ("countermeasures",): MAX_STEPS}


# --------------------------------------------------------------------------------------- file --


def load_scenario(source: str | os.PathLike[str], /) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    source
        Path of a YAML scenario file (UTF-8, at most ``MAX_FILE_BYTES``).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With every problem found, each at ``file:line:col`` (no position for the whole file).
    PrivacyError
        When any value looks like a phone number, e-mail or street address.
    """
    name = os.fspath(source)
    text = read_text(name, limit=MAX_FILE_BYTES, what="a scenario file", error=ScenarioError)
    return parse_scenario(text, source=name)


def _too_big(size: int) -> str:
    return f"is {size} bytes, larger than the limit of {MAX_FILE_BYTES} bytes for a scenario file"


# ------------------------------------------------------------------------------------- parse --


def parse_scenario(text: str, /, *, source: str = "<string>") -> Scenario:
    """Parse and validate a scenario from YAML text.

    Parameters
    ----------
    text
        The YAML document.
    source
        What to call the text in problem positions (a file name, ``preset:NAME``, ...).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With every problem found, sorted by position.
    PrivacyError
        When any value looks like a phone number, e-mail or street address (carrying the other
        problems too).

    Examples
    --------
    >>> parse_scenario("name: x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tipoff.errors.ScenarioError: <string>:1:1: horizon_days: Field required
    ...
    """
    text = text.removeprefix("\ufeff")
    found = _Found(source, text)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        found.problems.add(0, 0, _too_big(size))
        raise found.error()
    lines = len(split_lines(text))
    if lines > MAX_LINES:
        found.problems.add(
            MAX_LINES + 1, 1, f"more than {MAX_LINES} lines (use generate: for large networks)"
        )
        raise found.error()
    scan = _scan_events(text, found)
    if scan is None:
        raise found.error()
    doc = scan.document(found)
    if doc is None:
        raise found.error()
    scenario: Scenario | None = None
    try:
        with scanned():  # every string went through privacy_problem in the scan
            scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_context=True):
            loc = _clean_loc(doc, tuple(err["loc"]))
            if loc not in scan.refused:  # a value not read says so once, not twice
                found.at(scan, loc, _message(err, loc), doc=doc, key=_is_key_problem(err))
    for loc, message in _reference_problems(scenario, doc):
        found.at(scan, loc, _redact(message), doc=doc)
    if scenario is None or found.problems:
        raise found.error()
    return scenario


class _Found:
    """The problems of one file (a :class:`~tipoff._textfile.Problems`) and its line index."""

    def __init__(self, source: str, text: str) -> None:
        self.problems = Problems(
            source, limit=MAX_PROBLEMS, per_place=MAX_PROBLEMS_PER_PLACE, ordered=True
        )
        self.index = LineIndex(text)

    def add(
        self,
        offset: int,
        loc: Loc,
        message: str,
        *,
        privacy: bool = False,
        doc: object = None,
    ) -> None:
        """A problem at a character offset of the text (a YAML parser mark's ``index``)."""
        line, col = self.index.position(offset)
        self.problems.add(line, col, message, path=_format_loc(loc, doc), privacy=privacy)

    def at(self, scan: _Scan, loc: Loc, message: str, *, doc: object, key: bool = False) -> None:
        """A problem at ``loc``: at its value, or at its key when ``key`` (see ``_Scan.position``)."""
        self.add(scan.position(loc, key=key), loc, message, doc=doc)

    def error(self) -> ScenarioError:
        cls = PrivacyError if self.problems.privacy else ScenarioError
        err = self.problems.error(cls)
        assert isinstance(err, ScenarioError)
        return err


def _reference_problems(scenario: Scenario | None, doc: object) -> list[tuple[Loc, str]]:
    """Cross-reference problems of a valid scenario, or of the parts of one that validated."""
    if scenario is None:
        partial = partial_scenario(doc)
        if partial is None:
            return []
        scenario, gaps = partial
    else:
        gaps = None
    gen = scenario.generate
    listed_senders = sum(1 for p in scenario.parties if p is not None and p.role == "sender")
    n_senders = listed_senders + (gen.senders.count if gen.senders else 0)
    n = len(scenario.parties) + n_senders * (gen.recipients.per_sender if gen.recipients else 0)
    n += sum(g.count for g in (gen.senders, gen.relays, gen.couriers) if g is not None)
    if n > MAX_PARTIES:
        # checked before expanding, which would otherwise build every one of them
        return [(("generate",), f"the network would hold {n} parties, more than {MAX_PARTIES}")]
    return reference_problems(scenario, expand(scenario), gaps=gaps)


# ---------------------------------------------------------------------------------- messages --


def _message(err: Any, loc: Loc) -> str:
    """pydantic's words, with a hint for a percentage and "did you mean" for an unknown key.

    The input value itself is never shown.
    """
    msg = str(err["msg"])
    kind = err.get("type")
    value = err.get("input")
    if kind == "extra_forbidden" and loc:
        allowed = _allowed_keys(loc[:-1])
        key = str(loc[-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) if allowed else []
        if close:
            return f"{msg} (unknown key; did you mean '{close[0]}'?)"
        if allowed and len(allowed) <= 12:
            return f"{msg} (unknown key; the keys here are: {', '.join(allowed)})"
        return f"{msg} (unknown key)"
    ctx = err.get("ctx") or {}
    if (
        kind == "less_than_equal"
        and ctx.get("le") == 1
        and _is_number(value)
        and 1 < value <= 100
        and float(value).is_integer()
    ):
        return (
            f"{msg}: a probability is a share between 0 and 1; did you mean "
            f"{value / 100:g} (for {value:g}%)?"
        )
    if kind in ("float_parsing", "int_parsing") and isinstance(value, str):
        bare = value.strip()
        if bare.endswith("%") and _is_number(_number(bare[:-1])):
            share = _number(bare[:-1])
            assert share is not None
            return f"{msg}: write a share between 0 and 1, not a percentage (did you mean {share / 100:g}?)"
    return msg


#: pydantic error types that are about a key (placed at the key), not about a value.
_KEY_PROBLEMS = frozenset({"missing", "extra_forbidden"})


def _is_key_problem(err: Any) -> bool:
    """Whether a pydantic error is about a key (unknown or missing) rather than its value."""
    return err.get("type") in _KEY_PROBLEMS


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _number(text: str) -> float | None:
    try:
        return float(text) if len(text) < 30 else None
    except ValueError:
        return None


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys the schema allows at ``loc`` (a mapping), aliases as users write them."""
    model: Any = Scenario
    for part in loc:
        model = _unwrap(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            fields = {(f.alias or name): f for name, f in model.model_fields.items()}
            if part not in fields:
                return []
            model = fields[part].annotation
        elif typing.get_origin(model) is list:
            model = typing.get_args(model)[0]
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return []
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _unwrap(t: Any) -> Any:
    """``Annotated[X, ...]`` -> X; ``X | None`` -> X."""
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(t) if a is not type(None)]
            if len(members) != 1:
                return t
            t = members[0]
        else:
            return t


# ------------------------------------------------------------------------------------ events --


@dataclass
class _Frame:
    loc: Loc
    container: dict[Any, Any] | list[Any]
    start_total: int
    anchor: str | None
    index: int = 0
    expect_key: bool = True
    key: object = None
    key_ok: bool = True
    limit: int = MAX_ITEMS


def _scan_events(text: str, found: _Found) -> _Scan | None:
    """Check the event stream and build the data; None when it cannot be used."""
    scan = _Scan(found)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ReusedAnchorWarning: redefining is allowed
            # the pure safe parser: same grammar as the round-trip one, a third faster
            for ev in YAML(typ="safe", pure=True).parse(text):
                if not scan.feed(ev):
                    return None
    except ReaderError as exc:
        line, col = found.index.position(exc.position)
        found.problems.add(line, col, "the text holds a character YAML does not allow")
        return None
    except MarkedYAMLError as exc:
        _add_yaml_error(exc, found)
        return None
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        found.problems.add(1, 1, f"cannot parse this YAML ({type(exc).__name__})")
        return None
    return scan


_RESOLVER = VersionedResolver(version=(1, 2))


def _scalar(ev: ScalarEvent) -> object:
    """The value of a scalar as YAML 1.2's core schema reads it (timestamps stay text)."""
    value = ev.value
    plain = ev.implicit[0] if ev.implicit else False
    if not plain or (ev.tag is not None and str(ev.tag) not in ("!", "?")):
        return value
    tag = str(_RESOLVER.resolve(ScalarNode, value, (True, False)))
    kind = tag.rsplit(":", 1)[-1]
    try:
        if kind == "null":
            return None
        if kind == "bool":
            return value.lower() == "true"
        if kind == "int":
            digits = value.replace("_", "")
            sign = -1 if digits.startswith("-") else 1
            digits = digits.lstrip("+-")
            for prefix, base in (("0o", 8), ("0x", 16), ("0b", 2)):
                if digits.lower().startswith(prefix):
                    return sign * int(digits[2:], base)
            return sign * int(digits, 10)
        if kind == "float":
            low = value.lower().replace("_", "")
            if low.lstrip("+-") == ".inf":
                return -math.inf if low.startswith("-") else math.inf
            if low == ".nan":
                return math.nan
            return float(low)
    except ValueError:
        return value
    return value


@dataclass
class _Scan:
    """The event pass: builds the data, records where each node is, and bounds its size."""

    found: _Found
    aliases: int = 0
    total: int = 0  # nodes so far, aliases counted at their anchor's expanded size
    sizes: dict[str, int] = field(default_factory=dict)
    anchors: dict[str, object] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    root: object = None
    documents: int = 0
    positions: dict[Loc, int] = field(default_factory=dict)
    # where a mapping entry's value starts, for values that are scalars or aliases: a problem with
    # the value points there, one with the key (unknown, missing, duplicate) at the key
    value_positions: dict[Loc, int] = field(default_factory=dict)
    refused: set[Loc] = field(default_factory=set)  # values already reported, not read

    def position(self, loc: Loc, *, key: bool = False) -> int:
        """The character offset of the deepest node of ``loc`` that exists.

        A mapping entry whose value is a scalar is placed at its value, unless ``key`` (the problem
        is with the key: unknown, say); one whose value is a list or mapping at its key (which
        names the whole of it); a node that does not exist (a missing key) at the key of the
        deepest one that does.
        """
        if not key and (pos := self.value_positions.get(tuple(loc))) is not None:
            return pos
        for k in range(len(loc), -1, -1):
            pos = self.positions.get(tuple(loc[:k]))
            if pos is not None:
                return pos
        return 0

    def document(self, found: _Found) -> dict[Any, Any] | None:
        if self.documents > 1:
            found.problems.add(1, 1, "more than one YAML document ('---'): a scenario is one")
            return None
        if self.root is None:
            found.problems.add(1, 1, "the scenario is empty")
            return None
        if not isinstance(self.root, dict):
            what = "a list" if isinstance(self.root, list) else "a single value"
            found.problems.add(
                1, 1, f"the top level must be a mapping (name: ..., parties: ...), not {what}"
            )
            return None
        return self.root

    def feed(self, ev: object) -> bool:
        if isinstance(ev, DocumentStartEvent):
            self.documents += 1
            return True
        if isinstance(ev, CollectionEndEvent):
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.sizes[frame.anchor] = self.total - frame.start_total
            if isinstance(frame.container, dict) and "<<" in frame.container:
                _merge(frame.container)
            return True
        if not isinstance(ev, ScalarEvent | AliasEvent | MappingStartEvent | SequenceStartEvent):
            return True
        mark = _offset(ev.start_mark)
        loc, is_key = _place(self.stack, ev)
        # a mapping entry is where its key is (seen first), a list item where the item is
        self.positions.setdefault(loc, mark)
        if (
            not is_key
            and isinstance(ev, ScalarEvent | AliasEvent)
            and self.stack
            and isinstance(self.stack[-1].container, dict)
            and not _implicit_empty(ev)  # `key:` with nothing after: placed at the key
        ):
            self.value_positions.setdefault(loc, mark)  # a duplicate key's value: the first one
        if self.stack and not is_key and not self._room(self.stack[-1], mark, loc):
            return False
        if isinstance(ev, AliasEvent):
            return self._alias(ev.anchor, mark, loc, is_key)
        self.total += 1
        if self.total > MAX_VALUES:
            self.found.add(mark, loc, f"more than {MAX_VALUES} values once aliases expand")
            return False
        tag = ev.tag if isinstance(ev.tag, str) or ev.tag is None else str(ev.tag)
        if tag is not None and tag not in _PLAIN_TAGS:
            self.found.add(mark, loc, "YAML tags (!name) are not used in scenario files")
        if isinstance(ev, ScalarEvent):
            ok = _check_scalar(ev.value, mark, loc, self.found)
            value = _scalar(ev) if ok else None
            if not ok:
                self.refused.add(loc)
            if is_key:
                frame = self.stack[-1]
                frame.key, frame.key_ok = value, ok
                held = frame.container
                if isinstance(held, dict) and _hashable_key(value) and value in held:
                    self.found.add(mark, loc, "duplicate key (the first one is used)")
                    frame.key_ok = False
            else:
                self._put(value)
            if ev.anchor is not None:
                self.sizes[ev.anchor] = 1
                self.anchors[ev.anchor] = value
            return True
        if is_key:
            self.found.add(mark, loc, "a mapping key must be a plain value")
        if len(self.stack) >= MAX_DEPTH:
            self.found.add(mark, loc, f"nested more than {MAX_DEPTH} levels deep")
            return False
        if ev.anchor is not None:
            self.sizes.pop(ev.anchor, None)  # redefined: the new one counts from its end
        container: dict[Any, Any] | list[Any] = {} if isinstance(ev, MappingStartEvent) else []
        if is_key:
            self.stack[-1].key_ok = False
        else:
            self._put(container)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = container
        limit = _SHORT_LISTS.get(loc, MAX_ITEMS) if isinstance(container, list) else MAX_ITEMS
        self.stack.append(_Frame(loc, container, self.total, ev.anchor, limit=limit))
        return True

    def _room(self, parent: _Frame, mark: int, loc: Loc) -> bool:
        """False (with a problem) when a list or mapping grows past its limit."""
        n = parent.index if isinstance(parent.container, list) else len(parent.container) + 1
        if n <= parent.limit:
            return True
        what = "items" if isinstance(parent.container, list) else "keys"
        hint = " (use generate: for many parties)" if parent.loc == ("parties",) else ""
        self.found.add(mark, parent.loc, f"more than {parent.limit} {what}{hint}")
        return False

    def _put(self, value: object) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            frame.container.append(value)
        elif frame.key_ok and _hashable_key(frame.key):
            frame.container.setdefault(frame.key, value)
        frame.key_ok = True

    def _alias(self, anchor: str, mark: int, loc: Loc, is_key: bool) -> bool:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            self.found.add(mark, loc, f"more than {MAX_ALIASES} YAML aliases (*name)")
            return False
        if any(f.anchor == anchor for f in self.stack):
            self.found.add(mark, loc, "a YAML alias inside its own anchor (a loop)")
            return False
        if anchor not in self.anchors:
            self.found.add(mark, loc, "a YAML alias (*name) to an anchor (&name) not defined")
            return False
        self.total += self.sizes.get(anchor, 0)
        if self.total > MAX_VALUES:
            self.found.add(mark, loc, f"more than {MAX_VALUES} values once aliases expand")
            return False
        value = self.anchors[anchor]
        if is_key:
            frame = self.stack[-1]
            frame.key, frame.key_ok = value, _hashable_key(value) and frame.key_ok
        else:
            self._put(value)
        return True


def _offset(mark: Any) -> int:
    """The character offset of a YAML parser mark (its line and column count breaks as
    ``_textfile`` does, except under a ``%YAML 1.1`` directive: the offset is exact)."""
    index = getattr(mark, "index", None)
    return int(index) if isinstance(index, int) else 0


def _hashable_key(key: object) -> bool:
    return key is None or isinstance(key, str | int | float | bool)


def _merge(mapping: dict[Any, Any]) -> None:
    """YAML merge keys: ``<<: *base`` (or a list of them) adds the keys not given here."""
    extra = mapping.pop("<<")
    for source in extra if isinstance(extra, list) else [extra]:
        if isinstance(source, dict):
            for k, v in source.items():
                mapping.setdefault(k, v)


def _place(stack: list[_Frame], ev: object) -> tuple[Loc, bool]:
    """The loc of the node that ``ev`` starts, and whether it is a mapping key."""
    if not stack:
        return (), False
    parent = stack[-1]
    if isinstance(parent.container, list):
        parent.index += 1
        return (*parent.loc, parent.index - 1), False
    if parent.expect_key:
        parent.expect_key = False
        key = _scalar(ev) if isinstance(ev, ScalarEvent) else "?"
        parent.key = key if _hashable_key(key) else "?"
        return (*parent.loc, parent.key), True
    parent.expect_key = True
    return (*parent.loc, parent.key), False


def _check_scalar(value: str, mark: int, loc: Loc, found: _Found) -> bool:
    """Length, privacy and Unicode: False when the value must not be used."""
    if len(value) > MAX_SCALAR_CHARS:
        found.add(mark, loc, f"a value longer than {MAX_SCALAR_CHARS} characters (not read)")
        return False
    ok = True
    if (message := privacy_problem(value)) is not None:
        found.add(mark, loc, message, privacy=True)
        ok = False
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        found.add(mark, loc, "not valid Unicode text (a lone surrogate)")
        ok = False
    return ok


def _add_yaml_error(exc: MarkedYAMLError, found: _Found) -> None:
    mark = exc.problem_mark or exc.context_mark
    problem, context = exc.problem or "", exc.context or ""
    if problem and context:
        joined = problem.startswith("but ")
        what = f"{context}, {problem}" if joined else f"{problem} ({context})"
    else:
        what = problem or context or "not valid YAML"
    if mark is not None:
        found.add(_offset(mark), (), f"YAML syntax: {what}")
    else:
        found.problems.add(1, 1, f"YAML syntax: {what}")


# --------------------------------------------------------------------------------- positions --


def _implicit_empty(ev: object) -> bool:
    """A plain scalar with no text (``key:`` and nothing after it): YAML places it at the next
    token, often on a later line, so a problem with it is shown at its key instead."""
    return (
        isinstance(ev, ScalarEvent)
        and ev.value == ""
        and not ev.style
        and ev.start_mark.index == ev.end_mark.index
    )


def position(doc: object, loc: Sequence[Any], /, *, value: bool = False) -> tuple[int, int]:
    """The 1-based ``(line, col)`` in the source of the node that ``loc`` leads to.

    Walks ``loc`` (a pydantic-style path of keys and indices) through the round-trip document;
    where a key is missing (a required field, say), it stops at the deepest node found.

    Parameters
    ----------
    doc
        The round-trip document (a ``CommentedMap`` from ``YAML(typ="rt")``).
    loc
        Keys and list indices from the top of the document.
    value
        Place a mapping entry whose value is a scalar at its value rather than its key (for a
        problem with the value; a list or mapping value stays at its key, which names it).

    Returns
    -------
    tuple of int
        Line and column, both from 1: of the key for a mapping entry (of the value with
        ``value``), of the item for a list entry.
    """
    line, col = _own_position(doc)
    node = doc
    last = len(loc) - 1
    for i, part in enumerate(loc):
        try:
            if isinstance(node, CommentedMap) and _has_key(node, part):
                at_value = (
                    value
                    and i == last
                    and not isinstance(node[part], dict | list)
                    and node[part] is not None  # `key:` with nothing after: at the key
                )
                pos = node.lc.value(part) if at_value else node.lc.key(part)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                pos = node.lc.item(part)
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break  # e.g. a key merged in with '<<' has no position of its own
        if pos is None or pos[0] is None or pos[1] is None:
            break
        line, col = pos[0] + 1, pos[1] + 1
    return line, col


def _own_position(node: object) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None and lc.col is not None:
        return lc.line + 1, lc.col + 1
    return 1, 1


def _has_key(node: dict[Any, Any], key: object) -> bool:
    try:
        return key in node
    except TypeError:
        return False


def _clean_loc(doc: object, loc: Loc) -> Loc:
    """Drop the parts of a pydantic loc that name a type (union members), not a key."""
    out: list[Any] = []
    node = doc
    for i, part in enumerate(loc):
        if isinstance(node, dict):
            if _has_key(node, part):
                out.append(part)
                node = node[part]
                continue
            if i + 1 < len(loc) and _has_key(node, loc[i + 1]):
                continue
        elif isinstance(node, list):
            if isinstance(part, int):
                out.append(part)
                node = node[part] if 0 <= part < len(node) else None
                continue
            if i + 1 < len(loc):
                continue
        out.append(part)
        node = None
    return tuple(out)


def _format_loc(loc: Loc, doc: object = None) -> str:
    """``('parties', 1, 'role')`` -> ``parties[1].role``, redacting parts that look personal.

    With the document at hand, a number that is a mapping key (not a list index) reads ``.5``.
    """
    text = ""
    node = doc
    for part in loc:
        in_map = isinstance(node, dict)
        node = _child(node, part)
        if isinstance(part, int) and not isinstance(part, bool) and not in_map:
            text += f"[{part}]"
            continue
        name = str(part)
        if name == "[key]":
            text += name
            continue
        if privacy_problem(name) is not None:
            name = "<redacted>"
        elif not re.fullmatch(r"[A-Za-z_0-9][\w.\-]*", name):
            name = repr(name)
        text += f".{name}" if text else name
    return text


def _child(node: object, part: object) -> object:
    if isinstance(node, dict) and _has_key(node, part):
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _redact(message: str) -> str:
    return re.sub(
        r"'([^']*)'",
        lambda m: "'<redacted>'" if privacy_problem(m.group(1)) else m.group(0),
        message,
    )
