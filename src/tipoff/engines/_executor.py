"""Where independent tasks run: in this process, a local process pool, or a Dask cluster.

Every parallel computation in tipoff (chunks of seasons, points of a sweep, plans of a hardening)
is a list of tasks ``fn(*task)`` that carry their own seeds, so a task's result never depends on
where it ran, and :func:`run_tasks` returns the results in task order. The local pool is the
default and needs nothing installed; a Dask cluster (``pip install 'tipoff[dask]'``) is used only
when the caller names its scheduler (``cluster=`` or the environment variable ``TIPOFF_CLUSTER``),
and ``distributed`` is imported only then.

At connection the scheduler must answer within :data:`CONNECT_TIMEOUT` seconds, at least one
worker must be there, and every worker must import the same tipoff version as this process;
otherwise a :class:`~tipoff.errors.UsageError` says which. A worker that dies mid-run loses
nothing: the scheduler runs its tasks again elsewhere (and a task that raised is retried
:data:`RETRIES` times), with the same seeds, so the results are unchanged.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tipoff._version import __version__
from tipoff.errors import TipoffError, UsageError

__all__ = [
    "CLUSTER_ENV",
    "CONNECT_TIMEOUT",
    "NO_WORKER_TIMEOUT",
    "RETRIES",
    "resolve_cluster",
    "run_tasks",
]

#: Environment variable naming the Dask scheduler to use when ``cluster`` is not given.
CLUSTER_ENV = "TIPOFF_CLUSTER"
#: Seconds to wait for the scheduler (and for a first worker) before giving up.
CONNECT_TIMEOUT = 5.0
#: Seconds a run waits with no worker connected before giving up (all workers died).
NO_WORKER_TIMEOUT = 60.0
#: Times Dask retries a task that raised (a worker that died is handled by the scheduler itself).
RETRIES = 2

#: True while a task runs: a task that itself calls run_tasks runs its work in-process, never
#: opening a pool or a cluster connection from inside a worker.
_IN_TASK: contextvars.ContextVar[bool] = contextvars.ContextVar("tipoff_in_task", default=False)
#: One client per scheduler address, per process (connecting and checking versions takes time).
_CLIENTS: dict[str, Any] = {}


def resolve_cluster(cluster: str | None = None, /) -> str | None:
    """The scheduler address to use: ``cluster``, else ``$TIPOFF_CLUSTER``, else None (local).

    An empty string means local, even when the environment variable is set.
    """
    if cluster is None:
        cluster = os.environ.get(CLUSTER_ENV)
    cluster = (cluster or "").strip()
    return cluster or None


def _run_one(fn: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    token = _IN_TASK.set(True)
    try:
        return fn(*task)
    finally:
        _IN_TASK.reset(token)


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    /,
    *,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Any]:
    """``fn(*task)`` for each task, results in task order.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function. Tasks must carry their own seeds, so that a result
        never depends on where or in which order it was computed.
    tasks : sequence of tuples
        The arguments of each call.
    n_workers : int
        Local worker processes (1: in this process). Ignored on a cluster, which uses all of its
        workers.
    cluster : str or None
        Address of a Dask scheduler (``tcp://host:8786``); None reads ``$TIPOFF_CLUSTER``; an
        empty string or no variable means local.
    progress : callable or None
        Called with the number of tasks finished so far, after each task.

    Returns
    -------
    list
        ``[fn(*t) for t in tasks]``, whatever ran them.

    Raises
    ------
    UsageError
        Bad ``n_workers``; a cluster that cannot be reached, has no workers, or whose workers lack
        tipoff or run another version of it; all workers gone for ``NO_WORKER_TIMEOUT`` seconds.

    Examples
    --------
    >>> run_tasks(pow, [(2, 3), (3, 2)])
    [8, 9]
    """
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise UsageError(f"n_workers must be at least 1, got {n_workers!r}")
    tasks = list(tasks)
    if _IN_TASK.get():
        return [fn(*t) for t in tasks]
    address = resolve_cluster(cluster)
    if address is not None and tasks:
        return _run_dask(fn, tasks, address, progress)
    workers = min(n_workers, len(tasks), os.cpu_count() or 1)
    if workers <= 1:
        results = []
        for i, t in enumerate(tasks):
            results.append(_run_one(fn, t))
            if progress:
                progress(i + 1)
        return results
    return _run_pool(fn, tasks, workers, progress)


def _run_pool(
    fn: Callable[..., Any],
    tasks: list[tuple[Any, ...]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[Any]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_one, fn, t) for t in tasks]
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    f.result()  # raise the first failure now, not after every task ran
                if progress:
                    progress(len(futures) - len(pending))
        except BrokenProcessPool:
            raise TipoffError(
                "a local worker process died (killed, or out of memory); nothing was written: "
                "run again, with fewer --workers if memory is short"
            ) from None
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        return [f.result() for f in futures]


# ---------------------------------------------------------------------------------------------
# Dask distributed


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "a cluster needs Dask distributed: pip install 'tipoff[dask]' "
            f"(or unset {CLUSTER_ENV} to run locally)"
        ) from None
    return distributed


def _worker_versions(client: Any) -> dict[str, str | None]:
    """tipoff's version on each worker (None where it cannot be imported)."""

    # defined here, not at module level, so that it travels by value and runs on a worker
    # that cannot import tipoff at all
    def probe() -> str | None:
        try:
            from tipoff._version import __version__ as v
        except Exception:
            return None
        return str(v)

    return dict(client.run(probe, on_error="return"))


def _reachable(distributed: Any, address: str) -> None:
    """Fail fast on a malformed address or a closed port (Dask itself retries until its timeout)."""
    try:
        scheme, loc = distributed.comm.parse_address(address)
        host, port = distributed.comm.parse_host_port(loc)
    except Exception:
        raise UsageError(
            f"{address!r} is not a scheduler address (expected tcp://HOST:PORT, e.g. "
            "tcp://127.0.0.1:8786)"
        ) from None
    if scheme in ("tcp", "tls"):
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
        except TimeoutError:
            raise UsageError(
                f"cannot reach the Dask scheduler at {address}: no answer within "
                f"{CONNECT_TIMEOUT:g} s"
            ) from None
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {why}") from None
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no event loop here (the CLI, a script): shake hands first
        pass
    else:  # inside a notebook's loop: leave it to the client
        return

    async def handshake() -> None:
        comm = await distributed.comm.connect(address, timeout=CONNECT_TIMEOUT)
        await comm.close()

    # a Client that fails half-way complains again when it is garbage-collected (and waits 10 s
    # to close): meet the scheduler with Dask's own handshake before making one
    try:
        asyncio.run(asyncio.wait_for(handshake(), CONNECT_TIMEOUT + 1))
    except (OSError, TimeoutError):
        raise UsageError(
            f"cannot reach the Dask scheduler at {address}: no answer within {CONNECT_TIMEOUT:g} s"
        ) from None
    except Exception as exc:  # something answered, but not a Dask scheduler of this version
        raise UsageError(
            f"cannot use {address} as a Dask scheduler: {type(exc).__name__} while "
            "connecting (is it a Dask scheduler, with the same Dask version as here?)"
        ) from None


def _check_workers(client: Any, address: str) -> None:
    """At least one worker, and every worker runs this tipoff version."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        raise UsageError(
            f"the Dask scheduler at {address} has no workers "
            f"(start some with: dask worker {address})"
        ) from None
    versions = _worker_versions(client)
    bad = {w: v for w, v in versions.items() if v != __version__}
    if bad:
        worker, v = sorted(bad.items(), key=lambda kv: str(kv[0]))[0]
        what = (
            "cannot import tipoff"
            if not isinstance(v, str)
            else f"runs tipoff {v}, this is tipoff {__version__}"
        )
        raise UsageError(
            f"{len(bad)} of {len(versions)} Dask workers at {address} cannot run this "
            f"work: {worker} {what} (install tipoff {__version__} on every worker)"
        )


def _connect(address: str) -> Any:
    """A client connected to ``address`` (kept for the process), its workers checked each call."""
    client = _CLIENTS.get(address)
    if client is None or client.status != "running":
        distributed = _distributed()
        _reachable(distributed, address)
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError):
            raise UsageError(
                f"cannot reach the Dask scheduler at {address}: no answer within "
                f"{CONNECT_TIMEOUT:g} s"
            ) from None
        except Exception as exc:  # something answered, but not a Dask scheduler of this version
            raise UsageError(
                f"cannot use {address} as a Dask scheduler: {type(exc).__name__} while "
                "connecting (is it a Dask scheduler, with the same Dask version as here?)"
            ) from None
        _CLIENTS[address] = client
    try:
        _check_workers(client, address)
    except BaseException:
        _CLIENTS.pop(address, None)
        client.close()
        raise
    return client


_SMALL = (bool, int, float, complex, str, bytes, type(None))


def _share(client: Any, tasks: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Send each argument that several tasks share (the same object: a model, its tables) to
    every worker once, instead of once per task; returns the tasks with those arguments replaced
    by their futures, and the futures (to keep alive until the results are in).

    Copies on every worker (``broadcast``): a worker that dies takes no shared data with it.
    """
    seen: dict[int, int] = {}
    objects: dict[int, Any] = {}
    for t in tasks:
        for a in t:
            if not isinstance(a, _SMALL):
                seen[id(a)] = seen.get(id(a), 0) + 1
                objects[id(a)] = a
    ids = [i for i, n in seen.items() if n > 1]
    if not ids:
        return tasks, []
    futures = client.scatter([objects[i] for i in ids], broadcast=True, hash=False)
    swap = dict(zip(ids, futures, strict=True))
    return [tuple(swap.get(id(a), a) for a in t) for t in tasks], list(futures)


def _run_dask(
    fn: Callable[..., Any],
    tasks: list[tuple[Any, ...]],
    address: str,
    progress: Callable[[int], None] | None,
) -> list[Any]:
    distributed = _distributed()
    client = _connect(address)
    tasks, shared = _share(client, tasks)
    futures = [client.submit(_run_one, fn, t, pure=False, retries=RETRIES) for t in tasks]
    try:
        finished = distributed.as_completed(futures, loop=client.loop)
        done, checked, alone_since = 0, time.monotonic(), None
        while not finished.is_empty():
            batch = finished.next_batch(block=False)
            for f in batch:
                if f.status == "error":
                    f.result()  # raises the task's own exception
                elif f.status == "cancelled":
                    raise CancelledError
            if batch:
                done += len(batch)
                if progress:
                    progress(done)
                continue
            time.sleep(0.01)
            if time.monotonic() - checked < 1.0:
                continue
            checked = time.monotonic()
            if client.status != "running":
                raise UsageError(f"lost the connection to the Dask scheduler at {address}")
            if client.scheduler_info().get("workers"):
                alone_since = None
            elif alone_since is None:
                alone_since = checked
            elif checked - alone_since > NO_WORKER_TIMEOUT:
                raise UsageError(
                    f"every Dask worker at {address} left and none came back within "
                    f"{NO_WORKER_TIMEOUT:g} s ({len(futures) - done} of {len(futures)} tasks "
                    "unfinished)"
                )
        return list(client.gather(futures))
    except distributed.KilledWorker as exc:
        client.cancel(futures)
        raise UsageError(
            f"one task took down several Dask workers in turn at {address}; giving up "
            f"({str(exc).splitlines()[0]})"
        ) from None
    except CancelledError:
        raise UsageError(f"the Dask scheduler at {address} dropped the work") from None
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        if shared and client.status == "running":
            client.cancel(shared)  # the shared arguments are no longer needed on the cluster
