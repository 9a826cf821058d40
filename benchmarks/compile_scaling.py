"""Why the season engine's first compile is slow: numba's cost of a state held in large tuples.

Run from the repository root::

    .venv/bin/python benchmarks/compile_scaling.py [--mechanisms 120] [--fields 10 30 60] [--group 10]

The run loop (``tipoff.engines.season._kernel.simulate_runs``) inlines its mechanisms, each
reading a few fields of the state. It used to read that state from three wide named tuples (the
model's tables, about 65 fields; the run's work arrays, 25; its deliveries, 27): numba keeps each
such variable in memory as one LLVM aggregate, and every field read loads the whole aggregate
before taking the field (the run loop's unoptimised IR held about 450 such whole-tuple loads and
140 whole-tuple copies, one per argument of each inlined mechanism); LLVM's passes then spent
their time taking those apart. The state is now small groups of at most nine fields, each
mechanism taking only the groups it reads.

This script builds the same shape in miniature, each in a fresh process: a loop that inlines
``--mechanisms`` small mechanisms, each reading two arrays of a named tuple and writing a third,
with the tuple holding ``--fields`` arrays, and prints the compile's CPU time, numba's passes and
LLVM's share. The work per mechanism is the same at every size: only the tuple grows. With
``--group G`` each size is also compiled with its arrays split into named tuples of ``G`` arrays,
passed as one tuple of groups, unpacked once at the top of the loop, each mechanism taking the one
group it reads (as the engine's run loop does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = r"""
import sys, time
from collections import namedtuple
import numba
import numpy as np

n_fields, n_mech, group = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
src = ["import numba", "mech = numba.njit(inline='always', _nrt=False)"]
if group:  # groups of ``group`` arrays, unpacked once, each mechanism taking one group
    n_groups = -(-n_fields // group)
    sizes = [min(group, n_fields - g * group) for g in range(n_groups)]
    G = [namedtuple(f"G{g}", [f"a{i}" for i in range(k)]) for g, k in enumerate(sizes)]
    State = namedtuple("State", [f"g{g}" for g in range(n_groups)])
    w = State(*[G[g](*[np.zeros(4, np.int64) for _ in range(k)]) for g, k in enumerate(sizes)])
    head = "    " + ", ".join(f"g{g}" for g in range(n_groups)) + ", = w\n"
    arg = [f"g{k % n_groups}" for k in range(n_mech)]
    width = [sizes[k % n_groups] for k in range(n_mech)]
else:
    State = namedtuple("State", [f"a{i}" for i in range(n_fields)])
    w = State(*[np.zeros(4, np.int64) for _ in range(n_fields)])
    head, arg, width = "", ["w"] * n_mech, [n_fields] * n_mech
for k in range(n_mech):
    n = width[k]
    x, y, z = k % n, (7 * k + 1) % n, (3 * k + 2) % n
    src.append(
        f"@mech\ndef m{k}(w, i):\n    v = w.a{x}[i] + w.a{y}[i]\n"
        f"    if v > 3:\n        w.a{z}[i] = v * 2\n    return v\n"
    )
body = "\n".join(f"        s += m{k}({arg[k]}, i)" for k in range(n_mech))
src.append(
    f"@numba.njit(_nrt=False)\ndef run(w, n):\n{head}    s = 0\n    for i in range(n):\n{body}\n"
    "    return s\n"
)
ns = {}
exec(compile("\n".join(src), "synthetic", "exec"), ns)
c0 = time.process_time()
ns["run"](w, 4)
cpu = time.process_time() - c0
(cres,) = ns["run"].overloads.values()
passes = {k.split("_", 1)[1]: v.run for k, v in cres.metadata["pipeline_times"]["nopython"].items()}
print(cpu, passes["nopython_type_inference"], passes["inline_inlinables"],
      cres.metadata["timers"]["llvm_lock"])
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mechanisms", type=int, default=120)
    ap.add_argument("--fields", type=int, nargs="+", default=[10, 30, 60])
    ap.add_argument(
        "--group",
        type=int,
        default=0,
        help="also split the tuple into groups of this many arrays (a tuple of tuples unpacked "
        "once in the loop, each mechanism taking one group), as the engine's state is",
    )
    args = ap.parse_args()
    print(f"{args.mechanisms} inlined mechanisms; compile of the loop, in a fresh process each")
    print(
        f"{'tuple fields':>12} {'groups of':>9} {'CPU s':>7} {'typing s':>9} {'inlining s':>11} "
        f"{'LLVM s':>7}"
    )
    for n in args.fields:
        for group in [0, args.group] if args.group else [0]:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.mechanisms), str(group)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            cpu, typing, inlining, llvm = map(float, out)
            label = str(group) if group else "-"
            print(f"{n:>12} {label:>9} {cpu:7.2f} {typing:9.2f} {inlining:11.2f} {llvm:7.2f}")


if __name__ == "__main__":
    main()
