"""Scalable attribution: Markov chain Monte Carlo over the unknown rates, many chains at once (numpy).

The state of each chain is the effectiveness ``theta``, the background ``eps``, and who is an
informant in the *large* components only. One iteration:

1. **Small components** (at most ``block_max`` candidates, the common case: a community) are summed
   out exactly given the rates: every configuration of the component in the persistent model, the
   forward algorithm over its days in the turning model (:mod:`._timeline`). Their evidence
   ``Z_c(theta, eps)`` enters the target of the rates, and their conditional probabilities
   ``P(compromised | y, theta, eps)`` are averaged over the rates' draws (Rao-Blackwellised, and
   exact given the rates): nothing about them is sampled.
2. **Large components** are updated one candidate at a time, by colour: a greedy colouring of the
   "share a pattern" graph gives groups that are conditionally independent, each updated in one
   vectorised step from its full conditional. Persistent model:

   .. math::

       \\operatorname{logit} P(z_i = 1 \\mid \\cdot) = \\operatorname{logit}\\rho_i +
       \\sum_{p \\ni i} n^{del}_p \\log(1 - \\theta r_{pi}) +
       n^{int}_p \\left[\\log(1 - (1-\\varepsilon) q^{-i}_p (1 - \\theta r_{pi})) -
       \\log(1 - (1-\\varepsilon) q^{-i}_p)\\right];

   turning model: the day ``tau_i`` is drawn from its exact conditional over the candidate's own
   reference days (between two of them the likelihood does not change), the same sums taken over
   the patterns on or after each day.
3. ``theta`` and ``eps`` by one joint Metropolis step on the logit scale: a random walk (each
   chain's scale tuned to about 30% acceptance in warm-up), or for most chains an independent
   draw from an approximation of their posterior. When every component is summed out the target
   depends on the rates alone: the chains start at draws from a coarse grid of it (zoomed like
   the exact method's) and the independence proposal is that grid (a cell by its mass, uniform
   within it), so about 80% of proposals are accepted and draws are nearly independent; with
   large components, a t distribution fitted to the warm-up draws. The conditionals averaged are
   the expected values after each step (waste recycling).

Chains are an array axis, so every chain moves in the same numpy operations (``n_chains=None``:
8 to 64, more where arrays are small and chains nearly free). Draws are taken in batches until
split R-hat, the effective sample size and the Monte Carlo error of every probability are good
enough (or ``n_draws`` is reached); with the rates fixed and no large component, one evaluation is
exact and no sampling is done at all.

The 90% interval of a candidate is the spread of ``P(compromised | y, theta, eps)`` over the
posterior of the rates (as in the exact method): for small components, the quantiles of the
conditionals drawn; for large ones, short extra runs with the rates fixed at posterior draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff._rng import run_generators
from tipoff.analysis.attribution._blocks import Block, DenseBlocks
from tipoff.analysis.attribution._diagnostics import effective_sample_size, split_rhat
from tipoff.analysis.attribution._evidence import CAUSE_TRACED, Evidence
from tipoff.analysis.attribution._exact import U_RANGE, V_RANGE
from tipoff.analysis.attribution._fit import (
    EPS_MIN,
    Fit,
    FloatArray,
    RatePriors,
    clip_rate,
    leak_of,
    log_intercepted,
)
from tipoff.analysis.attribution._timeline import StepBlock, tau_summary

__all__ = ["gibbs_fit"]

IntArray = npt.NDArray[np.int64]
RHAT_LIMIT = 1.05
ESS_LIMIT = 100.0
#: Floats kept for diagnostics traces (chains x draws x candidates), thinned beyond this.
TRACE_BUDGET = 20_000_000
TARGET_ACCEPT = 0.3
#: Iterations between evaluations of the attributable interceptions (a smooth average), with
#: 16 chains (proportionally more with more chains).
ATTR_EVERY = 5
#: Components of at most this many candidates are summed out exactly; larger ones one by one.
BLOCK_MAX = 10
#: Bound on configurations x entries (and days) of one block's temporary arrays, per chain.
BLOCK_BUDGET = 1 << 18
#: Adaptive stopping: after ``MIN_DRAWS``, draws stop once every monitored quantity has split
#: R-hat at most ``STOP_RHAT``, the rates and log-likelihood an effective sample size of
#: ``STOP_ESS``, and every probability a Monte Carlo standard error at most ``STOP_SE``.
STOP_RHAT = 1.03
STOP_ESS = 200.0
STOP_SE = 0.005
MIN_DRAWS = 50
MIN_CHAIN_DRAWS = 1600  # chains x draws
#: ``n_chains=None``: as many chains (8 to 64, a multiple of 8) as keep the floats of one
#: iteration's temporaries under this; chains are an array axis, nearly free on small problems.
CHAIN_BUDGET = 60_000
#: Warm-up ends early (after ``MIN_WARMUP``) once its second half has split R-hat below this.
WARM_RHAT = 1.05
MIN_WARMUP = 50
#: Chains started from the grid (below) start near the posterior: warm-up only tunes the steps.
GRID_WARMUP = 10
#: The rates' independence proposal: a t distribution (degrees of freedom, scale over the
#: posterior's covariance), used by this share of the chains at each kept iteration.
T_DF = 5.0
T_SCALE = 1.3
INDEPENDENT_SHARE = 0.9
#: Points per axis of each of the two passes of the grid that starts the chains, and grid points
#: evaluated at once.
GRID_START = (15, 41)
GRID_PASSES = 6
GRID_CHUNK = 64
#: Small components are evaluated as dense matrices when these have at most this many floats.
DENSE_MAX = 1_000_000
#: The range of (logit theta, logit eps), as in the exact method (the priors are truncated there).
X_LO = np.array([U_RANGE[0], V_RANGE[0]])
X_HI = np.array([U_RANGE[1], V_RANGE[1]])


def _logit(x: FloatArray) -> FloatArray:
    x = clip_rate(x)
    return np.asarray(np.log(x) - np.log1p(-x), dtype=np.float64)


def _sigmoid(u: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * u)), dtype=np.float64)


# -- small components: summed out given the rates -------------------------------------------


class _Small:
    """Components summed out exactly given the rates, in blocks of one size."""

    def __init__(self, m: _Model, comps: list[IntArray], ev: Evidence) -> None:
        self.turning = ev.by_day
        small: dict[int, list[IntArray]] = {}
        for c in comps:
            small.setdefault(c.size, []).append(c)
        self.blocks: list[Block | StepBlock] = []
        for size, cs in sorted(small.items()):
            self.blocks += self._chunks(m, cs, size, ev)
        self.members = (
            np.concatenate([b.members.ravel() for b in self.blocks])
            if self.blocks
            else np.zeros(0, dtype=np.int64)
        )
        self.n = int(self.members.size)
        self.order = np.argsort(self.members)  # members in candidate order (all small)
        # small problems: every component in a few dense matrix products
        self.dense: DenseBlocks | None = None
        if not self.turning and self.blocks:
            ordered = [row for b in self.blocks for row in b.members]
            n_int_pairs = sum(
                (1 << b.size) * int(b.i_pats.size) for b in self.blocks if isinstance(b, Block)
            )
            e_small = int(sum(b.e_all.size for b in self.blocks if isinstance(b, Block)))
            if DenseBlocks.size_of(ordered, e_small, n_int_pairs) <= DENSE_MAX:
                self.dense = DenseBlocks(
                    ordered,
                    e_pat=m.e_pat,
                    e_cand=m.e_cand,
                    n_del=m.n_del,
                    n_int=m.n_int,
                    prior=m.prior,
                    lw=m.lw,
                )

    def _chunks(
        self, m: _Model, comps: list[IntArray], size: int, ev: Evidence
    ) -> list[Block | StepBlock]:
        per_cand = np.bincount(m.e_cand, minlength=m.n)
        budget = max(1, BLOCK_BUDGET >> size)
        out: list[Block | StepBlock] = []
        chunk: list[IntArray] = []
        used = 0
        for members in comps:
            k = int(per_cand[members].sum())
            if self.turning:
                k += int(np.unique(m.pattern_day[m.e_pat[np.isin(m.e_cand, members)]]).size)
            if chunk and used + k > budget:
                out.append(self._block(m, chunk, size, ev))
                chunk, used = [], 0
            chunk.append(members)
            used += k
        if chunk:
            out.append(self._block(m, chunk, size, ev))
        return out

    def _block(
        self, m: _Model, comps: list[IntArray], size: int, ev: Evidence
    ) -> Block | StepBlock:
        if self.turning:
            return StepBlock(
                comps,
                size,
                e_pat=m.e_pat,
                e_cand=m.e_cand,
                e_r=m.e_r,
                n_del=m.n_del,
                n_int=m.n_int,
                pattern_day=m.pattern_day,
                law=ev.law,
                n_total=m.n,
                lw=m.lw,
                law_index=m.active,
                partner=np.where(m.traced, m.partner, -1),
                extra_days=(m.event_cand, m.event_day),
            )
        return Block(
            comps,
            size,
            e_pat=m.e_pat,
            e_cand=m.e_cand,
            e_r=m.e_r,
            n_del=m.n_del,
            n_int=m.n_int,
            logit_prior=m.logit_prior,
            n_total=m.n,
            lw=m.lw,
        )

    def evaluate(
        self, theta: FloatArray, le: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Log evidence (C,) (up to a constant) and the members' conditionals (C, n_small)."""
        C = theta.size
        if self.dense is not None:
            return self.dense.evaluate(theta, le, e_r)
        log_z = np.zeros(C)
        ps = []
        for b in self.blocks:
            if isinstance(b, StepBlock):
                lz, pe = b.forward(theta, le, e_r)
                log_z += lz.sum(axis=1)
                ps.append(pe)
            else:
                ll, _ = b.loglik(theta, le, e_r)  # (C, G, K)
                top = ll.max(axis=1, keepdims=True)
                w = np.exp(ll - top)
                tot = w.sum(axis=1, keepdims=True)
                log_z += (top + np.log(tot))[:, 0, :].sum(axis=1)
                w /= tot
                ps.append(np.matmul(w.transpose(0, 2, 1), b.Z).reshape(C, -1))
        p = np.concatenate(ps, axis=1) if ps else np.zeros((C, 0))
        return log_z, p

    def full(
        self, theta: FloatArray, le: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
        """Interceptions due to each member (C, n_small) and to the background (C,); in the
        timeline model also each block's ``P(tau <= day | y, rates)`` (C, K*s, T)."""
        C = theta.size
        attrs = []
        bg = np.zeros(C)
        cdfs: list[FloatArray] = []
        for b in self.blocks:
            if isinstance(b, StepBlock):
                _, _, cdf, a, g = b.smooth(theta, le, e_r)
                cdfs.append(cdf)
            else:
                ll, Lp = b.loglik(theta, le, e_r)
                w = np.exp(ll - ll.max(axis=1, keepdims=True))
                w /= w.sum(axis=1, keepdims=True)
                a, g = b.shares(theta, le, e_r, w, Lp)
            attrs.append(a)
            bg += g
        attr = np.concatenate(attrs, axis=1) if attrs else np.zeros((C, 0))
        return attr, bg, cdfs


# -- large components: one candidate at a time --------------------------------------------


class _Sites:
    """Candidates of the large components, updated one at a time by colour.

    State: ``ze`` (C, E_l), whether each of their entries counts the candidate as an informant
    (persistent: the candidate's ``z``; turning: whether it had turned by the entry's day).
    """

    def __init__(self, m: _Model, cands: IntArray, ev: Evidence) -> None:
        self.turning = ev.by_day
        self.cands = cands  # local ids
        self.n = int(cands.size)
        lpos = np.full(m.n, -1, dtype=np.int64)
        lpos[cands] = np.arange(self.n)
        self.lpos = lpos
        ent = np.flatnonzero(lpos[m.e_cand] >= 0)  # sorted by pattern
        self.ent = ent
        self.e_cand = lpos[m.e_cand[ent]]
        self.e_r = m.e_r[ent]
        pats = m.e_pat[ent]
        self.pat_starts = np.flatnonzero(np.r_[True, pats[1:] != pats[:-1]]) if ent.size else ent
        self.pats = pats[self.pat_starts] if ent.size else ent
        col = np.full(m.P, -1, dtype=np.int64)
        col[self.pats] = np.arange(self.pats.size)
        self.e_col = col[pats]
        self.n_del = m.n_del[self.pats]
        self.n_int = m.n_int[self.pats]
        self.lw = m.lw[self.pats]  # log(1 - w): not caught at a watched home
        self.e_del = m.n_del[pats]
        self.e_int = m.n_int[pats]
        self.e_lw = m.lw[pats]
        self.logit_prior = m.logit_prior[cands]
        self.prior = m.prior[cands]
        by_cand = np.argsort(self.e_cand, kind="stable")
        self.by_cand = by_cand
        self.cand_starts = np.searchsorted(self.e_cand[by_cand], np.arange(self.n))
        self.e_day = m.pattern_day[pats]
        self.colours = self._colour(m)

    def _colour(self, m: _Model) -> list[dict[str, Any]]:
        """Greedy colouring; per colour the index arrays of its vectorised update."""
        neighbours: list[set[int]] = [set() for _ in range(self.n)]
        starts = np.r_[self.pat_starts, self.ent.size]
        for k in range(starts.size - 1):
            members = self.e_cand[starts[k] : starts[k + 1]].tolist()
            if len(members) > 1:
                for a in members:
                    neighbours[a].update(members)
        colour = np.full(self.n, -1, dtype=np.int64)
        for i in sorted(range(self.n), key=lambda j: -len(neighbours[j])):
            used = {int(colour[j]) for j in neighbours[i] if j != i}
            c = 0
            while c in used:
                c += 1
            colour[i] = c
        out = []
        for c in range(int(colour.max()) + 1 if self.n else 0):
            cands = np.flatnonzero(colour == c)
            entries = self.by_cand[np.isin(self.e_cand[self.by_cand], cands)]
            if self.turning:  # by candidate, then by day
                entries = entries[np.lexsort((self.e_day[entries], self.e_cand[entries]))]
            seg = np.searchsorted(self.e_cand[entries], cands)
            pos = np.searchsorted(cands, self.e_cand[entries])
            spec: dict[str, Any] = {"entries": entries, "cands": cands, "seg": seg, "pos": pos}
            if self.turning:
                spec.update(self._bins(m, entries, cands, pos))
            out.append(spec)
        return out

    def _bins(self, m: _Model, entries: IntArray, cands: IntArray, pos: IntArray) -> dict[str, Any]:
        """Turning model: each candidate's days and the bins of its turning day between them."""
        key = pos * (int(self.e_day.max(initial=0)) + 1) + self.e_day[entries]
        dseg = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])  # (candidate, day) segments
        seg_pos = pos[dseg]
        n_days = np.bincount(seg_pos, minlength=cands.size)
        first = np.r_[0, np.cumsum(n_days)[:-1]]
        j_entry = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1 - first[pos]
        bstart = first + np.arange(cands.size)  # m_i + 1 bins each
        B = int(n_days.sum() + cands.size)
        bin_cand = np.repeat(np.arange(cands.size), n_days + 1)
        b_local = np.arange(B) - bstart[bin_cand]
        nxt = first + n_days  # segment after the candidate's last
        bin_seg = np.where(b_local < n_days[bin_cand], first[bin_cand] + b_local, nxt[bin_cand])
        seg_day = self.e_day[entries[dseg]].astype(np.float64)
        gidx = m.active[self.cands[cands]]  # the law's numbering
        law, end = m.law, m.end_day
        # prior of each bin: tau in (day_{b-1}, day_b], day_{-1} = -1, day_m = the far future
        hi_day = np.where(
            b_local < n_days[bin_cand], seg_day[np.minimum(bin_seg, dseg.size - 1)], np.inf
        )
        lo_seg = first[bin_cand] + b_local - 1
        lo_day = np.where(b_local > 0, seg_day[np.maximum(lo_seg, 0)], -1.0)
        r = gidx[bin_cand]
        f_hi = np.where(np.isinf(hi_day), 1.0, law.cdf(r, np.where(np.isinf(hi_day), 0, hi_day)))
        mass = np.maximum(f_hi - law.cdf(r, lo_day), 0.0)
        with np.errstate(divide="ignore"):
            log_prior = np.log(mass)
        last_day = seg_day[nxt - 1]
        f_last = law.cdf(gidx, last_day)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(f_last < 1, (law.cdf(gidx, end) - f_last) / (1 - f_last), 1.0)
        days = np.full((cands.size, int(n_days.max(initial=0))), 0.0)
        days[seg_pos, np.arange(dseg.size) - first[seg_pos]] = seg_day
        return {
            "dseg": dseg,
            "j_entry": j_entry,
            "bstart": bstart,
            "bin_cand": bin_cand,
            "bin_seg": bin_seg,
            "bin_next": nxt[bin_cand],
            "n_days": n_days,
            "last_bin": bstart + n_days,
            "log_prior": log_prior,
            "end_frac": frac,
            "days": days,
        }

    def init(self, rng: np.random.Generator, C: int) -> FloatArray:
        """Entry indicators drawn from the prior."""
        if not self.turning:
            z = (rng.random((C, self.n)) < self.prior).astype(np.float64)
            return np.asarray(z[:, self.e_cand], dtype=np.float64)
        ze = np.zeros((C, self.ent.size))
        for spec in self.colours:
            w = np.exp(spec["log_prior"])
            b = self._pick(rng, np.broadcast_to(w, (C, w.size)), spec)
            ze[:, spec["entries"]] = spec["j_entry"] >= b[:, spec["pos"]]
        return ze

    @staticmethod
    def _pick(rng: np.random.Generator, wn: FloatArray, spec: dict[str, Any]) -> IntArray:
        """Draw one bin per candidate from normalised weights (C, B)."""
        bstart, bin_cand = spec["bstart"], spec["bin_cand"]
        u = rng.random((wn.shape[0], bstart.size))
        cw = np.cumsum(wn, axis=1)
        base = (cw - wn)[:, bstart]
        below = (cw - base[:, bin_cand]) < u[:, bin_cand]
        b = np.add.reduceat(below.astype(np.int64), bstart, axis=1)
        return np.asarray(np.minimum(b, spec["n_days"]), dtype=np.int64)

    def log_q(self, ze: FloatArray, theta: FloatArray) -> FloatArray:
        a = np.log1p(-np.minimum(theta[:, None] * self.e_r[None, :], 1.0 - EPS_MIN))
        if not self.ent.size:
            return np.zeros((theta.size, 0))
        return np.asarray(np.add.reduceat(ze * a, self.pat_starts, axis=1), dtype=np.float64)

    def loglik(self, L: FloatArray, le: FloatArray) -> FloatArray:
        if not self.pats.size:
            return np.zeros(le.size)
        lec = le[:, None]
        return np.asarray(
            (L + lec) @ self.n_del + log_intercepted(L, lec + self.lw) @ self.n_int,
            dtype=np.float64,
        )

    def update(self, ch: _Chains) -> None:
        """One pass over the colours, given the rates."""
        rng = ch.rng
        le = np.log1p(-clip_rate(ch.eps))[:, None]
        th = ch.theta[:, None]
        for spec in self.colours:
            entries, cands = spec["entries"], spec["cands"]
            a = np.log1p(-np.minimum(th * self.e_r[entries], 1.0 - EPS_MIN))  # (C, E_k)
            cols = self.e_col[entries]
            Lm = ch.L[:, cols] - ch.ze[:, entries] * a  # log q without the candidate
            le_e = le + self.e_lw[entries]
            delta = self.e_del[entries] * a + self.e_int[entries] * (
                log_intercepted(Lm, le_e + a) - log_intercepted(Lm, le_e)
            )
            if not self.turning:
                logit = np.add.reduceat(delta, spec["seg"], axis=1) + self.logit_prior[cands]
                pr = _sigmoid(logit)
                znew = (rng.random(pr.shape) < pr).astype(np.float64)
                ch.cond_large[:, cands] = pr
                zent = znew[:, spec["pos"]]
            else:
                dsum = np.add.reduceat(delta, spec["dseg"], axis=1)
                cs = np.cumsum(dsum[:, ::-1], axis=1)[:, ::-1]
                cs = np.concatenate([cs, np.zeros((cs.shape[0], 1))], axis=1)
                logw = cs[:, spec["bin_seg"]] - cs[:, spec["bin_next"]] + spec["log_prior"]
                top = np.maximum.reduceat(logw, spec["bstart"], axis=1)
                w = np.exp(logw - top[:, spec["bin_cand"]])
                w /= np.add.reduceat(w, spec["bstart"], axis=1)[:, spec["bin_cand"]]
                b = self._pick(rng, w, spec)
                ch.cond_large[:, cands] = 1.0 - w[:, spec["last_bin"]] * (1.0 - spec["end_frac"])
                ch.bin_w[id(spec)] = w
                zent = (spec["j_entry"] >= b[:, spec["pos"]]).astype(np.float64)
            ch.ze[:, entries] = zent
            ch.L[:, cols] = Lm + zent * a

    def attributable(self, ch: _Chains) -> tuple[FloatArray, FloatArray]:
        """Interceptions shared to each candidate and to the background, per chain."""
        C = ch.theta.size
        if not self.ent.size:
            return np.zeros((C, self.n)), np.zeros(C)
        a_eps = -np.log1p(-clip_rate(ch.eps))[:, None] - self.lw  # background, watched home
        D = -ch.L + a_eps  # total hazard per pattern
        h = -np.log1p(-np.minimum(ch.theta[:, None] * self.e_r[None, :], 1.0 - EPS_MIN))
        share = ch.ze * h * (self.e_int / D[:, self.e_col])
        per_cand = np.add.reduceat(share[:, self.by_cand], self.cand_starts, axis=1)
        bg = (self.n_int[None, :] * a_eps / D).sum(axis=1)
        return per_cand, bg


class _Model:
    """Static arrays of the sampler, derived once from the evidence."""

    def __init__(self, ev: Evidence, block_max: int = BLOCK_MAX) -> None:
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
        self.pattern_day = ev.pattern_day
        self.lw = ev.pattern_lw
        self.prior = ev.prior[self.active]
        self.logit_prior = _logit(self.prior)
        self.rho0 = ev.rho0[self.active]
        self.hazard, self.end_day = ev.hazard, ev.end_day
        self.law = ev.law
        pl = np.where(ev.partner >= 0, local[np.maximum(ev.partner, 0)], -1)
        self.partner = pl[self.active]  # the same party's other cause (local), or -1
        ok = local[ev.event_cand] >= 0
        self.event_cand, self.event_day = local[ev.event_cand[ok]], ev.event_day[ok]
        #: traced channels whose exclusive probability is made here, from the marginals: the
        #: partner is in another component, or either is sampled one at a time (set below)
        self.traced = ev.cause[self.active] == CAUSE_TRACED
        p_out = ev.partner[self.active]
        self.partner_prior = np.where(p_out >= 0, ev.prior[np.maximum(p_out, 0)], 0.0)
        empty = ev.empty_patterns()
        self.empty_del = float(ev.n_delivered[empty].sum())
        self.empty_int = float(ev.n_intercepted[empty].sum())
        self.empty_nint = ev.n_intercepted[empty]
        self.empty_lw = ev.pattern_lw[empty]
        comp = ev.component[self.active]
        small: list[IntArray] = []
        large: list[IntArray] = []
        for c in np.unique(comp):
            members = np.flatnonzero(comp == c)
            (small if members.size <= block_max else large).append(members)
        self.small = _Small(self, small, ev)
        self.sites = _Sites(
            self, np.concatenate(large) if large else np.zeros(0, dtype=np.int64), ev
        )
        in_small = np.zeros(self.n, dtype=bool)
        in_small[self.small.members] = True
        same = (self.partner >= 0) & (comp[np.maximum(self.partner, 0)] == comp) & in_small
        self.fix = self.traced & ~same & ((self.partner >= 0) | (p_out >= 0))

    def exclusive(self, p: FloatArray) -> FloatArray:
        """Traced channels' probabilities made exclusive where the blocks did not (C, n)."""
        if self.fix.any():
            other = np.where(self.partner >= 0, p[:, np.maximum(self.partner, 0)], 0.0)
            other = np.where(self.partner >= 0, other, self.partner_prior)
            p = p.copy()
            p[:, self.fix] = p[:, self.fix] * (1.0 - other[:, self.fix])
        return p

    def leak(self, p: FloatArray) -> FloatArray:
        """P(the party leaks by any cause) from exclusive probabilities (C, n).

        A partner with no observed delivery (not sampled) keeps its prior: an informant's as is,
        a traced channel's made exclusive of this informant, ``prior (1 - p)`` per draw, as the
        exact method and the final assembly in :func:`gibbs_fit` make it; so the party's
        interval is the spread of its combined probability, not of this candidate's alone.
        """
        inside = self.partner >= 0
        other = np.where(inside, p[:, np.maximum(self.partner, 0)], 0.0)
        outside = np.where(self.traced, self.partner_prior, self.partner_prior * (1.0 - p))
        return np.asarray(p + np.where(inside, other, outside), dtype=np.float64)

    def empty_loglik(self, eps: FloatArray) -> FloatArray:
        """Log-likelihood of the deliveries nobody could expose (background, watched homes)."""
        le = np.log1p(-clip_rate(eps))
        return np.asarray(
            self.empty_del * le
            + log_intercepted(le[:, None] + self.empty_lw, 0.0) @ self.empty_nint
        )


class _TProposal:
    """Independence proposal: a t distribution around the posterior's mean and covariance."""

    def __init__(self, mean: FloatArray, cov: FloatArray, free: npt.NDArray[np.bool_]) -> None:
        t_cov = cov * T_SCALE**2
        self.mean, self.chol, self.inv = mean, np.linalg.cholesky(t_cov), np.linalg.inv(t_cov)
        self.free = free
        self.k = float(free.sum())

    def draw(self, rng: np.random.Generator, x: FloatArray) -> FloatArray:
        C = x.shape[0]
        scale = np.sqrt(T_DF / rng.chisquare(T_DF, C))[:, None]
        noise = rng.standard_normal((C, 2)) @ self.chol.T
        return np.asarray(np.where(self.free, self.mean + scale * noise, x), dtype=np.float64)

    def log_q(self, x: FloatArray) -> FloatArray:
        d = (x - self.mean) * self.free
        q = ((d @ self.inv) * d).sum(axis=1)
        return np.asarray(-0.5 * (T_DF + self.k) * np.log1p(q / T_DF))


class _GridProposal:
    """Independence proposal: the grid's posterior mass per cell, uniform within the cell.

    Outside the grid its density is zero: those states are reached by the random walk only.
    """

    def __init__(
        self,
        axes: list[FloatArray],
        log_w: FloatArray,
        free: npt.NDArray[np.bool_],
    ) -> None:
        self.axes = axes
        self.n = np.array([a.size for a in axes])
        self.step = np.array([a[1] - a[0] if a.size > 1 else 1.0 for a in axes])
        self.lo = np.array([a[0] for a in axes]) - 0.5 * self.step
        w = np.exp(log_w - log_w.max())
        self.w = w / w.sum()
        self.cum = np.cumsum(self.w)
        with np.errstate(divide="ignore"):
            self.log_dens = np.log(self.w) - float(np.log(self.step[free]).sum())
        self.free = free

    def draw(self, rng: np.random.Generator, x: FloatArray) -> FloatArray:
        C = x.shape[0]
        cell = np.minimum(np.searchsorted(self.cum, rng.random(C) * self.cum[-1]), self.w.size - 1)
        ij = np.stack([cell // self.n[1], cell % self.n[1]], axis=1)
        pos = self.lo + (ij + rng.random((C, 2))) * self.step
        return np.asarray(np.where(self.free, pos, x), dtype=np.float64)

    def log_q(self, x: FloatArray) -> FloatArray:
        ij = np.floor((x - self.lo) / self.step).astype(np.int64)
        ij = np.where(self.free, ij, 0)
        inside = ((ij >= 0) & (ij < self.n)).all(axis=1)
        cell = np.where(inside, ij[:, 0] * self.n[1] + ij[:, 1], 0)
        return np.asarray(np.where(inside, self.log_dens[cell], -np.inf))


class _Chains:
    """The state of all chains, and one iteration of the sampler.

    The rates live on the logit scale, ``x = (logit theta, logit eps)`` (C, 2), within
    ``[X_LO, X_HI]``; the log prior density and the proposal density of the current state are
    cached, so one Metropolis step costs one evaluation of the target and a few array operations.
    """

    def __init__(
        self,
        m: _Model,
        priors: RatePriors,
        theta: FloatArray,
        eps: FloatArray,
        rng: np.random.Generator,
        update_rates: bool,
        ze: FloatArray | None = None,
    ) -> None:
        self.m, self.priors, self.rng = m, priors, rng
        C = theta.size
        self.free = np.array(
            [
                update_rates and priors.theta_fixed is None,
                update_rates and priors.eps_fixed is None,
            ]
        )
        ta, tb = priors.theta_ab
        ea, eb = priors.eps_ab
        self._pa = np.array([ta, ea]) * self.free
        self._pab = np.array([ta + tb, ea + eb]) * self.free
        self.ze = m.sites.init(rng, C) if ze is None else ze
        self.cond_large = np.zeros((C, m.sites.n))
        self.bin_w: dict[int, FloatArray] = {}
        self.step = np.full(C, 1.0)
        self.chol = np.diag([0.5, 0.5])
        self.indep: _TProposal | _GridProposal | None = None
        self.from_grid = False
        self.grid_chunk = GRID_CHUNK
        self.last_check: tuple[int, FloatArray, FloatArray] | None = None
        self.accepted = np.zeros(C)
        self.set_rates(np.stack([_logit(theta), _logit(eps)], axis=1))

    def set_rates(self, x: FloatArray) -> None:
        """Move every chain to the rates ``x`` (C, 2) and recompute what depends on them."""
        m = self.m
        self.x = np.where(self.free, np.clip(x, X_LO, X_HI), x)  # a fixed rate stays as given
        r = _sigmoid(self.x)
        self.theta, self.eps = r[:, 0].copy(), r[:, 1].copy()
        le = np.log1p(-self.eps)
        self.L = m.sites.log_q(self.ze, self.theta)
        self.lz_small, self.p_small = m.small.evaluate(self.theta, le, m.e_r)
        self.p_small_rb = self.p_small
        self.ll = self._loglik(self.L, le, self.lz_small)
        self.lp = self._log_prior(self.x)
        self.lt = self.indep.log_q(self.x) if self.indep is not None else np.zeros(x.shape[0])

    def _loglik(self, L: FloatArray, le: FloatArray, lz_small: FloatArray) -> FloatArray:
        m = self.m
        out = lz_small + m.sites.loglik(L, le)
        if m.empty_del or m.empty_int:
            out = out + m.empty_loglik(-np.expm1(le))
        return np.asarray(out)

    def _log_prior(self, x: FloatArray) -> FloatArray:
        """Log prior density of the free rates on the logit scale (up to a constant)."""
        # Beta(a, b) on sigmoid(x), times the Jacobian: a x - (a + b) log(1 + e^x)
        return np.asarray(self._pa @ x.T - np.logaddexp(0.0, x) @ self._pab, dtype=np.float64)

    def sweep(self, adapt: float) -> None:
        m = self.m
        if m.sites.n:
            m.sites.update(self)
            self.ll = self._loglik(self.L, np.log1p(-self.eps), self.lz_small)
        if self.free.any():
            self._rates(adapt)
        else:
            self.p_small_rb = self.p_small

    def _rates(self, adapt: float) -> None:
        """One joint Metropolis step of (logit theta, logit eps): a random walk, or (for most
        chains, once the posterior is roughly known) an independent draw from a t approximation
        of it."""
        m, rng = self.m, self.rng
        C = self.x.shape[0]
        x = self.x
        noise = rng.standard_normal((C, 2))
        prop = x + self.step[:, None] * (noise @ self.chol.T) * self.free
        use_t: npt.NDArray[np.bool_] | None = None
        if self.indep is not None:
            use_t = np.asarray(rng.random(C) < INDEPENDENT_SHARE)
            prop = np.where(use_t[:, None], self.indep.draw(rng, x), prop)
        outside = (((prop < X_LO) | (prop > X_HI)) & self.free).any(axis=1)
        prop = np.where(self.free, np.clip(prop, X_LO, X_HI), prop)
        r = _sigmoid(prop)
        theta, eps = r[:, 0], r[:, 1]
        le = np.log1p(-eps)
        L = m.sites.log_q(self.ze, theta) if (self.free[0] and m.sites.n) else self.L
        lz, p = m.small.evaluate(theta, le, m.e_r)
        ll = self._loglik(L, le, lz)
        lp = self._log_prior(prop)
        log_ratio = ll - self.ll + lp - self.lp
        lt = None
        if use_t is not None and self.indep is not None:
            lt = self.indep.log_q(prop)
            with np.errstate(invalid="ignore"):
                log_ratio += np.where(use_t, self.lt - lt, 0.0)
            log_ratio = np.where(np.isnan(log_ratio), -np.inf, log_ratio)
        log_ratio = np.where(outside, -np.inf, log_ratio)  # the rates' range ends there
        # waste recycling: the expected conditionals after this step, not only the state's
        alpha = np.exp(np.minimum(log_ratio, 0.0))
        self.p_small_rb = self.p_small + alpha[:, None] * (p - self.p_small)
        accept = rng.random(C) < alpha
        if accept.any():
            a1 = accept[:, None]
            self.x = np.where(a1, prop, x)
            self.theta = np.where(accept, theta, self.theta)
            self.eps = np.where(accept, eps, self.eps)
            if m.sites.n:
                self.L = np.where(a1, L, self.L)
            self.lz_small = np.where(accept, lz, self.lz_small)
            self.p_small = np.where(a1, p, self.p_small)
            self.ll = np.where(accept, ll, self.ll)
            self.lp = np.where(accept, lp, self.lp)
            if lt is not None:
                self.lt = np.where(accept, lt, self.lt)
            self.accepted += accept
        if adapt > 0:
            self.step = np.clip(self.step * np.exp(adapt * (accept - TARGET_ACCEPT)), 0.02, 20.0)

    def learn_proposal(self, mean: FloatArray, cov: FloatArray, *, reset: bool = True) -> None:
        """Proposals from the posterior's mean and covariance of (logit theta, logit eps)."""
        cov = np.where(np.outer(self.free, self.free), cov, 0.0) + np.eye(2) * 1e-8
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return
        self.chol = chol * (2.38 / np.sqrt(max(1, int(self.free.sum()))))
        if reset:
            self.step[:] = 1.0
        if not self.from_grid:
            self.indep = _TProposal(mean, cov, self.free)
            self.lt = self.indep.log_q(self.x)

    def grid_start(self) -> None:
        """Start the chains near the posterior of the rates, from a coarse grid of its density.

        Only when every component is summed out (the target is then a function of the rates
        alone): two passes of a grid in (logit theta, logit eps), the second zoomed on the mass;
        the chains start at draws from the grid, and the proposals get its mean and covariance.
        """
        m = self.m
        x0 = self.x[0]
        lo = np.where(self.free, X_LO, x0)
        hi = np.where(self.free, X_HI, x0)
        step = np.zeros(2)
        pts = np.zeros((1, 2))
        lp = np.zeros(1)
        axes: list[FloatArray] = []
        last = False
        for n_pass in range(GRID_PASSES):
            last = last or n_pass == GRID_PASSES - 1
            n_pts = np.where(self.free, GRID_START[1] if last else GRID_START[0], 1)
            axes = [np.linspace(lo[k], hi[k], int(n_pts[k])) for k in range(2)]
            pts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
            lp = self._log_prior(pts)
            chunk = self.grid_chunk
            for s in range(0, pts.shape[0], chunk):
                sl = slice(s, s + chunk)
                r = _sigmoid(pts[sl])
                le = np.log1p(-r[:, 1])
                lz, _ = m.small.evaluate(r[:, 0], le, m.e_r)
                lp[sl] += self._loglik(np.zeros((lz.size, 0)), le, lz)
            step = np.array([a[1] - a[0] if a.size > 1 else 0.0 for a in axes])
            if last:
                break
            keep = pts[lp >= lp.max() - 30.0]
            new_lo = np.where(self.free, np.maximum(keep.min(axis=0) - step, X_LO), lo)
            new_hi = np.where(self.free, np.minimum(keep.max(axis=0) + step, X_HI), hi)
            # the next pass is the last once the box no longer shrinks much
            last = bool(np.all((new_hi - new_lo)[self.free] > 0.6 * (hi - lo)[self.free]))
            lo, hi = new_lo, new_hi
        w = np.exp(lp - lp.max())
        w /= w.sum()
        mean = w @ pts
        d = pts - mean
        cov = (d * w[:, None]).T @ d + np.diag(step**2 / 12.0)
        self.learn_proposal(mean, cov)
        self.indep = _GridProposal(axes, lp, self.free)
        self.from_grid = True
        self.set_rates(self.indep.draw(self.rng, self.x))

    def cond(self) -> FloatArray:
        """Each candidate's current conditional probability of being compromised (C, n)."""
        return self.m.exclusive(self._full(self.p_small_rb))

    def state(self) -> FloatArray:
        """The same at the current rates (no waste recycling): their spread gives the intervals."""
        return self.m.exclusive(self._full(self.p_small))

    def marginal(self) -> FloatArray:
        """P(started to leak by the end) as is: traced channels not made exclusive here."""
        return self._full(self.p_small_rb)

    def _full(self, p_small: FloatArray) -> FloatArray:
        m = self.m
        if not m.sites.n:
            return np.asarray(p_small[:, m.small.order])
        out = np.zeros((self.x.shape[0], m.n))
        out[:, m.small.members] = p_small
        out[:, m.sites.cands] = self.cond_large
        return out

    def attributable(self) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
        m = self.m
        C = self.x.shape[0]
        attr = np.zeros((C, m.n))
        a_s, bg_s, cdfs = m.small.full(self.theta, np.log1p(-self.eps), m.e_r)
        attr[:, m.small.members] = a_s
        a_l, bg_l = m.sites.attributable(self)
        attr[:, m.sites.cands] = a_l
        return attr, bg_s + bg_l, cdfs


def _warm(ch: _Chains, n_warmup: int, stop_early: bool) -> int:
    """Warm-up: tune the proposal; stop early once its second half agrees across chains."""
    xs: list[FloatArray] = []
    lls: list[FloatArray] = []
    learnt = 0
    done = 0
    for t in range(n_warmup):
        ch.sweep(adapt=1.0 / np.sqrt(1.0 + t / 10.0))
        xs.append(ch.x.copy())
        lls.append(ch.ll.copy())
        done = t + 1
        if (
            ch.free.any()
            and not ch.from_grid
            and done >= 20
            and done >= 2 * learnt
            and done % 10 == 0
        ):
            flat = np.stack(xs[done // 2 :], axis=1).reshape(-1, 2)
            ch.learn_proposal(flat.mean(axis=0), np.cov(flat, rowvar=False), reset=not learnt)
            learnt = done
        if stop_early and ch.from_grid and done >= GRID_WARMUP:
            break
        if stop_early and done >= MIN_WARMUP and done % 25 == 0:
            half = slice(done // 2, done)
            x = np.stack(xs[half], axis=1)[:, :, ch.free]
            mon = np.concatenate([x, np.stack(lls[half], axis=1)[:, :, None]], axis=2)
            if float(np.max(split_rhat(mon))) < WARM_RHAT:
                break
    if ch.free.any() and not ch.from_grid and done >= 20:
        flat = np.stack(xs[done // 2 :], axis=1).reshape(-1, 2)
        ch.learn_proposal(flat.mean(axis=0), np.cov(flat, rowvar=False), reset=False)
    return done


def _run(
    ch: _Chains,
    n_warmup: int,
    n_draws: int,
    *,
    stop_early: bool,
    keep_traces: bool,
    thin: int = 1,
) -> dict[str, Any]:
    """Warm up, then average the conditionals over the draws (traces every ``thin``)."""
    warm = _warm(ch, n_warmup, stop_early) if n_warmup else 0
    C, n = ch.theta.size, ch.m.n
    ch.accepted[:] = 0
    p_sum = np.zeros((C, n))
    pm_sum = np.zeros((C, n))
    attr_sum = np.zeros((C, n))
    bg_sum = np.zeros(C)
    cdf_sum: list[FloatArray] | None = None
    bin_sum: dict[int, FloatArray] = {}
    n_attr = 0
    traces: dict[str, list[FloatArray]] = {
        "theta": [],
        "eps": [],
        "loglik": [],
        "p": [],
        "p_state": [],
    }
    done = 0
    next_check = max(MIN_DRAWS, -(-MIN_CHAIN_DRAWS // C))
    attr_every = max(ATTR_EVERY, round(ATTR_EVERY * C / 16))
    stopped = False
    while done < n_draws:
        ch.sweep(adapt=0.0)
        cond = ch.cond()
        p_sum += cond
        pm_sum += ch.marginal()
        for k, w in ch.bin_w.items():
            bin_sum[k] = bin_sum.get(k, 0.0) + w
        if done % attr_every == 0:
            a, b, cdfs = ch.attributable()
            attr_sum += a
            bg_sum += b
            cdf_sum = (
                cdfs if cdf_sum is None else [x + y for x, y in zip(cdf_sum, cdfs, strict=True)]
            )
            n_attr += 1
        if keep_traces and done % thin == 0:
            traces["theta"].append(ch.theta.copy())
            traces["eps"].append(ch.eps.copy())
            traces["loglik"].append(ch.ll.copy())
            traces["p"].append(cond.astype(np.float32))
            traces["p_state"].append(ch.state().astype(np.float32))
        done += 1
        if stop_early and keep_traces and done >= next_check and done < n_draws:
            next_check = done + max(25, done // 2)
            if _converged({k: np.stack(v, axis=1) for k, v in traces.items()}, ch):
                stopped = True
                break
    return {
        "p": p_sum / done,
        "pm": pm_sum / done,
        "attributable": attr_sum / max(n_attr, 1),
        "background": bg_sum / max(n_attr, 1),
        "cdf": [x / max(n_attr, 1) for x in cdf_sum] if cdf_sum is not None else [],
        "bins": {k: v / done for k, v in bin_sum.items()},
        "traces": {k: np.stack(v, axis=1) for k, v in traces.items() if v},
        "acceptance": float(ch.accepted.mean() / max(done, 1)),
        "warmup": warm,
        "draws": done,
        "stopped_early": stopped,
    }


def _monitored(tr: dict[str, FloatArray], ch: _Chains) -> tuple[list[str], FloatArray]:
    """Names and traces (C, draws, q) of the monitored scalars, then every probability."""
    names = ["loglik"] + [k for k, f in zip(("theta", "eps"), ch.free, strict=True) if f]
    p = tr["p"].astype(np.float64)
    x = np.concatenate([np.stack([tr[k] for k in names], axis=2), p], axis=2)
    return names, x


def _checks(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Split R-hat and effective sample size of every monitored quantity (C, draws, q)."""
    return split_rhat(x), effective_sample_size(x)


def _converged(tr: dict[str, FloatArray], ch: _Chains) -> bool:
    """The adaptive stopping rule (see ``STOP_*``)."""
    names, x = _monitored(tr, ch)
    k = len(names)
    rhat, ess = _checks(x)
    ch.last_check = (x.shape[1], rhat, ess)
    if not float(np.max(rhat)) <= STOP_RHAT:
        return False
    if not float(np.min(ess[:k])) >= STOP_ESS:
        return False
    if x.shape[2] > k:
        var = x[:, :, k:].reshape(-1, x.shape[2] - k).var(axis=0)
        se = np.sqrt(var / np.maximum(ess[k:], 1.0))
        if not float(np.max(se)) <= STOP_SE:
            return False
    return True


def auto_chains(m: _Model) -> int:
    """Chains for ``n_chains=None``: more where one iteration's arrays are small."""
    work = float(m.sites.ent.size) + 1.0
    for b in m.small.blocks:
        G = float(b.Z.shape[0])
        if isinstance(b, StepBlock):
            work += G * (b.T * b.K + b.pats.size)
        else:
            work += G * (b.e_all.size + b.i_entries.size)
    return int(np.clip(CHAIN_BUDGET / work // 8 * 8, 8, 64))


def gibbs_fit(
    ev: Evidence,
    priors: RatePriors,
    /,
    *,
    seed: int,
    n_chains: int | None = None,
    n_warmup: int = 200,
    n_draws: int = 500,
    n_rate_draws: int = 20,
    block_max: int = BLOCK_MAX,
    stop_early: bool = True,
) -> Fit:
    """Posterior by vectorised Markov chain Monte Carlo (see the module docstring).

    Parameters
    ----------
    ev, priors
        The evidence and the priors of the rates.
    seed
        Seed of the sampler (the same seed gives the same answer).
    n_chains, n_warmup, n_draws
        Chains run at once (None: 8 to 64, as many as cost little, ``CHAIN_BUDGET``), the most
        warm-up iterations (discarded, proposal tuned) and the most iterations kept.
    n_rate_draws
        Posterior draws of the rates at which the interval runs fix them, for large components
        (0: no interval runs).
    block_max
        Components of at most this many candidates are summed out exactly given the rates;
        larger ones are sampled one candidate at a time (0: every candidate one at a time).
    stop_early
        End warm-up and sampling as soon as the diagnostics are good enough (``STOP_*``).

    Returns
    -------
    Fit
    """
    rng_main, rng_iv = run_generators(seed, 0, 2)
    m = _Model(ev, block_max)
    C = n_chains if n_chains is not None else auto_chains(m)
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
    ch = _Chains(m, priors, theta0, eps0, rng_main, update_rates=True)
    exact_given = not ch.free.any() and m.sites.n == 0  # nothing random left: one evaluation
    if ch.free.any() and m.sites.n == 0:
        ch.grid_chunk = max(GRID_CHUNK, 8 * C)
        ch.grid_start()
    if exact_given:
        n_warmup, n_draws = 0, 1
    thin = max(1, int(np.ceil(C * n_draws * max(m.n, 1) / TRACE_BUDGET)))
    res = _run(ch, n_warmup, n_draws, stop_early=stop_early, keep_traces=True, thin=thin)

    p_local = res["p"].mean(axis=0)
    tr = res["traces"]
    if exact_given:
        diag: dict[str, Any] = {
            "chains": C,
            "draws": 0,
            "blocks": len(m.small.blocks),
            "candidates_one_at_a_time": 0,
            "candidates_sampled": 0,
            "max_rhat": 1.0,
            "min_ess": float("inf"),
            "max_mc_error": 0.0,
        }
        warnings: list[str] = []
    else:
        diag, warnings = _diagnose(tr, ch, m, thin)
    diag.update(
        warmup=res["warmup"],
        draws=res["draws"],
        stopped_early=res["stopped_early"],
        acceptance=res["acceptance"],
    )

    theta_draws = tr["theta"].ravel()
    eps_draws = tr["eps"].ravel()
    lo_local, hi_local = p_local.copy(), p_local.copy()
    rates_vary = bool(ch.free.any())
    leak_local = m.leak(p_local[None, :])[0]
    llo_local, lhi_local = leak_local.copy(), leak_local.copy()
    if rates_vary and m.small.n:
        # small components: the conditionals drawn are exact given the rates
        ps_all = tr["p_state"].reshape(-1, m.n).astype(np.float64)
        sm = m.small.members
        q = np.quantile(ps_all[:, sm], [0.05, 0.95], axis=0)
        lo_local[sm] = np.minimum(q[0], p_local[sm])
        hi_local[sm] = np.maximum(q[1], p_local[sm])
        ql = np.quantile(m.leak(ps_all)[:, sm], [0.05, 0.95], axis=0)
        llo_local[sm] = np.minimum(ql[0], leak_local[sm])
        lhi_local[sm] = np.maximum(ql[1], leak_local[sm])
    if rates_vary and n_rate_draws > 0 and m.sites.n:
        pick = rng_iv.choice(
            theta_draws.size, size=min(n_rate_draws, theta_draws.size), replace=False
        )
        k = pick.size
        th = np.repeat(theta_draws[pick], 2)
        ep = np.repeat(eps_draws[pick], 2)
        z_start = ch.ze[rng_iv.integers(0, C, th.size)].copy()
        ivc = _Chains(m, priors, th, ep, rng_iv, update_rates=False, ze=z_start)
        iv = _run(
            ivc,
            max(30, n_warmup // 6),
            max(100, n_draws // 4),
            stop_early=False,
            keep_traces=False,
        )
        large = m.sites.cands
        p_all = iv["p"].reshape(k, 2, m.n).mean(axis=1)
        p_m = p_all[:, large]
        lo_local[large] = np.minimum(np.quantile(p_m, 0.05, axis=0), p_local[large])
        hi_local[large] = np.maximum(np.quantile(p_m, 0.95, axis=0), p_local[large])
        l_m = m.leak(p_all)[:, large]
        llo_local[large] = np.minimum(np.quantile(l_m, 0.05, axis=0), leak_local[large])
        lhi_local[large] = np.maximum(np.quantile(l_m, 0.95, axis=0), leak_local[large])
        diag["rate_draws"] = k

    p = ev.prior.copy()
    p_marg = ev.prior.copy()  # as is (not exclusive): what the start days are conditioned on
    p_marg[m.active] = res["pm"].mean(axis=0)
    # inactive candidates keep their prior; an inactive traced channel is made exclusive
    inactive = np.ones(N, dtype=bool)
    inactive[m.active] = False
    p[m.active] = p_local
    fix = (ev.cause == CAUSE_TRACED) & inactive & (ev.partner >= 0)
    p[fix] = ev.prior[fix] * (1.0 - p[ev.partner[fix]])
    lo, hi = p.copy(), p.copy()
    attributable = np.zeros(N)
    lo[m.active], hi[m.active] = lo_local, hi_local
    # that inactive traced channel, prior (1 - p_partner), decreases in its partner: its 5% and
    # 95% quantiles are the image of the partner's 95% and 5% (as the exact method's grid gives)
    lo[fix] = ev.prior[fix] * (1.0 - hi[ev.partner[fix]])
    hi[fix] = ev.prior[fix] * (1.0 - lo[ev.partner[fix]])
    attributable[m.active] = res["attributable"].mean(axis=0)
    leak = leak_of(p[None, :], ev.partner)[0]
    l_lo, l_hi = leak.copy(), leak.copy()
    l_lo[m.active] = np.minimum(llo_local, leak[m.active])
    l_hi[m.active] = np.maximum(lhi_local, leak[m.active])
    # a party with one inactive candidate: the combined interval computed at the active one
    pa = np.maximum(ev.partner, 0)
    half = (ev.partner >= 0) & inactive & ~inactive[pa]
    l_lo[half], l_hi[half] = l_lo[pa[half]], l_hi[pa[half]]
    tau = _tau(ev, m, res, p_marg) if ev.by_day else None
    return Fit(
        p=p,
        lo=lo,
        hi=hi,
        attributable=attributable,
        background_interceptions=float(res["background"].mean() + m.empty_int),
        theta=_summary(theta_draws),
        eps=_summary(eps_draws),
        diagnostics=diag,
        warnings=tuple(warnings),
        tau=tau,
        leak=(leak, l_lo, l_hi),
    )


def _tau(
    ev: Evidence, m: _Model, res: dict[str, Any], p: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Posterior median and 90% interval of the start day (timeline models)."""
    N = ev.n_candidates
    out = [np.full(N, np.nan) for _ in range(3)]

    def put(idx: IntArray, days: FloatArray, n_steps: IntArray, cdf: FloatArray) -> None:
        res_ = tau_summary(days, n_steps, cdf, p[idx], ev.law, idx)
        for o, r in zip(out, res_, strict=True):
            o[idx] = r

    lone = np.setdiff1d(np.arange(N), m.active)
    if lone.size:
        put(
            lone,
            np.zeros((lone.size, 0)),
            np.zeros(lone.size, dtype=np.int64),
            np.zeros((lone.size, 0)),
        )
    for b, cdf in zip(m.small.blocks, res["cdf"], strict=True):
        assert isinstance(b, StepBlock)
        days, n_steps = b.step_days()
        put(m.active[b.members.ravel()], days, n_steps, cdf.mean(axis=0))
    for spec in m.sites.colours:
        w = res["bins"].get(id(spec))
        if w is None:
            continue
        w = w.mean(axis=0)  # (B,)
        n_days = spec["n_days"]
        cum = np.cumsum(w)
        base = cum[spec["bstart"]] - w[spec["bstart"]]
        cdf = np.zeros(spec["days"].shape)
        j = np.arange(spec["days"].shape[1])
        ok = j[None, :] < n_days[:, None]
        idx = np.minimum(spec["bstart"][:, None] + j[None, :], w.size - 1)
        cdf[ok] = (cum[idx] - base[:, None])[ok]
        put(m.active[m.sites.cands[spec["cands"]]], spec["days"], n_days, cdf)
    return out[0], out[1], out[2]


def _summary(draws: FloatArray) -> tuple[float, float, float]:
    lo, hi = np.quantile(draws, [0.05, 0.95])
    return float(draws.mean()), float(lo), float(hi)


def _diagnose(
    tr: dict[str, FloatArray], ch: _Chains, m: _Model, thin: int
) -> tuple[dict[str, Any], list[str]]:
    C = ch.theta.size
    diag: dict[str, Any] = {
        "chains": C,
        "thin_for_diagnostics": thin,
        "colours": len(m.sites.colours),
        "blocks": len(m.small.blocks),
        "candidates_one_at_a_time": int(m.sites.n),
        "candidates_sampled": m.n,
    }
    warnings: list[str] = []
    names, x = _monitored(tr, ch)
    k = len(names)
    if ch.last_check is not None and ch.last_check[0] == x.shape[1]:
        r_all, e_all = ch.last_check[1], ch.last_check[2]  # the stopping rule's, on these draws
    else:
        r_all, e_all = _checks(x)
    for j, name in enumerate(names):
        diag[f"rhat_{name}"] = float(r_all[j])
        diag[f"ess_{name}"] = float(e_all[j])
    if m.n and x.shape[1] >= 4:
        p = x[:, :, k:]
        r, e = r_all[k:], e_all[k:]
        sd = p.reshape(-1, m.n).std(axis=0)
        # a probability that does not move cannot be imprecise: its ESS is not a concern
        moving = sd > 1e-3
        diag["max_rhat_candidates"] = float(np.max(r))
        diag["min_ess_candidates"] = float(np.min(e[moving])) if moving.any() else float(e.max())
        diag["max_mc_error"] = float(np.max(sd / np.sqrt(np.maximum(e, 1.0))))
    else:
        diag["max_mc_error"] = float("nan") if m.n else 0.0
    rhats = [v for k, v in diag.items() if k.startswith(("rhat_", "max_rhat"))]
    esses = [v for k, v in diag.items() if k.startswith(("ess_", "min_ess"))]
    diag["max_rhat"] = float(max(rhats)) if rhats else 1.0
    diag["min_ess"] = float(min(esses)) if esses else float(C * x.shape[1])
    if not diag["max_rhat"] <= RHAT_LIMIT:
        warnings.append(
            f"the chains disagree (split R-hat {diag['max_rhat']:.2f} > {RHAT_LIMIT}): "
            "run longer (more draws) or use method='exact' if the network is small"
        )
    if not diag["min_ess"] >= ESS_LIMIT:
        warnings.append(
            f"few effective draws (ESS {diag['min_ess']:.0f} < {ESS_LIMIT:.0f}): "
            "the probabilities are imprecise; run longer"
        )
    return diag, warnings
