"""A real Dask cluster on loopback: a ``dask scheduler`` and two ``dask worker`` processes.

Results on the cluster equal the single-process ones bit for bit; a worker killed mid-run changes
nothing; workers that cannot import tipoff, or run another version, are refused at connection.
Sockets are allowed to 127.0.0.1 only, in this module only.
"""

from __future__ import annotations

import contextlib
import operator
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import tipoff
from tipoff.analysis.sweep import parse_axes, sweep
from tipoff.engines import _executor, parallel_slots, run_tasks, simulate_season
from tipoff.errors import UsageError
from tipoff.model import compile_scenario
from tipoff.scenario import load_preset

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

#: Where the workers find tipoff: the very source this test imports.
SRC = str(Path(tipoff.__file__).resolve().parents[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop(_executor.CLUSTER_ENV, None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(address: str, name: str, preload: Path | None = None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-nanny"]
    cmd += ["--no-dashboard", "--name", name, "--host", "127.0.0.1"]
    if preload is not None:
        cmd += ["--preload", str(preload)]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(p: subprocess.Popen[bytes]) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _wait_for(address: str, n: int, timeout: float = 60.0) -> None:
    client = distributed.Client(address, timeout=timeout, set_as_default=False)
    try:
        client.wait_for_workers(n, timeout=timeout)
    finally:
        client.close()


def _forget(address: str) -> None:
    client = _executor._CLIENTS.pop(address, None)
    if client is not None:
        client.close()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-dashboard"]
    scheduler = subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers = [_worker(address, f"w{k}") for k in (1, 2)]
    try:
        _wait_for(address, 2)
        yield address
    finally:
        _forget(address)
        for p in [*workers, scheduler]:
            _stop(p)


# --- bit for bit -----------------------------------------------------------------------------


def test_seasons_on_the_cluster_equal_one_process(cluster: str) -> None:
    model = compile_scenario(load_preset("classroom"))
    local = simulate_season(model, n_runs=300, seed=11, chunk_size=40)
    seen: list[int] = []
    remote = simulate_season(
        model, n_runs=300, seed=11, chunk_size=40, cluster=cluster, progress=seen.append
    )
    for name in (
        "totals",
        "cause_counts",
        "courier_arrests_by_place",
        "family_arrests_by_place",
        "daily_sum",
        "daily_sumsq",
    ):
        assert np.array_equal(getattr(local, name), getattr(remote, name)), name
    assert local.record is not None and remote.record is not None
    assert local.record.run == remote.record.run
    assert seen[-1] == 300


def test_a_sweep_on_the_cluster_equals_one_process(cluster: str) -> None:
    s = load_preset("classroom")
    axes = parse_axes(["operation.recruitment.initial=0:0.5:3", "operation.tracing=0,0.4"])
    local = sweep(s, axes, n_runs=30, seed=5)
    remote = sweep(s, axes, n_runs=30, seed=5, cluster=cluster)
    assert np.array_equal(local.stats, remote.stats)
    assert np.array_equal(local.seeds, remote.seeds)


def test_the_environment_variable_names_the_cluster(
    cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_executor.CLUSTER_ENV, cluster)
    assert run_tasks(pow, [(2, k) for k in range(6)]) == [2**k for k in range(6)]


def test_parallel_slots_are_the_worker_threads(cluster: str) -> None:
    assert parallel_slots(cluster=cluster) == 2


def test_a_large_shared_argument_is_sent_once_and_released(cluster: str) -> None:
    big = np.arange(_executor.SCATTER_BYTES // 8 + 10, dtype=np.float64)
    tasks = [(big, k) for k in (0, 5, len(big) - 1)]
    assert run_tasks(operator.getitem, tasks, cluster=cluster) == [0.0, 5.0, len(big) - 1.0]
    client = _executor._CLIENTS[cluster]
    deadline = time.monotonic() + 10
    while client.who_has() and time.monotonic() < deadline:  # the copies are let go
        time.sleep(0.05)
    assert not client.who_has()


# --- a worker that dies ----------------------------------------------------------------------


def test_a_worker_killed_mid_run_changes_nothing(cluster: str) -> None:
    # 24 chunks of about 0.1 s each (the compiled engine on the larger preset)
    model = compile_scenario(load_preset("north-hamgyong-spring"))
    kwargs = {"n_runs": 36_000, "seed": 8, "chunk_size": 1500, "record_run": None}
    expected = simulate_season(model, **kwargs)  # type: ignore[arg-type]
    victim = _worker(cluster, "victim")
    try:
        _wait_for(cluster, 3)
        result: dict[str, object] = {}

        def go() -> None:
            try:
                result["value"] = simulate_season(model, cluster=cluster, **kwargs)  # type: ignore[arg-type]
            except BaseException as exc:  # pragma: no cover - reported below
                result["error"] = exc

        thread = threading.Thread(target=go)
        thread.start()
        client = distributed.Client(cluster, timeout=10, set_as_default=False)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                busy = {
                    info["name"]: len(keys)
                    for addr, keys in client.processing().items()
                    for a, info in client.scheduler_info()["workers"].items()
                    if a == addr
                }
                if busy.get("victim") or not thread.is_alive():
                    break
                time.sleep(0.05)
            assert busy.get("victim"), f"the extra worker never got a task: {result}"
            victim.kill()  # SIGKILL: no goodbye to the scheduler
            victim.wait()
        finally:
            client.close()
        thread.join(120)
        assert not thread.is_alive()
        assert "error" not in result, result.get("error")
        got = result["value"]
        assert np.array_equal(got.totals, expected.totals)  # type: ignore[attr-defined]
        assert np.array_equal(got.daily_sumsq, expected.daily_sumsq)  # type: ignore[attr-defined]
    finally:
        _stop(victim)


# --- workers that cannot run this tipoff -----------------------------------------------------


@pytest.mark.parametrize(
    ("preload", "words"),
    [
        ("import tipoff._version as v\nv.__version__ = '0.0.1-other'\n", "runs tipoff 0.0.1-other"),
        ("import sys\nsys.modules['tipoff'] = None\n", "cannot import tipoff"),
    ],
)
def test_workers_with_another_tipoff_are_refused(
    cluster: str, tmp_path: Path, preload: str, words: str
) -> None:
    script = tmp_path / "preload_other.py"
    script.write_text(preload)
    _forget(cluster)
    odd = _worker(cluster, "odd", preload=script)
    try:
        _wait_for(cluster, 3)
        with pytest.raises(UsageError) as info:
            run_tasks(pow, [(2, 3)], cluster=cluster)
        msg = str(info.value)
        assert "\n" not in msg and words in msg and "1 of 3 Dask workers" in msg
    finally:
        _forget(cluster)
        _stop(odd)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the scheduler forgets the stopped worker
        with contextlib.suppress(UsageError):
            if run_tasks(pow, [(2, 3)], cluster=cluster) == [8]:
                break
        _forget(cluster)
        time.sleep(0.2)
    else:  # pragma: no cover
        pytest.fail("the cluster did not recover")


@pytest.mark.slow
def test_harden_on_the_cluster_equals_one_process(cluster: str) -> None:
    from tipoff.analysis import harden

    s = load_preset("classroom")
    local = harden(s, max_fee=0.1, n_runs=20, seed=3).to_dict()
    remote = harden(s, max_fee=0.1, n_runs=20, seed=3, cluster=cluster).to_dict()
    assert local == remote


@pytest.mark.parametrize(
    ("preload", "words"),
    [
        ("import tipoff._version as v\nv.__version__ = '0.0.1-other'\n", "runs tipoff 0.0.1-other"),
        ("import sys\nsys.modules['tipoff'] = None\n", "cannot import tipoff"),
    ],
)
def test_a_worker_that_joins_later_with_another_tipoff_gets_no_work(
    tmp_path: Path, preload: str, words: str
) -> None:
    # the versions are compared when this process connects; a worker that joins afterwards is
    # refused by the tasks themselves, and the error names it like the check at connection
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-dashboard"]
    scheduler = subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    script = tmp_path / "preload_other.py"
    script.write_text(preload)
    good = _worker(address, "good")
    odd = None
    try:
        _wait_for(address, 1)
        assert run_tasks(pow, [(2, 3)], cluster=address) == [8]  # connected and checked
        odd = _worker(address, "odd", preload=script)
        _wait_for(address, 2)
        _stop(good)  # only the odd worker is left to run the next tasks
        client = _executor._CLIENTS[address]
        deadline = time.monotonic() + 30
        while len(client.nthreads()) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(UsageError) as info:
            run_tasks(pow, [(2, k) for k in range(4)], cluster=address)
        msg = str(info.value)
        assert "\n" not in msg and words in msg and "1 of 1 Dask workers" in msg
    finally:
        _forget(address)
        for p in [good, *([odd] if odd else []), scheduler]:
            _stop(p)
