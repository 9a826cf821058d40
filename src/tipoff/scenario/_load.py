"""Load scenario files: YAML in, a validated :class:`Scenario` out, every problem at ``file:line:col``.

The steps, each reporting all it finds before the next one runs:

1. file guards (missing, a directory, too large, unreadable, not UTF-8);
2. one pass over the YAML *events* (``yaml.parse``), which needs no object graph: syntax errors,
   alias bombs (too many aliases, or too many values once aliases are expanded), nesting depth,
   duplicate keys, custom tags, and the privacy guard over every scalar (keys and values);
3. the round-trip load (``YAML(typ="rt")``, YAML 1.2), whose maps keep their positions;
4. pydantic validation of a plain copy of the data;
5. cross-references (:func:`~tipoff.scenario._network.reference_problems`).

Messages never echo input values (pydantic errors are taken without their input); party ids in
reference messages are pseudonyms, and any that look like personal data are redacted.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from ruamel.yaml.reader import ReaderError

from tipoff._crypto import decrypt_if_encrypted
from tipoff.errors import PrivacyError, Problem, ScenarioError
from tipoff.scenario._network import MAX_PARTIES, expand, reference_problems
from tipoff.scenario._privacy import privacy_problem, scanned
from tipoff.scenario._schema import Scenario

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "load_scenario",
    "parse_scenario",
    "position",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ALIASES = 100
MAX_DEPTH = 50
#: Scalars and collections once aliases are expanded (an alias bomb's 9^7 leaves hit this).
MAX_VALUES = 1_000_000
#: Problems shown at one position (a generator of 10 000 relays may have 10 000 alike).
MAX_PROBLEMS_PER_PLACE = 5

Loc = tuple[Any, ...]
_PLAIN_TAGS = frozenset(
    {
        "!",
        *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")),
    }
)


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
        With every problem found, each at ``file:line:col`` (line 0 for the whole file).
    PrivacyError
        When any value looks like a phone number, e-mail or street address.
    """
    name = os.fspath(source)
    return parse_scenario(_read_text(Path(name), name), source=name)


def _read_text(path: Path, name: str) -> str:
    def fail(message: str) -> ScenarioError:
        return ScenarioError(Problem(source=name, message=message))

    try:
        st = path.stat()
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not a scenario file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise fail(_too_big(st.st_size))
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise fail("cannot read the file: permission denied") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_FILE_BYTES:
        raise fail(_too_big(len(data)))
    data = decrypt_if_encrypted(data, source=name)  # age (.age) files, read transparently
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"is not UTF-8 text (first bad byte at offset {exc.start})") from None


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
    found = _Found(source)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        found.add(0, 0, (), _too_big(size))
        raise found.error()
    if not _scan_events(text, found):
        raise found.error()
    doc = _load_document(text, found)
    if doc is None:
        raise found.error()
    scenario: Scenario | None = None
    try:
        with scanned():  # every string went through privacy_problem in _scan_events
            scenario = Scenario.model_validate(_to_plain(doc))
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False, include_context=False):
            found.at(doc, _clean_loc(doc, tuple(err["loc"])), err["msg"])
    if scenario is not None:
        for loc, message in _reference_problems(scenario):
            found.at(doc, loc, _redact(message))
    if scenario is None or found.problems:
        raise found.error()
    return scenario


@dataclass
class _Found:
    """The problems found so far; privacy ones make the error a :class:`PrivacyError`."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    privacy: bool = False

    def add(
        self,
        line: int,
        col: int,
        loc: Loc,
        message: str,
        *,
        privacy: bool = False,
        doc: object = None,
    ) -> None:
        path = _format_loc(loc, doc)
        self.problems.append(
            Problem(source=self.source, line=line, col=col, path=path, message=message)
        )
        self.privacy = self.privacy or privacy

    def at(self, doc: object, loc: Loc, message: str) -> None:
        line, col = position(doc, loc)
        self.add(line, col, loc, message, doc=doc)

    def error(self) -> ScenarioError:
        """The exception to raise: problems by position, at most a few at any one place."""
        problems = sorted(self.problems, key=lambda p: (p.line, p.col))
        totals = Counter((p.line, p.col, p.path) for p in problems)
        seen: Counter[tuple[int, int, str]] = Counter()
        kept: list[Problem] = []
        for p in problems:
            place = (p.line, p.col, p.path)
            seen[place] += 1
            if seen[place] <= MAX_PROBLEMS_PER_PLACE:
                kept.append(p)
            elif seen[place] == MAX_PROBLEMS_PER_PLACE + 1:
                more = totals[place] - MAX_PROBLEMS_PER_PLACE
                kept.append(replace(p, message=f"... and {more} more like these"))
        return (PrivacyError if self.privacy else ScenarioError)(kept)


def _reference_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    gen = scenario.generate
    listed_senders = sum(1 for p in scenario.parties if p.role == "sender")
    n_senders = listed_senders + (gen.senders.count if gen.senders else 0)
    n = len(scenario.parties) + n_senders * (gen.recipients.per_sender if gen.recipients else 0)
    n += sum(g.count for g in (gen.senders, gen.relays, gen.couriers) if g is not None)
    if n > MAX_PARTIES:
        # checked before expanding, which would otherwise build every one of them
        return [(("generate",), f"the network would hold {n} parties, more than {MAX_PARTIES}")]
    return reference_problems(scenario, expand(scenario))


# ------------------------------------------------------------------------------------ events --


@dataclass
class _Frame:
    loc: Loc
    is_map: bool
    start_total: int
    anchor: str | None
    index: int = 0
    expect_key: bool = True
    key: object = None
    keys: set[str] = field(default_factory=set)


def _scan_events(text: str, found: _Found) -> bool:
    """Check the event stream; False when loading the document must not be attempted."""
    scan = _Scan(found)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ReusedAnchorWarning: redefining is allowed
            # the pure safe parser: same grammar as the round-trip one, a third faster
            for ev in YAML(typ="safe", pure=True).parse(text):
                if not scan.feed(ev):
                    return False
    except ReaderError as exc:
        line, col = _line_col(text, exc.position)
        found.add(line, col, (), "the text holds a character YAML does not allow")
        return False
    except MarkedYAMLError as exc:
        _add_yaml_error(exc, found)
        return False
    except (YAMLError, RecursionError) as exc:
        found.add(0, 0, (), f"cannot parse this YAML ({type(exc).__name__})")
        return False
    return True


@dataclass
class _Scan:
    """The event pass: where each node is, and how big the document is once aliases expand."""

    found: _Found
    aliases: int = 0
    total: int = 0  # nodes so far, aliases counted at their anchor's expanded size
    sizes: dict[str, int] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)

    def feed(self, ev: object) -> bool:
        if isinstance(ev, CollectionEndEvent):
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.sizes[frame.anchor] = self.total - frame.start_total
            return True
        if not isinstance(ev, ScalarEvent | AliasEvent | MappingStartEvent | SequenceStartEvent):
            return True
        line, col = ev.start_mark.line + 1, ev.start_mark.column + 1
        loc, is_key = _place(self.stack, ev)
        if isinstance(ev, AliasEvent):
            return self._alias(ev.anchor, line, col, loc)
        self.total += 1
        if self.total > MAX_VALUES:
            self.found.add(line, col, loc, f"more than {MAX_VALUES} values once aliases expand")
            return False
        tag = ev.tag if isinstance(ev.tag, str) or ev.tag is None else str(ev.tag)
        if tag is not None and tag not in _PLAIN_TAGS:
            self.found.add(line, col, loc, "YAML tags (!name) are not used in scenario files")
        if isinstance(ev, ScalarEvent):
            _check_scalar(ev.value, line, col, loc, is_key, self.stack, self.found)
            if ev.anchor is not None:
                self.sizes[ev.anchor] = 1
            return True
        if is_key:
            self.found.add(line, col, loc, "a mapping key must be a plain value")
        if len(self.stack) >= MAX_DEPTH:
            self.found.add(line, col, loc, f"nested more than {MAX_DEPTH} levels deep")
            return False
        if ev.anchor is not None:
            self.sizes.pop(ev.anchor, None)  # redefined: the new one counts from its end
        is_map = isinstance(ev, MappingStartEvent)
        self.stack.append(_Frame(loc, is_map, self.total, ev.anchor))
        return True

    def _alias(self, anchor: str, line: int, col: int, loc: Loc) -> bool:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            self.found.add(line, col, loc, f"more than {MAX_ALIASES} YAML aliases (*name)")
            return False
        if any(f.anchor == anchor for f in self.stack):
            self.found.add(line, col, loc, "a YAML alias inside its own anchor (a loop)")
            return False
        self.total += self.sizes.get(anchor, 0)  # an unknown anchor: the composer reports it
        if self.total > MAX_VALUES:
            self.found.add(line, col, loc, f"more than {MAX_VALUES} values once aliases expand")
            return False
        return True


def _place(stack: list[_Frame], ev: object) -> tuple[Loc, bool]:
    """The loc of the node that ``ev`` starts, and whether it is a mapping key."""
    if not stack:
        return (), False
    parent = stack[-1]
    if not parent.is_map:
        parent.index += 1
        return (*parent.loc, parent.index - 1), False
    if parent.expect_key:
        parent.expect_key = False
        parent.key = ev.value if isinstance(ev, ScalarEvent) else "?"
        return (*parent.loc, parent.key), True
    parent.expect_key = True
    return (*parent.loc, parent.key), False


def _check_scalar(
    value: str, line: int, col: int, loc: Loc, is_key: bool, stack: list[_Frame], found: _Found
) -> None:
    if is_key:
        parent = stack[-1]
        if value in parent.keys:
            found.add(line, col, loc, "duplicate key (the first one is used)")
        parent.keys.add(value)
    if (message := privacy_problem(value)) is not None:
        found.add(line, col, loc, message, privacy=True)
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        found.add(line, col, loc, "not valid Unicode text (a lone surrogate)")


def _add_yaml_error(exc: MarkedYAMLError, found: _Found) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    problem, context = exc.problem or "", exc.context or ""
    if problem and context:
        joined = problem.startswith("but ")
        what = f"{context}, {problem}" if joined else f"{problem} ({context})"
    else:
        what = problem or context or "not valid YAML"
    found.add(line, col, (), f"YAML syntax: {what}")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# -------------------------------------------------------------------------------------- load --


def _load_document(text: str, found: _Found) -> CommentedMap | None:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # the event pass reports them, with paths
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = yaml.load(text)
    except MarkedYAMLError as exc:
        _add_yaml_error(exc, found)
        return None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        # e.g. an impossible date such as 2020-02-30: ruamel raises ValueError without a mark
        found.add(0, 0, (), f"a value cannot be read ({type(exc).__name__}); check dates and tags")
        return None
    if doc is None:
        found.add(1, 1, (), "the scenario is empty")
        return None
    if not isinstance(doc, CommentedMap):
        what = "a list" if isinstance(doc, list) else "a single value"
        found.add(
            1, 1, (), f"the top level must be a mapping (name: ..., parties: ...), not {what}"
        )
        return None
    return doc


def _to_plain(node: object) -> object:
    """A copy made of plain dicts, lists, str, int, float and bool, for pydantic."""
    if isinstance(node, TaggedScalar):
        return str(node.value)
    if isinstance(node, dict):
        return {
            _to_plain(k): _to_plain(v)
            for k, v in node.items()
            if k is None or isinstance(k, str | int | float)
        }
    if isinstance(node, list | tuple | set):
        return [_to_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


# --------------------------------------------------------------------------------- positions --


def position(doc: object, loc: Sequence[Any], /) -> tuple[int, int]:
    """The 1-based ``(line, col)`` in the source of the node that ``loc`` leads to.

    Walks ``loc`` (a pydantic-style path of keys and indices) through the round-trip document;
    where a key is missing (a required field, say), it stops at the deepest node found.

    Parameters
    ----------
    doc
        The round-trip document (a ``CommentedMap`` from ``YAML(typ="rt")``).
    loc
        Keys and list indices from the top of the document.

    Returns
    -------
    tuple of int
        Line and column, both from 1: of the key for a mapping entry, of the item for a list entry.
    """
    line, col = _own_position(doc)
    node = doc
    for part in loc:
        try:
            if isinstance(node, CommentedMap) and _has_key(node, part):
                pos = node.lc.key(part)
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
        if isinstance(node, CommentedMap):
            if _has_key(node, part):
                out.append(part)
                node = node[part]
                continue
            if i + 1 < len(loc) and _has_key(node, loc[i + 1]):
                continue
        elif isinstance(node, CommentedSeq):
            if isinstance(part, int):
                out.append(part)
                node = node[part] if part < len(node) else None
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
