"""Mutations of valid inputs (the presets, a simulated incident log): bytes, tokens, structure, sizes.

Each mutation is a Hypothesis strategy of functions ``bytes -> bytes``, so a failure shrinks to a
small edit of a known-good file. Shared by the scenario and incident-log fuzz tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import strategies as st

Mutation = Callable[[bytes], bytes]

#: Characters that trip line counting, decoding, terminals and parsers.
AWKWARD = [
    b"\r",
    b"\r\n",
    b"\n",
    b"\x0c",
    b"\x0b",
    b"\x00",
    b"\t",
    b"\xc2\x85",  # NEL
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\xe2\x80\xa9",  # PARAGRAPH SEPARATOR
    b"\xef\xbb\xbf",  # BOM
    b"\x1b[31m",  # a terminal escape sequence
    b"\x1b]0;title\x07",
    b"[bold]x[/bold]",  # Rich markup
    b"\xff",  # not UTF-8
    b"\xed\xa0\x80",  # an encoded surrogate
    b'"',
    b"'",
    b",",
    b";",
    b":",
    b"- ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a ",
    b"*a",
    b"!!python/object ",
    b"<<: ",
    b"#",
    b"%",
    b"---\n",
    b"...\n",
    b"+82 10-1234-5678",
    b"12 Main Street",
]
#: Tokens that replace a token of the input.
TOKENS = [
    b"0",
    b"1",
    b"-1",
    b"80",
    b"80%",
    b"1.5",
    b"1e309",
    b"-0",
    b"nan",
    b".nan",
    b".inf",
    b"NaN",
    b"Infinity",
    b"true",
    b"null",
    b"~",
    b"''",
    b'""',
    b"[]",
    b"{}",
    b"[[[[[[[[[[]]]]]]]]]]",
    b'{"a": {"a": {"a": {"a": []}}}}',
    b"999999999999999999999999",
    b"2020-02-30",
    b"sender",
    b"relay",
    b"courier",
    b"recipient",
    b"home",
    b"intercepted",
    b"r1",
    b"c9",
    b"s001",
    b"Hoeryong",
    b"x" * 300,
]

_TOKEN = re.compile(rb"[A-Za-z0-9_.\-]+|[^\sA-Za-z0-9_.\-]")


def _at(data: bytes, where: float) -> int:
    return min(len(data), int(where * (len(data) + 1)))


def _insert(piece: bytes, where: float) -> Mutation:
    return lambda d: d[: _at(d, where)] + piece + d[_at(d, where) :]


def _delete(where: float, n: int) -> Mutation:
    return lambda d: d[: _at(d, where)] + d[_at(d, where) + n :]


def _flip(where: float, bit: int) -> Mutation:
    def apply(d: bytes) -> bytes:
        if not d:
            return d
        k = min(len(d) - 1, _at(d, where))
        return d[:k] + bytes([d[k] ^ (1 << bit)]) + d[k + 1 :]

    return apply


def _replace_token(where: float, token: bytes) -> Mutation:
    def apply(d: bytes) -> bytes:
        spans = [m.span() for m in _TOKEN.finditer(d)]
        if not spans:
            return d + token
        a, b = spans[min(len(spans) - 1, int(where * len(spans)))]
        return d[:a] + token + d[b:]

    return apply


def _lines_op(op: str, where: float, other: float) -> Mutation:
    def apply(d: bytes) -> bytes:
        lines = d.split(b"\n")
        i = min(len(lines) - 1, int(where * len(lines)))
        j = min(len(lines) - 1, int(other * len(lines)))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = b"  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith(b"  ") else lines[i].lstrip()
        elif op == "move":
            lines.insert(j, lines.pop(i))
        return b"\n".join(lines)

    return apply


#: The most bytes one growing mutation adds: above every reader's size limit but the log's, and
#: small enough for a test to hold.
GROWN_LIMIT = 16 * 1024 * 1024


def _grow(where: float, times: int) -> Mutation:
    """Repeat one line many times (100,000 parties, deliveries, rows ...)."""

    def apply(d: bytes) -> bytes:
        lines = d.split(b"\n")
        i = min(len(lines) - 1, int(where * len(lines)))
        # at most GROWN_LIMIT bytes of copies: a huge line repeated 100,000 times would otherwise
        # need gigabytes here, in the test, before any reader sees it
        copies = min(times, max(1, GROWN_LIMIT // (len(lines[i]) + 1)))
        return b"\n".join([*lines[:i], *[lines[i]] * copies, *lines[i:]])

    return apply


def _huge_token(where: float, size: int, fill: bytes) -> Mutation:
    return _replace_token(where, (fill * size)[:size])


def _nest(where: float, depth: int, kind: int) -> Mutation:
    opener, closer = [(b"[", b"]"), (b'{"a": ', b"}"), (b"{a: ", b"}")][kind]
    return _replace_token(where, opener * depth + b"1" + closer * depth)


_where = st.floats(0, 1, allow_nan=False)

BYTE_EDITS = st.one_of(
    st.builds(_insert, st.sampled_from(AWKWARD), _where),
    st.builds(_insert, st.binary(min_size=1, max_size=8), _where),
    st.builds(_delete, _where, st.integers(1, 40)),
    st.builds(_flip, _where, st.integers(0, 7)),
)
TOKEN_EDITS = st.builds(_replace_token, _where, st.sampled_from(TOKENS + AWKWARD))
STRUCTURE_EDITS = st.builds(
    _lines_op,
    st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "move"]),
    _where,
    _where,
)
SIZE_EDITS = st.one_of(
    st.builds(_grow, _where, st.sampled_from([1_000, 20_000, 100_000])),
    st.builds(
        _huge_token,
        _where,
        st.sampled_from([5_000, 100_000]),
        st.sampled_from([b"a", b"1", b"a ", b"9-"]),
    ),
    st.builds(_nest, _where, st.sampled_from([60, 5_000, 100_000]), st.integers(0, 2)),
)
#: One to four edits of any kind (size edits rarer: they are slow to build).
MUTATIONS = st.lists(
    st.one_of(BYTE_EDITS, TOKEN_EDITS, STRUCTURE_EDITS, BYTE_EDITS, TOKEN_EDITS, SIZE_EDITS),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, edits: list[Mutation]) -> bytes:
    """Apply ``edits`` in order."""
    for edit in edits:
        data = edit(data)
    return data
