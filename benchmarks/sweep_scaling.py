"""How a fixed sweep scales over local worker processes and a Dask cluster, and what a task costs.

Run from the repository root (needs ``tipoff[dask]``)::

    PYTHONPATH=src .venv/bin/python benchmarks/sweep_scaling.py [--quick] [--json PATH]

The fixed sweep: the seed preset (``north-hamgyong-spring``), ``operation.recruitment.initial``
over 8 values times ``operation.tracing`` over 3 (24 points), ``--runs`` seasons each (8,000; the
points are grouped into the same number of tasks for each worker, of about 0.25 s on the local
pool and 0.5 s on Dask). It is timed

- in this process (the baseline, one core);
- on a local process pool of 2 workers (``--workers 2``), after one warm-up sweep on a pool (the
  pool's processes are forked anew for each sweep, from this warm process: that is timed);
- on a Dask ``LocalCluster`` (worker processes, one thread each) of 1 and of 2 workers, after one
  warm-up sweep on the same cluster (a real cluster is long-lived: its workers have loaded tipoff
  and the compiled kernel once).

Every configuration's table is checked equal, bit for bit, to the baseline's. Reported: seconds
(best of ``--repeat``), speed-up and efficiency per core (``T1 / (k * Tk)``), and Dask's overhead
against the local pool with as many workers (``T_dask / T_pool - 1``). The per-task overhead is the
wall time of 200 trivial tasks (``abs``) divided by 200, on the pool and on each cluster; the
per-call overhead is the wall time of 8 tasks that sleep 50 ms on 2 workers, less the 200 ms
they sleep (what a call costs beyond its tasks, whatever the load: sleeping takes no CPU); last,
the CPU an idle 2-worker cluster uses per second (its time-proportional cost).

CPU seconds are counted too, over every process involved (this one, the pool's workers, the
cluster's worker processes): on a shared machine, where other processes take the cores and wall
times mostly measure their load (the load average is printed with the figures), the CPU overhead
(``CPU / CPU in-process - 1``) still measures what the pool or Dask adds to the work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

VARY = ["operation.recruitment.initial=0.02:0.4:8", "operation.tracing=0,0.2,0.4"]


def _sweep(runs: int, **where: Any) -> Any:
    from tipoff.analysis.sweep import parse_axes, sweep
    from tipoff.scenario import load_preset

    return sweep(
        load_preset("north-hamgyong-spring"), parse_axes(VARY), n_runs=runs, seed=1, **where
    )


def _cpu(pids: list[int]) -> tuple[float, float]:
    """CPU seconds used so far by this process and its reaped children, and by the processes
    ``pids`` (a cluster's workers)."""
    import psutil

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    local = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    workers = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        workers += t.user + t.system
    return local, workers


def _best(fn: Any, repeat: int, pids: list[int] | None = None) -> tuple[float, float, Any]:
    """Best wall time, the CPU seconds of that repeat (every process involved, and the cluster's
    workers alone), the result."""
    best, cpu, result = float("inf"), (0.0, 0.0), None
    for _ in range(repeat):
        l0, w0 = _cpu(pids or [])
        t0 = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            l1, w1 = _cpu(pids or [])
            best, cpu = wall, (l1 - l0 + w1 - w0, w1 - w0)
    return best, cpu, result


def _per_call_raw(client: Any, repeat: int = 7) -> float:
    """As :func:`_per_call`, through Dask's own ``Client.map`` and ``gather`` (no tipoff): what
    a call costs Dask itself."""
    tasks = [0.05] * 8
    client.gather(client.map(time.sleep, tasks, pure=False))
    extra = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.gather(client.map(time.sleep, tasks, pure=False))
        extra.append(time.perf_counter() - t0 - 0.2)
    return float(np.median(extra))


def _thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's threads: those running tasks (a Dask worker's
    executor threads), and the others (the event loop, heartbeats, monitors; in this process the
    scheduler's and the client's loop as well as the main thread)."""
    import threading

    import psutil

    names = {t.native_id: t.name for t in threading.enumerate()}
    split = {"tasks": 0.0, "other": 0.0, "main": 0.0}
    main = threading.main_thread().native_id
    for t in psutil.Process().threads():
        name = names.get(t.id, "")
        key = "main" if t.id == main else "tasks" if "Dask-Default-Threads" in name else "other"
        split[key] += t.user_time + t.system_time
    return split


def _busy_split(client: Any, fn: Any) -> dict[str, float]:
    """Where the CPU of one call of ``fn`` went, per second of its wall time: the workers' task
    threads, the workers' other threads (Dask's own work), this process's main thread (tipoff's
    client side), and this process's other threads (the scheduler and the client's loop)."""
    w0, l0 = client.run(_thread_cpu), _thread_cpu()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    w1, l1 = client.run(_thread_cpu), _thread_cpu()
    return {
        "worker_tasks": sum(w1[a]["tasks"] - w0[a]["tasks"] for a in w1) / wall,
        "worker_dask": sum(
            w1[a]["other"] + w1[a]["main"] - w0[a]["other"] - w0[a]["main"] for a in w1
        )
        / wall,
        "this_process_main": (l1["main"] - l0["main"]) / wall,
        "scheduler_and_client_loop": (l1["other"] - l0["other"]) / wall,
    }


def _per_task(n: int = 200, pids: list[int] | None = None, **where: Any) -> dict[str, float]:
    """Wall and CPU seconds (every process involved) per trivial task."""
    from tipoff.engines import run_tasks

    run_tasks(abs, [(-k,) for k in range(8)], **where)  # warm: pool start-up, connection
    l0, w0 = _cpu(pids or [])
    t0 = time.perf_counter()
    run_tasks(abs, [(-k,) for k in range(n)], **where)
    wall = time.perf_counter() - t0
    l1, w1 = _cpu(pids or [])
    return {"wall": wall / n, "cpu": (l1 - l0 + w1 - w0) / n}


def _per_call(repeat: int = 7, **where: Any) -> float:
    """Median seconds a call of 8 tasks sleeping 50 ms on 2 workers takes beyond 0.2 s."""
    from tipoff.engines import run_tasks

    tasks = [(0.05,)] * 8
    run_tasks(time.sleep, tasks, **where)
    extra = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run_tasks(time.sleep, tasks, **where)
        extra.append(time.perf_counter() - t0 - 0.2)
    return float(np.median(extra))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 seasons a point, one repeat")
    ap.add_argument("--runs", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    runs, repeat = (500, 1) if args.quick else (args.runs, args.repeat)

    from distributed import LocalCluster

    load = os.getloadavg()
    _sweep(runs)  # warm this process (imports, compiled kernel)
    t1, (c1, _), base = _best(lambda: _sweep(runs), repeat)
    _sweep(runs, n_workers=2)  # warm the pool's machinery too, as the clusters' workers are
    tp2, (cp2, _), pool = _best(lambda: _sweep(runs, n_workers=2), repeat)
    rows: dict[str, Any] = {
        "in-process (1 core)": {"workers": 1, "seconds": t1, "cpu_seconds": c1},
        "local pool, 2 workers": {"workers": 2, "seconds": tp2, "cpu_seconds": cp2},
    }
    same = [np.array_equal(base.stats, pool.stats)]
    per_task = {"local pool (2 workers)": _per_task(n_workers=2)}
    per_call = {"local pool (2 workers)": _per_call(n_workers=2)}
    idle: dict[str, float] = {}
    busy: dict[str, float] = {}
    for k in (1, 2):
        with LocalCluster(
            n_workers=k, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster:
            address = cluster.scheduler_address
            _sweep(runs, cluster=address)  # warm the workers
            from tipoff.engines import _executor

            pids = list(_executor._CLIENTS[address].run(os.getpid).values())
            tk, (ck, cw), res = _best(
                lambda address=address: _sweep(runs, cluster=address), repeat, pids
            )
            same.append(np.array_equal(base.stats, res.stats))
            rows[f"Dask LocalCluster, {k} worker{'s' if k > 1 else ''}"] = {
                "workers": k,
                "seconds": tk,
                "cpu_seconds": ck,
                "cpu_seconds_workers_only": cw,
            }
            per_task[f"Dask ({k} worker{'s' if k > 1 else ''})"] = _per_task(
                pids=pids, cluster=address
            )
            if k == 2:  # where the CPU goes while busy; a call's cost; the cluster doing nothing
                busy = _busy_split(
                    _executor._CLIENTS[address],
                    lambda address=address: _sweep(runs, cluster=address),
                )
                per_call["Dask (2 workers)"] = _per_call(cluster=address)
                per_call["raw Dask Client.map + gather (2 workers)"] = _per_call_raw(
                    _executor._CLIENTS[address]
                )
                time.sleep(1)
                l0, w0 = _cpu(pids)
                time.sleep(10)
                l1, w1 = _cpu(pids)
                idle = {"client_and_scheduler": (l1 - l0) / 10, "per_worker": (w1 - w0) / 20}
            _executor._forget(address)
    for r in rows.values():
        r["speedup"] = t1 / r["seconds"]
        r["efficiency_per_core"] = t1 / (r["workers"] * r["seconds"])
        r["cpu_overhead"] = r["cpu_seconds"] / c1 - 1
    d1 = rows["Dask LocalCluster, 1 worker"]["seconds"]
    d2 = rows["Dask LocalCluster, 2 workers"]["seconds"]
    overhead = {
        "dask_1_vs_in_process": d1 / t1 - 1,
        "dask_2_vs_pool_2": d2 / tp2 - 1,
        "dask_2_vs_pool_2_cpu": rows["Dask LocalCluster, 2 workers"]["cpu_seconds"] / cp2 - 1,
    }

    print(
        f"Fixed sweep: 24 points x {runs} seasons (north-hamgyong-spring), best of {repeat}; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"{'configuration':30} {'seconds':>8} {'speed-up':>9} {'eff./core':>10} {'CPU s':>7} "
        f"{'CPU overhead':>13} {'workers CPU s':>14}"
    )
    for name, r in rows.items():
        wk = r.get("cpu_seconds_workers_only")
        print(
            f"{name:30} {r['seconds']:8.2f} {r['speedup']:9.2f} {r['efficiency_per_core']:10.2f} "
            f"{r['cpu_seconds']:7.2f} {r['cpu_overhead']:+13.1%} "
            + (f"{wk:14.2f}" if wk is not None else f"{'-':>14}")
        )
    print(
        f"Dask overhead: 1 worker vs in-process {overhead['dask_1_vs_in_process']:+.1%}; "
        f"2 workers vs local pool of 2 {overhead['dask_2_vs_pool_2']:+.1%} (wall), "
        f"{overhead['dask_2_vs_pool_2_cpu']:+.1%} (CPU)"
    )
    print(
        "Per-task overhead (200 trivial tasks), wall / CPU: "
        + ", ".join(
            f"{k} {v['wall'] * 1e3:.2f} / {v['cpu'] * 1e3:.2f} ms" for k, v in per_task.items()
        )
    )
    print(
        "Per-call overhead (8 tasks sleeping 50 ms on 2 workers, beyond 200 ms): "
        + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in per_call.items())
    )
    print(
        f"Idle 2-worker cluster, CPU seconds per second: client and scheduler "
        f"{idle['client_and_scheduler']:.3f}, each worker {idle['per_worker']:.3f}"
    )
    print(
        "Busy 2-worker cluster (one more sweep), CPU seconds per second of it: workers running "
        f"tasks {busy['worker_tasks']:.3f}, workers' Dask threads (event loop, heartbeats, "
        f"monitors) {busy['worker_dask']:.3f}, scheduler and client loop "
        f"{busy['scheduler_and_client_loop']:.3f}, this process's main thread "
        f"{busy['this_process_main']:.3f}"
    )
    after = os.getloadavg()
    print(f"Load average after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    print(f"Tables bit-identical to the in-process one: {all(same)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": runs,
                    "repeat": repeat,
                    "load_average": load,
                    "cpus": os.cpu_count(),
                    "rows": rows,
                    "overhead": overhead,
                    "per_task_seconds": per_task,
                    "per_call_seconds": per_call,
                    "load_average_after": os.getloadavg(),
                    "idle_cpu_per_second": idle,
                    "busy_cpu_per_second": busy,
                    "bit_identical": all(same),
                },
                indent=2,
            )
        )
    if not all(same):
        raise SystemExit("a configuration's table differs from the in-process one")


if __name__ == "__main__":
    main()
