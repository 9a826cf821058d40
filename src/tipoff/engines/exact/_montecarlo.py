"""Static Monte Carlo of the same semantics as the closed form, on the same laid-out deliveries.

Each sample draws, for every party on the delivery, what it relays: with one uniform u,
``u < rho pi sigma`` relays D ∪ G, ``u < rho pi`` relays D, otherwise nothing (the law of step 3 of
docs/model.md's static semantics, informant, overhearing and relay draws combined). The community members
not on the delivery are pooled per community: at least one of them relays G with probability
``1 - prod_j (1 - rho_j pi sigma)``, which is all that matters for K. Given K, the sample scores the
conditional probability ``1 - (1 - eps)(1 - c(K))`` rather than a 0/1 outcome (a Rao-Blackwellised
estimator: same mean, smaller variance).

Counterfactual variants (a party or a role told less) reuse the same draws (common random numbers),
so their differences from the baseline are estimated with much less noise than the levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.engines.exact._deliveries import N_STATES, Layout

__all__ = ["MonteCarloEstimate", "sample"]

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

#: Samples per generator, and rows per group: the draws depend on the seed and ``n_samples`` only.
BLOCK = 256
ROW_GROUP = 512


@dataclass(frozen=True, slots=True)
class MonteCarloEstimate:
    """Means over samples: baseline and variants, with the baseline's standard error and states."""

    p: F64  # (n,)
    stderr: F64  # (n,)
    states: F64  # (n, 8) sample frequencies of the state of K
    variants: F64  # (n_variants, n) mean conditional P(intercepted) of each variant


def _known(category: npt.NDArray[np.int8], off: npt.NDArray[np.bool_], tip: U8, union: U8) -> U8:
    own = np.where(category == 1, tip, np.where(category == 2, union, 0))
    pooled = np.where(off, union, 0)
    return np.bitwise_or.reduce(own | pooled, axis=-1).astype(np.uint8)


def _group(
    lay: Layout,
    rows: slice,
    *,
    relay_success: float,
    harvest: float,
    score: F64,
    variants: Sequence[tuple[U8, U8]],
    n_samples: int,
    seed: int,
    group: int,
) -> tuple[F64, F64, npt.NDArray[np.int64], F64]:
    tip, union = lay.tip[rows], lay.union[rows]
    n, S = tip.shape
    p_all = lay.rho[rows] * relay_success
    p_union = p_all * harvest
    rep = lay.rep[rows] & (lay.off_count[rows] > 0)
    p_off = np.where(rep, np.where(lay.off_zero[rows] > 0, 1.0, -np.expm1(lay.off_log[rows])), 0.0)
    mode = lay.mode[rows].astype(np.intp)
    total, total_sq = np.zeros(n), np.zeros(n)
    var_total = np.zeros((len(variants), n))
    counts = np.zeros(n * N_STATES, dtype=np.int64)
    row_base = np.arange(n, dtype=np.int64) * N_STATES
    for block in range(-(-n_samples // BLOCK)):
        m = min(BLOCK, n_samples - block * BLOCK)
        gen = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(group, block)))
        )
        u = gen.random((m, n, S))
        category = np.where(u < p_union, 2, np.where(u < p_all, 1, 0)).astype(np.int8)
        off = gen.random((m, n, S)) < p_off
        known = _known(category, off, tip, union)
        p = score[mode, known]
        total += p.sum(axis=0)
        total_sq += (p * p).sum(axis=0)
        counts += np.bincount((row_base + known).ravel(), minlength=n * N_STATES)
        for j, (v_tip, v_union) in enumerate(variants):
            known_v = _known(category, off, v_tip[rows], v_union[rows])
            var_total[j] += score[mode, known_v].sum(axis=0)
    return total, total_sq, counts.reshape(n, N_STATES), var_total


def sample(
    lay: Layout,
    *,
    relay_success: float,
    harvest: float,
    score: F64,
    variants: Sequence[tuple[U8, U8]],
    n_samples: int,
    seed: int,
) -> MonteCarloEstimate:
    """Estimate P(intercepted) for each row of ``lay`` and for each ``(tip, union)`` variant.

    Parameters
    ----------
    lay : Layout
        The laid-out rows.
    relay_success, harvest : float
        pi and sigma.
    score : ndarray, shape (2, 8)
        ``1 - (1 - eps)(1 - c(S))`` by mode and state.
    variants : sequence of (tip, union)
        Alternative tips and unions (each ``(n, S)``), scored on the same draws.
    n_samples : int
        Samples per row.
    seed : int
        Rows are taken in fixed groups of ``ROW_GROUP``; block ``b`` of ``BLOCK`` samples of group
        ``g`` draws from ``SeedSequence(seed, spawn_key=(g, b))``, so the draws depend on the seed
        and ``n_samples`` only.
    """
    n = lay.tip.shape[0]
    p = np.zeros(n)
    sq = np.zeros(n)
    states = np.zeros((n, N_STATES))
    var_total = np.zeros((len(variants), n))
    for group, lo in enumerate(range(0, n, ROW_GROUP)):
        rows = slice(lo, min(lo + ROW_GROUP, n))
        t, t2, c, v = _group(
            lay,
            rows,
            relay_success=relay_success,
            harvest=harvest,
            score=score,
            variants=variants,
            n_samples=n_samples,
            seed=seed,
            group=group,
        )
        p[rows], sq[rows], states[rows], var_total[:, rows] = t, t2, c, v
    mean = p / n_samples
    var = np.maximum(sq - n_samples * mean * mean, 0.0) / max(n_samples - 1, 1)
    return MonteCarloEstimate(
        p=mean,
        stderr=np.sqrt(var / n_samples),
        states=states / n_samples,
        variants=var_total / n_samples,
    )
