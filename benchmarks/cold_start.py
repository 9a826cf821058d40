"""The first ``tipoff run`` after an install, when the season engine is compiled, and the next one.

Run from the repository root::

    .venv/bin/python benchmarks/cold_start.py [--runs 1000] [--repeat 2]

A fresh install has an empty compilation cache; this script gives each trial its own empty cache
directory (numba's ``NUMBA_CACHE_DIR``), then times, each in a fresh process, the first
``tipoff run --runs N --seed 1`` (compiling the engine, with its note on stderr) and the second
(loading it from the cache). Goal: the first at most 10 s. It also prints the note the first run
shows, and checks that the second shows none.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

COMMAND = "from tipoff.cli import main; main()"


def timed_run(env: dict[str, str], runs: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, "run", "--runs", str(runs), "--seed", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="seasons per tipoff run")
    parser.add_argument("--repeat", type=int, default=2, help="trials, each with an empty cache")
    args = parser.parse_args(argv)
    firsts, seconds = [], []
    for trial in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            first, note = timed_run(env, args.runs)
            second, quiet = timed_run(env, args.runs)
        firsts.append(first)
        seconds.append(second)
        print(f"trial {trial + 1}: first run {first:.1f} s, second run {second:.1f} s")
        if trial == 0:
            print("  the first run said on stderr: " + " | ".join(note.strip().splitlines()))
            print(f"  the second run said: {quiet.strip()!r}")
    print(
        f"tipoff run --runs {args.runs}: first run after install {min(firsts):.1f}-"
        f"{max(firsts):.1f} s (goal <= 10 s: {'met' if max(firsts) <= 10 else 'NOT met'}); "
        f"later runs {min(seconds):.1f}-{max(seconds):.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
