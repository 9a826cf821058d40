"""Compiled forward(-backward) passes of :class:`~._timeline.StepBlock` (numba, one core).

The same algorithm as the numpy passes of ``StepBlock`` (scaled probabilities, one component and
one rate value at a time, bit-by-bit transitions), fused with the emissions so that nothing of
size (days x components x rates x configurations) is ever built. Results agree with the numpy
passes to rounding (tests check 1e-9). When a pass under- or overflows (an emission of zero
probability everywhere), ``ok`` is False and the caller falls back to the numpy log-space pass.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["chain_pass"]


@nb.njit(cache=True, nogil=True)
def _subset_sums(out: np.ndarray, coef: np.ndarray, base: float) -> None:
    """``out[g] = base + sum of coef[j] over the bits j of g`` (one addition per g)."""
    out[0] = base
    for g in range(1, out.shape[0]):
        low = g & -g
        j = 0
        while (1 << j) != low:
            j += 1
        out[g] = out[g ^ low] + coef[j]


@nb.njit(cache=True, nogil=True)
def _exclude(out: np.ndarray, coef: np.ndarray, excl_k: np.ndarray) -> None:
    """Take out of ``out[g]`` the coefficient of each traced channel ``j`` whose relay's
    informant candidate (bit ``excl_k[j]``) is set too: an informant leaks as one."""
    for j in range(excl_k.shape[0]):
        q = excl_k[j]
        if q < 0 or coef[j] == 0.0:
            continue
        mask = (1 << j) | (1 << q)
        for g in range(out.shape[0]):
            if g & mask == mask:
                out[g] -= coef[j]


@nb.njit(cache=True, nogil=True)
def _pattern_coef(
    coef: np.ndarray,
    p: int,
    c: int,
    a: np.ndarray,
    pad_entry: np.ndarray,
    pad_loc: np.ndarray,
    pad_ok: np.ndarray,
) -> None:
    """The pattern's coefficient of each member: ``log(1 - theta r)``, 0 when not in it."""
    for j in range(coef.shape[0]):
        coef[j] = 0.0
    for j in range(pad_loc.shape[1]):
        if pad_ok[p, j] > 0.0:
            coef[pad_loc[p, j]] += a[c, pad_entry[p, j]]


@nb.njit(cache=True, nogil=True)
def _emission(
    out: np.ndarray,
    lq: np.ndarray,
    coef: np.ndarray,
    k: int,
    t: int,
    T: int,
    c: int,
    a: np.ndarray,
    le: float,
    flat_start: np.ndarray,
    pat_sorted: np.ndarray,
    pad_entry: np.ndarray,
    pad_loc: np.ndarray,
    pad_ok: np.ndarray,
    excl_k: np.ndarray,
    n_del: np.ndarray,
    n_int: np.ndarray,
    lw: np.ndarray,
) -> None:
    """Log-likelihood of the deliveries of step ``t`` of component ``k`` per configuration:
    the delivered ones are linear in the bits (one subset sum for the step), the intercepted
    ones one subset sum each."""
    G = out.shape[0]
    s = coef.shape[0]
    f = k * T + t
    for j in range(s):
        coef[j] = 0.0
    base = 0.0
    for q in range(flat_start[f], flat_start[f + 1]):
        p = pat_sorted[q]
        nd = n_del[p]
        if nd > 0.0:
            for j in range(pad_loc.shape[1]):
                if pad_ok[p, j] > 0.0:
                    coef[pad_loc[p, j]] += nd * a[c, pad_entry[p, j]]
            base += nd * le
    _subset_sums(out, coef, base)
    _exclude(out, coef, excl_k)
    for q in range(flat_start[f], flat_start[f + 1]):
        p = pat_sorted[q]
        ni = n_int[p]
        if ni <= 0.0:
            continue
        _pattern_coef(coef, p, c, a, pad_entry, pad_loc, pad_ok)
        _subset_sums(lq, coef, 0.0)
        _exclude(lq, coef, excl_k)
        x = le + lw[p]
        for g in range(G):
            out[g] += math.log(-math.expm1(lq[g] + x)) * ni


@nb.njit(cache=True, nogil=True)
def _advance(alpha: np.ndarray, p: np.ndarray, s: int) -> None:
    """Each bit ``j`` not yet set turns on with probability ``p[j]`` (in place, length 2^s)."""
    G = alpha.shape[0]
    for j in range(s):
        pj = p[j]
        if pj <= 0.0:
            continue
        bit = 1 << j
        for g in range(G):
            if not g & bit:
                moved = alpha[g] * pj
                alpha[g] -= moved
                alpha[g | bit] += moved


@nb.njit(cache=True, nogil=True)
def _retreat(beta: np.ndarray, p: np.ndarray, s: int) -> None:
    """The transpose of :func:`_advance`: ``beta(g) = sum_g' P(g -> g') beta(g')``."""
    G = beta.shape[0]
    for j in range(s):
        pj = p[j]
        if pj <= 0.0:
            continue
        bit = 1 << j
        for g in range(G):
            if not g & bit:
                beta[g] += pj * (beta[g | bit] - beta[g])


@nb.njit(cache=True, nogil=True)
def chain_pass(
    a: np.ndarray,  # (C, E_b) log(1 - theta r) of each of the block's entries
    log1m_eps: np.ndarray,  # (C,)
    prior0: np.ndarray,  # (K, G)
    p_turn: np.ndarray,  # (K, T, s)
    p_end: np.ndarray,  # (K, s)
    flat_start: np.ndarray,  # (K*T + 1,) patterns of each (component, step), CSR
    pat_sorted: np.ndarray,  # (P_b,)
    pad_entry: np.ndarray,  # (P_b, s)
    pad_loc: np.ndarray,  # (P_b, s)
    pad_ok: np.ndarray,  # (P_b, s)
    excl: np.ndarray,  # (K, s) a traced channel's relay's informant (its position), or -1
    n_del: np.ndarray,  # (P_b,)
    n_int: np.ndarray,  # (P_b,)
    lw: np.ndarray,  # (P_b,)
    smooth: bool,
) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward (and with ``smooth`` backward) over every component and rate value.

    Returns ``ok``, log evidence (K, C), the distribution at the end of the log (K, C, G), and
    with ``smooth``: ``P(bit j set on step t | y)`` (C, K, s, T), the interceptions due to each
    member (C, K, s) and to the background and watched homes (C,).
    """
    C = a.shape[0]
    K, G = prior0.shape
    T = p_turn.shape[1]
    s = p_turn.shape[2]
    log_z = np.zeros((K, C))
    end = np.zeros((K, C, G))
    cdf = np.zeros((C, K, s, T if smooth else 0))
    attr = np.zeros((C, K, s if smooth else 0))
    bg = np.zeros(C)
    ok = True
    E = np.empty(G)
    lqs = np.empty(G)
    coef = np.empty(s)
    alpha = np.empty(G)
    kept = np.empty((T if smooth else 0, G))
    eh = np.empty((T if smooth else 0, G))
    tots = np.empty(T if smooth else 0)
    beta = np.empty(G)
    w = np.empty(G)
    for k in range(K):
        for c in range(C):
            le = log1m_eps[c]
            for g in range(G):
                alpha[g] = prior0[k, g]
            lz = 0.0
            for t in range(T):
                _advance(alpha, p_turn[k, t], s)
                _emission(
                    E, lqs, coef, k, t, T, c, a, le, flat_start, pat_sorted, pad_entry,
                    pad_loc, pad_ok, excl[k], n_del, n_int, lw,
                )  # fmt: skip
                mx = -np.inf
                for g in range(G):
                    if E[g] > mx:
                        mx = E[g]
                tot = 0.0
                for g in range(G):
                    e = math.exp(E[g] - mx)
                    alpha[g] *= e
                    tot += alpha[g]
                    if smooth:
                        eh[t, g] = e
                if not (tot > 0.0 and math.isfinite(tot) and math.isfinite(mx)):
                    ok = False
                    return ok, log_z, end, cdf, attr, bg
                for g in range(G):
                    alpha[g] /= tot
                    if smooth:
                        kept[t, g] = alpha[g]
                if smooth:
                    tots[t] = tot
                lz += math.log(tot) + mx
            log_z[k, c] = lz
            for g in range(G):
                end[k, c, g] = alpha[g]
            _advance(end[k, c], p_end[k], s)
            if not smooth:
                continue
            for g in range(G):
                beta[g] = 1.0
            for t in range(T - 1, -1, -1):
                tw = 0.0
                for g in range(G):
                    w[g] = kept[t, g] * beta[g]
                    tw += w[g]
                if not (tw > 0.0 and math.isfinite(tw)):
                    ok = False
                    return ok, log_z, end, cdf, attr, bg
                for g in range(G):
                    w[g] /= tw
                for j in range(s):
                    acc = 0.0
                    for g in range(G):
                        if (g >> j) & 1:
                            acc += w[g]
                    cdf[c, k, j, t] = acc
                # the interceptions of this step's patterns, shared among their sources
                f = k * T + t
                for q in range(flat_start[f], flat_start[f + 1]):
                    p = pat_sorted[q]
                    ni = n_int[p]
                    if ni <= 0.0:
                        continue
                    a_eps = -(le + lw[p])
                    _pattern_coef(coef, p, c, a, pad_entry, pad_loc, pad_ok)
                    _subset_sums(lqs, coef, 0.0)
                    _exclude(lqs, coef, excl[k])
                    for g in range(G):
                        wr = w[g] * ni / (-lqs[g] + a_eps)
                        bg[c] += wr * a_eps
                        for j in range(s):
                            x = excl[k, j]
                            if (g >> j) & 1 and (x < 0 or not (g >> x) & 1):
                                attr[c, k, j] += wr * -coef[j]
                if t == 0:
                    break
                for g in range(G):
                    beta[g] = eh[t, g] * beta[g] / tots[t]
                _retreat(beta, p_turn[k, t], s)
    return ok, log_z, end, cdf, attr, bg
