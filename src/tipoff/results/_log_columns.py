"""The incident log as defenders keep it: optional columns, outcome words, dates, a column map.

Kept apart from the reader (:mod:`tipoff.results._incident_log`), which calls these through a few
small hooks:

- ``family_arrested`` (optional): whether a family member was arrested at an intercepted
  delivery. ``yes``/``no`` (and the words in :data:`FAMILY_WORDS`), or empty for not known. The
  simulator's ``--log-out`` writes it; attribution uses it to tell a relay the service traced
  through an arrested family from an informant.
- ``notes`` (optional): free text the defender keeps beside a row. It is read, checked by the
  privacy guard (a note that looks like a name, an address or a phone number is refused without
  being echoed), and then dropped: no output of tipoff ever holds it.
- ``date`` (instead of ``day``): a calendar date ``YYYY-MM-DD`` (also ``YYYY/MM/DD`` and
  ``YYYY.MM.DD``), turned into a day number from the season's start (``--season-start``).
- Outcome words: besides ``delivered``, ``intercepted`` and ``unknown``, the words in
  :data:`OUTCOME_WORDS` (English, Korean, Chinese) are accepted, case and spaces aside.
- A column map: ``"day=Date,courier=Carrier"`` names, for each of tipoff's columns, the
  spreadsheet's header that holds it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from tipoff.errors import InputError, Problem, UsageError

__all__ = [
    "DATE_COLUMN",
    "FAMILY_COLUMN",
    "FAMILY_WORDS",
    "NOTES_COLUMN",
    "OUTCOME_WORDS",
    "date_to_day",
    "family_value",
    "outcome_value",
    "parse_column_map",
    "parse_season_start",
    "read_column_map",
]

FAMILY_COLUMN = "family_arrested"
NOTES_COLUMN = "notes"
DATE_COLUMN = "date"

#: Words accepted in the ``outcome`` column, each mapped to tipoff's outcome.
OUTCOME_WORDS: Mapping[str, str] = {
    # English
    "delivered": "delivered",
    "received": "delivered",
    "ok": "delivered",
    "arrived": "delivered",
    "intercepted": "intercepted",
    "arrested": "intercepted",
    "caught": "intercepted",
    "seized": "intercepted",
    "lost": "intercepted",
    "unknown": "unknown",
    "not known": "unknown",
    "?": "unknown",
    # Korean
    "전달": "delivered",
    "전달됨": "delivered",
    "수령": "delivered",
    "체포": "intercepted",
    "적발": "intercepted",
    "압수": "intercepted",
    "분실": "intercepted",
    "모름": "unknown",
    "미확인": "unknown",
    # Chinese (simplified and traditional)
    "送达": "delivered",
    "送達": "delivered",
    "已收到": "delivered",
    "被捕": "intercepted",
    "被抓": "intercepted",
    "没收": "intercepted",
    "沒收": "intercepted",
    "丢失": "intercepted",
    "遺失": "intercepted",
    "不明": "unknown",
    "未知": "unknown",
}

#: Words accepted in the ``family_arrested`` column (an empty cell: not known).
FAMILY_WORDS: Mapping[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "arrested": True,
    "예": True,
    "체포": True,
    "是": True,
    "被捕": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "아니오": False,
    "아니요": False,
    "否": False,
}
_UNKNOWN_FAMILY = {"", "unknown", "?", "모름", "不明", "未知"}
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def _norm(value: str) -> str:
    return " ".join(value.strip().lower().split())


def outcome_value(value: str) -> str | None:
    """Tipoff's outcome for a word of the log (None when the word is not known)."""
    return OUTCOME_WORDS.get(_norm(value))


def family_value(value: object) -> tuple[bool | None, bool]:
    """``(arrested, ok)``: True/False, or None when not known; ``ok`` False for a bad cell."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return value, True
    if not isinstance(value, str):
        return None, False
    v = _norm(value)
    if v in _UNKNOWN_FAMILY:
        return None, True
    if v in FAMILY_WORDS:
        return FAMILY_WORDS[v], True
    return None, False


def parse_season_start(text: str) -> dt.date:
    """The ``season_start`` date (``YYYY-MM-DD``; the CLI's ``--season-start``); UsageError
    otherwise."""
    d = _parse_date(text)
    if d is None:
        raise UsageError(
            "{season_start} must be a date YYYY-MM-DD, got " + UsageError.quote(repr(text)),
            params=["season_start"],
        )
    return d


def _parse_date(text: str) -> dt.date | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def date_to_day(value: object, start: dt.date | None) -> tuple[int | None, str | None]:
    """The day number of a ``date`` cell, or ``(None, problem)``."""
    if start is None:
        # an input problem, not a usage error: named for both the library and the command line
        return None, (
            "a date needs the season's first day: give it as season_start (--season-start) "
            "YYYY-MM-DD"
        )
    if not isinstance(value, str):
        return None, "must be a date YYYY-MM-DD"
    d = _parse_date(value)
    if d is None:
        return None, "must be a date YYYY-MM-DD"
    day = (d - start).days
    if day < 0:
        return None, f"is before the season's start ({start.isoformat()})"
    return day, None


#: The most bytes a column-map file may hold.
COLUMN_MAP_LIMIT = 64 * 1024


def read_column_map(path: str, /) -> dict[str, str]:
    """A column map kept in a small text file: one ``column=Header`` per line (or several per
    line, comma-separated); blank lines and lines starting with ``#`` are skipped.

    Read like every input file (an ``.age`` file is decrypted). Every bad entry is reported at
    once, at its ``file:line:col`` (:class:`~tipoff.errors.InputError`, exit 3)."""
    from tipoff._textfile import Problems, read_text, split_lines

    text = read_text(path, limit=COLUMN_MAP_LIMIT, what="a column map")
    entries = []
    for n, line in enumerate(split_lines(text), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        col = 1
        for part in line.split(","):
            entries.append((n, col + len(part) - len(part.lstrip()), part))
            col += len(part) + 1
    out, found = _column_map(entries)
    problems = Problems(source=str(path))
    for line_no, col, message in found:
        problems.add(line_no, col, message)
    if problems:
        raise problems.error()
    if not out:
        raise InputError(Problem(source=str(path), message="holds no COLUMN=HEADER entry"))
    return out


def parse_column_map(text: str, /) -> dict[str, str]:
    """``"day=Date,courier=Carrier"`` -> ``{"Date": "day", "Carrier": "courier"}`` (header ->
    tipoff column). :class:`~tipoff.errors.UsageError` listing every malformed entry, unknown
    tipoff column or header mapped twice."""
    entries, col = [], 1
    for part in text.split(","):
        entries.append((0, col, part))
        col += len(part) + 1
    out, found = _column_map(entries)
    if found:
        raise UsageError(
            "\n".join("{columns}: " + UsageError.quote(message) for _, _, message in found),
            params=["columns"],
        )
    return out


def _column_map(
    entries: list[tuple[int, int, str]],
) -> tuple[dict[str, str], list[tuple[int, int, str]]]:
    """The map from ``(line, col, 'column=Header')`` entries, and every problem as
    ``(line, col, message)``."""
    from tipoff.results._log import LOG_COLUMNS
    from tipoff.scenario._privacy import privacy_problem

    known = (*LOG_COLUMNS, "exposed_to", FAMILY_COLUMN, NOTES_COLUMN, DATE_COLUMN)
    out: dict[str, str] = {}
    found: list[tuple[int, int, str]] = []
    for line, col, part in entries:
        if not part.strip():
            continue
        personal = privacy_problem(part)
        if personal:  # refused, and never echoed
            found.append((line, col, f"an entry {personal}"))
            continue
        ours, sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            found.append((line, col, f"{part.strip()[:60]!r} is not COLUMN=HEADER"))
        elif ours not in known:
            found.append((line, col, f"unknown column {ours[:60]!r} (known: {', '.join(known)})"))
        elif theirs in out:
            found.append((line, col, f"header {theirs[:60]!r} is mapped twice"))
        elif ours in out.values():
            found.append((line, col, f"column {ours!r} is mapped twice"))
        else:
            out[theirs] = ours
    return out, found
