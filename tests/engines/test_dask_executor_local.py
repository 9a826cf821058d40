"""run_tasks without a cluster: order, progress, pools, nesting, and the cluster address's checks."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

import numpy as np
import pytest

from tipoff.engines import _executor
from tipoff.engines._executor import CLUSTER_ENV, parallel_slots, resolve_cluster, run_tasks
from tipoff.errors import TipoffError, UsageError


def _draw(seed: int, n: int) -> float:
    return float(np.random.default_rng(seed).random(n).sum())


def _nested(seed: int) -> list[float]:
    # a task that itself asks for a pool runs its work in-process
    return run_tasks(_draw, [(seed, 3), (seed + 1, 3)], n_workers=4)


def _boom(k: int) -> int:
    if k == 2:
        raise ValueError("task 2 fails")
    return k


TASKS = [(s, 50) for s in range(7)]


def test_in_process_and_pool_agree_in_task_order() -> None:
    serial = run_tasks(_draw, TASKS)
    assert serial == [_draw(*t) for t in TASKS]
    assert run_tasks(_draw, TASKS, n_workers=2) == serial


def test_progress_counts_finished_tasks() -> None:
    seen: list[int] = []
    run_tasks(_draw, TASKS, n_workers=2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == len(TASKS)
    seen.clear()
    run_tasks(_draw, TASKS, progress=seen.append)
    assert seen == list(range(1, len(TASKS) + 1))


def test_nested_tasks_do_not_open_pools() -> None:
    assert run_tasks(_nested, [(1,), (5,)], n_workers=2) == [_nested(1), _nested(5)]


def test_a_failing_task_raises_its_own_error() -> None:
    with pytest.raises(ValueError, match="task 2 fails"):
        run_tasks(_boom, [(k,) for k in range(4)], n_workers=2)


def _die(k: int) -> int:
    if k == 1:
        os._exit(9)  # a worker process killed mid-task
    return k


def test_a_local_worker_that_dies_is_one_clear_error() -> None:
    with pytest.raises(TipoffError, match="a local worker process died") as info:
        run_tasks(_die, [(k,) for k in range(4)], n_workers=2)
    assert "\n" not in str(info.value)


def test_empty_and_bad_worker_counts() -> None:
    assert run_tasks(_draw, [], cluster="tcp://127.0.0.1:1") == []
    for bad in (0, -1, True, 1.5):
        with pytest.raises(UsageError, match="n_workers"):
            run_tasks(_draw, TASKS, n_workers=bad)  # type: ignore[arg-type]


def _slots_inside(_: int) -> int:
    return parallel_slots(n_workers=4)


def test_parallel_slots_counts_the_local_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CLUSTER_ENV, raising=False)
    assert parallel_slots() == 1
    assert parallel_slots(n_workers=64) == os.cpu_count()
    assert parallel_slots(n_workers=2) == min(2, os.cpu_count() or 1)
    assert run_tasks(_slots_inside, [(0,), (1,)], n_workers=2) == [1, 1]  # in a task: no pool
    for bad in (0, -1, True, 1.5):
        with pytest.raises(UsageError, match="n_workers"):
            parallel_slots(n_workers=bad)  # type: ignore[arg-type]


class _Client:
    """Records what would be scattered."""

    def __init__(self) -> None:
        self.scattered: list[object] = []

    def scatter(self, objs: list[object], **_: object) -> list[str]:
        self.scattered += objs
        return [f"future-{k}" for k in range(len(objs))]


def test_only_large_shared_arguments_are_scattered() -> None:
    small, large = np.zeros(10), np.zeros(_executor.SCATTER_BYTES // 8 + 1)
    client = _Client()
    tasks = [(small, large, k, "x") for k in range(3)]
    swapped, futures = _executor._share(client, tasks)
    assert len(client.scattered) == 1 and client.scattered[0] is large
    assert futures == ["future-0"]
    assert [t[1] for t in swapped] == ["future-0"] * 3
    assert all(t[0] is small and t[2] == k for k, t in enumerate(swapped))
    # an argument in one task only travels with it, however large
    client = _Client()
    assert _executor._share(client, [(large,), (small,)]) == ([(large,), (small,)], [])
    assert client.scattered == []


def test_a_task_refuses_a_worker_with_another_tipoff() -> None:
    assert _executor._run_remote(_executor.__version__, pow, (2, 5)) == 32
    with pytest.raises(_executor._OtherVersion, match=_executor.__version__):
        _executor._run_remote("0.0.1-other", pow, (2, 5))


def test_cluster_address_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CLUSTER_ENV, raising=False)
    assert resolve_cluster(None) is None
    monkeypatch.setenv(CLUSTER_ENV, " tcp://10.0.0.1:8786 ")
    assert resolve_cluster(None) == "tcp://10.0.0.1:8786"
    assert resolve_cluster("tcp://h:1") == "tcp://h:1"
    assert resolve_cluster("") is None  # explicitly local


def test_no_dask_import_without_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CLUSTER_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "distributed", raising=False)
    run_tasks(_draw, TASKS[:2], n_workers=2)
    assert "distributed" not in sys.modules


@pytest.mark.parametrize("address", ["nonsense::://", "tcp://127.0.0.1"])
def test_malformed_address_is_one_usage_line(address: str) -> None:
    with pytest.raises(UsageError, match="not a scheduler address") as info:
        run_tasks(_draw, TASKS, cluster=address)
    assert "\n" not in str(info.value)


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_closed_port_fails_fast() -> None:
    start = time.monotonic()
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        run_tasks(_draw, TASKS, cluster="tcp://127.0.0.1:9")
    assert time.monotonic() - start < _executor.CONNECT_TIMEOUT + 2


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_service_that_is_not_dask_is_one_usage_line() -> None:
    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def answer() -> None:  # an HTTP server on the port given as a scheduler
        for _ in range(3):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        start = time.monotonic()
        with pytest.raises(UsageError, match="as a Dask scheduler") as info:
            run_tasks(_draw, TASKS, cluster=f"tcp://127.0.0.1:{port}")
        assert "\n" not in str(info.value)
        assert time.monotonic() - start < _executor.CONNECT_TIMEOUT + 3
    finally:
        server.close()
        thread.join(5)
