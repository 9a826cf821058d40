"""Where a sweep looks: a full grid, a Latin hypercube, a scrambled Sobol' sequence, or SALib's
Saltelli-type design for Sobol indices, each mapped from ``[0, 1]^d`` through the axes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tipoff.analysis.sweep._spec import Axis
from tipoff.errors import UsageError

__all__ = ["DESIGNS", "MAX_POINTS", "design_points", "sobol_design"]

#: ``design`` values of :func:`design_points`.
DESIGNS = ("grid", "lhs", "sobol")
#: The most points one sweep may simulate.
MAX_POINTS = 1_000_000

FloatArray = npt.NDArray[np.float64]


def _grid(axes: Sequence[Axis]) -> FloatArray:
    missing = [a.path for a in axes if a.levels is None]
    if missing:
        raise UsageError(
            f"a grid needs lists or ranges, and {', '.join(missing)} is a distribution: "
            "use {design} lhs or sobol with {n_points} N, or give a list or range",
            params=["design", "n_points"],
        )
    sizes = [len(a.levels or ()) for a in axes]
    n = math.prod(sizes)
    if n > MAX_POINTS:
        raise UsageError(
            f"the grid has {n:,} points ({' x '.join(map(str, sizes))}); at most {MAX_POINTS:,}"
        )
    mesh = np.meshgrid(*[np.asarray(a.levels, dtype=float) for a in axes], indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def design_points(
    axes: Sequence[Axis], /, *, design: str = "grid", n_points: int | None = None, seed: int
) -> FloatArray:
    """The sweep's points, one row each, one column per axis (in the axes' order).

    Parameters
    ----------
    axes : sequence of Axis
        From :func:`~tipoff.analysis.sweep.parse_axes`.
    design : {"grid", "lhs", "sobol"}
        "grid": every combination of the axes' levels (the last axis varies fastest);
        "lhs": a Latin hypercube of ``n_points`` (each axis's range cut into ``n_points`` equal
        parts, one point in each); "sobol": the first ``n_points`` of a scrambled Sobol' sequence
        (most even when ``n_points`` is a power of 2). Both space-filling designs come from
        ``scipy.stats.qmc``; an axis given as a list or range is split into equal shares, one
        per level.
    n_points : int or None
        Points of a space-filling design (required there; not used by the grid).
    seed : int
        Seed of the space-filling design's randomisation.
    """
    if design not in DESIGNS:
        raise UsageError(
            "{design} must be one of "
            + ", ".join(DESIGNS)
            + ", got "
            + UsageError.quote(repr(design)),
            params=["design"],
        )
    if design == "grid":
        return _grid(axes)
    if n_points is None or not 1 <= n_points <= MAX_POINTS:
        raise UsageError(
            f"the {design} design needs {{n_points}} from 1 to {MAX_POINTS:,}, got "
            + UsageError.quote(repr(n_points)),
            params=["n_points"],
        )
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    d = len(axes)
    if design == "lhs":
        u = qmc.LatinHypercube(d=d, rng=rng).random(n_points)
    else:
        with warnings.catch_warnings():  # not a power of 2: balance is weaker, still valid
            warnings.simplefilter("ignore", UserWarning)
            u = qmc.Sobol(d=d, scramble=True, rng=rng).random(n_points)
    return np.stack([a.at(u[:, j]) for j, a in enumerate(axes)], axis=1)


def sobol_design(d: int, n: int, /, *, seed: int) -> FloatArray:
    """SALib's design for first-order and total Sobol indices on ``[0, 1]^d``.

    ``n * (d + 2)`` rows: for each of ``n`` base points, the matrices A and B of a scrambled
    Sobol' sequence and the ``d`` matrices AB_i (A with column i from B), in the order
    :func:`sobol_indices` expects (Saltelli 2010; Jansen's total-effect estimator).
    """
    try:
        from SALib.sample import sobol as salib_sobol
    except ImportError:
        raise UsageError(
            "{sobol} needs SALib: pip install 'tipoff[sensitivity]'", params=["sobol"]
        ) from None
    if not 2 <= n <= MAX_POINTS // (d + 2):
        raise UsageError(
            f"{{sobol}} (base points) must be from 2 to {MAX_POINTS // (d + 2):,}, got "
            + UsageError.quote(repr(n)),
            params=["sobol"],
        )
    problem = {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():  # SALib warns when n is not a power of 2
        warnings.simplefilter("ignore", UserWarning)
        u = salib_sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return np.asarray(u, dtype=float)
