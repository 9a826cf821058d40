"""Read and validate the defender's incident log (CSV or JSON lines), every problem at file:row:column.

The log holds what a defender can see, one row per delivery (docs/model.md, "The defender's incident
log"; format in ``docs/incident-log.md``): ``delivery, day, sender, relays, courier, recipient,
mode, outcome`` and, optionally, ``exposed_to``. The reader is strict, and reports every problem at
once, each as a :class:`~tipoff.errors.Problem` whose ``line`` is the row's line in the file and
whose ``col`` is the 1-based index of the column (CSV: in the header; JSON lines: of the key in its
object):

1. file guards: missing, a directory, larger than :data:`MAX_LOG_BYTES`, not UTF-8;
2. the header (or each object's keys): every required column once, nothing a defender could not
   know (a ``cause``, ``informant`` or ``truth`` column is refused), no unknown column;
3. every cell through the privacy guard (:func:`tipoff.scenario._privacy.privacy_problem`); values
   that fail it are never echoed;
4. values: ids, non-negative integer days, ``mode`` and ``outcome`` from their lists, unique
   delivery ids;
5. with a model: every party in the scenario with the right role, the route one of the sender's
   (``relays`` then ``courier`` must be a chain of the scenario). A replacement courier, named
   ``<courier>.newN`` by the simulator, is accepted in its courier's slot.

What :func:`tipoff.results.incident_log_text` writes reads back exactly.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import hashlib
import io
import json
import operator
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from tipoff._textfile import Problems, read_text, split_lines
from tipoff.errors import InputError, Problem
from tipoff.results import _log_columns as lc
from tipoff.results._log import LOG_COLUMNS
from tipoff.scenario._privacy import privacy_problem

if TYPE_CHECKING:
    from tipoff.model import CompiledModel

__all__ = [
    "MAX_LOG_BYTES",
    "MAX_LOG_ROWS",
    "MODES",
    "OUTCOMES",
    "IncidentLog",
    "LogError",
    "LoggedDelivery",
    "courier_slot",
    "parse_incident_log",
    "read_incident_log",
]

#: Largest log: a million rows of JSON lines fit (about 140 bytes a row).
MAX_LOG_BYTES = 192 * 1024 * 1024
MAX_LOG_ROWS = 1_000_000
#: Problems reported before reading stops (a broken 100,000-row file is refused in a moment).
MAX_PROBLEMS = 100
MAX_DAY = 100_000
MAX_CELL = 4_000
#: Longest column name (a longer one is refused unread: no pattern runs over it).
MAX_COLUMN_NAME = 64
#: Longest line of a JSON-lines log.
MAX_JSON_LINE = 100_000
OUTCOMES = ("delivered", "intercepted", "unknown")
MODES = ("home", "meeting_point")
OPTIONAL_COLUMNS = ("exposed_to", lc.FAMILY_COLUMN, lc.NOTES_COLUMN, lc.DATE_COLUMN)
#: Columns that hold what only the simulator (or the service) knows: refused by name.
GROUND_TRUTH_COLUMNS = frozenset(
    {
        "cause",
        "causes",
        "informant",
        "informants",
        "tipped_by",
        "tipped",
        "truth",
        "harvest_community",
        "from_day",
        "traced",
        "traced_relays",
        "compromised",
        "suspect",
        "leaker",
    }
)
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$")
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_REPLACEMENT = re.compile(r"^(?P<base>.+)\.new(?P<n>[1-9][0-9]{0,5})$")
_DAY = re.compile(r"^[0-9]{1,9}$")
#: The end of a JSON key (or a '":' inside a string): as many as keys in a flat object.
_KEY_END = re.compile(r'"\s*:')
#: "nobody learned the address" in an ``exposed_to`` cell (an empty cell means "as the protocol says").
NOBODY = "-"


class LogError(InputError):
    """An incident log that cannot be used; carries every problem found (exit code 3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedDelivery:
    """One row of the incident log: a delivery as the defender saw it.

    ``exposed_to`` is None when the row does not say who learned the address (the protocol
    decides), else the parties who did (possibly none). ``line`` is the row's line in the file.
    """

    delivery: str
    day: int
    sender: str
    relays: tuple[str, ...]
    courier: str
    recipient: str
    mode: str
    outcome: str
    exposed_to: tuple[str, ...] | None = None
    line: int = 0
    #: whether a family member was arrested at this (intercepted) delivery; None: not known
    family_arrested: bool | None = None

    def to_row(self) -> dict[str, Any]:
        """The row as :func:`tipoff.results.incident_log_text` writes it (``relays`` a list)."""
        row: dict[str, Any] = {
            "delivery": self.delivery,
            "day": self.day,
            "sender": self.sender,
            "relays": list(self.relays),
            "courier": self.courier,
            "recipient": self.recipient,
            "mode": self.mode,
            "outcome": self.outcome,
        }
        if self.exposed_to is not None:
            row["exposed_to"] = list(self.exposed_to)
        if self.family_arrested is not None:
            row[lc.FAMILY_COLUMN] = self.family_arrested
        return row


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentLog:
    """A validated incident log: its source name, format and deliveries (in file order)."""

    source: str
    fmt: str
    deliveries: tuple[LoggedDelivery, ...]

    def __len__(self) -> int:
        return len(self.deliveries)

    def counts(self) -> dict[str, int]:
        """Deliveries per outcome (``delivered``, ``intercepted``, ``unknown``)."""
        out = dict.fromkeys(OUTCOMES, 0)
        for d in self.deliveries:
            out[d.outcome] += 1
        return out

    @property
    def digest(self) -> str:
        """16 hex digits of the SHA-256 of the rows' canonical JSON: equal logs share it."""
        h = hashlib.sha256()
        for d in self.deliveries:
            h.update(json.dumps(d.to_row(), sort_keys=True, separators=(",", ":")).encode())
            h.update(b"\n")
        return h.hexdigest()[:16]


def courier_slot(courier: str, /) -> tuple[str, int]:
    """Split a logged courier into (courier slot, replacement number): ``c1.new2`` -> ``(c1, 2)``.

    Examples
    --------
    >>> courier_slot("c1.new2"), courier_slot("c1")
    (('c1', 2), ('c1', 0))
    """
    m = _REPLACEMENT.match(courier)
    return (m["base"], int(m["n"])) if m else (courier, 0)


# ----------------------------------------------------------------------------------- reading --

#: Called now and then while a log is read: ``progress(lines_done, lines_total)``.
Progress = Callable[[int, int], None]
#: Rows between two calls of ``progress``.
PROGRESS_EVERY = 50_000


def read_incident_log(
    source: str | os.PathLike[str],
    /,
    *,
    model: CompiledModel | None = None,
    progress: Progress | None = None,
    columns: dict[str, str] | None = None,
    season_start: datetime.date | None = None,
) -> IncidentLog:
    """Read and validate an incident log file (CSV, or JSON lines for ``.jsonl``/``.ndjson``).

    Parameters
    ----------
    source
        Path of the log (UTF-8, at most :data:`MAX_LOG_BYTES`). A file whose name ends in neither
        ``.csv`` nor ``.jsonl``/``.ndjson`` is read as JSON lines when it starts with ``{``.
    model
        The scenario the log belongs to; with it, parties, roles and routes are checked too.
    progress
        Called as ``progress(lines_done, lines_total)`` every :data:`PROGRESS_EVERY` rows (a
        million-row log takes seconds).

    Returns
    -------
    IncidentLog

    Raises
    ------
    LogError
        With every problem found, each at ``file:row:column``.
    """
    name = os.fspath(source)
    text = read_text(name, limit=MAX_LOG_BYTES, what="an incident log", error=LogError)
    return parse_incident_log(
        text,
        model=model,
        source=name,
        fmt=_guess_format(name, text),
        columns=columns,
        season_start=season_start,
        progress=progress,
    )


def _guess_format(name: str, text: str) -> str:
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


# ----------------------------------------------------------------------------------- parsing --


def parse_incident_log(
    text: str,
    /,
    *,
    model: CompiledModel | None = None,
    source: str = "<string>",
    fmt: str = "csv",
    progress: Progress | None = None,
    columns: dict[str, str] | None = None,
    season_start: datetime.date | None = None,
) -> IncidentLog:
    """Parse and validate an incident log from text (``fmt``: ``"csv"`` or ``"jsonl"``).

    See :func:`read_incident_log`; this does the same on text already read. Lines are counted
    as :mod:`tipoff._textfile` defines them (LF, CRLF or CR; never U+2028, NEL or form feed).
    ``columns`` maps the file's headers to tipoff's columns
    (:func:`tipoff.results.parse_column_map`); ``season_start`` is the date of day 0, for a
    ``date`` column.

    Examples
    --------
    >>> log = parse_incident_log(
    ...     "delivery,day,sender,relays,courier,recipient,mode,outcome\\n"
    ...     "d1,3,s001,r1;r2,c1,s001.f1,home,intercepted\\n"
    ... )
    >>> log.deliveries[0].relays, log.counts()["intercepted"]
    (('r1', 'r2'), 1)
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"fmt must be 'csv' or 'jsonl', got {fmt!r}")
    text = text.removeprefix("\ufeff")
    found = Problems(source, limit=MAX_PROBLEMS)
    rows = _csv_rows(text, found, columns) if fmt == "csv" else _jsonl_rows(text, found, columns)
    checker = _RowChecker(found, model)
    checker.season_start = season_start
    fast = _FastRows(checker)
    total = (text.count("\n") or text.count("\r")) + 1 if progress is not None else 0
    deliveries: list[LoggedDelivery] = []
    for k, (line, names, values) in enumerate(rows, start=1):
        if len(deliveries) >= MAX_LOG_ROWS:
            found.add(line, 1, f"more than {MAX_LOG_ROWS} rows: split the log")
            break
        d = fast.check(line, names, values)
        if d is not None:
            deliveries.append(d)
        if progress is not None and k % PROGRESS_EVERY == 0:
            progress(line, total)
        if found.more:
            break
    if progress is not None:
        progress(total, total)
    if model is not None and checker.unknown > checker.known:
        found.items.insert(
            0,
            Problem(
                source=source,
                message=f"most parties named in this log are not in scenario {model.name}: was "
                "the log kept for another scenario?",
            ),
        )
    if found.more:
        # a log this broken is not read to its end: what is shown is enough to start fixing it
        where = found.items[-1].line
        found.more = 0
        found.items.append(
            Problem(
                source=source,
                line=where,
                col=1,
                message=f"stopped reading after {MAX_PROBLEMS} problems: fix these first",
            )
        )
    if found:
        raise found.error(LogError)
    if not deliveries:
        raise LogError(Problem(source=source, message="holds no deliveries"))
    return IncidentLog(source=source, fmt=fmt, deliveries=tuple(deliveries))


Cells = dict[str, tuple[object, int]]  # column -> (value, 1-based column index)
#: A row as read: its first line, its column names (in order) and its values.
Row = tuple[int, tuple[str, ...], list[Any]]


def _check_columns(names: Sequence[str], line: int, found: Problems) -> bool:
    """Every required column once, nothing else but ``exposed_to``. True when usable."""
    ok = True
    unknown = 0
    seen: set[str] = set()
    for k, name in enumerate(names, start=1):
        why = (
            f"is longer than {MAX_COLUMN_NAME} characters"
            if len(name) > MAX_COLUMN_NAME
            else privacy_problem(name)
        )
        if why:
            found.add(line, k, f"column name {why}")
            ok = False
        elif name in seen:
            found.add(line, k, "column given twice", path=name)
            ok = False
        elif name in GROUND_TRUTH_COLUMNS:
            found.add(
                line,
                k,
                "is ground truth, which a defender cannot know: an incident log holds only "
                "what the defender sees (remove the column)",
                path=name,
            )
            ok = False
        elif name not in LOG_COLUMNS and name not in OPTIONAL_COLUMNS:
            allowed = LOG_COLUMNS + OPTIONAL_COLUMNS
            shown = repr(name) if _ID.match(name) else "(its name not shown: not a plain name)"
            close = difflib.get_close_matches(name, allowed, n=1) if _ID.match(name) else []
            hint = f"; did you mean {close[0]!r}?" if close else ""
            found.add(line, k, f"unknown column {shown} (allowed: {', '.join(allowed)}){hint}")
            unknown += 1
            ok = False
        seen.add(name)
    if lc.DATE_COLUMN in seen:  # -- log columns hook: a date instead of a day
        if "day" in seen:
            found.add(line, 1, "give a day or a date column, not both")
            ok = False
        seen.add("day")
    missing = [c for c in LOG_COLUMNS if c not in seen]
    if missing:
        found.add(line, 1, f"missing column(s): {', '.join(missing)}")
        ok = False
    if unknown > 1 or (unknown and missing):
        found.add(
            line,
            1,
            "a log with headers of its own (a spreadsheet's, say) is read with a column map "
            "that names each of these columns' header: see the incident log's documentation",
        )
    return ok


def _csv_rows(text: str, found: Problems, rename: dict[str, str] | None = None) -> Iterator[Row]:
    """Rows of a CSV log. ``csv`` counts lines as ``_textfile`` does (it reads lines split at
    LF, CRLF and CR by ``io.StringIO(newline="")``), so a row's first line is one more than
    the last line of the row before."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    last = 0
    while not found.more:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            found.add(reader.line_num or start, 1, f"not valid CSV: {_csv_words(exc)}")
            return
        last = reader.line_num
        if not row or (not row[0].strip() and all(not c.strip() for c in row)):
            continue  # a blank line, or only separators
        if header is None:
            cells = [c.strip() for c in row]
            if all(not c for c in cells):
                continue
            header = tuple(rename.get(c, c) for c in cells) if rename else tuple(cells)
            if not _check_columns(header, start, found):
                return
            continue
        if len(row) != len(header):
            found.add(start, 1, f"has {len(row)} fields, the header has {len(header)} columns")
            continue
        yield start, header, row
    if header is None:
        found.add(1, 1, "no header line: the first line names the columns")


def _csv_words(exc: csv.Error) -> str:
    words = str(exc)
    return "a NUL character" if "NUL" in words else words


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a log may hold")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("a key appears twice in one object")
        out[k] = v
    return out


def _jsonl_rows(text: str, found: Problems, rename: dict[str, str] | None = None) -> Iterator[Row]:
    """Rows of a JSON-lines log: one object per line (lines as ``_textfile`` defines them)."""
    checked: set[tuple[str, ...]] = set()
    for line, raw in enumerate(split_lines(text), start=1):
        if found.more:
            return
        if not raw.strip():
            continue
        if len(raw) > MAX_JSON_LINE:
            found.add(line, 1, f"is longer than {MAX_JSON_LINE} characters")
            continue
        try:
            obj = json.loads(raw, parse_constant=_reject_constant)
            if not isinstance(obj, dict) or len(_KEY_END.findall(raw)) != len(obj):
                # nested objects, a '":' inside a value, or a key given twice: look closer
                obj = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            found.add(line, exc.colno, f"not valid JSON: {exc.msg}")
            continue
        except ValueError as exc:
            found.add(line, 1, f"not valid: {exc}")
            continue
        except RecursionError:
            found.add(line, 1, "not valid: values nested too deeply")
            continue
        if not isinstance(obj, dict):
            found.add(line, 1, "each line must be one JSON object (a delivery)")
            continue
        if rename:
            obj = {rename.get(k, k): v for k, v in obj.items()}
        names = tuple(obj)
        if names not in checked:  # each order of keys is checked once
            if not _check_columns(names, line, found):
                continue
            checked.add(names)
        yield line, names, list(obj.values())


class _FastRows:
    """Check rows, reusing the checks of every column but :data:`PER_ROW` across rows.

    In a log of a million rows the same sender, route, courier, recipient, mode and outcome
    come back again and again: a row whose other cells equal those of a valid row seen before
    needs only its own delivery id and day checked. Any other row goes through
    :meth:`_RowChecker.check`, which reports its problems. (A new column whose check depends on
    more than its own cell must be added to :data:`PER_ROW` and checked here.)
    """

    #: Columns checked on every row; every other column's check depends on its cell only.
    PER_ROW = ("delivery", "day")

    def __init__(self, checker: _RowChecker) -> None:
        self.checker = checker
        self.layouts: dict[tuple[str, ...], tuple[int, int, Callable[[list[Any]], Any]]] = {}
        self.templates: dict[tuple[object, ...], dict[str, Any]] = {}

    def check(self, line: int, names: tuple[str, ...], values: list[Any]) -> LoggedDelivery | None:
        layout = self.layouts.get(names)
        if layout is None and not all(c in names for c in self.PER_ROW):
            return self._slow(line, names, values)  # a date column instead of a day: no reuse
        if layout is None:
            rest = [k for k, n in enumerate(names) if n not in self.PER_ROW]
            pick: Callable[[list[Any]], Any] = operator.itemgetter(*rest, -1)  # always a tuple
            layout = (names.index("delivery"), names.index("day"), pick)
            self.layouts[names] = layout
        di, dayi, pick = layout
        key: tuple[object, ...] | None
        try:
            key = (names, pick(values))
            template = self.templates.get(key)
        except TypeError:  # a list in a JSON cell ("relays": ["r1"]): key it as a tuple
            try:
                key = (names, *(("list", *v) if isinstance(v, list) else v for v in pick(values)))
                template = self.templates.get(key)
            except TypeError:  # lists in lists: no shortcut
                key, template = None, None
        if template is not None:
            delivery, day = values[di], values[dayi]
            if (
                isinstance(delivery, str)
                and isinstance(day, str | int)
                and not isinstance(day, bool)
                and (delivery := delivery.strip()) not in self.checker.first_line
                and _DELIVERY_ID.match(delivery)
                and (day := _fast_day(day)) is not None
            ):
                self.checker.first_line[delivery] = line
                return LoggedDelivery(delivery=delivery, day=day, line=line, **template)
        d = self._slow(line, names, values)
        if d is not None and key is not None:
            self.templates[key] = {
                f.name: getattr(d, f.name)
                for f in fields(d)
                if f.name not in ("delivery", "day", "line")
            }
        return d

    def _slow(self, line: int, names: tuple[str, ...], values: list[Any]) -> LoggedDelivery | None:
        """Every check of the row, by :meth:`_RowChecker.check`."""
        cells = {
            n: (v.strip() if isinstance(v, str) else v, k + 1)
            for k, (n, v) in enumerate(zip(names, values, strict=True))
        }
        return self.checker.check(line, cells)


def _fast_day(value: str | int) -> int | None:
    if isinstance(value, str):
        value = value.strip()
        if not _DAY.match(value):
            return None
        value = int(value)
    return value if 0 <= value <= MAX_DAY else None


# -------------------------------------------------------------------------------- row checks --


class _RowChecker:
    """Checks the values of one row after another (and, with a model, parties and routes)."""

    def __init__(self, found: Problems, model: CompiledModel | None) -> None:
        self.found = found
        self.model = model
        self.season_start: datetime.date | None = None
        self.first_line: dict[str, int] = {}
        self.known = 0  # parties named in the log that the scenario has, and that it has not
        self.unknown = 0
        if model is not None:
            self.index = {pid: k for k, pid in enumerate(model.party_ids)}
            self.chains: dict[tuple[tuple[int, ...], int], int] = {}
            for c in range(model.n_chains):
                relays = tuple(int(p) for p in model.chain_relays[c] if p >= 0)
                courier = int(model.courier_party[model.chain_courier[c]])
                self.chains[(relays, courier)] = c
            self.roles = model.party_role
            self.sender_chains = {
                int(p): frozenset(model.chains_of(s).tolist())
                for s, p in enumerate(model.sender_party)
            }

    # -- plain values --

    def _text(self, line: int, column: str, cell: tuple[object, int]) -> str | None:
        value, col = cell
        if not isinstance(value, str):
            self.found.add(line, col, path=column, message="must be text")
            return None
        if len(value) > MAX_CELL:
            self.found.add(line, col, path=column, message=f"is longer than {MAX_CELL} characters")
            return None
        why = privacy_problem(value)
        if why:
            self.found.add(line, col, path=column, message=why)
            return None
        return value.strip()

    def _list(self, line: int, column: str, cell: tuple[object, int]) -> list[str] | None:
        value, col = cell
        if isinstance(value, list):
            items: list[str] = []
            for v in value:
                t = self._text(line, column, (v, col))
                if t is None:
                    return None
                items.append(t)
            return items
        text = self._text(line, column, cell)
        if text is None:
            return None
        return [p.strip() for p in text.split(";")] if text else []

    def _ids(self, line: int, column: str, col: int, ids: list[str]) -> bool:
        ok = True
        for pid in ids:
            if not _ID.match(pid):
                self.found.add(
                    line,
                    col,
                    path=column,
                    message="is not a party id (a letter, then letters, digits, '_', '.' or '-')",
                )
                ok = False
        return ok

    def check(self, line: int, cells: Cells) -> LoggedDelivery | None:
        n_before = len(self.found)
        text = {
            c: self._text(line, c, cells[c])
            for c in ("delivery", "sender", "courier", "recipient", "mode", "outcome")
        }
        delivery = text["delivery"]
        if delivery is not None:
            col = cells["delivery"][1]
            if not _DELIVERY_ID.match(delivery):
                self.found.add(
                    line,
                    col,
                    path="delivery",
                    message="is not a delivery id (letters, digits, '_', '.', '-')",
                )
            elif delivery in self.first_line:
                self.found.add(
                    line,
                    col,
                    path="delivery",
                    message=f"delivery id {delivery!r} already used on line {self.first_line[delivery]}",
                )
            else:
                self.first_line[delivery] = line
        # -- log columns hook: dates, outcome words, notes, family arrests
        if "day" not in cells and lc.DATE_COLUMN in cells:
            value, col = cells[lc.DATE_COLUMN]
            day, why = lc.date_to_day(value, self.season_start)
            if why:
                self.found.add(line, col, why, path=lc.DATE_COLUMN)
            cells = {**cells, "day": (day if day is not None else 0, col)}
        if text["outcome"] is not None:
            text["outcome"] = lc.outcome_value(text["outcome"]) or text["outcome"]
        if lc.NOTES_COLUMN in cells:
            self._text(line, lc.NOTES_COLUMN, cells[lc.NOTES_COLUMN])  # checked, then dropped
        family: bool | None = None
        if lc.FAMILY_COLUMN in cells:
            family, ok = lc.family_value(cells[lc.FAMILY_COLUMN][0])
            if not ok:
                self.found.add(
                    line,
                    cells[lc.FAMILY_COLUMN][1],
                    "must be yes, no, or empty for not known",
                    path=lc.FAMILY_COLUMN,
                )
        # -- end of the hook
        day = self._day(line, cells["day"])
        for c in ("sender", "courier", "recipient"):
            v = text[c]
            if v is not None:
                if not v:
                    self.found.add(line, cells[c][1], path=c, message="is empty")
                else:
                    self._ids(line, c, cells[c][1], [v])
        for c, allowed in (("mode", MODES), ("outcome", OUTCOMES)):
            v = text[c]
            if v is not None and v not in allowed:
                message = f"must be one of: {', '.join(allowed)}"
                if c == "outcome":  # the words a spreadsheet may hold instead
                    message += " (or a word for one of them, such as received, arrested, lost)"
                self.found.add(line, cells[c][1], path=c, message=message)
        relays = self._list(line, "relays", cells["relays"])
        col_r = cells["relays"][1]
        if relays is not None:
            if not relays or any(not r for r in relays):
                self.found.add(
                    line, col_r, path="relays", message="needs one or more relay ids, ';'-separated"
                )
                relays = None
            elif self._ids(line, "relays", col_r, relays) and len(set(relays)) < len(relays):
                self.found.add(line, col_r, path="relays", message="names a relay twice")
        exposed: list[str] | None = None
        if "exposed_to" in cells:
            exposed = self._exposed(line, cells["exposed_to"])
        if len(self.found) > n_before:
            return None
        if delivery is None or day is None or relays is None:
            return None
        d = LoggedDelivery(
            delivery=delivery,
            day=day,
            sender=str(text["sender"]),
            relays=tuple(relays),
            courier=str(text["courier"]),
            recipient=str(text["recipient"]),
            mode=str(text["mode"]),
            outcome=str(text["outcome"]),
            exposed_to=None if exposed is None else tuple(exposed),
            line=line,
            family_arrested=family,
        )
        if self.model is not None and not self._parties(d, cells):
            return None
        return d

    def _day(self, line: int, cell: tuple[object, int]) -> int | None:
        value, col = cell
        if isinstance(value, bool):
            self.found.add(
                line, col, path="day", message="must be a whole number of days (0 or more)"
            )
            return None
        if isinstance(value, int):
            day = value
        elif isinstance(value, str) and _DAY.match(value.strip()):
            day = int(value.strip())
        else:
            if isinstance(value, str) and privacy_problem(value):
                self.found.add(line, col, path="day", message=str(privacy_problem(value)))
            else:
                self.found.add(
                    line, col, path="day", message="must be a whole number of days (0 or more)"
                )
            return None
        if not 0 <= day <= MAX_DAY:
            self.found.add(line, col, path="day", message=f"must be between 0 and {MAX_DAY}")
            return None
        return day

    def _exposed(self, line: int, cell: tuple[object, int]) -> list[str] | None:
        value, col = cell
        if value is None:
            return None
        items = self._list(line, "exposed_to", cell)
        if items is None:
            return None
        if not items or items == [""]:
            return None  # empty: as the protocol says
        if items == [NOBODY]:
            return []
        if any(not p for p in items):
            self.found.add(line, col, path="exposed_to", message="has an empty entry between ';'")
            return None
        if self._ids(line, "exposed_to", col, items) and len(set(items)) < len(items):
            self.found.add(line, col, path="exposed_to", message="names a party twice")
        return items

    # -- against the scenario --

    def _close(self, pid: str) -> str:
        """ "; did you mean ..." with the scenario's closest party id, if one is close."""
        digits = re.sub(r"\D", "", pid)  # only a misspelt name: never another number's party
        close = [
            c
            for c in difflib.get_close_matches(pid, self.index, n=3, cutoff=0.85)
            if re.sub(r"\D", "", c) == digits
        ]
        return f"; did you mean {close[0]!r}?" if close else ""

    def _role(self, pid: str, role: int) -> str | None:
        """Why ``pid`` cannot stand where a party of ``role`` is expected (None: it can)."""
        k = self.index.get(pid)
        if k is None:
            self.unknown += 1
            return f"unknown party {pid!r}: not in the scenario{self._close(pid)}"
        self.known += 1
        actual = int(self.roles[k])
        if actual != role:
            return f"{pid!r} is a {_ROLE_NAMES[actual]} in the scenario, not a {_ROLE_NAMES[role]}"
        return None

    def _parties(self, d: LoggedDelivery, cells: Cells) -> bool:
        line, ok = d.line, True

        def bad(column: str, message: str) -> None:
            nonlocal ok
            ok = False
            self.found.add(line, cells[column][1], path=column, message=message)

        for column, pid, role in (("sender", d.sender, 0), ("recipient", d.recipient, 3)):
            why = self._role(pid, role)
            if why:
                bad(column, why)
        for r in d.relays:
            why = self._role(r, 1)
            if why:
                bad("relays", why)
        base, _ = courier_slot(d.courier)
        courier_id = d.courier if d.courier in self.index else base
        why = self._role(courier_id, 2)
        if why:
            bad(
                "courier",
                why + (" (nor a replacement <courier>.newN)" if base != d.courier else ""),
            )
        for pid in d.exposed_to or ():
            if pid not in self.index and courier_slot(pid)[0] not in self.index:
                self.unknown += 1
                bad("exposed_to", f"unknown party {pid!r}: not in the scenario{self._close(pid)}")
        if not ok:
            return False
        key = (tuple(self.index[r] for r in d.relays), self.index[courier_id])
        chain = self.chains.get(key)
        if chain is None:
            bad("relays", "no route of the scenario goes through these relays to this courier")
            return False
        if chain not in self.sender_chains[self.index[d.sender]]:
            bad("relays", "this route is not one the sender uses in the scenario")
        return ok


_ROLE_NAMES = {0: "sender", 1: "relay", 2: "courier", 3: "recipient"}
