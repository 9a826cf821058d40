"""Classes of bad incident logs (issue 16): line numbers as editors count them, JSON lines of any
shape, huge header cells and keys, and the progress of a long read."""

from __future__ import annotations

import json
import time

import pytest

from tipoff.errors import InputError
from tipoff.results import parse_incident_log

HEADER = "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
BAD_DAY = "d2,x,s001,r1,c1,s001.f1,home,delivered\n"
ROW = {
    "delivery": "d1",
    "day": 3,
    "sender": "s001",
    "relays": ["r1"],
    "courier": "c1",
    "recipient": "s001.f1",
    "mode": "home",
    "outcome": "delivered",
}


def problems(text: str, fmt: str = "csv") -> list[str]:
    with pytest.raises(InputError) as info:
        parse_incident_log(text, source="L", fmt=fmt)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("first_row", "line"),
    [
        ('d1,3,s001,"r1\nx",c1,s001.f1,home,delivered\n', 4),  # a quoted LF: a line
        ('d1,3,s001,"r1\r\nx",c1,s001.f1,home,delivered\n', 4),  # a quoted CRLF: one line
        ('d1,3,s001,"r1\rx",c1,s001.f1,home,delivered\n', 4),  # a quoted CR: a line
        ("d1,3,s001,r1,c1,s001.f1,home,deli\u2028vered\n", 3),  # U+2028: not a line
        ("d1,3,s001,r1,c1,s001.f1,home,deli\x85vered\n", 3),  # NEL: not a line
        ("d1,3,s001,r1,c1,s001.f1,home,deli\x0cvered\n", 3),  # form feed: not a line
    ],
    ids=["quoted-lf", "quoted-crlf", "quoted-cr", "u2028", "nel", "form-feed"],
)
def test_csv_line_numbers(first_row: str, line: int) -> None:
    found = problems(HEADER + first_row + BAD_DAY)
    assert f"L:{line}:2: day: must be a whole number of days (0 or more)" in found, found


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_jsonl_line_numbers(sep: str) -> None:
    first = json.dumps({**ROW, "mode": f"ho{sep}me"}, ensure_ascii=False)
    second = json.dumps({**ROW, "delivery": "d2", "day": "x"})
    found = problems(first + "\n" + second + "\n", fmt="jsonl")
    assert found == [
        "L:1:7: mode: must be one of: home, meeting_point",
        "L:2:2: day: must be a whole number of days (0 or more)",
    ]


def test_cr_only_files_count_lines() -> None:
    text = (HEADER + "d1,3,s001,r1,c1,s001.f1,home,delivered\n" + BAD_DAY).replace("\n", "\r")
    assert problems(text) == ["L:3:2: day: must be a whole number of days (0 or more)"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("relays", {"a": 1}),
        ("relays", [None]),
        ("relays", [[["r1"]]]),
        ("day", 1.5),
        ("day", []),
        ("day", 10**30),
        ("delivery", None),
        ("exposed_to", 5),
        ("mode", {"x": [1]}),
    ],
)
def test_jsonl_unexpected_types_are_problems(key: str, value: object) -> None:
    (p,) = problems(json.dumps({**ROW, key: value}) + "\n", fmt="jsonl")
    assert p.startswith("L:1:"), p


@pytest.mark.parametrize(
    "line", ["[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000]
)
def test_deep_nesting_is_a_problem(line: str) -> None:
    (p,) = problems(line + "\n", fmt="jsonl")
    assert p.startswith("L:1:1: ")


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("+" + "1 " * 60_000 + "," + HEADER, "csv"),
        ("1-" * 60_000 + "," + HEADER, "csv"),
        (json.dumps({"1-" * 40_000: 1, **ROW}) + "\n", "jsonl"),
    ],
    ids=["phone-like-header", "dash-header", "huge-key"],
)
def test_huge_header_cells_and_keys_are_refused_fast(text: str, fmt: str) -> None:
    start = time.process_time()
    found = problems(text, fmt)
    assert time.process_time() - start < 1.0  # patterns that backtracked took minutes
    assert all(p.startswith("L:1:") for p in found), found
    assert "1-1-1-1-1-1" not in "".join(found)  # never echoed


def test_progress_is_reported() -> None:
    rows = "".join(f"d{k},3,s001,r1,c1,s001.f1,home,delivered\n" for k in range(120_000))
    seen: list[tuple[int, int]] = []
    log = parse_incident_log(HEADER + rows, progress=lambda done, total: seen.append((done, total)))
    assert len(log) == 120_000
    assert len(seen) >= 3 and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
