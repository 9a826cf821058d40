"""Read and validate the defender's incident log (CSV or JSON lines), every problem at file:row:column.

The log holds what a defender can see, one row per delivery (MODEL.md, "The defender's incident
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
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

MAX_LOG_BYTES = 64 * 1024 * 1024
MAX_LOG_ROWS = 1_000_000
#: Problems reported before the rest are summarised in one line (a broken 10,000-row file).
MAX_PROBLEMS = 100
MAX_DAY = 100_000
MAX_CELL = 4_000
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


def read_incident_log(
    source: str | os.PathLike[str],
    /,
    *,
    model: CompiledModel | None = None,
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

    Returns
    -------
    IncidentLog

    Raises
    ------
    LogError
        With every problem found, each at ``file:row:column``.
    """
    name = os.fspath(source)
    text = _read_text(Path(name), name)
    return parse_incident_log(
        text,
        model=model,
        source=name,
        fmt=_guess_format(name, text),
        columns=columns,
        season_start=season_start,
    )


def _guess_format(name: str, text: str) -> str:
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def _read_text(path: Path, name: str) -> str:
    def fail(message: str) -> LogError:
        return LogError(Problem(source=name, message=message))

    try:
        st = path.stat()
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not an incident log")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file")
    too_big = f"is larger than the limit of {MAX_LOG_BYTES} bytes for an incident log"
    if st.st_size > MAX_LOG_BYTES:
        raise fail(too_big)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_LOG_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_LOG_BYTES:
        raise fail(too_big)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LogError(
            Problem(
                source=name,
                line=line,
                col=1,
                message=f"is not UTF-8 text (first bad byte at offset {exc.start})",
            )
        ) from None


# ----------------------------------------------------------------------------------- parsing --


class _Found:
    """Problems found so far, capped at MAX_PROBLEMS (the rest are counted)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, line: int, col: int, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Problem(source=self.source, line=line, col=col, path=path, message=message)
            )
        else:
            self.more += 1

    def error(self) -> LogError:
        problems = list(self.problems)
        if self.more:
            problems.append(
                Problem(source=self.source, message=f"{self.more} more problems not shown")
            )
        return LogError(problems)


def parse_incident_log(
    text: str,
    /,
    *,
    model: CompiledModel | None = None,
    source: str = "<string>",
    fmt: str = "csv",
    columns: dict[str, str] | None = None,
    season_start: datetime.date | None = None,
) -> IncidentLog:
    """Parse and validate an incident log from text (``fmt``: ``"csv"`` or ``"jsonl"``).

    See :func:`read_incident_log`; this does the same on text already read. ``columns`` maps
    the file's headers to tipoff's columns (:func:`tipoff.results.parse_column_map`);
    ``season_start`` is the date of day 0, for a ``date`` column.

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
    if text.startswith("\ufeff"):
        text = text[1:]
    found = _Found(source)
    rows = _csv_rows(text, found, columns) if fmt == "csv" else _jsonl_rows(text, found, columns)
    checker = _RowChecker(found, model)
    checker.season_start = season_start
    deliveries: list[LoggedDelivery] = []
    for line, cells in rows:
        if len(deliveries) >= MAX_LOG_ROWS:
            found.add(line, 1, "", f"more than {MAX_LOG_ROWS} rows: split the log")
            break
        d = checker.check(line, cells)
        if d is not None:
            deliveries.append(d)
    if found.problems:
        raise found.error()
    if not deliveries:
        raise LogError(Problem(source=source, message="holds no deliveries"))
    return IncidentLog(source=source, fmt=fmt, deliveries=tuple(deliveries))


Cells = dict[str, tuple[object, int]]  # column -> (value, 1-based column index)


def _check_columns(names: list[str], line: int, found: _Found) -> bool:
    """Every required column once, nothing else but ``exposed_to``. True when usable."""
    ok = True
    seen: set[str] = set()
    for k, name in enumerate(names, start=1):
        why = privacy_problem(name)
        if why:
            found.add(line, k, "", f"column name {why}")
            ok = False
        elif name in seen:
            found.add(line, k, name, "column given twice")
            ok = False
        elif name in GROUND_TRUTH_COLUMNS:
            found.add(
                line,
                k,
                name,
                "is ground truth, which a defender cannot know: an incident log holds only "
                "what the defender sees (remove the column)",
            )
            ok = False
        elif name not in LOG_COLUMNS and name not in OPTIONAL_COLUMNS:
            shown = name if _ID.match(name) else "a column"
            found.add(
                line,
                k,
                "",
                f"unknown column {shown!r} (allowed: {', '.join(LOG_COLUMNS + OPTIONAL_COLUMNS)})",
            )
            ok = False
        seen.add(name)
    if lc.DATE_COLUMN in seen:  # -- log columns hook: a date instead of a day
        if "day" in seen:
            found.add(line, 1, "", "give a day or a date column, not both")
            ok = False
        seen.add("day")
    missing = [c for c in LOG_COLUMNS if c not in seen]
    if missing:
        found.add(line, 1, "", f"missing column(s): {', '.join(missing)}")
        ok = False
    return ok


def _csv_rows(
    text: str, found: _Found, rename: dict[str, str] | None = None
) -> Iterator[tuple[int, Cells]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    last = 0
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            found.add(reader.line_num or start, 1, "", f"not valid CSV: {exc}")
            return
        last = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        cells = [c.strip() for c in row]
        if header is None:
            header = [rename.get(c, c) for c in cells] if rename else cells
            if not _check_columns(header, start, found):
                return
            continue
        if len(cells) != len(header):
            found.add(
                start, 1, "", f"has {len(cells)} fields, the header has {len(header)} columns"
            )
            continue
        yield start, {name: (cells[k], k + 1) for k, name in enumerate(header)}
    if header is None:
        found.add(1, 1, "", "no header line: the first line names the columns")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a log may hold")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("a key appears twice in one object")
        out[k] = v
    return out


def _jsonl_rows(
    text: str, found: _Found, rename: dict[str, str] | None = None
) -> Iterator[tuple[int, Cells]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            found.add(line, exc.colno, "", f"not valid JSON: {exc.msg}")
            continue
        except ValueError as exc:
            found.add(line, 1, "", f"not valid: {exc}")
            continue
        if not isinstance(obj, dict):
            found.add(line, 1, "", "each line must be one JSON object (a delivery)")
            continue
        if rename:
            obj = {rename.get(k, k): v for k, v in obj.items()}
        names = list(obj)
        if not _check_columns(names, line, found):
            continue
        yield line, {name: (obj[name], k) for k, name in enumerate(names, start=1)}


# -------------------------------------------------------------------------------- row checks --


class _RowChecker:
    """Checks the values of one row after another (and, with a model, parties and routes)."""

    def __init__(self, found: _Found, model: CompiledModel | None) -> None:
        self.found = found
        self.model = model
        self.season_start: datetime.date | None = None
        self.first_line: dict[str, int] = {}
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
            self.found.add(line, col, column, "must be text")
            return None
        if len(value) > MAX_CELL:
            self.found.add(line, col, column, f"is longer than {MAX_CELL} characters")
            return None
        why = privacy_problem(value)
        if why:
            self.found.add(line, col, column, why)
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
                    column,
                    "is not a party id (a letter, then letters, digits, '_', '.' or '-')",
                )
                ok = False
        return ok

    def check(self, line: int, cells: Cells) -> LoggedDelivery | None:
        n_before = len(self.found.problems) + self.found.more
        text = {
            c: self._text(line, c, cells[c])
            for c in ("delivery", "sender", "courier", "recipient", "mode", "outcome")
        }
        delivery = text["delivery"]
        if delivery is not None:
            col = cells["delivery"][1]
            if not _DELIVERY_ID.match(delivery):
                self.found.add(
                    line, col, "delivery", "is not a delivery id (letters, digits, '_', '.', '-')"
                )
            elif delivery in self.first_line:
                self.found.add(
                    line,
                    col,
                    "delivery",
                    f"delivery id {delivery!r} already used on line {self.first_line[delivery]}",
                )
            else:
                self.first_line[delivery] = line
        # -- log columns hook: dates, outcome words, notes, family arrests
        if "day" not in cells and lc.DATE_COLUMN in cells:
            value, col = cells[lc.DATE_COLUMN]
            day, why = lc.date_to_day(value, self.season_start)
            if why:
                self.found.add(line, col, lc.DATE_COLUMN, why)
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
                    lc.FAMILY_COLUMN,
                    "must be yes, no, or empty for not known",
                )
        # -- end of the hook
        day = self._day(line, cells["day"])
        for c in ("sender", "courier", "recipient"):
            v = text[c]
            if v is not None:
                if not v:
                    self.found.add(line, cells[c][1], c, "is empty")
                else:
                    self._ids(line, c, cells[c][1], [v])
        for c, allowed in (("mode", MODES), ("outcome", OUTCOMES)):
            v = text[c]
            if v is not None and v not in allowed:
                self.found.add(line, cells[c][1], c, f"must be one of: {', '.join(allowed)}")
        relays = self._list(line, "relays", cells["relays"])
        col_r = cells["relays"][1]
        if relays is not None:
            if not relays or any(not r for r in relays):
                self.found.add(line, col_r, "relays", "needs one or more relay ids, ';'-separated")
                relays = None
            elif self._ids(line, "relays", col_r, relays) and len(set(relays)) < len(relays):
                self.found.add(line, col_r, "relays", "names a relay twice")
        exposed: list[str] | None = None
        if "exposed_to" in cells:
            exposed = self._exposed(line, cells["exposed_to"])
        if len(self.found.problems) + self.found.more > n_before:
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
            self.found.add(line, col, "day", "must be a whole number of days (0 or more)")
            return None
        if isinstance(value, int):
            day = value
        elif isinstance(value, str) and _DAY.match(value.strip()):
            day = int(value.strip())
        else:
            if isinstance(value, str) and privacy_problem(value):
                self.found.add(line, col, "day", str(privacy_problem(value)))
            else:
                self.found.add(line, col, "day", "must be a whole number of days (0 or more)")
            return None
        if not 0 <= day <= MAX_DAY:
            self.found.add(line, col, "day", f"must be between 0 and {MAX_DAY}")
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
            self.found.add(line, col, "exposed_to", "has an empty entry between ';'")
            return None
        if self._ids(line, "exposed_to", col, items) and len(set(items)) < len(items):
            self.found.add(line, col, "exposed_to", "names a party twice")
        return items

    # -- against the scenario --

    def _role(self, pid: str, role: int) -> str | None:
        """Why ``pid`` cannot stand where a party of ``role`` is expected (None: it can)."""
        k = self.index.get(pid)
        if k is None:
            return f"unknown party {pid!r}: not in the scenario"
        actual = int(self.roles[k])
        if actual != role:
            return f"{pid!r} is a {_ROLE_NAMES[actual]} in the scenario, not a {_ROLE_NAMES[role]}"
        return None

    def _parties(self, d: LoggedDelivery, cells: Cells) -> bool:
        line, ok = d.line, True

        def bad(column: str, message: str) -> None:
            nonlocal ok
            ok = False
            self.found.add(line, cells[column][1], column, message)

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
                bad("exposed_to", f"unknown party {pid!r}: not in the scenario")
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
