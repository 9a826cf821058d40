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
    ids in the same numbering as ``comps``; ``n_del``, ``n_int``: per pattern; ``logit_prior``:
    per candidate.
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
        T = log_intercepted(Lp, log1m_eps[:, None, None]) * self.i_nint
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
        a_eps = -log1m_eps[:, None, None]
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
