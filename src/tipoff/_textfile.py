"""The text files users give tipoff (scenarios, incident logs): reading, decoding, positions, problems.

Both readers (:mod:`tipoff.scenario._load`, :mod:`tipoff.results._incident_log`) go through here:

- :func:`read_bytes` is **the one place** a user's file is read: guards (missing, a folder, not a
  regular file, larger than the reader's limit, unreadable), each refused in one line;
- :func:`decode` turns the bytes into text (UTF-8, a leading byte-order mark dropped), or says
  at ``line:col`` where the first byte that is not UTF-8 is;
- :class:`LineIndex` turns character offsets into ``line:col``;
- :class:`Problems` collects every problem of one file, then raises them together.

What a line is
--------------
A line ends at a line feed (LF), a carriage return followed by a line feed (CRLF, one break),
or a carriage return alone (CR). Nothing else ends a line: form feed, vertical tab, NEL (U+0085),
LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) are characters inside a line. This is
what YAML 1.2, JSON, CSV (RFC 4180), ``grep -n``, ``git`` and editors such as Vim and VS Code count
(Python's ``str.splitlines`` splits at more characters and would shift every later line number).
A line break inside a quoted CSV cell is a line break like any other: the row starts on one
line and its next cells are on later lines. Lines and columns count from 1; a column counts
characters (Unicode code points) from the start of the line, so a tab is one column.
"""

from __future__ import annotations

import bisect
import errno
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from tipoff._crypto import decrypt_if_encrypted
from tipoff._oserrors import describe
from tipoff.errors import InputError, Problem

__all__ = [
    "LineIndex",
    "Problems",
    "decode",
    "read_bytes",
    "read_text",
    "split_lines",
]

_BREAK = re.compile(r"\r\n?|\n")


def read_bytes(
    path: str | os.PathLike[str],
    /,
    *,
    limit: int,
    what: str,
    error: type[InputError] = InputError,
) -> bytes:
    """Read a user's file whole: **the one place** tipoff reads the bytes of an input file.

    Parameters
    ----------
    path
        The file.
    limit
        The most bytes accepted; a larger file is refused before it is read.
    what
        What the file should be, with its article, for messages ("a scenario file").
    error
        The :class:`~tipoff.errors.InputError` subclass to raise.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputError
        (as ``error``) with one problem at the file: no such file, a folder, not a regular file,
        too large, or the operating system's reason it cannot be read.
    """
    name = os.fspath(path)

    def fail(message: str) -> InputError:
        return error(Problem(source=name, message=message))

    if name == "-" and not os.path.exists(name):
        raise fail("'-' (standard input) is not read: name a file")
    try:
        st = os.stat(name)
    except OSError as exc:
        message = _cannot_read(exc)
        if exc.errno == errno.ENOENT and os.path.isfile(name + ".age"):
            # tipoff writes NAME.age when it encrypts NAME: point at it
            message += f" (there is {os.path.basename(name)}.age, its encrypted copy: name that)"
        raise fail(message) from None
    except ValueError:  # e.g. a NUL character in the name
        raise fail("is not a usable file name") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail(f"is a directory, not {what}")
    if not stat.S_ISREG(st.st_mode):
        raise fail(f"is not a regular file (a device, pipe or socket), not {what}")
    if st.st_size > limit:
        raise fail(_too_big(st.st_size, limit, what))
    try:
        with open(name, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise fail(_cannot_read(exc)) from None
    if len(data) > limit:
        raise fail(_too_big(len(data), limit, what))
    return data


def _cannot_read(exc: OSError) -> str:
    words = describe(exc, writing=False)
    return words if words == "no such file" else f"cannot read the file: {words}"


def _too_big(size: int, limit: int, what: str) -> str:
    return f"is {size} bytes, larger than the limit of {limit} bytes for {what}"


def decode(data: bytes, /, *, source: str, error: type[InputError] = InputError) -> str:
    """UTF-8 text from bytes, without a leading byte-order mark.

    Raises
    ------
    InputError
        (as ``error``) at the ``line:col`` of the first byte that is not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace").removeprefix("\ufeff")
        line, col = LineIndex(before).position(len(before))
        raise error(
            Problem(
                source=source,
                line=line,
                col=col,
                message=f"is not UTF-8 text (first bad byte at offset {exc.start})",
            )
        ) from None
    return text.removeprefix("\ufeff")


def read_text(
    path: str | os.PathLike[str],
    /,
    *,
    limit: int,
    what: str,
    error: type[InputError] = InputError,
) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    data = read_bytes(path, limit=limit, what=what, error=error)
    # age (.age) files, read transparently: the one place input bytes become text
    data = decrypt_if_encrypted(data, source=os.fspath(path))
    return decode(data, source=os.fspath(path), error=error)


def split_lines(text: str, /) -> list[str]:
    """The lines of ``text`` (see "What a line is"), without their breaks; line k is item k - 1.

    A break at the very end does not start another line.

    Examples
    --------
    >>> split_lines("a\\r\\nb\\rc\\u2028d\\n")
    ['a', 'b', 'c\\u2028d']
    """
    lines = text.split("\n") if "\r" not in text else _BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@dataclass
class LineIndex:
    """Character offsets to 1-based ``(line, col)``.

    Built lazily: a file without problems never pays for it.

    Examples
    --------
    >>> ix = LineIndex("ab\\r\\ncd\\u2028e")
    >>> ix.position(4), ix.position(7)
    ((2, 1), (2, 4))
    """

    text: str
    _starts: list[int] | None = field(default=None, repr=False)

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _BREAK.finditer(self.text))]
        return self._starts

    def position(self, offset: int, /) -> tuple[int, int]:
        """``(line, col)`` of the character at ``offset`` (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        starts = self._line_starts()
        k = bisect.bisect_right(starts, offset) - 1
        if k > 0 and starts[k] == offset and self.text[offset - 1 : offset + 1] == "\r\n":
            k -= 1  # never inside a CRLF pair
        return k + 1, offset - starts[k] + 1


@dataclass
class Problems:
    """Every problem of one file, raised together as one :class:`~tipoff.errors.InputError`.

    Parameters
    ----------
    source
        The file's name, as problems show it.
    limit
        Problems kept; beyond it they are counted and summed up in one last line.
    per_place
        At most this many problems at one ``(line, col, path)`` (a generator of 10,000 relays
        may have 10,000 alike); the rest are summed up there. None: no such cap.
    ordered
        Sort problems by position when raising (else file order, as found).
    """

    source: str
    limit: int = 100
    per_place: int | None = None
    ordered: bool = False
    items: list[Problem] = field(default_factory=list)
    more: int = 0
    privacy: bool = False

    def add(
        self, line: int, col: int, message: str, *, path: str = "", privacy: bool = False
    ) -> None:
        """Record a problem at ``line:col`` (0: the whole file)."""
        self.privacy = self.privacy or privacy
        if len(self.items) < self.limit:
            self.items.append(
                Problem(source=self.source, line=line, col=col, path=path, message=message)
            )
        else:
            self.more += 1

    def __len__(self) -> int:
        return len(self.items) + self.more

    def __bool__(self) -> bool:
        return bool(self.items) or self.more > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def error(self, cls: type[InputError] = InputError) -> InputError:
        """The exception to raise, with every problem kept (and a count of the rest)."""
        problems = list(self.items)
        if self.ordered:
            problems.sort(key=lambda p: (p.line, p.col))
        if self.per_place is not None:
            problems = _cap_per_place(problems, self.per_place)
        if self.more:
            problems.append(
                Problem(source=self.source, message=f"{self.more} more problems not shown")
            )
        return cls(problems)


def _cap_per_place(problems: list[Problem], cap: int) -> list[Problem]:
    totals = Counter((p.line, p.col, p.path) for p in problems)
    seen: Counter[tuple[int, int, str]] = Counter()
    kept: list[Problem] = []
    for p in problems:
        place = (p.line, p.col, p.path)
        seen[place] += 1
        if seen[place] <= cap:
            kept.append(p)
        elif seen[place] == cap + 1:
            kept.append(replace(p, message=f"... and {totals[place] - cap} more like these"))
    return kept
