"""Text from files made safe for the terminal: every CLI print of file-derived text goes through here.

Scenario names, descriptions, party ids, place names, log cells and file names come from files
someone else may have written. A terminal obeys escape sequences (colours, titles, cursor moves,
hyperlinks, even clipboard writes) and Unicode controls can reorder what is shown (bidirectional
overrides) or split lines (U+2028). :func:`safe` shows every such character visibly, as a Python
escape (``\\x1b``, ``\\u202e``); :func:`safe_markup` also escapes Rich markup (``[bold]``) for text
printed where markup is interpreted (tables, titles).
"""

from __future__ import annotations

import re

from rich.markup import escape

__all__ = ["safe", "safe_lines", "safe_markup", "without_personal_data"]

# C0 and C1 controls, DEL, the Arabic letter mark, zero-width and directional marks, line and
# paragraph separators, directional embeddings, overrides and isolates, invisible operators,
# the byte-order mark, interlinear annotations, and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object, /) -> str:
    """``text`` with control characters and escape sequences shown visibly.

    Examples
    --------
    >>> safe("r1\\x1b[31m")
    'r1\\\\x1b[31m'
    >>> safe("Hoeryong")
    'Hoeryong'
    """
    s = str(text)
    return _UNSAFE.sub(_visible, s) if _UNSAFE.search(s) else s


def safe_lines(text: object, /) -> str:
    r""":func:`safe` line by line: a message of several lines keeps its line breaks.

    Examples
    --------
    >>> print(safe_lines("one\x1b\ntwo"))
    one\x1b
    two
    """
    return "\n".join(safe(line) for line in str(text).split("\n"))


def safe_markup(text: object, /) -> str:
    """:func:`safe`, then Rich markup escaped: for text printed with markup on.

    Examples
    --------
    >>> safe_markup("[bold]x")
    '\\\\[bold]x'
    """
    return escape(safe(text))


_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def without_personal_data(text: str, /) -> str:
    """An error message with every part that looks like personal data taken out.

    Usage errors quote what the user typed; a phone number typed into the wrong option must not
    be echoed back. Quoted values that look like personal data become ``(not shown)``; any other
    ``: ``-separated part that still does is replaced as a whole.

    Examples
    --------
    >>> without_personal_data("--season-start must be a date, got '+82 10 1234 5678'")
    "--season-start must be a date, got '(not shown: looks like personal data)'"
    >>> without_personal_data("--runs must be positive")
    '--runs must be positive'
    """
    from tipoff.scenario._privacy import privacy_problem

    if privacy_problem(text) is None:
        return text
    hidden = "(not shown: looks like personal data)"

    def quoted(m: re.Match[str]) -> str:
        return f"'{hidden}'" if privacy_problem(m.group()[1:-1]) else m.group()

    text = _QUOTED.sub(quoted, text)
    if privacy_problem(text) is None:
        return text
    return ": ".join(hidden if privacy_problem(part) else part for part in text.split(": "))
