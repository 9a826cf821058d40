"""The readers under bad and big input: mutated files, and a log of a million rows.

Two measurements, both rerunnable:

1. ``--inputs N`` mutated scenario files (of both presets) and N mutated incident logs (CSV and
   JSON lines of a simulated classroom season), drawn by the fuzz suite's own mutations
   (``tests/fuzz/mutations.py``) with a fixed derandomised Hypothesis budget, each run through the
   CLI in this process (``scenario validate`` and ``attribute``). Prints the exit codes seen, the
   internal errors (exit 1 or a traceback: the goal is none) and the worst CPU time per input
   (the goal is under 2 s).
2. ``--rows R`` (default one million): a CSV log made by repeating a simulated classroom log with
   fresh delivery ids, read and validated against the model by ``read_incident_log``; prints the
   seconds and rows per second.

Usage: ``python benchmarks/readers.py [--inputs 300] [--rows 1000000]``
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

from harness import run_cli  # noqa: E402
from mutations import MUTATIONS, mutate  # noqa: E402

from tipoff.engines import simulate_season  # noqa: E402
from tipoff.model import compile_scenario  # noqa: E402
from tipoff.results import incident_log_text, read_incident_log  # noqa: E402
from tipoff.scenario import load_preset, preset_text  # noqa: E402


def _classroom_log(fmt: str) -> str:
    output = simulate_season(
        compile_scenario(load_preset("classroom")), n_runs=1, seed=3, record_run=0
    )
    assert output.record is not None
    return incident_log_text(output.record, fmt=fmt)


def mutated(n: int, folder: Path) -> None:
    """Run ``n`` mutated scenarios and ``n`` mutated logs through the CLI; print the tally."""
    sources = {
        "scenario": [
            (preset_text(p).encode(), "yaml") for p in ("classroom", "north-hamgyong-spring")
        ],
        "log": [(_classroom_log(fmt).encode(), fmt) for fmt in ("csv", "jsonl")],
    }
    for kind, bases in sources.items():
        _tally(kind, bases, n, folder)


def _tally(kind: str, bases: list[tuple[bytes, str]], n: int, folder: Path) -> None:
    """Mutations of ``bases`` through the CLI: exit codes, internal errors, worst CPU time."""
    codes: collections.Counter[int] = collections.Counter()
    internal, worst, count = 0, 0.0, 0

    @settings(
        max_examples=max(1, n // len(bases)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(edits=MUTATIONS)
    def one(edits: list, data: bytes, suffix: str) -> None:
        nonlocal internal, worst, count
        target = folder / f"mutated.{suffix}"
        target.write_bytes(mutate(data, edits))
        argv = (
            ["scenario", "validate", str(target)]
            if kind == "scenario"
            else ["attribute", str(target), "--scenario", "classroom"]
        )
        result = run_cli(argv)
        codes[result.code] += 1
        count += 1
        if result.code == 1 or "Traceback" in result.err or "internal error" in result.err:
            internal += 1
        worst = max(worst, result.seconds)

    for data, suffix in bases:
        one(data=data, suffix=suffix)  # type: ignore[call-arg]
    print(
        f"{kind}: {count} mutated inputs, exit codes {dict(sorted(codes.items()))}, "
        f"internal errors {internal}, worst CPU per input {worst:.2f} s (goal < 2 s)"
    )


def million_rows(rows: int, folder: Path) -> None:
    """Read and validate a CSV log of ``rows`` rows; print the time."""
    text = _classroom_log("csv")
    header, *body = text.splitlines()
    lines = [header]
    for k in range(rows):
        cells = body[k % len(body)].split(",", 1)
        lines.append(f"x{k:07d},{cells[1]}")
    path = folder / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = compile_scenario(load_preset("classroom"))
    start = time.perf_counter()
    log = read_incident_log(path, model=model)
    seconds = time.perf_counter() - start
    print(
        f"read and validated a {path.stat().st_size / 1e6:.0f} MB CSV log of "
        f"{len(log.deliveries):,} rows in {seconds:.1f} s ({len(log.deliveries) / seconds:,.0f} "
        "rows/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=300, help="mutated inputs of each kind")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.inputs > 0:
            mutated(args.inputs, folder)
        if args.rows > 0:
            million_rows(args.rows, folder)


if __name__ == "__main__":
    main()
