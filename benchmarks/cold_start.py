"""The first ``tipoff run`` after an install, when the season engine is compiled, and the next one.

Run from the repository root::

    .venv/bin/python benchmarks/cold_start.py [--runs 1000] [--repeat 2] [--breakdown]

A fresh install has an empty compilation cache; this script gives each trial its own empty cache
directory (numba's ``NUMBA_CACHE_DIR``), then times, each in a fresh process, the first
``tipoff run --runs N --seed 1`` (compiling the engine, with its note on stderr) and the second
(loading it from the cache): wall time, and the CPU time (user + system) of the process, the
steadier figure on a shared machine. Goal: the first at most 10 s. It also prints the note the
first run shows, and checks that the second shows none.

``--breakdown`` also compiles the engine once more in a fresh process with an empty cache and says
where the compile time goes: numba's passes on the run loop (inlining the mechanisms, type
inference, lowering, of which LLVM), after the generator's functions (``_pcg``) compiled on their
own.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

COMMAND = "from tipoff.cli import main; main()"

BREAKDOWN = """
import time
import numba
import numpy as np
from tipoff.engines.season import _kernel, _pcg as rng
from tipoff.engines.season._chunk import simulate_chunk
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

@numba.njit
def draws(st, entropy, out, buf, counts):  # every generator function the engine calls
    rng.seed_stream(st, entropy, 1)
    rng.fill_doubles(st, out, 5)
    rng.fill_normals(st, out, 5, buf)
    rng.fill_poisson(st, 1.0, 0.37, counts, 5, buf)
    return rng.random_geometric(st, 0.1, -0.1) + rng.bounded_uint32(st, np.uint64(5))

model = compile_scenario(load_preset("classroom"))
c0 = time.process_time()
draws(rng.new_stream(), rng.seed_words(1), np.zeros(8), np.zeros(8, np.uint64), np.zeros(8, np.int64))
c1 = time.process_time()
simulate_chunk(model, 0, 0, 0)
c2 = time.process_time()
(cres,) = _kernel.simulate_runs.overloads.values()
passes = cres.metadata["pipeline_times"]["nopython"]
own = {k.split("_", 1)[1]: v.run for k, v in passes.items()}
print(f"compile, CPU time: the generator's functions {c1 - c0:.1f} s, then the run loop {c2 - c1:.1f} s")
for name in ("inline_inlinables", "nopython_type_inference", "native_lowering",
             "reconstruct_ssa", "nopython_rewrites"):
    print(f"  run loop, numba pass {name}: {own[name]:.1f} s (wall)")
print(f"  of which LLVM (llvm_lock): {cres.metadata['timers']['llvm_lock']:.1f} s (wall)")
"""


def timed_run(env: dict[str, str], runs: int) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system of the child) of one ``tipoff run``, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, "run", "--runs", str(runs), "--seed", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="seasons per tipoff run")
    parser.add_argument("--repeat", type=int, default=2, help="trials, each with an empty cache")
    parser.add_argument("--breakdown", action="store_true", help="where the compile time goes")
    args = parser.parse_args(argv)
    firsts, seconds, cpus = [], [], []
    for trial in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            first, first_cpu, note = timed_run(env, args.runs)
            second, second_cpu, quiet = timed_run(env, args.runs)
        firsts.append(first)
        seconds.append(second)
        cpus.append(first_cpu)
        print(
            f"trial {trial + 1}: first run {first:.1f} s ({first_cpu:.1f} s CPU), "
            f"second run {second:.1f} s ({second_cpu:.1f} s CPU)"
        )
        if trial == 0:
            print("  the first run said on stderr: " + " | ".join(note.strip().splitlines()))
            print(f"  the second run said: {quiet.strip()!r}")
    print(
        f"tipoff run --runs {args.runs}: first run after install {min(firsts):.1f}-"
        f"{max(firsts):.1f} s, {min(cpus):.1f}-{max(cpus):.1f} s CPU "
        f"(goal <= 10 s: {'met' if max(firsts) <= 10 else 'NOT met'}); "
        f"later runs {min(seconds):.1f}-{max(seconds):.1f} s"
    )
    if args.breakdown:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            done = subprocess.run(
                [sys.executable, "-c", BREAKDOWN], env=env, capture_output=True, text=True
            )
            print(done.stdout.rstrip() or done.stderr.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
