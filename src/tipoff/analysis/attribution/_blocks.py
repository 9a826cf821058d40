"""Small components, all configurations at once: the kernel of the exact method and the block sampler.

Given the rates, a component's patterns involve only its own candidates, so the log-probability
of each of its ``2^s`` configurations (prior plus likelihood) is cheap for small ``s``. A
:class:`Block` holds components of one size ``s`` and computes these for many rate values at
once (a leading axis: the Gibbs chains, or the exact method's grid points):

- delivered deliveries enter linearly, ``sum_p n_del_p log q_p = sum_i z_i sum_p n_del_p a_ip``
  with ``a_ip = log(1 - theta r_ip)``, so they cost one pass over the entries;
- intercepted deliveries, ``n_int_p log(1 - (1 - eps) q_p)``, are computed per configuration,
  but only for the (few) patterns with an interception.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tipoff.analysis.attribution._fit import EPS_MIN, FloatArray, log_intercepted

__all__ = ["Block", "configurations"]

IntArray = npt.NDArray[np.int64]


def configurations(n: int) -> FloatArray:
    """All ``2^n`` configurations of ``n`` binary variables, one per row (row k: bits of k)."""
    codes = np.arange(1 << n, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(np.float64)


class Block:
    """Components of ``size`` candidates each (``comps``: candidate ids, each an array).

    ``e_pat``, ``e_cand``, ``e_r``: the evidence's entries (sorted by pattern), with candidate
    ids in the same numbering as ``comps``; ``n_del``, ``n_int``, ``lw`` (log of the chance the
    home was not watched): per pattern; ``logit_prior``: per candidate.
    """

    def __init__(
        self,
        comps: list[IntArray],
        size: int,
        *,
        e_pat: IntArray,
        e_cand: IntArray,
        e_r: FloatArray,
        n_del: FloatArray,
        n_int: FloatArray,
        logit_prior: FloatArray,
        n_total: int,
        lw: FloatArray | None = None,
    ) -> None:
        K = len(comps)
        self.size, self.K = size, K
        self.Z = configurations(size)
        self.members = np.stack(comps).astype(np.int64)  # (K, s)
        comp_of = np.full(n_total, -1, dtype=np.int64)
        pos_of = np.zeros(n_total, dtype=np.int64)
        rank = np.full(n_total, -1, dtype=np.int64)
        comp_of[self.members] = np.arange(K)[:, None]
        pos_of[self.members] = np.arange(size)[None, :]
        rank[self.members.ravel()] = np.arange(K * size)
        e = np.flatnonzero(comp_of[e_cand] >= 0)  # sorted by pattern
        self.e_all = e
        # every pattern of the block, to set log q once a configuration is chosen
        pats = e_pat[e]
        self.pat_starts = np.flatnonzero(np.r_[True, pats[1:] != pats[:-1]])
        self.pats = pats[self.pat_starts]
        self.cand_all = e_cand[e]
        # delivered: per member, sum of n_del a over its entries
        by_member = e[np.argsort(rank[e_cand[e]], kind="stable")]
        self.m_entries = by_member
        self.m_starts = np.searchsorted(rank[e_cand[by_member]], np.arange(K * size))
        self.m_ndel = n_del[e_pat[by_member]]
        where = np.full(int(e_pat.size), -1, dtype=np.int64)
        where[e] = np.arange(e.size)
        self.m_in_all = where[by_member]  # positions in e_all
        comp_of_pat = comp_of[e_cand[e[self.pat_starts]]]
        self.ndel_comp = np.bincount(comp_of_pat, weights=n_del[self.pats], minlength=K)
        # intercepted: per configuration, only patterns with an interception
        ei = e[n_int[e_pat[e]] > 0]
        self.i_entries = ei
        self.i_in_all = where[ei]
        self.i_loc = pos_of[e_cand[ei]]
        self.i_member = rank[e_cand[ei]]
        ipats = e_pat[ei]
        self.i_starts = np.flatnonzero(np.r_[True, ipats[1:] != ipats[:-1]]) if ei.size else ei
        self.i_pats = ipats[self.i_starts] if ei.size else ei
        self.i_nint = n_int[self.i_pats]
        self.i_lw = lw[self.i_pats] if lw is not None else np.zeros(self.i_pats.size)
        self.i_comp = comp_of[e_cand[ei[self.i_starts]]] if ei.size else ei
        self.i_pat_of_entry = np.cumsum(np.r_[True, ipats[1:] != ipats[:-1]]) - 1 if ei.size else ei
        # padded (P_int, s): each intercepted pattern's entries (position in e_all, member slot)
        n_ip = self.i_pats.size
        self.pad_entry = np.zeros((n_ip, size), dtype=np.int64)
        self.pad_loc = np.zeros((n_ip, size), dtype=np.int64)
        self.pad_ok = np.zeros((n_ip, size))
        if ei.size:
            slot = np.arange(ei.size) - self.i_starts[self.i_pat_of_entry]
            self.pad_entry[self.i_pat_of_entry, slot] = self.i_in_all
            self.pad_loc[self.i_pat_of_entry, slot] = self.i_loc
            self.pad_ok[self.i_pat_of_entry, slot] = 1.0
        self.onehot = np.zeros((self.i_pats.size, K))
        self.onehot[np.arange(self.i_pats.size), self.i_comp] = 1.0
        self.prior_cfg = self.Z @ logit_prior[self.members].T  # (G, K)

    def _a(self, theta: FloatArray, entries: IntArray, e_r: FloatArray) -> FloatArray:
        return np.log1p(-np.minimum(theta[:, None] * e_r[entries][None, :], 1.0 - EPS_MIN))

    def loglik(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray | None]:
        """Log prior-odds plus log-likelihood of every configuration: (C, G, K).

        Also returns log q of the intercepted patterns per configuration (C, G, P_int), or None.
        """
        C = theta.size
        a = self._a(theta, self.e_all, e_r)
        a_m = a[:, self.m_in_all] * self.m_ndel
        W = np.add.reduceat(a_m, self.m_starts, axis=1).reshape(C, self.K, self.size)
        ll = np.matmul(W, self.Z.T).transpose(0, 2, 1)  # (C, G, K)
        ll += log1m_eps[:, None, None] * self.ndel_comp[None, None, :] + self.prior_cfg[None]
        if not self.i_entries.size:
            return ll, None
        a_pad = a[:, self.pad_entry] * self.pad_ok  # (C, P_i, s)
        Lp = np.zeros((C, self.Z.shape[0], self.i_pats.size))
        for j in range(self.size):
            Lp += self.Z[:, self.pad_loc[:, j]][None] * a_pad[:, None, :, j]
        T = log_intercepted(Lp, log1m_eps[:, None, None] + self.i_lw) * self.i_nint
        ll += T @ self.onehot
        return ll, Lp

    def log_q(self, theta: FloatArray, z: FloatArray, e_r: FloatArray) -> FloatArray:
        """log q of every pattern of the block (C, P_b) for configurations ``z`` (C, n_total)."""
        a = self._a(theta, self.e_all, e_r)
        return np.asarray(
            np.add.reduceat(z[:, self.cand_all] * a, self.pat_starts, axis=1), dtype=np.float64
        )

    def shares(
        self,
        theta: FloatArray,
        log1m_eps: FloatArray,
        e_r: FloatArray,
        w: FloatArray,
        Lp: FloatArray | None,
    ) -> tuple[FloatArray, FloatArray]:
        """Expected interceptions due to each member (C, K*s) and to the background (C,).

        ``w`` (C, G, K): the configurations' posterior weights. Each interception is shared among
        its sources in proportion to their hazards ``-log(1 - theta r)`` and ``-log(1 - eps)``.
        """
        C = theta.size
        attr = np.zeros((C, self.K * self.size))
        if Lp is None:
            return attr, np.zeros(C)
        a_eps = -(log1m_eps[:, None, None] + self.i_lw)  # background and watched home
        ratio = self.i_nint / (-Lp + a_eps)  # (C, G, P_i)
        wp = np.take_along_axis(
            w, np.broadcast_to(self.i_comp, (C, w.shape[1], self.i_comp.size)), axis=2
        )
        bg = (wp * ratio * a_eps).sum(axis=(1, 2))
        h = -self._a(theta, self.i_entries, e_r)  # (C, E_i)
        zw = self.Z[:, self.i_loc][None] * (wp * ratio)[:, :, self.i_pat_of_entry]  # (C, G, E_i)
        per_entry = zw.sum(axis=1) * h
        np.add.at(attr.T, self.i_member, per_entry.T)
        return attr, bg


class DenseBlocks:
    """Every small component at once, as dense matrices: the log evidence and conditionals of all
    their configurations in a handful of matrix products (for small problems, where the cost of a
    :class:`Block` per component size is mostly numpy's per-call overhead).

    Rows are (component, configuration) pairs. Delivered deliveries enter linearly,
    ``sum_p n_del_p log q_p = a @ D`` with ``D[e, row] = n_del z_row(cand_e)``; intercepted ones
    through ``log q`` of each (row, intercepted pattern) pair, ``a @ B``.
    """

    def __init__(
        self,
        comps: list[IntArray],
        *,
        e_pat: IntArray,
        e_cand: IntArray,
        n_del: FloatArray,
        n_int: FloatArray,
        prior: FloatArray,
        lw: FloatArray | None = None,
    ) -> None:
        self.members = np.concatenate(comps) if comps else np.zeros(0, dtype=np.int64)
        n_s = self.members.size
        col = np.full(int(max(e_cand.max(initial=-1), self.members.max(initial=-1))) + 1, -1)
        col[self.members] = np.arange(n_s)
        K = len(comps)
        g_max = 1 << max((c.size for c in comps), default=0)
        rows_z: list[FloatArray] = []
        comp_of_row: list[int] = []
        self.pad = np.full((K, g_max), -1, dtype=np.int64)
        start = 0
        for k, c in enumerate(comps):
            Z = configurations(c.size)
            full = np.zeros((Z.shape[0], n_s))
            full[:, col[c]] = Z
            rows_z.append(full)
            comp_of_row += [k] * Z.shape[0]
            self.pad[k, : Z.shape[0]] = np.arange(start, start + Z.shape[0])
            start += Z.shape[0]
        R = start
        self.R = R
        Zr = np.concatenate(rows_z) if rows_z else np.zeros((0, n_s))  # (R, n_s)
        self.pad[self.pad < 0] = R  # a row of -inf
        self.Zpad = np.zeros((K * g_max, n_s))
        ok = self.pad.ravel() < R
        self.Zpad[ok] = Zr[self.pad.ravel()[ok]]
        r0 = np.clip(prior[self.members], 1e-300, 1.0)
        r1 = np.clip(1.0 - prior[self.members], 1e-300, 1.0)
        self.prior_row = Zr @ np.log(r0) + (1.0 - Zr) @ np.log(r1)
        # entries of the small components
        e = np.flatnonzero(col[e_cand] >= 0) if e_cand.size else np.zeros(0, dtype=np.int64)
        self.e = e
        ce = col[e_cand[e]]
        comp_of_row_a = np.array(comp_of_row, dtype=np.int64)
        comp_of_cand = np.zeros(n_s, dtype=np.int64)
        for k, c in enumerate(comps):
            comp_of_cand[col[c]] = k
        self.D = (Zr[:, ce] * n_del[e_pat[e]]).T  # (E_s, R)
        pats = np.unique(e_pat[e])
        pat_comp = np.zeros(int(e_pat.max(initial=-1)) + 1, dtype=np.int64)
        pat_comp[e_pat[e]] = comp_of_cand[ce]
        ndel_comp = np.bincount(pat_comp[pats], weights=n_del[pats], minlength=K)
        self.ndel_row = ndel_comp[comp_of_row_a] if R else np.zeros(0)
        ipats = pats[n_int[pats] > 0]
        pairs_row: list[IntArray] = []
        pairs_pat: list[IntArray] = []
        for p in ipats:
            rows = self.pad[pat_comp[p]]
            rows = rows[rows < R]
            pairs_row.append(rows)
            pairs_pat.append(np.full(rows.size, p))
        pr = np.concatenate(pairs_row) if pairs_row else np.zeros(0, dtype=np.int64)
        pp = np.concatenate(pairs_pat) if pairs_pat else np.zeros(0, dtype=np.int64)
        pos = {int(p): k for k, p in enumerate(ipats)}
        self.B = np.zeros((e.size, pr.size))
        pair_of = {}
        for j, (r, p) in enumerate(zip(pr.tolist(), pp.tolist(), strict=True)):
            pair_of[(r, p)] = j
        for i, (p, c) in enumerate(zip(e_pat[e].tolist(), ce.tolist(), strict=True)):
            if p in pos:
                for r in self.pad[pat_comp[p]]:
                    if r < R and Zr[r, c]:
                        self.B[i, pair_of[(int(r), p)]] = 1.0
        self.pair_nint = n_int[pp] if pp.size else np.zeros(0)
        self.pair_lw = lw[pp] if (lw is not None and pp.size) else np.zeros(pp.size)
        self.K, self.g_max = K, g_max
        # everything in the padded layout (K * g_max rows; padding rows have prior -inf)
        flat = self.pad.ravel()
        real = flat < R
        Rp = K * g_max
        self.Rp = Rp
        D = np.zeros((e.size, Rp))
        D[:, real] = self.D[:, flat[real]]
        self.D = D
        nd = np.zeros(Rp)
        nd[real] = self.ndel_row[flat[real]]
        self.ndel_row = nd
        pr_ = np.full(Rp, -np.inf)
        pr_[real] = self.prior_row[flat[real]]
        self.prior_row = pr_
        slot = np.empty(R, dtype=np.int64)
        slot[flat[real]] = np.flatnonzero(real)
        self.S = np.zeros((pr.size, Rp))
        self.S[np.arange(pr.size), slot[pr]] = 1.0
        self.DB = np.concatenate([self.D, self.B], axis=1)

    @staticmethod
    def size_of(comps: list[IntArray], n_entries: int, n_int_pairs: int) -> float:
        """Floats of the dense matrices (to decide whether they are worth it)."""
        R = sum(1 << c.size for c in comps)
        return float(n_entries * (R + n_int_pairs) + n_int_pairs * R)

    def evaluate(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Log evidence (C,) and each member's conditional probability (C, n_small)."""
        C = theta.size
        a = np.log1p(-np.minimum(theta[:, None] * e_r[self.e][None, :], 1.0 - EPS_MIN))
        if self.S.shape[0]:
            aDB = a @ self.DB
            ll = aDB[:, : self.Rp]
            T = log_intercepted(aDB[:, self.Rp :], log1m_eps[:, None] + self.pair_lw)
            T *= self.pair_nint
            ll += T @ self.S
        else:
            ll = a @ self.D
        ll += log1m_eps[:, None] * self.ndel_row
        ll += self.prior_row
        ll = ll.reshape(C, self.K, self.g_max)
        top = ll.max(axis=2, keepdims=True)
        w = np.exp(ll - top)
        tot = w.sum(axis=2, keepdims=True)
        log_z = (top + np.log(tot)).sum(axis=(1, 2))
        w /= tot
        return log_z, w.reshape(C, -1) @ self.Zpad
