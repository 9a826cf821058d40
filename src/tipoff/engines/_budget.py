"""Refuse a simulation that would not fit in memory, before it starts, with the estimate and the limit.

A season run holds its deliveries (drawn for a chunk of runs at once), per-party state and a few
numbers per run and place; a scenario with 100,000 senders sending daily for ten years asks for
tens of millions of deliveries per run and would fail deep inside numpy ("Unable to allocate
10.3 GiB"). :func:`check_memory` estimates the peak from the compiled model, generously, and
raises :class:`~tipoff.errors.InputError` (exit code 3) when it exceeds :func:`memory_limit`:
75% of the machine's memory, or ``TIPOFF_MEMORY_LIMIT`` (bytes, or with a suffix: ``512M``,
``8G``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from tipoff.errors import InputError, Problem, UsageError

if TYPE_CHECKING:
    from tipoff.model import CompiledModel

__all__ = ["LIMIT_ENV", "check_memory", "estimate_memory", "memory_limit"]

LIMIT_ENV = "TIPOFF_MEMORY_LIMIT"
#: Bytes per drawn delivery of a chunk (its day, parties, route, amount, draws and outcome).
_PER_DELIVERY = 160
#: Bytes per delivery of the recorded run (the incident log's and the truth's rows, as objects).
_PER_RECORDED_DELIVERY = 1_200
#: Bytes per party and run of a chunk's state (informant flags, days, knowledge, draws).
_PER_PARTY = 96
#: Runs whose deliveries are drawn together (the smallest chunk of either engine).
_CHUNK_RUNS = 16
_FALLBACK_LIMIT = 4 * 1024**3
_SUFFIX = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _gib(n: float) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 / 10 else f"{n / 1024**2:.0f} MiB"


def estimate_memory(
    model: CompiledModel, /, *, n_runs: int, n_workers: int = 1, record: bool = False
) -> int:
    """Bytes a season simulation of ``model`` needs at its peak (an upper-end estimate).

    Parameters
    ----------
    model
        The compiled scenario.
    n_runs
        Seasons simulated.
    n_workers
        Worker processes (each holds a chunk).
    record
        Whether one run is recorded (its incident log and ground truth).
    """
    deliveries = max(
        0.0, float(model.rate_per_sender_per_day)
    ) * model.horizon_days * model.n_senders + float(model.explicit_day.size)
    places = len(model.place_names)
    per_run = 8 * (32 + 2 * places)  # totals, causes, arrests by place
    chunk = min(n_runs, _CHUNK_RUNS) * (
        deliveries * _PER_DELIVERY + model.n_parties * _PER_PARTY + model.horizon_days * 256
    )
    recorded = deliveries * _PER_RECORDED_DELIVERY if record else 0.0
    return int(n_runs * per_run + max(1, n_workers) * chunk + recorded + 64 * 1024**2)


def memory_limit() -> int:
    """The most bytes a simulation may take: ``TIPOFF_MEMORY_LIMIT``, else 75% of the memory."""
    raw = os.environ.get(LIMIT_ENV, "").strip()
    if raw:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?", raw, flags=re.IGNORECASE)
        if m is None:
            raise UsageError(f"{LIMIT_ENV} must be a size such as 2000000000, 512M or 8G")
        return int(float(m[1]) * _SUFFIX[m[2].upper()])
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return _FALLBACK_LIMIT
    return int(0.75 * total) if total > 0 else _FALLBACK_LIMIT


def check_memory(
    model: CompiledModel,
    /,
    *,
    n_runs: int,
    n_workers: int = 1,
    record: bool = False,
    source: str | None = None,
) -> None:
    """Raise :class:`~tipoff.errors.InputError` when the simulation would not fit in memory.

    The message gives the estimate, the limit, and what to change.
    """
    need = estimate_memory(model, n_runs=n_runs, n_workers=n_workers, record=record)
    limit = memory_limit()
    if need <= limit:
        return
    deliveries = max(
        0.0, float(model.rate_per_sender_per_day)
    ) * model.horizon_days * model.n_senders + float(model.explicit_day.size)
    raise InputError(
        Problem(
            source=source or model.name,
            message=(
                f"this simulation would need about {_gib(need)} of memory ({n_runs} runs of "
                f"about {deliveries:,.0f} deliveries and {model.n_parties:,} parties each), more "
                f"than the limit of {_gib(limit)} ({LIMIT_ENV} or 75% of this machine's memory): "
                "simulate fewer runs or workers, a shorter horizon, or fewer senders or "
                "deliveries per sender"
            ),
        )
    )
