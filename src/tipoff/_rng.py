"""The one randomness policy: a seed in, independent per-run streams out (NumPy SeedSequence)."""

from __future__ import annotations

import numpy as np

from tipoff.errors import UsageError

__all__ = ["make_seed", "run_generators"]


def make_seed(seed: int | None) -> int:
    """Return ``seed`` itself, or a fresh non-negative seed drawn from OS entropy when it is None.

    The returned integer is what results record, so a run without a seed can still be repeated.
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UsageError(f"{{seed}} must be a non-negative integer, got {seed!r}", params=["seed"])
    return int(seed)


def run_generators(seed: int, start: int, stop: int) -> list[np.random.Generator]:
    """Generators for runs ``start..stop-1`` of a batch seeded with ``seed``.

    Run ``k`` always gets the ``k``-th child of ``SeedSequence(seed)``, so any chunking of the runs
    over calls or worker processes draws exactly the same numbers for each run.
    """
    children = [np.random.SeedSequence(seed, spawn_key=(k,)) for k in range(start, stop)]
    return [np.random.Generator(np.random.PCG64(ss)) for ss in children]
