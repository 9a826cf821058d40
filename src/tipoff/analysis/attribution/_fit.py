"""What the inference methods share: the priors of the unknown rates, the likelihood, and a fit.

The likelihood (docs/attribution.md) of a pattern of deliveries with candidates ``i``, given who is
an informant (``z``), the effectiveness ``theta`` and the background rate ``eps``, is noisy-OR:

.. math::

    \\log q = \\sum_i z_i \\log(1 - \\theta r_i), \\qquad
    P(\\text{delivered}) = (1 - \\varepsilon)\\, q, \\qquad
    P(\\text{intercepted}) = 1 - (1 - \\varepsilon)\\, q.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "EPS_MIN",
    "Fit",
    "RatePriors",
    "exclusive",
    "leak_of",
    "log_intercepted",
    "loglik_patterns",
]

FloatArray = npt.NDArray[np.float64]

#: Rates are kept in [EPS_MIN, 1 - EPS_MIN]: the noiseless limit (theta = 1, eps = 0) stays finite.
EPS_MIN = 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class RatePriors:
    """Beta priors of the effectiveness ``theta`` and background ``eps``; a fixed value replaces one.

    ``Beta(m s, (1 - m) s)`` has mean ``m`` and the weight of ``s`` deliveries' worth of evidence.
    """

    theta_mean: float
    theta_strength: float
    eps_mean: float
    eps_strength: float
    theta_fixed: float | None = None
    eps_fixed: float | None = None

    @property
    def theta_ab(self) -> tuple[float, float]:
        m = min(max(self.theta_mean, 1e-3), 1 - 1e-3)
        return m * self.theta_strength, (1 - m) * self.theta_strength

    @property
    def eps_ab(self) -> tuple[float, float]:
        m = min(max(self.eps_mean, 1e-3), 1 - 1e-3)
        return m * self.eps_strength, (1 - m) * self.eps_strength

    def log_density_logit(self, which: str, u: npt.ArrayLike) -> FloatArray:
        """Log prior density of ``logit(rate) = u`` (the Beta density times the Jacobian)."""
        a, b = self.theta_ab if which == "theta" else self.eps_ab
        u = np.asarray(u, dtype=np.float64)
        # log Beta(x; a, b) + log x + log(1 - x), with x = sigmoid(u)
        log_x = -np.logaddexp(0.0, -u)
        log_1mx = -np.logaddexp(0.0, u)
        norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        return np.asarray(a * log_x + b * log_1mx + norm, dtype=np.float64)


def clip_rate(x: npt.ArrayLike) -> FloatArray:
    return np.clip(np.asarray(x, dtype=np.float64), EPS_MIN, 1.0 - EPS_MIN)


def log_intercepted(log_q: FloatArray, log1m_eps: FloatArray | float) -> FloatArray:
    """``log(1 - (1 - eps) q)`` computed stably as ``log(-expm1(log q + log(1 - eps)))``."""
    return np.asarray(np.log(-np.expm1(log_q + log1m_eps)), dtype=np.float64)


def loglik_patterns(
    log_q: FloatArray, log1m_eps: FloatArray, n_del: FloatArray, n_int: FloatArray
) -> FloatArray:
    """Log-likelihood summed over patterns (last axis), ``log1m_eps`` broadcast on the rest."""
    le = np.asarray(log1m_eps)[..., None]
    out = (log_q + le) @ n_del + log_intercepted(log_q, le) @ n_int
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fit:
    """One method's answer, indexed like the evidence's candidates.

    ``lo``/``hi``: 5% and 95% quantiles of ``P(informant | log, theta, eps)`` over the posterior of
    the rates. ``attributable``: expected interceptions shared to each candidate (each interception
    split among its possible sources in proportion to their hazards, the background included).
    """

    p: FloatArray
    lo: FloatArray
    hi: FloatArray
    attributable: FloatArray
    background_interceptions: float
    theta: tuple[float, float, float]  # posterior mean, 5%, 95%
    eps: tuple[float, float, float]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: the timeline models: posterior median, 5% and 95% quantile of the day each candidate
    #: started to leak (turned, or was traced), given it did by the end of the log (NaN where it
    #: almost surely did not)
    tau: tuple[FloatArray, FloatArray, FloatArray] | None = None
    #: P(the candidate's party leaks by any cause) with its 5% and 95% quantiles, per candidate
    #: (both candidates of a party carry the same); None: as ``p``, ``lo``, ``hi``
    leak: tuple[FloatArray, FloatArray, FloatArray] | None = None


def exclusive(
    p_g: FloatArray,
    pm_g: FloatArray,
    traced: npt.NDArray[np.bool_],
    partner: npt.NDArray[np.int64],
    joint: npt.NDArray[np.bool_],
) -> None:
    """Make a traced channel's probability exclusive where its component did not (in place).

    ``p_g`` (G, n): per rate value, each candidate's probability, exclusive where ``joint`` (the
    traced channel and its relay's informant candidate were enumerated together); elsewhere the
    two are independent given the rates, and ``P(traced, no informant) = P(traced)(1 - P(inf))``
    from the marginals ``pm_g``.
    """
    fix = traced & (partner >= 0) & ~joint
    if fix.any():
        p_g[:, fix] = pm_g[:, fix] * (1.0 - p_g[:, partner[fix]])


def leak_of(p_g: FloatArray, partner: npt.NDArray[np.int64]) -> FloatArray:
    """``P(leaking by any cause)`` per rate value and candidate: its own exclusive probability
    plus its partner's (the same party's other cause)."""
    other = np.where(partner >= 0, p_g[:, np.maximum(partner, 0)], 0.0)
    return np.asarray(p_g + other, dtype=np.float64)


def weighted_quantiles(
    values: FloatArray, weights: FloatArray, qs: tuple[float, ...]
) -> FloatArray:
    """Quantiles of each column of ``values`` (G, n) under grid weights ``weights`` (G,)."""
    order = np.argsort(values, axis=0, kind="stable")
    v = np.take_along_axis(values, order, axis=0)
    w = weights[order]
    cw = np.cumsum(w, axis=0)
    cw /= cw[-1:]
    out = np.empty((len(qs), values.shape[1]))
    for k, q in enumerate(qs):
        pos = (cw < q).sum(axis=0)
        pos = np.minimum(pos, values.shape[0] - 1)
        out[k] = v[pos, np.arange(values.shape[1])]
    return out
