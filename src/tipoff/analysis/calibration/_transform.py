"""Maps between a prior's support and the real line, so random-walk moves never leave the support.

A parameter with support ``[a, b]`` moves as ``z = logit((x - a) / (b - a))``; ``[a, inf)`` as
``z = log(x - a)``; an unbounded one as itself. The density of ``z`` carries the Jacobian
``|dx/dz|``, which :func:`log_jacobian` returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Bijection", "bijections"]

FloatArray = npt.NDArray[np.float64]


class Bijection:
    """The map of one coordinate: ``to_real``, ``from_real`` and the log Jacobian ``log|dx/dz|``."""

    def __init__(self, lower: float, upper: float) -> None:
        self.lower, self.upper = float(lower), float(upper)
        self.kind = (
            "interval"
            if math.isfinite(lower) and math.isfinite(upper)
            else "lower"
            if math.isfinite(lower)
            else "real"
        )

    def to_real(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind == "interval":
                u = (x - self.lower) / (self.upper - self.lower)
                u = np.clip(u, 1e-300, 1 - 1e-16)
                return np.asarray(np.log(u) - np.log1p(-u), dtype=float)
            if self.kind == "lower":
                return np.asarray(np.log(np.maximum(x - self.lower, 1e-300)), dtype=float)
        return x

    def from_real(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z, dtype=float)
        if self.kind == "interval":
            u = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow
            return np.asarray(self.lower + (self.upper - self.lower) * u, dtype=float)
        if self.kind == "lower":
            return np.asarray(self.lower + np.exp(z), dtype=float)
        return z

    def log_jacobian(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z, dtype=float)
        if self.kind == "interval":
            # dx/dz = (b - a) u (1 - u), with log u = -log1p(exp(-z))
            return np.asarray(
                math.log(self.upper - self.lower) - np.logaddexp(0, -z) - np.logaddexp(0, z),
                dtype=float,
            )
        if self.kind == "lower":
            return z
        return np.zeros_like(z)


def bijections(bounds: Sequence[tuple[float, float]]) -> list[Bijection]:
    """One :class:`Bijection` per ``(lower, upper)`` support."""
    return [Bijection(lo, hi) for lo, hi in bounds]
