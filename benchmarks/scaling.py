"""How the season simulator's cost and memory grow with the network and with the number of runs.

Run from the repository root::

    .venv/bin/python benchmarks/scaling.py [--quick] [--json PATH] [--plot PATH]

Two sweeps, each point in a fresh process (so its peak resident memory, ``ru_maxrss``, is its own):

- parties, 100 to 100,000 (networks shaped like the seed preset, ``scaled.synthetic``), with fewer
  runs for larger networks (about 2 million party-runs a point, at most 2,000 and at least 10 runs);
- runs, 100 to 100,000 on the seed preset.

Each point is timed with the default chunking and one worker (the compiled engine). The table gives seconds, seconds per run,
microseconds per delivery, and the peak memory above the process's baseline (after imports,
compiling the model, and for numba loading the compiled kernel with a one-run call). With
matplotlib installed it writes a log-log plot (``docs/performance-season.png``; with ``--quick``
only where ``--plot`` says).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PARTY_WORK = 2_000_000  # party-runs per point of the parties sweep (about one full chunk)
FULL_PARTIES = [100, 316, 1_000, 3_162, 10_000, 31_623, 100_000]
FULL_RUNS = [100, 1_000, 10_000, 100_000]
QUICK_PARTIES = [100, 1_000, 10_000]
QUICK_RUNS = [100, 1_000, 3_000]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child(kind: str, size: int, n_runs: int, engine: str = "numba") -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from scaled import synthetic

    from tipoff.engines import simulate_season
    from tipoff.model import compile_scenario
    from tipoff.scenario import load_preset

    scenario = synthetic(size) if kind == "parties" else load_preset("north-hamgyong-spring")
    model = compile_scenario(scenario)
    # load (or compile) the engine before the baseline ("engine": a label; one engine since 0.2)
    simulate_season(model, n_runs=1, seed=0, record_run=None)
    base = _rss_mb()
    t0 = time.perf_counter()
    out = simulate_season(model, n_runs=n_runs, seed=1, record_run=None)
    seconds = time.perf_counter() - t0
    deliveries = float(out.total("deliveries").sum())
    return {
        "engine": engine,
        "sweep": kind,
        "parties": model.n_parties,
        "runs": n_runs,
        "seconds": seconds,
        "s_per_run": seconds / n_runs,
        "us_per_delivery": seconds / max(deliveries, 1) * 1e6,
        "deliveries_per_run": deliveries / n_runs,
        "base_rss_mb": base,
        "peak_rss_mb": _rss_mb(),
        "extra_mb": _rss_mb() - base,
    }


def measure(kind: str, size: int, n_runs: int, engine: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        str(size),
        str(n_runs),
        engine,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def plot(rows: list[dict[str, Any]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for engine in sorted({r.get("engine", "numpy") for r in rows}):
        mine = [r for r in rows if r.get("engine", "numpy") == engine]
        by_parties = [r for r in mine if r["sweep"] == "parties"]
        by_runs = [r for r in mine if r["sweep"] == "runs"]
        x = [r["parties"] for r in by_parties]
        y = [r["s_per_run"] for r in by_parties]
        axes[0].loglog(x, y, "o-", label=f"tipoff ({engine})")
        axes[0].loglog(x, [y[-1] * v / x[-1] for v in x], ":", color="grey")
        x = [r["runs"] for r in by_runs]
        y = [r["seconds"] for r in by_runs]
        axes[1].loglog(x, y, "o-", label=f"tipoff ({engine}), seed preset")
        axes[1].loglog(x, [y[-1] * v / x[-1] for v in x], ":", color="grey")
        axes[2].loglog(
            [r["parties"] for r in by_parties],
            [r["extra_mb"] for r in by_parties],
            "o-",
            label=f"{engine}, against parties",
        )
        axes[2].loglog(
            [r["runs"] for r in by_runs],
            [r["extra_mb"] for r in by_runs],
            "s-",
            label=f"{engine}, against runs (seed preset)",
        )
    axes[0].set(xlabel="parties", ylabel="seconds per run", title="Cost against network size")
    axes[0].legend()
    axes[1].set(xlabel="runs", ylabel="seconds", title="Cost against runs")
    axes[1].legend()
    axes[2].set(
        xlabel="parties or runs", ylabel="peak memory above baseline (MB)", title="Peak memory"
    )
    axes[2].legend()
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("tipoff season simulator: default chunking, one worker")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized sweep")
    parser.add_argument("--json", type=Path, help="also write the table to this JSON file")
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="where to write the plot (needs matplotlib); default docs/performance-season.png, "
        "none with --quick",
    )
    parser.add_argument(
        "--engine",
        choices=["numba"],
        default="numba",
        help="the engine (kept for old command lines: the compiled engine is the only one)",
    )
    parser.add_argument(
        "--child", nargs=4, metavar=("SWEEP", "SIZE", "RUNS", "ENGINE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        kind, size, n_runs, engine = args.child
        print(json.dumps(child(kind, int(size), int(n_runs), engine)))
        return 0
    engines = ["numba"]

    parties = QUICK_PARTIES if args.quick else FULL_PARTIES
    runs = QUICK_RUNS if args.quick else FULL_RUNS
    points = [("parties", p, max(10, min(2000, PARTY_WORK // p))) for p in parties]
    points += [("runs", 621, r) for r in runs]
    header = (
        f"{'engine':6s} {'sweep':8s} {'parties':>8s} {'runs':>8s} {'seconds':>9s} {'ms/run':>9s} "
        f"{'us/delivery':>11s} {'deliv/run':>10s} {'peak MB':>8s} {'extra MB':>9s}"
    )
    print(header)
    rows = []
    for engine in engines:
        for kind, size, n in points:
            r = measure(kind, size, n, engine)
            rows.append(r)
            print(
                f"{r['engine']:6s} {r['sweep']:8s} {r['parties']:8,d} {r['runs']:8,d} "
                f"{r['seconds']:9.2f} "
                f"{r['s_per_run'] * 1e3:9.2f} {r['us_per_delivery']:11.2f} "
                f"{r['deliveries_per_run']:10,.0f} {r['peak_rss_mb']:8.0f} {r['extra_mb']:9.1f}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    path = args.plot or (None if args.quick else HERE.parent / "docs" / "performance-season.png")
    if path is None:
        pass
    elif plot(rows, path):
        print(f"plot: {path}")
    else:
        print("matplotlib not installed: no plot")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
