"""Distributions over a scenario parameter: priors of a calibration, designs of a sweep.

One place for them: an observations file's priors (YAML mappings such as ``{dist: beta, a: 2, b: 8}``)
and ``tipoff sweep --vary PATH=SPEC`` (text such as ``uniform(0.02, 0.4)``) both make these objects.
Each maps the unit interval onto its support (:meth:`ppf`), so space-filling designs and Sobol
sequences drawn on ``[0, 1]^d`` become parameter values, and gives its log density (:meth:`logpdf`)
for importance weights.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from scipy import stats

__all__ = [
    "Beta",
    "Distribution",
    "LogUniform",
    "Uniform",
    "parse_distribution",
]

FloatArray = npt.NDArray[np.float64]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        """The quantile function: values in the support for ``u`` in [0, 1]."""
        raise NotImplementedError

    def logpdf(self, x: npt.ArrayLike) -> FloatArray:
        """Log density at ``x`` (``-inf`` outside the support)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws, by inversion (one uniform number per draw)."""
        return self.ppf(rng.random(size))

    @property
    def bounds(self) -> tuple[float, float]:
        """The support's lower and upper ends."""
        return float(self.ppf(0.0)), float(self.ppf(1.0))


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError("needs finite low < high")
        return self

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def logpdf(self, x: npt.ArrayLike) -> FloatArray:
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)


class LogUniform(_Dist):
    """Log-uniform on ``[low, high]`` (``0 < low < high``): every order of magnitude equally likely."""

    dist: Literal["loguniform"] = "loguniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> LogUniform:
        if not (0 < self.low < self.high and math.isfinite(self.high)):
            raise ValueError("needs 0 < low < high")
        return self

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        lo, hi = math.log(self.low), math.log(self.high)
        u = np.asarray(u, dtype=float)
        x = np.exp(lo + (hi - lo) * u)
        # the exact ends despite rounding
        return np.where(u <= 0, self.low, np.where(u >= 1, self.high, x))

    def logpdf(self, x: npt.ArrayLike) -> FloatArray:
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = -np.log(x) - math.log(math.log(self.high / self.low))
        return np.where(inside, dens, -np.inf)


class Beta(_Dist):
    """Beta(a, b) on ``[0, 1]``: for probabilities (mean ``a / (a + b)``)."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        return np.asarray(stats.beta.ppf(np.asarray(u, dtype=float), self.a, self.b), dtype=float)

    def logpdf(self, x: npt.ArrayLike) -> FloatArray:
        return np.asarray(stats.beta.logpdf(np.asarray(x, dtype=float), self.a, self.b), float)


Distribution = Annotated[Uniform | LogUniform | Beta, Field(discriminator="dist")]
_ADAPTER: TypeAdapter[Uniform | LogUniform | Beta] = TypeAdapter(Distribution)
_TEXT = re.compile(r"\s*([a-z]{1,12})\s*\(\s*([^()]{0,80})\)\s*")
_ARGS = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "beta": ("a", "b")}


def parse_distribution(text: str, /) -> Uniform | LogUniform | Beta:
    """A distribution from text: ``uniform(LOW, HIGH)``, ``loguniform(LOW, HIGH)``, ``beta(A, B)``.

    Raises
    ------
    ValueError
        With one plain sentence when the text is not one of these forms.

    Examples
    --------
    >>> parse_distribution("loguniform(0.001, 0.1)").bounds
    (0.001, 0.1)
    """
    m = _TEXT.fullmatch(text[:200])
    names = ", ".join(f"{k}({', '.join(v).upper()})" for k, v in _ARGS.items())
    if m is None or m.group(1) not in _ARGS:
        raise ValueError(f"a distribution is one of {names}")
    try:
        values = [float(v) for v in m.group(2).split(",")]
    except ValueError:
        raise ValueError(f"the arguments of {m.group(1)}(...) must be numbers") from None
    keys = _ARGS[m.group(1)]
    if len(values) != len(keys):
        raise ValueError(f"{m.group(1)}(...) takes {len(keys)} numbers: {', '.join(keys)}")
    try:
        return _ADAPTER.validate_python(
            {"dist": m.group(1), **dict(zip(keys, values, strict=True))}
        )
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValueError(f"{m.group(1)}(...): {msg}") from None
