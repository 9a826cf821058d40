"""Exact attribution: every configuration of informants enumerated, the unknown rates on a grid.

Given the rates ``(theta, eps)``, candidates of different components are independent, so the
posterior of each component's ``2^n`` configurations is computed on its own:

.. math::

    P(z_c \\mid y, \\theta, \\varepsilon) \\propto \\prod_{i \\in c} \\rho_i^{z_i}(1-\\rho_i)^{1-z_i}
    \\prod_{p \\in c} P(y_p \\mid z_c, \\theta, \\varepsilon),

and the evidence ``Z_c(theta, eps)``, their sum, multiplies across components. The rates are
integrated on a grid in ``(logit theta, logit eps)``, refined around the posterior mass until it is
resolved: ``P(z_i = 1 | y) = sum_g W_g P(z_i = 1 | y, g)`` with ``W_g`` proportional to the prior
times ``prod_c Z_c(g)``. This is the reference the Gibbs sampler is tested against.

In the turning model (informants turned on an unknown day), each component is a hidden Markov chain
over its days instead (:mod:`~tipoff.analysis.attribution._timeline`): the forward algorithm gives
``Z_c`` and ``P(tau_i <= end | y)`` exactly, the backward pass the posterior of the turning days.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tipoff.analysis.attribution._blocks import Block, configurations
from tipoff.analysis.attribution._evidence import CAUSE_TRACED, Evidence
from tipoff.analysis.attribution._fit import (
    EPS_MIN,
    Fit,
    FloatArray,
    RatePriors,
    clip_rate,
    exclusive,
    leak_of,
    log_intercepted,
    weighted_quantiles,
)
from tipoff.analysis.attribution._timeline import StepBlock, tau_summary

__all__ = ["MAX_EXACT_CANDIDATES", "exact_cost", "exact_fit", "max_exact_candidates"]

#: Largest component the exact method enumerates (2^22 configurations).
MAX_EXACT_CANDIDATES = 22
#: The same in the turning model, whose chains carry 2^n configurations through every day.
MAX_EXACT_TURNING = 16
#: The turning model's cost of one pass over a day, in floating-point operations (Python overhead).
STEP_OVERHEAD = 2e4
GRID = (21, 17)  # points per pass: logit theta, logit eps
#: Range of (logit theta, logit eps): the priors are truncated to theta in [1.2e-4, 0.99988]
#: and eps in [6.1e-6, 0.73] (the Gibbs sampler keeps the same range).
U_RANGE = (-9.0, 9.0)
V_RANGE = (-12.0, 1.0)
MAX_PASSES = 6
_CHUNK = 1 << 21  # floats per temporary block
_TURN_CHUNK = 1 << 22  # floats per (days x components x configurations) array of the turning model
#: Components up to this size are evaluated together, vectorised over the grid; larger ones alone.
BLOCK_MAX = 12


def max_exact_candidates(ev: Evidence) -> int:
    """Largest component :func:`exact_fit` accepts for this evidence's model."""
    return MAX_EXACT_TURNING if ev.by_day else MAX_EXACT_CANDIDATES


def exact_cost(ev: Evidence) -> float:
    """Rough count of floating-point operations of :func:`exact_fit` (for ``method="auto"``)."""
    total = 0.0
    if not ev.by_day:
        for cands, pats in ev.components():
            total += float(2**cands.size) * max(1, pats.size) * (cands.size + 8)
        return total * GRID[0] * GRID[1] * 3
    # the turning model: every component's days, 2^n configurations each, forward and backward
    sizes: dict[int, int] = {}
    for cands, pats in ev.components():
        if not pats.size:
            continue
        n, T = cands.size, np.unique(ev.pattern_day[pats]).size
        G = float(2**n)
        total += (T * G * (3 * n + 8) + pats.size * G * 4) * GRID[0] * GRID[1]
        sizes[n] = max(sizes.get(n, 0), T)
    overhead = sum(T * (3 * n + 12) for n, T in sizes.items()) * STEP_OVERHEAD
    return (total + overhead) * 6


class _Component:
    def __init__(self, ev: Evidence, cands: npt.NDArray[np.int64], pats: npt.NDArray[np.int64]):
        n = cands.size
        self.cands = cands
        self.Z = configurations(n)
        local = {int(c): k for k, c in enumerate(cands)}
        pos = {int(p): k for k, p in enumerate(pats)}
        self.R = np.zeros((n, pats.size))
        for e in range(ev.entry_pattern.size):
            p = int(ev.entry_pattern[e])
            if p in pos:
                self.R[local[int(ev.entry_candidate[e])], pos[p]] = ev.entry_weight[e]
        self.n_del = ev.n_delivered[pats]
        self.n_int = ev.n_intercepted[pats]
        self.lw = ev.pattern_lw[pats]
        rho = ev.prior[cands]
        self.log_prior = self.Z @ (np.log(rho) - np.log1p(-rho)) + np.log1p(-rho).sum()
        self.rows = max(1, _CHUNK // max(1, pats.size * 4))

    def evaluate(
        self, theta: float, log1m_eps: FloatArray, marginals: bool
    ) -> tuple[FloatArray, FloatArray | None, FloatArray | None, FloatArray | None]:
        """log Z_c per eps; with ``marginals``, P(z_i=1), attributable and background per eps."""
        A = np.log1p(-np.minimum(theta * self.R, 1.0 - EPS_MIN))  # (n, P)
        L = self.Z @ A  # (2^n, P) log q
        G = log1m_eps.size
        ll = np.empty((L.shape[0], G))
        for s in range(0, L.shape[0], self.rows):
            Lc = L[s : s + self.rows]
            base = Lc @ self.n_del + self.log_prior[s : s + self.rows]
            for g in range(G):
                ll[s : s + self.rows, g] = (
                    base
                    + self.n_del.sum() * log1m_eps[g]
                    + log_intercepted(Lc, log1m_eps[g] + self.lw) @ self.n_int
                )
        top = ll.max(axis=0)
        w = np.exp(ll - top)
        tot = w.sum(axis=0)
        log_z = top + np.log(tot)
        if not marginals:
            return log_z, None, None, None
        w /= tot
        p = w.T @ self.Z  # (G, n)
        attr = np.empty((G, self.Z.shape[1]))
        bg = np.empty(G)
        for g in range(G):
            a_eps = -(log1m_eps[g] + self.lw)  # background and watched home
            D = -L + a_eps  # total hazard of each pattern
            share = (self.n_int / D) @ (-A).T  # (2^n, n): sum_p n_int a_ip / D_p
            attr[g] = w[:, g] @ (self.Z * share)
            bg[g] = w[:, g] @ ((self.n_int * a_eps / D).sum(axis=1))
        return log_z, p, attr, bg


def _axis(fixed: float | None, lo: float, hi: float, n: int) -> FloatArray:
    if fixed is not None:
        x = float(clip_rate(fixed))
        return np.array([np.log(x) - np.log1p(-x)])
    return np.linspace(lo, hi, n)


def _logit(x: FloatArray) -> FloatArray:
    x = clip_rate(x)
    return np.asarray(np.log(x) - np.log1p(-x), dtype=np.float64)


class _Evaluator:
    """log Z of every component (and, on request, marginals) at many grid points at once."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev
        self.n = ev.n_candidates
        small: dict[int, list[npt.NDArray[np.int64]]] = {}
        self.large: list[_Component] = []
        covered: list[npt.NDArray[np.int64]] = []
        for cands, pats in ev.components():
            if not pats.size:
                continue
            covered.append(cands)
            if cands.size <= BLOCK_MAX:
                small.setdefault(cands.size, []).append(cands)
            else:
                self.large.append(_Component(ev, cands, pats))
        logit_prior = _logit(ev.prior)
        self.blocks = [
            Block(
                comps,
                size,
                e_pat=ev.entry_pattern,
                e_cand=ev.entry_candidate,
                e_r=ev.entry_weight,
                n_del=ev.n_delivered,
                n_int=ev.n_intercepted,
                logit_prior=logit_prior,
                n_total=self.n,
                lw=ev.pattern_lw,
            )
            for size, comps in sorted(small.items())
        ]
        # the constant of the prior odds: sum of log(1 - rho) over the blocks' candidates
        self.prior_const = float(sum(np.log1p(-ev.prior[b.members]).sum() for b in self.blocks))
        self.covered = np.concatenate(covered) if covered else np.zeros(0, dtype=np.int64)
        self.n_components = len(covered)
        self.largest = max((c.size for c in covered), default=0)
        self.configurations = int(sum(2**c.size for c in covered))

    def evaluate(
        self, theta: FloatArray, log1m_eps: FloatArray, marginals: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """For grid points (theta_c, eps_c): sum of log Z, and P(z=1), attributable, background."""
        C, n, ev = theta.size, self.n, self.ev
        log_z = np.full(C, self.prior_const)
        p = np.zeros((C, n))
        attr = np.zeros((C, n))
        bg = np.zeros(C)
        for b in self.blocks:
            G = b.Z.shape[0]
            step = max(1, _CHUNK // (G * (b.i_pats.size + b.K + b.i_entries.size + 1)))
            for s in range(0, C, step):
                sl = slice(s, min(C, s + step))
                ll, Lp = b.loglik(theta[sl], log1m_eps[sl], ev.entry_weight)
                top = ll.max(axis=1, keepdims=True)
                w = np.exp(ll - top)
                tot = w.sum(axis=1, keepdims=True)
                log_z[sl] += (top + np.log(tot))[:, 0, :].sum(axis=1)
                if marginals:
                    w /= tot
                    p[sl][:, b.members.ravel()] = np.matmul(w.transpose(0, 2, 1), b.Z).reshape(
                        w.shape[0], -1
                    )
                    a, g = b.shares(theta[sl], log1m_eps[sl], ev.entry_weight, w, Lp)
                    attr[sl][:, b.members.ravel()] = a
                    bg[sl] += g
        for comp in self.large:
            for t in np.unique(theta):
                at = np.flatnonzero(theta == t)
                lz, pc, ac, bc = comp.evaluate(float(t), log1m_eps[at], marginals)
                log_z[at] += lz
                if marginals and pc is not None and ac is not None and bc is not None:
                    p[np.ix_(at, comp.cands)] = pc
                    attr[np.ix_(at, comp.cands)] = ac
                    bg[at] += bc
        return log_z, p, attr, bg


class _TurningEvaluator:
    """The turning model: each component a Markov chain over its days (:class:`StepBlock`)."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev
        self.n = ev.n_candidates
        by_size: dict[int, list[npt.NDArray[np.int64]]] = {}
        covered: list[npt.NDArray[np.int64]] = []
        for cands, pats in ev.components():
            if pats.size:
                covered.append(cands)
                by_size.setdefault(cands.size, []).append(cands)
        self.blocks = [
            StepBlock(
                comps,
                size,
                e_pat=ev.entry_pattern,
                e_cand=ev.entry_candidate,
                e_r=ev.entry_weight,
                n_del=ev.n_delivered,
                n_int=ev.n_intercepted,
                pattern_day=ev.pattern_day,
                law=ev.law,
                n_total=self.n,
                lw=ev.pattern_lw,
                partner=np.where(ev.cause == CAUSE_TRACED, ev.partner, -1),
                extra_days=(ev.event_cand, ev.event_day),
            )
            for size, comps in sorted(by_size.items())
        ]
        self.covered = np.concatenate(covered) if covered else np.zeros(0, dtype=np.int64)
        self.n_components = len(covered)
        self.largest = max((c.size for c in covered), default=0)
        self.configurations = int(sum(2**c.size for c in covered))
        self.steps = int(sum(b.T for b in self.blocks))
        self.cdf: list[FloatArray] = []
        self.p_marginal = np.zeros((0, self.n))

    def evaluate(
        self, theta: FloatArray, log1m_eps: FloatArray, marginals: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """For grid points (theta_c, eps_c): sum of log Z, and P(tau <= end) (exclusive: a traced
        channel only while its relay is no informant), attributable, background; with
        ``marginals``, the posterior of the start days is kept in ``cdf`` and ``p_marginal``."""
        C, n, ev = theta.size, self.n, self.ev
        log_z = np.zeros(C)
        p = np.zeros((C, n))
        pm = np.zeros((C, n))
        attr = np.zeros((C, n))
        bg = np.zeros(C)
        self.cdf = []
        for b in self.blocks:
            G = b.Z.shape[0]
            step = max(1, _TURN_CHUNK // (G * max(b.T * b.K, b.pats.size, 1)))
            cdfs = []
            for s in range(0, C, step):
                sl = slice(s, min(C, s + step))
                if marginals:
                    lz, (pe, pme), cdf, a, g = b.smooth(theta[sl], log1m_eps[sl], ev.entry_weight)
                    attr[sl][:, b.members.ravel()] = a
                    bg[sl] += g
                    cdfs.append(cdf)
                    pm[sl][:, b.members.ravel()] = pme
                else:
                    lz, pe = b.forward(theta[sl], log1m_eps[sl], ev.entry_weight)
                log_z[sl] += lz.sum(axis=1)
                p[sl][:, b.members.ravel()] = pe
            if marginals:
                self.cdf.append(np.concatenate(cdfs, axis=0))
        if marginals:
            self.p_marginal = pm
        return log_z, p, attr, bg

    def tau(self, W: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Posterior median and 90% interval of each candidate's start day (grid weights ``W``;
        ``p``: the marginal probability of having started by the end)."""
        ev = self.ev
        out = [np.full(self.n, np.nan) for _ in range(3)]
        lone = np.setdiff1d(np.arange(self.n), self.covered)
        if lone.size:
            res = tau_summary(
                np.zeros((lone.size, 0)),
                np.zeros(lone.size, dtype=np.int64),
                np.zeros((lone.size, 0)),
                p[lone],
                ev.law,
                lone,
            )
            for o, r in zip(out, res, strict=True):
                o[lone] = r
        for b, cdf in zip(self.blocks, self.cdf, strict=True):
            members = b.members.ravel()
            days, n_steps = b.step_days()
            res = tau_summary(
                days,
                n_steps,
                np.einsum("c,cmt->mt", W, cdf),
                p[members],
                ev.law,
                members,
            )
            for o, r in zip(out, res, strict=True):
                o[members] = r
        return out[0], out[1], out[2]


def exact_fit(ev: Evidence, priors: RatePriors) -> Fit:
    """Posterior by enumeration within components and a refined grid over the rates.

    Parameters
    ----------
    ev
        From :func:`~tipoff.analysis.attribution._evidence.build_evidence`.
    priors
        Beta priors of the rates (or fixed values).

    Returns
    -------
    Fit
    """
    n = ev.n_candidates
    evaluator: _Evaluator | _TurningEvaluator = (
        _TurningEvaluator(ev) if ev.by_day else _Evaluator(ev)
    )
    empty = ev.empty_patterns()
    e_del, e_int = float(ev.n_delivered[empty].sum()), float(ev.n_intercepted[empty].sum())
    e_nint, e_lw = ev.n_intercepted[empty], ev.pattern_lw[empty]

    def grid(u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Flattened grid points: theta, log(1 - eps), and the log prior plus empty patterns."""
        theta = np.repeat(clip_rate(_sigmoid(u)), v.size)
        eps = np.tile(clip_rate(_sigmoid(v)), u.size)
        le = np.log1p(-eps)
        lw = e_del * le + log_intercepted(le[:, None] + e_lw, 0.0) @ e_nint
        if priors.theta_fixed is None:
            lw += np.repeat(priors.log_density_logit("theta", u), v.size)
        if priors.eps_fixed is None:
            lw += np.tile(priors.log_density_logit("eps", v), u.size)
        return theta, np.log1p(-eps), lw

    u_lo, u_hi = U_RANGE
    v_lo, v_hi = V_RANGE
    passes = 0
    fixed_both = priors.theta_fixed is not None and priors.eps_fixed is not None
    while not fixed_both:
        passes += 1
        u = _axis(priors.theta_fixed, u_lo, u_hi, GRID[0])
        v = _axis(priors.eps_fixed, v_lo, v_hi, GRID[1])
        theta, log1m_eps, lw = grid(u, v)
        lw = (lw + evaluator.evaluate(theta, log1m_eps, False)[0]).reshape(u.size, v.size)
        keep = lw >= lw.max() - 30.0
        ku, kv = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
        du = (u[1] - u[0]) if u.size > 1 else 0.0
        dv = (v[1] - v[0]) if v.size > 1 else 0.0
        nu_lo, nu_hi = max(u[ku[0]] - du, U_RANGE[0]), min(u[ku[-1]] + du, U_RANGE[1])
        nv_lo, nv_hi = max(v[kv[0]] - dv, V_RANGE[0]), min(v[kv[-1]] + dv, V_RANGE[1])
        shrunk = (u.size > 1 and (nu_hi - nu_lo) < 0.6 * (u_hi - u_lo)) or (
            v.size > 1 and (nv_hi - nv_lo) < 0.6 * (v_hi - v_lo)
        )
        u_lo, u_hi, v_lo, v_hi = nu_lo, nu_hi, nv_lo, nv_hi
        if not shrunk or passes >= MAX_PASSES - 1:
            break

    # the last pass: the grid the posterior is integrated on
    u = _axis(priors.theta_fixed, u_lo, u_hi, GRID[0])
    v = _axis(priors.eps_fixed, v_lo, v_hi, GRID[1])
    theta, log1m_eps, lw = grid(u, v)
    log_z, p_g, attr_g, bg_g = evaluator.evaluate(theta, log1m_eps, True)
    pm_g = evaluator.p_marginal if isinstance(evaluator, _TurningEvaluator) else p_g.copy()
    lw = lw + log_z
    lone = np.setdiff1d(np.arange(n), evaluator.covered)
    p_g[:, lone] = ev.prior[lone]  # candidates with no observed delivery keep their prior
    pm_g[:, lone] = ev.prior[lone]
    traced = ev.cause == CAUSE_TRACED
    joint = (ev.partner >= 0) & (ev.component[np.maximum(ev.partner, 0)] == ev.component)
    joint[lone] = False
    exclusive(p_g, pm_g, traced, ev.partner, joint)
    leak_g = leak_of(p_g, ev.partner)
    W = np.exp(lw - lw.max())
    W /= W.sum()
    p = W @ p_g
    leak = W @ leak_g
    lo, hi = weighted_quantiles(p_g, W, (0.05, 0.95)) if n else (np.zeros(0), np.zeros(0))
    l_lo, l_hi = weighted_quantiles(leak_g, W, (0.05, 0.95)) if n else (np.zeros(0), np.zeros(0))
    diagnostics = {
        "components": evaluator.n_components,
        "largest_component": evaluator.largest,
        "configurations": evaluator.configurations,
        "grid": [int(u.size), int(v.size)],
        "grid_passes": passes + 1,
    }
    tau = None
    if isinstance(evaluator, _TurningEvaluator):
        tau = evaluator.tau(W, W @ pm_g)
        diagnostics["days"] = evaluator.steps
    return Fit(
        p=p,
        lo=np.minimum(lo, p),
        hi=np.maximum(hi, p),
        attributable=W @ attr_g,
        background_interceptions=float(W @ (bg_g + e_int)),
        theta=_summary(theta, W),
        eps=_summary(-np.expm1(log1m_eps), W),
        diagnostics=diagnostics,
        tau=tau,
        leak=(leak, np.minimum(l_lo, leak), np.maximum(l_hi, leak)),
    )


def _sigmoid(u: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-u)), dtype=np.float64)


def _summary(values: FloatArray, weights: FloatArray) -> tuple[float, float, float]:
    q = weighted_quantiles(values[:, None], weights, (0.05, 0.95))[:, 0]
    return float(weights @ values), float(q[0]), float(q[1])
