"""Run the ``tipoff`` CLI in-process on one input and check the contract of bad input.

The contract (README, "Exit codes"): exit 0 or 3, never 1 (a bug) and never a traceback; every
problem on its own line, naming the file and, for a problem inside it, ``line:col``; done in
under :data:`LIMIT_S` seconds.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

from tipoff.cli import main

#: Seconds of CPU any one input may take, accepted or refused (CPU time, not wall time, so that
#: a loaded CI machine does not make the check flaky; TIPOFF_FUZZ_LIMIT_S overrides it).
LIMIT_S = float(os.environ.get("TIPOFF_FUZZ_LIMIT_S", "2.0"))
#: Examples per fuzz test: a fixed, derandomized budget keeps CI short and repeatable (raise
#: ``TIPOFF_FUZZ_EXAMPLES`` locally to search harder).
EXAMPLES = int(os.environ.get("TIPOFF_FUZZ_EXAMPLES", "25"))
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: Problems about the whole file carry no line.
WHOLE_FILE = re.compile(
    r"(is \d+ bytes, larger than the limit|\d+ more problems not shown|holds no deliveries|"
    r"is not UTF-8 text)"
)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    seconds: float  # CPU time of this process
    wall: float


def run_cli(argv: list[str]) -> Outcome:
    """``tipoff ARGV`` in this process, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    start, wall = time.process_time(), time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Outcome(
        code,
        out.getvalue(),
        err.getvalue(),
        time.process_time() - start,
        time.perf_counter() - wall,
    )


def check_contract(result: Outcome, source: str) -> None:
    """Exit 0 or 3, no traceback, in time, and on exit 3 every line a positioned problem."""
    shown = result.out + result.err
    assert result.code in (0, 3), f"exit {result.code}:\n{result.err[-2000:]}"
    assert "Traceback" not in shown and "internal error" not in shown, result.err[-2000:]
    assert result.seconds < LIMIT_S, f"took {result.seconds:.2f} s"
    if result.code == 3:
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert lines, "exit 3 without a problem"
        for line in lines:
            assert line.startswith(source + ":"), line
            rest = line[len(source) :]
            assert re.match(r":\d+:\d+: ", rest) or WHOLE_FILE.search(rest), line
