"""Scalable attribution: Gibbs sampling of who is an informant, many chains at once (numpy).

The state of each chain is ``z`` (who is an informant), the effectiveness ``theta`` and the
background ``eps``. One sweep:

1. ``z`` by colour: candidates that share no pattern are independent given the rest, so a greedy
   colouring of the "share a pattern" graph splits them into a few groups, each updated at once,
   exactly, from its full conditional

   .. math::

       \\operatorname{logit} P(z_i = 1 \\mid \\cdot) = \\operatorname{logit}\\rho_i +
       \\sum_{p \\ni i} n^{del}_p \\log(1 - \\theta r_{pi}) +
       n^{int}_p \\left[\\log(1 - (1-\\varepsilon) q^{-i}_p (1 - \\theta r_{pi})) -
       \\log(1 - (1-\\varepsilon) q^{-i}_p)\\right];

   chains are an array axis, so every chain moves in the same numpy operations;
2. ``theta`` and ``eps`` by random-walk Metropolis on the logit scale (steps tuned in warm-up).

Estimates are Rao-Blackwellised: ``P(z_i = 1 | y)`` is the average of the full conditionals above,
not of the sampled ``z``. Convergence is checked with split R-hat and effective sample size on the
rates, the log-likelihood and every candidate's conditional; a poor value adds a warning.

The 90% interval of a candidate is the spread of ``P(z_i = 1 | y, theta, eps)`` over the posterior
of the rates (as in the exact method): short extra runs with the rates fixed at draws from their
posterior, all at once as more chains.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff._rng import run_generators
from tipoff.analysis.attribution._blocks import Block
from tipoff.analysis.attribution._diagnostics import effective_sample_size, split_rhat
from tipoff.analysis.attribution._evidence import Evidence
from tipoff.analysis.attribution._fit import (
    EPS_MIN,
    Fit,
    FloatArray,
    RatePriors,
    clip_rate,
    log_intercepted,
)

__all__ = ["gibbs_fit"]

IntArray = npt.NDArray[np.int64]
RHAT_LIMIT = 1.05
ESS_LIMIT = 100.0
#: Floats kept for diagnostics traces (chains x draws x candidates), thinned beyond this.
TRACE_BUDGET = 20_000_000
TARGET_ACCEPT = 0.35
#: Sweeps between evaluations of the attributable interceptions (a smooth average).
ATTR_EVERY = 5
#: Components of at most this many candidates are drawn jointly (exactly); larger ones one by one.
BLOCK_MAX = 10
#: Bound on chains x configurations x entries of one block's temporary arrays (with 16 chains).
BLOCK_BUDGET = 1 << 18


def _logit(x: FloatArray) -> FloatArray:
    x = clip_rate(x)
    return np.asarray(np.log(x) - np.log1p(-x), dtype=np.float64)


def _sigmoid(u: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * u)), dtype=np.float64)


class _Model:
    """Static arrays of the sampler, derived once from the evidence."""

    def __init__(self, ev: Evidence, block_max: int = 10) -> None:
        self.active = np.unique(ev.entry_candidate)  # candidates with an observed pattern
        local = np.full(ev.n_candidates, -1, dtype=np.int64)
        local[self.active] = np.arange(self.active.size)
        self.n = int(self.active.size)
        self.P = ev.n_patterns
        self.e_pat = ev.entry_pattern
        self.e_cand = local[ev.entry_candidate]
        self.e_r = ev.entry_weight
        self.n_del = ev.n_delivered
        self.n_int = ev.n_intercepted
        self.e_del = self.n_del[self.e_pat]
        self.e_int = self.n_int[self.e_pat]
        self.logit_prior = _logit(ev.prior[self.active])
        sizes = np.diff(ev.pattern_start)
        self.nonempty = np.flatnonzero(sizes > 0)
        self.pat_starts = ev.pattern_start[self.nonempty]
        by_cand = np.argsort(self.e_cand, kind="stable")
        self.by_cand = by_cand
        self.cand_starts = np.searchsorted(self.e_cand[by_cand], np.arange(self.n))
        comp = ev.component[self.active]
        small: dict[int, list[IntArray]] = {}
        large = []
        for c in np.unique(comp):
            members = np.flatnonzero(comp == c)
            if members.size <= block_max:
                small.setdefault(members.size, []).append(members)
            else:
                large.append(members)
        self.blocks = [
            b for size, comps in sorted(small.items()) for b in self._blocks(comps, size)
        ]
        self.single = np.concatenate(large) if large else np.zeros(0, dtype=np.int64)
        self.colours = self._colour(self.single)

    def _blocks(self, comps: list[IntArray], size: int) -> list[Block]:
        """Blocks of components of one size, chunked to bound the (chains, configs, entries) array."""
        per_comp = np.bincount(self.e_cand, minlength=self.n)
        budget = max(1, BLOCK_BUDGET >> size)
        out: list[Block] = []
        chunk: list[IntArray] = []
        used = 0
        for members in comps:
            k = int(per_comp[members].sum())
            if chunk and used + k > budget:
                out.append(self._block(chunk, size))
                chunk, used = [], 0
            chunk.append(members)
            used += k
        if chunk:
            out.append(self._block(chunk, size))
        return out

    def _block(self, comps: list[IntArray], size: int) -> Block:
        return Block(
            comps,
            size,
            e_pat=self.e_pat,
            e_cand=self.e_cand,
            e_r=self.e_r,
            n_del=self.n_del,
            n_int=self.n_int,
            logit_prior=self.logit_prior,
            n_total=self.n,
        )

    def _colour(self, cands: IntArray) -> list[tuple[IntArray, IntArray, IntArray, IntArray]]:
        """Greedy colouring of ``cands``; per colour: entries, candidates, segments, positions."""
        neighbours: list[set[int]] = [set() for _ in range(self.n)]
        starts = np.r_[self.pat_starts, self.e_pat.size]
        for k in range(starts.size - 1):
            members = self.e_cand[starts[k] : starts[k + 1]].tolist()
            if len(members) > 1:
                for a in members:
                    neighbours[a].update(members)
        colour = np.full(self.n, -1, dtype=np.int64)
        for i in sorted(cands.tolist(), key=lambda j: -len(neighbours[j])):
            used = {int(colour[j]) for j in neighbours[i] if j != i}
            c = 0
            while c in used:
                c += 1
            colour[i] = c
        out = []
        for c in range(int(colour.max()) + 1 if cands.size else 0):
            cands = np.flatnonzero(colour == c)
            entries = self.by_cand[np.isin(self.e_cand[self.by_cand], cands)]
            seg = np.searchsorted(self.e_cand[entries], cands)
            pos = np.searchsorted(cands, self.e_cand[entries])
            out.append((entries, cands, seg, pos))
        return out

    def log_q(self, z: FloatArray, theta: FloatArray) -> FloatArray:
        """log q per chain and pattern: sum of z_i log(1 - theta r) over the pattern's entries."""
        a = np.log1p(-np.minimum(theta[:, None] * self.e_r[None, :], 1.0 - EPS_MIN))
        L = np.zeros((z.shape[0], self.P))
        if self.nonempty.size:
            L[:, self.nonempty] = np.add.reduceat(z[:, self.e_cand] * a, self.pat_starts, axis=1)
        return L

    def loglik(self, L: FloatArray, eps: FloatArray) -> FloatArray:
        le = np.log1p(-clip_rate(eps))[:, None]
        return np.asarray(
            (L + le) @ self.n_del + log_intercepted(L, le) @ self.n_int, dtype=np.float64
        )


class _Chains:
    """The state of all chains, and one sweep of the sampler."""

    def __init__(
        self,
        m: _Model,
        priors: RatePriors,
        z: FloatArray,
        theta: FloatArray,
        eps: FloatArray,
        rng: np.random.Generator,
        update_rates: bool,
    ) -> None:
        self.m, self.priors, self.rng = m, priors, rng
        self.z, self.theta, self.eps = z, theta, eps
        self.L = m.log_q(z, theta)
        self.ll = m.loglik(self.L, eps)
        C = z.shape[0]
        self.update_theta = update_rates and priors.theta_fixed is None
        self.update_eps = update_rates and priors.eps_fixed is None
        self.step = {"theta": np.full(C, 0.5), "eps": np.full(C, 0.5)}
        self.accepted = {"theta": np.zeros(C), "eps": np.zeros(C)}
        self.cond = np.zeros((C, m.n))  # last full conditional of each candidate

    def _draw_block(self, b: Block, le: FloatArray) -> None:
        """Draw each component of the block from its exact conditional (Rao-Blackwellised)."""
        ll, _ = b.loglik(self.theta, le[:, 0], self.m.e_r)  # (C, G, K)
        w = np.exp(ll - ll.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        u = self.rng.random((w.shape[0], 1, w.shape[2]))
        choice = np.minimum((np.cumsum(w, axis=1) < u).sum(axis=1), w.shape[1] - 1)  # (C, K)
        self.cond[:, b.members] = np.matmul(w.transpose(0, 2, 1), b.Z)
        self.z[:, b.members] = b.Z[choice]
        self.L[:, b.pats] = b.log_q(self.theta, self.z, self.m.e_r)

    def sweep(self, adapt: float) -> None:
        m, rng = self.m, self.rng
        le = np.log1p(-clip_rate(self.eps))[:, None]
        th = self.theta[:, None]
        for b in m.blocks:
            self._draw_block(b, le)
        for entries, cands, seg, pos in m.colours:
            a = np.log1p(-np.minimum(th * m.e_r[entries], 1.0 - EPS_MIN))  # (C, E_k)
            pats = m.e_pat[entries]
            Lm = self.L[:, pats] - self.z[:, m.e_cand[entries]] * a  # log q without i
            delta = m.e_del[entries] * a + m.e_int[entries] * (
                log_intercepted(Lm, le + a) - log_intercepted(Lm, le)
            )
            logit = np.add.reduceat(delta, seg, axis=1) + m.logit_prior[cands]
            pr = _sigmoid(logit)
            znew = (rng.random(pr.shape) < pr).astype(np.float64)
            self.cond[:, cands] = pr
            self.z[:, cands] = znew
            self.L[:, pats] = Lm + znew[:, pos] * a
        self.ll = m.loglik(self.L, self.eps)
        if self.update_theta:
            self._metropolis("theta", adapt)
        if self.update_eps:
            self._metropolis("eps", adapt)
            self._metropolis("eps", adapt)

    def _metropolis(self, which: str, adapt: float) -> None:
        m, rng = self.m, self.rng
        cur = self.theta if which == "theta" else self.eps
        u = _logit(cur)
        step = self.step[which]
        u_new = u + step * rng.standard_normal(u.size)
        new = clip_rate(_sigmoid(u_new))
        if which == "theta":
            L_new = m.log_q(self.z, new)
            ll_new = m.loglik(L_new, self.eps)
        else:
            L_new = self.L
            ll_new = m.loglik(self.L, new)
        log_ratio = (
            ll_new
            - self.ll
            + self.priors.log_density_logit(which, u_new)
            - self.priors.log_density_logit(which, u)
        )
        accept = np.log(rng.random(u.size)) < log_ratio
        if which == "theta":
            self.theta = np.where(accept, new, self.theta)
            self.L = np.where(accept[:, None], L_new, self.L)
        else:
            self.eps = np.where(accept, new, self.eps)
        self.ll = np.where(accept, ll_new, self.ll)
        self.accepted[which] += accept
        if adapt > 0:
            self.step[which] = np.clip(step * np.exp(adapt * (accept - TARGET_ACCEPT)), 0.01, 5.0)

    def attributable(self) -> tuple[FloatArray, FloatArray]:
        """Interceptions shared to each candidate and to the background, per chain."""
        m = self.m
        a_eps = -np.log1p(-clip_rate(self.eps))  # (C,)
        D = -self.L + a_eps[:, None]  # total hazard per pattern
        h = -np.log1p(-np.minimum(self.theta[:, None] * m.e_r[None, :], 1.0 - EPS_MIN))
        share = self.z[:, m.e_cand] * h * (m.e_int / D[:, m.e_pat])
        per_cand = np.zeros((self.z.shape[0], m.n))
        if m.n:
            per_cand = np.add.reduceat(share[:, m.by_cand], m.cand_starts, axis=1)
        bg = (m.n_int[None, :] * a_eps[:, None] / D).sum(axis=1)
        return per_cand, bg


def _run(ch: _Chains, n_warmup: int, n_draws: int, thin: int, keep_traces: bool) -> dict[str, Any]:
    """Warm up, then average the conditionals over ``n_draws`` sweeps (traces every ``thin``)."""
    for t in range(n_warmup):
        ch.sweep(adapt=1.0 / np.sqrt(1.0 + t / 10.0))
    C, n = ch.z.shape
    for k in ch.accepted:
        ch.accepted[k][:] = 0
    p_sum = np.zeros((C, n))
    attr_sum = np.zeros((C, n))
    bg_sum = np.zeros(C)
    n_attr = 0
    traces: dict[str, list[FloatArray]] = {"theta": [], "eps": [], "loglik": [], "p": []}
    for t in range(n_draws):
        ch.sweep(adapt=0.0)
        p_sum += ch.cond
        if t % ATTR_EVERY == 0:
            a, b = ch.attributable()
            attr_sum += a
            bg_sum += b
            n_attr += 1
        if t % thin == 0 and keep_traces:
            traces["theta"].append(ch.theta.copy())
            traces["eps"].append(ch.eps.copy())
            traces["loglik"].append(ch.ll.copy())
            traces["p"].append(ch.cond.astype(np.float32))
    return {
        "p": p_sum / n_draws,
        "attributable": attr_sum / max(n_attr, 1),
        "background": bg_sum / max(n_attr, 1),
        "traces": {k: np.stack(v, axis=1) for k, v in traces.items() if v},
        "acceptance": {k: float(v.mean() / max(n_draws, 1)) for k, v in ch.accepted.items()},
    }


def gibbs_fit(
    ev: Evidence,
    priors: RatePriors,
    /,
    *,
    seed: int,
    n_chains: int = 8,
    n_warmup: int = 200,
    n_draws: int = 500,
    n_rate_draws: int = 20,
    block_max: int = BLOCK_MAX,
) -> Fit:
    """Posterior by vectorised Gibbs sampling (see the module docstring).

    Parameters
    ----------
    ev, priors
        The evidence and the priors of the rates.
    seed
        Seed of the sampler (the same seed gives the same answer).
    n_chains, n_warmup, n_draws
        Chains run at once, warm-up sweeps (discarded, steps tuned) and sweeps kept.
    n_rate_draws
        Posterior draws of the rates at which the interval runs fix them (0: no interval runs).
    block_max
        Components of at most this many candidates are drawn jointly from their exact
        conditional; larger ones one candidate at a time (0: every candidate one at a time).

    Returns
    -------
    Fit
    """
    rng_main, rng_iv = run_generators(seed, 0, 2)
    m = _Model(ev, block_max)
    C = n_chains
    N = ev.n_candidates
    ta, tb = priors.theta_ab
    ea, eb = priors.eps_ab
    theta0 = (
        np.full(C, priors.theta_fixed)
        if priors.theta_fixed is not None
        else rng_main.beta(ta, tb, C)
    )
    eps0 = (
        np.full(C, priors.eps_fixed) if priors.eps_fixed is not None else rng_main.beta(ea, eb, C)
    )
    z0 = (rng_main.random((C, m.n)) < _sigmoid(m.logit_prior)).astype(np.float64)
    ch = _Chains(m, priors, z0, clip_rate(theta0), clip_rate(eps0), rng_main, update_rates=True)
    thin = max(1, int(np.ceil(C * n_draws * max(m.n, 1) / TRACE_BUDGET)))
    res = _run(ch, n_warmup, n_draws, thin, keep_traces=True)

    p_local = res["p"].mean(axis=0)
    mc_se = res["p"].std(axis=0, ddof=1) / np.sqrt(C) if C > 1 else np.zeros(m.n)
    tr = res["traces"]
    diag, warnings = _diagnose(tr, ch, m.n, C, n_draws, thin, mc_se)
    diag["acceptance"] = res["acceptance"]

    theta_draws = tr["theta"].ravel()
    eps_draws = tr["eps"].ravel()
    lo_local, hi_local = p_local.copy(), p_local.copy()
    rates_vary = priors.theta_fixed is None or priors.eps_fixed is None
    if rates_vary and n_rate_draws > 0 and m.n:
        pick = rng_iv.choice(theta_draws.size, size=n_rate_draws, replace=False)
        # blocks given the rates are exact: one sweep gives P(z_i | y, rates) for their members
        exact_blocks = m.single.size == 0
        per = 1 if exact_blocks else 2
        th = np.repeat(theta_draws[pick], per)
        ep = np.repeat(eps_draws[pick], per)
        z_start = ch.z[rng_iv.integers(0, C, th.size)]
        ivc = _Chains(m, priors, z_start.copy(), th, ep, rng_iv, update_rates=False)
        warm, draws = (0, 1) if exact_blocks else (max(30, n_warmup // 6), max(100, n_draws // 4))
        iv = _run(ivc, warm, draws, draws, keep_traces=False)
        p_m = iv["p"].reshape(n_rate_draws, per, m.n).mean(axis=1)
        lo_local = np.minimum(np.quantile(p_m, 0.05, axis=0), p_local)
        hi_local = np.maximum(np.quantile(p_m, 0.95, axis=0), p_local)
        diag["rate_draws"] = n_rate_draws

    p = ev.prior.copy()
    lo, hi = p.copy(), p.copy()
    attributable = np.zeros(N)
    p[m.active], lo[m.active], hi[m.active] = p_local, lo_local, hi_local
    attributable[m.active] = res["attributable"].mean(axis=0)
    empty = ev.empty_patterns()
    return Fit(
        p=p,
        lo=lo,
        hi=hi,
        attributable=attributable,
        background_interceptions=float(res["background"].mean() + ev.n_intercepted[empty].sum()),
        theta=_summary(theta_draws),
        eps=_summary(eps_draws),
        diagnostics=diag,
        warnings=tuple(warnings),
    )


def _summary(draws: FloatArray) -> tuple[float, float, float]:
    lo, hi = np.quantile(draws, [0.05, 0.95])
    return float(draws.mean()), float(lo), float(hi)


def _diagnose(
    tr: dict[str, FloatArray],
    ch: _Chains,
    n: int,
    C: int,
    n_draws: int,
    thin: int,
    mc_se: FloatArray,
) -> tuple[dict[str, Any], list[str]]:
    diag: dict[str, Any] = {
        "chains": C,
        "draws": n_draws,
        "thin_for_diagnostics": thin,
        "colours": len(ch.m.colours),
        "blocks": len(ch.m.blocks),
        "candidates_one_at_a_time": int(ch.m.single.size),
        "candidates_sampled": n,
    }
    warnings: list[str] = []
    monitored = {"loglik": tr["loglik"]}
    if ch.update_theta:
        monitored["theta"] = tr["theta"]
    if ch.update_eps:
        monitored["eps"] = tr["eps"]
    for name, x in monitored.items():
        diag[f"rhat_{name}"] = float(split_rhat(x))
        diag[f"ess_{name}"] = float(effective_sample_size(x))
    if n and tr["p"].shape[1] >= 4:
        x = tr["p"].astype(np.float64)
        r = split_rhat(x)
        e = effective_sample_size(x)
        diag["max_rhat_candidates"] = float(np.max(r))
        diag["min_ess_candidates"] = float(np.min(e))
    diag["max_mc_error"] = float(mc_se.max()) if mc_se.size else 0.0
    rhats = [v for k, v in diag.items() if k.startswith(("rhat_", "max_rhat"))]
    esses = [v for k, v in diag.items() if k.startswith(("ess_", "min_ess"))]
    diag["max_rhat"] = float(max(rhats)) if rhats else 1.0
    diag["min_ess"] = float(min(esses)) if esses else float(C * n_draws)
    if diag["max_rhat"] > RHAT_LIMIT:
        warnings.append(
            f"the Gibbs chains disagree (split R-hat {diag['max_rhat']:.2f} > {RHAT_LIMIT}): "
            "run longer (more draws) or use method='exact' if the network is small"
        )
    if diag["min_ess"] < ESS_LIMIT:
        warnings.append(
            f"few effective draws (ESS {diag['min_ess']:.0f} < {ESS_LIMIT:.0f}): "
            "the probabilities are imprecise; run longer"
        )
    return diag, warnings
