"""Where independent tasks run: in this process, a local process pool, or a Dask cluster.

Every parallel computation in tipoff (chunks of seasons, points of a sweep, plans of a hardening)
is a list of tasks ``fn(*task)`` that carry their own seeds, so a task's result never depends on
where it ran, and :func:`run_tasks` returns the results in task order. The local pool is the
default and needs nothing installed; a Dask cluster (``pip install 'tipoff[dask]'``) is used only
when the caller names its scheduler (``cluster=`` or the environment variable ``TIPOFF_CLUSTER``),
and ``distributed`` is imported only then.

At connection (once per scheduler address and process) the scheduler must answer within
:data:`CONNECT_TIMEOUT` seconds. At every call at least one worker must be there, and every
worker must import the same tipoff version as this process; otherwise a
:class:`~tipoff.errors.UsageError` says which. Each worker is asked its version once, when first
seen (a call whose workers were all seen before costs one round trip to list them), and each
task carries this process's version and refuses to run on a worker with another one (a worker
that joined mid-run). A worker that dies
mid-run loses nothing: the scheduler runs its tasks again elsewhere (and a task that raised is
retried :data:`RETRIES` times), with the same seeds, so the results are unchanged.

What a call costs on Dask, beyond the tasks' own work (measured by ``benchmarks/sweep_scaling.py``,
see ``docs/scaling.md``): one message with every task (:meth:`distributed.Client.map`), one
notice per finished task, one gather of the results; arguments shared by many tasks travel with
each task unless they are large (:data:`SCATTER_BYTES`), when they go to every worker once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import pickle
import queue
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tipoff import _version
from tipoff._version import __version__
from tipoff.errors import TipoffError, UsageError

__all__ = [
    "CLUSTER_ENV",
    "CONNECT_TIMEOUT",
    "NO_WORKER_TIMEOUT",
    "RETRIES",
    "SCATTER_BYTES",
    "parallel_slots",
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
#: Pickled size from which an argument shared by several tasks goes to every worker once
#: (``scatter``) rather than with each task: below it, the copies cost less than scatter's round
#: trips (a scenario, a compiled model and its tables are a few to a few hundred kB).
SCATTER_BYTES = 1 << 20

#: True while a task runs: a task that itself calls run_tasks runs its work in-process, never
#: opening a pool or a cluster connection from inside a worker.
_IN_TASK: contextvars.ContextVar[bool] = contextvars.ContextVar("tipoff_in_task", default=False)
#: One client per scheduler address, per process (connecting takes time).
_CLIENTS: dict[str, Any] = {}
#: The workers of each address whose tipoff version was checked (each is asked once).
_CHECKED: dict[str, set[str]] = {}


def resolve_cluster(cluster: str | None = None, /) -> str | None:
    """The scheduler address to use: ``cluster``, else ``$TIPOFF_CLUSTER``, else None (local).

    An empty string means local, even when the environment variable is set.
    """
    if cluster is None:
        cluster = os.environ.get(CLUSTER_ENV)
    cluster = (cluster or "").strip()
    return cluster or None


def _check_n_workers(n_workers: object) -> None:
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise UsageError(
            "{n_workers} must be at least 1, got " + UsageError.quote(repr(n_workers)),
            params=["n_workers"],
        )


def parallel_slots(*, n_workers: int = 1, cluster: str | None = None) -> int:
    """How many tasks :func:`run_tasks` runs at once with the same ``n_workers`` and ``cluster``.

    The local worker processes (at most the cores), or the worker threads of the cluster: for
    cutting work into tasks that keep every worker busy to the end. Naming a cluster connects to
    it (and checks its workers) as :func:`run_tasks` would; the connection is kept for it.

    Examples
    --------
    >>> parallel_slots()
    1
    """
    _check_n_workers(n_workers)
    if _IN_TASK.get():
        return 1
    address = resolve_cluster(cluster)
    if address is not None:
        return _connect(address)[1]
    return max(1, min(n_workers, os.cpu_count() or 1))


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
    _check_n_workers(n_workers)
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
                "run again, with fewer worker processes if memory is short"
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


def _worker_versions(client: Any, workers: list[str]) -> dict[str, str | None]:
    """tipoff's version on each of ``workers`` (None where it cannot be imported)."""

    # defined here, not at module level, so that it travels by value and runs on a worker
    # that cannot import tipoff at all
    def probe() -> str | None:
        try:
            from tipoff._version import __version__ as v
        except Exception:
            return None
        return str(v)

    return dict(client.run(probe, workers=workers, on_error="return"))


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
    with _connecting(address):
        asyncio.run(asyncio.wait_for(handshake(), CONNECT_TIMEOUT + 1))


def _check_workers(client: Any, address: str, checked: set[str]) -> int:
    """At least one worker, and every worker not in ``checked`` runs this tipoff version (then
    added to it); returns the number of worker threads. One round trip when no worker is new."""
    workers = client.nthreads()
    if not workers:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise UsageError(
                f"the Dask scheduler at {address} has no workers "
                f"(start some with: dask worker {address})"
            ) from None
        workers = client.nthreads()
    checked &= set(workers)  # forget those that left (a new one may come at the same address)
    new = [w for w in workers if w not in checked]
    if new:
        versions = _worker_versions(client, new)
        bad = {w: v for w, v in versions.items() if v != __version__}
        if bad:
            worker, v = sorted(bad.items(), key=lambda kv: str(kv[0]))[0]
            what = (
                "cannot import tipoff"
                if not isinstance(v, str)
                else f"runs tipoff {v}, this is tipoff {__version__}"
            )
            raise UsageError(
                f"{len(bad)} of {len(workers)} Dask workers at {address} cannot run this "
                f"work: {worker} {what} (install tipoff {__version__} on every worker)"
            )
        checked.update(new)
    return max(1, sum(workers.values()))


def _connect(address: str) -> tuple[Any, int]:
    """A client connected to ``address`` (made once per process) and the number of worker
    threads, every worker checked (each once, when first seen)."""
    client = _CLIENTS.get(address)
    if client is None or client.status != "running":
        client = _client(address)
        _CLIENTS[address] = client
        _CHECKED[address] = set()
    try:
        return client, _check_workers(client, address, _CHECKED[address])
    except BaseException:
        _forget(address)
        raise


@contextlib.contextmanager
def _connecting(address: str) -> Iterator[None]:
    """Failures to meet the scheduler at ``address`` as one usage error each."""
    try:
        yield
    except (OSError, TimeoutError):
        raise UsageError(
            f"cannot reach the Dask scheduler at {address}: no answer within {CONNECT_TIMEOUT:g} s"
        ) from None
    except Exception as exc:  # something answered, but not a Dask scheduler of this version
        raise UsageError(
            f"cannot use {address} as a Dask scheduler: {type(exc).__name__} while "
            "connecting (is it a Dask scheduler, with the same Dask version as here?)"
        ) from None


def _client(address: str) -> Any:
    distributed = _distributed()
    _reachable(distributed, address)
    with _connecting(address):
        return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)


def _forget(address: str) -> None:
    _CHECKED.pop(address, None)
    client = _CLIENTS.pop(address, None)
    if client is not None:
        client.close()


class _OtherVersion(Exception):
    """Raised by a task on a worker whose tipoff is not the caller's."""


def _run_remote(version: str, fn: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    """A task on a Dask worker: refuse to run under another tipoff version than the caller's
    (a worker that joined after the connection's check)."""
    if _version.__version__ != version:
        raise _OtherVersion(_version.__version__)
    return _run_one(fn, task)


_SMALL = (bool, int, float, complex, str, bytes, type(None))


def _share(client: Any, tasks: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Send each large argument that several tasks share (the same object) to every worker once,
    instead of with each task; returns the tasks with those arguments replaced by their futures,
    and the futures (to keep alive until the results are in).

    Only arguments of :data:`SCATTER_BYTES` or more, pickled: a smaller one costs less as a copy
    in each task's message than scatter's round trips to every worker (measured: a 6.5 kB
    scenario shared by 8 tasks, 6 to 9 ms of wall and 30 ms of CPU more with scatter). Copies
    on every worker (``broadcast``): a worker that dies takes no shared data with it.
    """
    seen: dict[int, int] = {}
    objects: dict[int, Any] = {}
    for t in tasks:
        for a in t:
            if not isinstance(a, _SMALL):
                seen[id(a)] = seen.get(id(a), 0) + 1
                objects[id(a)] = a
    ids = [i for i, n in seen.items() if n > 1 and _pickled_size(objects[i]) >= SCATTER_BYTES]
    if not ids:
        return tasks, []
    futures = client.scatter([objects[i] for i in ids], broadcast=True, hash=False)
    swap = dict(zip(ids, futures, strict=True))
    return [tuple(swap.get(id(a), a) for a in t) for t in tasks], list(futures)


def _pickled_size(obj: Any) -> int:
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # Dask has other serializers (cloudpickle): let scatter deal with it
        return SCATTER_BYTES


def _run_dask(
    fn: Callable[..., Any],
    tasks: list[tuple[Any, ...]],
    address: str,
    progress: Callable[[int], None] | None,
) -> list[Any]:
    distributed = _distributed()
    client, _ = _connect(address)
    tasks, shared = _share(client, tasks)
    n = len(tasks)
    # one message with every task; each finished task is announced on `finished` by Dask's
    # callback thread, so this thread sleeps until then (no polling)
    futures = client.map(
        _run_remote, [__version__] * n, [fn] * n, tasks, pure=False, retries=RETRIES
    )
    finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
    try:
        for f in futures:
            f.add_done_callback(finished.put)
        done, alone_since = 0, None
        while done < n:
            try:
                f = finished.get(timeout=1.0)
            except queue.Empty:  # nothing finished for a second: is anyone still there?
                alone_since = _watch(client, address, alone_since, n - done, n)
                continue
            if f.status == "error":
                f.result()  # raises the task's own exception
            elif f.status == "cancelled":
                raise CancelledError
            done, alone_since = done + 1, None
            if progress:
                progress(done)
        return list(client.gather(futures))
    except distributed.KilledWorker as exc:
        client.cancel(futures)
        raise UsageError(
            f"one task took down several Dask workers in turn at {address}; giving up "
            f"({str(exc).splitlines()[0]})"
        ) from None
    except CancelledError:
        raise UsageError(f"the Dask scheduler at {address} dropped the work") from None
    except (_OtherVersion, ImportError) as exc:
        # a worker that joined after the check runs another tipoff, or none: say which
        client.cancel(futures)
        _forget(address)
        _connect(address)  # checks every worker anew: raises, naming one, if it is still there
        raise UsageError(
            f"a Dask worker at {address} cannot run this work: "
            + (
                f"it runs tipoff {exc}, this is tipoff {__version__}"
                if isinstance(exc, _OtherVersion)
                else f"{type(exc).__name__}: {exc}"
            )
            + f" (install tipoff {__version__} on every worker)"
        ) from None
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        if shared and client.status == "running":
            client.cancel(shared)  # the shared arguments are no longer needed on the cluster


def _watch(client: Any, address: str, alone_since: float | None, left: int, n: int) -> float | None:
    """Between finished tasks: fail when the connection is lost, or when no worker has been
    there for :data:`NO_WORKER_TIMEOUT` seconds; returns since when there has been none."""
    if client.status != "running":
        raise UsageError(f"lost the connection to the Dask scheduler at {address}")
    now = time.monotonic()
    if client.nthreads():
        return None
    if alone_since is None:
        return now
    if now - alone_since > NO_WORKER_TIMEOUT:
        raise UsageError(
            f"every Dask worker at {address} left and none came back within "
            f"{NO_WORKER_TIMEOUT:g} s ({left} of {n} tasks unfinished)"
        )
    return alone_since
