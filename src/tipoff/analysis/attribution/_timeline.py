"""Informants who turn during the log: each small component is a hidden Markov chain over its days.

In the turning model (docs/attribution.md) candidate ``i`` is an informant from day ``tau_i``:
``tau_i = 0`` with probability ``rho0_i``, otherwise ``tau_i = k >= 1`` with the geometric
probability ``(1 - rho0_i)(1 - h)^(k - 1) h`` of the daily hazard ``h`` (as the simulator draws it),
and a delivery whose reference day is ``s = max(0, t - delay_days)`` counts ``i`` as an informant
when ``tau_i <= s``. The likelihood depends on ``tau_i`` only through which of its component's
reference days it falls between, so it is piecewise constant in ``tau``.

For a component of ``n`` candidates, the state ``z(s) = (1[tau_i <= s])_i`` on its sorted reference
days ``s_1 < ... < s_T`` is a Markov chain on ``2^n`` configurations: each candidate not yet turned
turns between ``s_{t-1}`` and ``s_t`` with probability ``1 - (1 - h)^(s_t - s_{t-1})``, independently
(the geometric law is memoryless), and never turns back. The deliveries of day ``s_t`` are the
chain's emissions. The forward algorithm gives, exactly and in ``O(T n 2^n)``,

- the evidence ``Z_c(theta, eps)`` (the log-likelihood with ``tau`` summed out),
- ``P(tau_i <= end | y)``: the filtered state at the last day, carried to the end of the log,

and the backward pass gives ``P(tau_i <= s_t | y)`` on every day (the posterior of ``tau_i``) and
the posterior of the configuration at each delivery, which shares its interceptions among its
sources. :class:`StepBlock` holds components of one size and computes all of this for many rate
values at once (a leading axis: the Gibbs chains, or the exact method's grid points), looping over
the days in Python and over everything else in numpy.

With ``h = 0`` the chain never moves and this is the persistent model, pattern by pattern.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tipoff.analysis.attribution._blocks import configurations

try:  # numba is a dependency; without it (an old install) the numpy passes give the same answers
    from tipoff.analysis.attribution._chain import chain_pass
except ImportError:  # pragma: no cover
    chain_pass = None  # type: ignore[assignment]
from tipoff.analysis.attribution._fit import EPS_MIN, FloatArray, log_intercepted

__all__ = ["StepBlock", "TurnLaw", "tau_summary"]

IntArray = npt.NDArray[np.int64]
#: Configuration spaces up to this size move through dense transition matrices (one product per
#: day) when these have at most ``MATRIX_FLOATS`` entries; larger ones bit by bit.
MATRIX_MAX = 32
MATRIX_FLOATS = 1 << 23
#: Use the compiled passes (:mod:`._chain`); False: the numpy ones (the tests compare both).
COMPILED = chain_pass is not None


def _transitions(Z: FloatArray, p: FloatArray) -> FloatArray:
    """``M[k, t, g, g']``: probability of moving from configuration ``g`` to ``g'`` when each
    candidate ``j`` not yet turned turns with probability ``p[k, t, j]``, independently."""
    off, on = 1.0 - Z, Z
    stay0 = off[:, None, :] * off[None, :, :]  # (G, G, s): bit stays 0
    turn = off[:, None, :] * on[None, :, :]  # 0 -> 1
    stay1 = on[:, None, :] * on[None, :, :]  # 1 -> 1
    M = np.ones((*p.shape[:-1], Z.shape[0], Z.shape[0]))
    for j in range(Z.shape[1]):
        pk = p[..., j, None, None]
        M *= stay0[:, :, j] * (1.0 - pk) + turn[:, :, j] * pk + stay1[:, :, j]
    return M


class TurnLaw:
    """When each candidate starts to leak, before the log: ``P(tau_i <= d) = 1 - (1 - rho0_i) S_i(d)``.

    ``S_i(d)`` is the chance of not starting on days ``1..d``: for an informant the daily hazard,
    ``(1 - h_i)^d``; for a traced channel (a relay the service may learn of through a family
    arrest) the product over its known *events* ``e <= d`` of ``(1 - psi_e)``, each event the
    day after an interception on one of its deliveries, ``psi_e`` the chance that it traced the
    relay. Both at once are allowed (a hazard and events); ``end_day`` bounds the days asked.
    """

    def __init__(
        self,
        rho0: FloatArray,
        hazard: FloatArray,
        event_cand: IntArray,
        event_day: IntArray,
        event_p: FloatArray,
        end_day: int,
    ) -> None:
        self.rho0 = np.asarray(rho0, dtype=np.float64)
        self.hazard = np.asarray(hazard, dtype=np.float64)
        self.end_day = int(end_day)
        n = self.rho0.size
        span = self.end_day + 2
        order = np.lexsort((event_day, event_cand))
        ec, ed = np.asarray(event_cand)[order], np.asarray(event_day)[order]
        lp = np.log1p(-np.minimum(np.asarray(event_p, dtype=np.float64)[order], 1.0))
        self.key = ec.astype(np.int64) * span + ed.astype(np.int64)
        cum = np.cumsum(lp)
        first = np.searchsorted(ec, np.arange(n))  # each candidate's first event
        base = np.r_[0.0, cum][first]
        self.cum = cum - base[ec] if ec.size else cum  # within each candidate
        self.ec = ec
        self.span = span
        self.has_events = np.bincount(ec, minlength=n) > 0 if ec.size else np.zeros(n, bool)
        self.log1m_h = np.log1p(-np.minimum(self.hazard, 1.0))

    def log_surv(self, idx: npt.ArrayLike, day: npt.ArrayLike) -> FloatArray:
        """``log S_i(d)`` (days clipped to ``0..end_day``), broadcast over ``idx`` and ``day``."""
        i, d = np.broadcast_arrays(np.asarray(idx, dtype=np.int64), np.asarray(day))
        dd = np.clip(np.nan_to_num(d.astype(np.float64), posinf=self.end_day), 0, self.end_day)
        out = dd * self.log1m_h[i]
        if self.ec.size:
            pos = np.searchsorted(self.key, i * self.span + dd.astype(np.int64), side="right") - 1
            ok = (pos >= 0) & (self.ec[np.maximum(pos, 0)] == i)
            out = out + np.where(ok, self.cum[np.maximum(pos, 0)], 0.0)
        return np.asarray(out, dtype=np.float64)

    def cdf(self, idx: npt.ArrayLike, day: npt.ArrayLike) -> FloatArray:
        """Prior ``P(tau_i <= day)`` (0 for a negative day)."""
        i, d = np.broadcast_arrays(np.asarray(idx, dtype=np.int64), np.asarray(day))
        out = 1.0 - (1.0 - self.rho0[i]) * np.exp(self.log_surv(i, d))
        return np.asarray(np.where(d < 0, 0.0, out), dtype=np.float64)

    def p_between(self, idx: npt.ArrayLike, lo: npt.ArrayLike, hi: npt.ArrayLike) -> FloatArray:
        """Chance of starting on a day in ``(lo, hi]``, not having started by ``lo``."""
        return np.asarray(
            -np.expm1(self.log_surv(idx, hi) - self.log_surv(idx, lo)), dtype=np.float64
        )


def turn_cdf(rho0: FloatArray, hazard: float, day: npt.ArrayLike) -> FloatArray:
    """Prior ``P(tau <= day)`` (0 for a negative day), broadcast over ``rho0`` and ``day``."""
    d = np.asarray(day, dtype=np.float64)
    out = 1.0 - (1.0 - rho0) * (1.0 - hazard) ** np.maximum(d, 0.0)
    return np.asarray(np.where(d < 0, 0.0, out), dtype=np.float64)


class StepBlock:
    """Components of ``size`` candidates each whose informants may turn during the log.

    ``comps``: candidate ids of each component (numbering of ``e_cand``); ``e_pat``, ``e_cand``,
    ``e_r``: the evidence's entries (sorted by pattern); ``n_del``, ``n_int``, ``pattern_day``:
    per pattern; ``rho0``: per candidate; ``hazard``, ``end_day``: the turning law and the day
    "compromised by the end of the log" refers to.
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
        pattern_day: IntArray,
        law: TurnLaw,
        n_total: int,
        lw: FloatArray | None = None,
        law_index: IntArray | None = None,
        partner: IntArray | None = None,
        extra_days: tuple[IntArray, IntArray] | None = None,
    ) -> None:
        K, s = len(comps), size
        self.size, self.K = s, K
        self.Z = configurations(s)  # (G, s)
        G = self.Z.shape[0]
        self.members = np.stack(comps).astype(np.int64)  # (K, s)
        comp_of = np.full(n_total, -1, dtype=np.int64)
        pos_of = np.zeros(n_total, dtype=np.int64)
        rank = np.full(n_total, -1, dtype=np.int64)
        comp_of[self.members] = np.arange(K)[:, None]
        pos_of[self.members] = np.arange(s)[None, :]
        rank[self.members.ravel()] = np.arange(K * s)
        e = np.flatnonzero(comp_of[e_cand] >= 0)  # the block's entries, sorted by pattern
        self.e_all = e
        pe = e_pat[e]
        starts = np.flatnonzero(np.r_[True, pe[1:] != pe[:-1]])
        self.pats = pe[starts]  # (P_b,)
        n_p = self.pats.size
        p_comp = comp_of[e_cand[e[starts]]]
        p_day = pattern_day[self.pats]
        # each component's reference days: its steps
        days: list[IntArray] = [np.unique(p_day[p_comp == k]) for k in range(K)]
        if extra_days is not None:  # days a member may start to leak (its events): steps too
            x_cand, x_day = extra_days
            x_comp = comp_of[x_cand]
            for k in range(K):
                more = x_day[x_comp == k]
                if more.size and days[k].size:
                    more = more[more <= days[k][-1]]  # after the last step, the end carries it
                    days[k] = np.union1d(days[k], more)
        T = max((d.size for d in days), default=0)
        self.T = T
        self.n_steps = np.array([d.size for d in days], dtype=np.int64)
        self.days = np.zeros((K, T), dtype=np.int64)
        for k, d in enumerate(days):
            self.days[k, : d.size] = d
            self.days[k, d.size :] = d[-1] if d.size else 0  # padding: no time passes
        step = np.array(
            [int(np.searchsorted(days[int(k)], d)) for k, d in zip(p_comp, p_day, strict=True)],
            dtype=np.int64,
        )
        self.flat = p_comp * T + step  # (P_b,) position (component, step)
        order = np.argsort(self.flat, kind="stable")
        self.p_order = order
        fl = self.flat[order]
        self.u_starts = np.flatnonzero(np.r_[True, fl[1:] != fl[:-1]]) if n_p else order
        self.u_flat = fl[self.u_starts] if n_p else order
        # per pattern, its entries padded to the component size: (P_b, s)
        slot = np.arange(e.size) - np.repeat(starts, np.diff(np.r_[starts, e.size]))
        p_of_entry = np.repeat(np.arange(n_p), np.diff(np.r_[starts, e.size]))
        self.pad_entry = np.zeros((n_p, s), dtype=np.int64)
        self.pad_ok = np.zeros((n_p, s))
        pad_loc = np.zeros((n_p, s), dtype=np.int64)
        self.pad_entry[p_of_entry, slot] = np.arange(e.size)
        self.pad_ok[p_of_entry, slot] = 1.0
        pad_loc[p_of_entry, slot] = pos_of[e_cand[e]]
        self.pad_rank = np.where(self.pad_ok > 0, rank[e_cand[e]][self.pad_entry], K * s)
        self.pad_loc = pad_loc
        # Zpad[p, g, j]: configuration g's bit for the j-th entry of pattern p (0 for padding)
        self.Zpad = np.ascontiguousarray(
            (self.Z.T[pad_loc] * self.pad_ok[:, :, None]).transpose(0, 2, 1)
        )  # (P_b, G, s)
        self.n_del = n_del[self.pats]
        self.n_int = n_int[self.pats]
        # the patterns of each (component, step), for the compiled passes
        self.flat_start = np.searchsorted(self.flat[order], np.arange(K * max(T, 1) + 1))
        self.lw_p = np.ascontiguousarray(lw[self.pats] if lw is not None else np.zeros(n_p))
        self.ip = np.flatnonzero(self.n_int > 0)
        lw_p = lw[self.pats] if lw is not None else np.zeros(n_p)
        self.lw_ip = lw_p[self.ip][:, None, None]  # (P_i, 1, 1)
        # the law of the start days: day 0, each step, and from the last step to the end
        gidx = self.members if law_index is None else law_index[self.members]  # (K, s)
        r0 = law.rho0[gidx]  # (K, s)
        on = self.Z[None, :, :] > 0
        self.prior0 = np.prod(np.where(on, r0[:, None, :], 1.0 - r0[:, None, :]), axis=2)  # (K, G)
        prev = np.concatenate([np.zeros((K, 1), dtype=np.int64), self.days[:, :-1]], axis=1)
        end_day = law.end_day
        self.p_turn = law.p_between(gidx[:, None, :], prev[:, :, None], self.days[:, :, None])
        last = self.days[:, -1] if T else np.zeros(K, dtype=np.int64)
        self.p_end = law.p_between(gidx, last[:, None], np.full((K, 1), end_day))  # (K, s)
        self.moves = bool(np.any(self.p_turn > 0) or np.any(self.p_end > 0))
        self.end_day = int(end_day)
        self.rho0 = r0.ravel()
        self.law_index = gidx.ravel()
        # the exclusive outputs: a traced channel counts only while its relay is no informant
        # (``partner``: for a traced channel, its relay's informant candidate; else -1)
        self.Zout = np.broadcast_to(self.Z, (K, G, s)).copy()
        # ... and the exclusive emissions, as the simulator has it: a relay that is an informant
        # passes on what it is told as one, its traced channel adding nothing (``excl[k, j]``:
        # the position of member j's relay's informant candidate, for a traced channel; else -1)
        self.excl = np.full((K, s), -1, dtype=np.int64)
        if partner is not None:
            pm = partner[self.members]  # (K, s)
            for k, j in zip(*np.nonzero(pm >= 0), strict=True):
                q = int(pm[k, j])
                if comp_of[q] == k:
                    self.Zout[k, :, j] = self.Z[:, j] * (1.0 - self.Z[:, pos_of[q]])
                    self.excl[k, j] = pos_of[q]
            X = self.excl[p_comp[:, None], pad_loc] if n_p else np.zeros((0, s), np.int64)
            mask = (X >= 0) & (self.pad_ok > 0)  # (P_b, s)
            if mask.any():
                Zx = self.Z[:, np.maximum(X, 0)].transpose(1, 0, 2)  # (P_b, G, s)
                self.Zpad *= np.where(mask[:, None, :], 1.0 - Zx, 1.0)
        # transition matrices of each (component, step), for small configurations spaces
        self.M: FloatArray | None = None
        self.M_end: FloatArray | None = None
        if (
            self.moves
            and not COMPILED
            and G <= MATRIX_MAX
            and K * max(T, 1) * G * G <= MATRIX_FLOATS
        ):
            self.M = _transitions(self.Z, self.p_turn)  # (K, T, G, G)
            self.M_end = _transitions(self.Z, self.p_end[:, None, :])[:, 0]  # (K, G, G)

    # -- pieces -----------------------------------------------------------------------------
    # Internally the distributions are (K, C, G): component, rate value, configuration.

    def _advance(self, alpha: FloatArray, p: FloatArray) -> None:
        """Carry ``alpha`` (K, C, G) forward over a gap in which bit ``j`` turns with ``p[:, j]``."""
        if not self.moves:
            return
        K, C, s = self.K, alpha.shape[1], self.size
        for j in range(s):
            pk = p[:, j, None, None, None]
            v = alpha.reshape(K, C, 1 << (s - 1 - j), 2, 1 << j)
            moved = v[:, :, :, 0, :] * pk
            v[:, :, :, 0, :] -= moved
            v[:, :, :, 1, :] += moved

    def _retreat(self, beta: FloatArray, p: FloatArray) -> None:
        """The transpose of :meth:`_advance`: ``beta(g) = sum_g' P(g -> g') beta(g')``."""
        if not self.moves:
            return
        K, C, s = self.K, beta.shape[1], self.size
        for j in range(s):
            pk = p[:, j, None, None, None]
            v = beta.reshape(K, C, 1 << (s - 1 - j), 2, 1 << j)
            v[:, :, :, 0, :] += pk * (v[:, :, :, 1, :] - v[:, :, :, 0, :])

    def _log_q(self, a: FloatArray) -> FloatArray:
        """log q of every pattern and configuration, (P_b, G, C), from ``a`` (C, E_b)."""
        a_pad = a[:, self.pad_entry].transpose(1, 2, 0)  # (P_b, s, C)
        return np.asarray(np.matmul(self.Zpad, a_pad), dtype=np.float64)

    def _emissions(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Log-likelihood of each step's deliveries per configuration: (T, K, C, G); and a, log q."""
        C, K, T, G = theta.size, self.K, self.T, self.Z.shape[0]
        a = np.log1p(-np.minimum(theta[:, None] * e_r[self.e_all][None, :], 1.0 - EPS_MIN))
        Lq = self._log_q(a)  # (P_b, G, C)
        ll = (Lq + log1m_eps) * self.n_del[:, None, None]
        if self.ip.size:
            ll[self.ip] += (
                log_intercepted(Lq[self.ip], log1m_eps + self.lw_ip)
                * self.n_int[self.ip, None, None]
            )
        E = np.zeros((K * T, G, C))
        if self.pats.size:
            E[self.u_flat] = np.add.reduceat(ll[self.p_order], self.u_starts, axis=0)
        E = np.ascontiguousarray(E.reshape(K, T, G, C).transpose(1, 0, 3, 2))
        return E, a, Lq

    # -- the algorithms ---------------------------------------------------------------------

    def _compiled(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray, smooth: bool
    ) -> tuple[bool, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """The fused compiled pass (:mod:`._chain`)."""
        a = np.log1p(-np.minimum(theta[:, None] * e_r[self.e_all][None, :], 1.0 - EPS_MIN))
        le = np.ascontiguousarray(np.broadcast_to(log1m_eps, theta.shape), dtype=np.float64)
        return chain_pass(
            np.ascontiguousarray(a),
            le,
            np.ascontiguousarray(self.prior0),
            np.ascontiguousarray(self.p_turn),
            np.ascontiguousarray(self.p_end),
            self.flat_start,
            self.p_order,
            self.pad_entry,
            self.pad_loc,
            self.pad_ok,
            self.excl,
            np.ascontiguousarray(self.n_del, dtype=np.float64),
            np.ascontiguousarray(self.n_int, dtype=np.float64),
            self.lw_p,
            smooth,
        )

    def forward(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Log evidence of each component (C, K) and ``P(tau_i <= end | y)`` (C, K*s)."""
        if COMPILED and self.T:
            ok, lz, end, _, _, _ = self._compiled(theta, log1m_eps, e_r, False)
            if ok:
                log_z, (p_x, _) = self._outputs(lz, end)
                return log_z, p_x
        E, _, _ = self._emissions(theta, log1m_eps, e_r)
        fast = self._forward_fast(E, keep=False)
        if fast is not None:
            return fast[0], fast[1][0]
        log_z, p_end, _ = self._forward_safe(E, keep=False)
        return log_z, p_end[0]

    def _outputs(
        self, log_z: FloatArray, end: FloatArray
    ) -> tuple[FloatArray, tuple[FloatArray, FloatArray]]:
        """(C, K) log evidence and (C, K*s) ``P(tau <= end)`` from (K, C) and (K, C, G): the
        exclusive one (a traced channel only while its relay is no informant), and as is."""
        C = end.shape[1]
        p_x = np.matmul(end, self.Zout).transpose(1, 0, 2).reshape(C, -1)
        p_end = np.matmul(end, self.Z).transpose(1, 0, 2).reshape(C, -1)
        return log_z.T, (p_x, p_end)

    def _forward_fast(
        self, E: FloatArray, keep: bool
    ) -> (
        tuple[FloatArray, tuple[FloatArray, FloatArray], list[FloatArray], FloatArray, FloatArray]
        | None
    ):
        """The forward pass in scaled probabilities, one matrix product per day; None when it
        under- or overflows (then the log-space pass is used)."""
        T, K, C, G = E.shape
        mx = E.max(axis=3, keepdims=True)
        eh = np.exp(E - mx)
        alpha = np.broadcast_to(self.prior0[:, None, :], (K, C, G)).copy()
        tots = np.empty((T, K, C, 1))
        kept: list[FloatArray] = []
        for t in range(T):
            if self.M is not None:
                alpha = np.matmul(alpha, self.M[:, t])  # a new array
            else:
                if keep:
                    alpha = alpha.copy()  # the kept one must not move
                self._advance(alpha, self.p_turn[:, t])
            alpha *= eh[t]
            tot = alpha.sum(axis=2, keepdims=True)
            alpha /= tot
            tots[t] = tot
            if keep:
                kept.append(alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_z = (np.log(tots) + mx).sum(axis=0)[:, :, 0]  # (K, C)
        if not (np.isfinite(log_z).all() and np.isfinite(alpha).all()):
            return None
        if self.M_end is not None:
            end = np.matmul(alpha, self.M_end)
        else:
            end = alpha.copy()
            self._advance(end, self.p_end)
        lz, p_end = self._outputs(log_z, end)
        return lz, p_end, kept, eh, tots

    def _forward_safe(
        self, E: FloatArray, keep: bool = False
    ) -> tuple[FloatArray, tuple[FloatArray, FloatArray], list[FloatArray] | None]:
        """The forward pass in log space (robust to any range of the emissions)."""
        T, K, C, G = E.shape
        alpha = np.broadcast_to(self.prior0[:, None, :], (K, C, G)).copy()
        log_z = np.zeros((K, C))
        kept: list[FloatArray] | None = [] if keep else None
        with np.errstate(divide="ignore"):
            for t in range(T):
                if kept is not None:
                    alpha = alpha.copy()  # the kept one must not move
                self._advance(alpha, self.p_turn[:, t])
                la = np.log(alpha)
                la += E[t]
                m = la.max(axis=2, keepdims=True)
                alpha = np.exp(la - m)
                tot = alpha.sum(axis=2, keepdims=True)
                alpha /= tot
                log_z += (m + np.log(tot))[:, :, 0]
                if kept is not None:
                    kept.append(alpha)
        end = alpha.copy()
        self._advance(end, self.p_end)
        lz, p_end = self._outputs(log_z, end)
        return lz, p_end, kept

    def smooth(
        self, theta: FloatArray, log1m_eps: FloatArray, e_r: FloatArray
    ) -> tuple[FloatArray, tuple[FloatArray, FloatArray], FloatArray, FloatArray, FloatArray]:
        """Forward-backward: log evidence (C, K), ``P(tau_i <= end | y)`` (C, K*s; exclusive
        and as is, see :meth:`_outputs`), ``P(tau_i <= day_t | y)`` on each step (C, K*s, T),
        and the interceptions due to each member (C, K*s) and to the background (C,)."""
        C, K, s, T = theta.size, self.K, self.size, self.T
        G = self.Z.shape[0]
        if COMPILED and T:
            ok, lz, end, cdf_c, attr_c, bg_c = self._compiled(theta, log1m_eps, e_r, True)
            if ok:
                log_z, pe = self._outputs(lz, end)
                return log_z, pe, cdf_c.reshape(C, K * s, T), attr_c.reshape(C, K * s), bg_c
        E, a, Lq = self._emissions(theta, log1m_eps, e_r)
        res = self._smooth_fast(E)
        if res is None:
            res = self._smooth_safe(E)
        gam, log_z, p_end = res  # gam: (T, K, C, G)
        cdf = np.matmul(gam, self.Z)  # (T, K, C, s)
        cdf = cdf.transpose(2, 1, 3, 0).reshape(C, K * s, T)
        attr = np.zeros((K * s + 1, C))
        bg = np.zeros(C)
        if self.ip.size:
            a_eps = -(log1m_eps + self.lw_ip)  # (P_i, 1, C): background and watched home
            ip = self.ip
            w = gam.transpose(1, 0, 3, 2).reshape(K * T, G, C)[self.flat[ip]]  # (P_i, G, C)
            ratio = self.n_int[ip, None, None] / (-Lq[ip] + a_eps)  # (P_i, G, C)
            wr = w * ratio
            bg = (wr * a_eps).sum(axis=(0, 1))
            h = -a[:, self.pad_entry[ip]].transpose(1, 2, 0) * self.pad_ok[ip, :, None]
            per_entry = np.matmul(self.Zpad[ip].transpose(0, 2, 1), wr) * h  # (P_i, s, C)
            np.add.at(attr, self.pad_rank[ip].ravel(), per_entry.reshape(-1, C))
        return log_z, p_end, cdf, attr[:-1].T.copy(), bg

    def _smooth_fast(
        self, E: FloatArray
    ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray]] | None:
        """Forward-backward in scaled probabilities: the configuration's posterior on each day
        (T, K, C, G), log evidence, ``P(tau <= end | y)``; None when it under- or overflows."""
        fwd = self._forward_fast(E, keep=True)
        if fwd is None:
            return None
        log_z, p_end, kept, eh, tots = fwd
        gam = np.empty(E.shape)
        beta = np.ones(E.shape[1:])
        for t in range(E.shape[0] - 1, -1, -1):
            np.multiply(kept[t], beta, out=gam[t])
            if t == 0:
                break
            b = eh[t] * beta
            b /= tots[t]
            if self.M is not None:
                beta = np.matmul(b, self.M[:, t].transpose(0, 2, 1))
            else:
                self._retreat(b, self.p_turn[:, t])
                beta = b
        if not np.isfinite(gam).all():
            return None
        gam /= gam.sum(axis=3, keepdims=True)
        return gam, log_z, p_end

    def _smooth_safe(
        self, E: FloatArray
    ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray]]:
        """Forward-backward in log space."""
        log_z, p_end, kept = self._forward_safe(E, keep=True)
        assert kept is not None
        gam = np.empty(E.shape)
        beta = np.ones(E.shape[1:])
        with np.errstate(divide="ignore"):
            for t in range(E.shape[0] - 1, -1, -1):
                g = kept[t] * beta
                g /= g.sum(axis=2, keepdims=True)
                gam[t] = g
                if t == 0:
                    break
                lb = np.log(beta)
                lb += E[t]
                lb -= lb.max(axis=2, keepdims=True)
                beta = np.exp(lb)
                self._retreat(beta, self.p_turn[:, t])
                beta /= beta.max(axis=2, keepdims=True)
        return gam, log_z, p_end

    def step_days(self) -> tuple[FloatArray, IntArray]:
        """Each member's step days (K*s, T) and its number of real steps (K*s,)."""
        days = np.repeat(self.days, self.size, axis=0).astype(np.float64)
        return days, np.repeat(self.n_steps, self.size)

    def cost(self, n_rates: int) -> float:
        """Rough count of floating-point operations of one :meth:`forward` at ``n_rates`` rates."""
        G = float(self.Z.shape[0])
        return n_rates * (self.T * self.K * G * (3 * self.size + 8) + self.pats.size * G * 4)


def tau_summary(
    days: FloatArray,
    n_steps: IntArray,
    cdf: FloatArray,
    p_end: FloatArray,
    law: TurnLaw,
    idx: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Posterior median, 5% and 95% quantile of the day each candidate started to leak (turned,
    or was traced), given it did by the end of the log.

    ``days`` (m, T): each candidate's step days (only the first ``n_steps`` count), ``cdf`` (m, T)
    the posterior ``P(tau <= day)`` on them and ``p_end`` (m,) at the law's ``end_day``. Between
    two step days the likelihood does not depend on ``tau``, so the posterior there follows the
    prior (``law``, candidates ``idx``). The median is the first day by which the conditional
    probability reaches one half: it lies in its own interval. NaN where the candidate almost
    surely did not start.
    """
    end_day = law.end_day
    if days.shape[1] == 0:  # no step: the prior between day 0 and the end
        days, cdf = np.zeros((days.shape[0], 1)), np.zeros((days.shape[0], 1))
    m, T = days.shape
    X = np.arange(end_day + 1, dtype=np.float64)
    valid = np.arange(T)[None, :] < n_steps[:, None]
    d = np.where(valid, days, np.inf)
    c = np.where(valid, cdf, 0.0)
    # bin of each day x: the first step with day >= x (T: after the last step)
    t = (d[:, :, None] < X[None, None, :]).sum(axis=1)  # (m, X)
    rows = np.arange(m)[:, None]
    has_lo = t > 0
    tl = np.maximum(t - 1, 0)
    lo_day = np.where(has_lo, d[rows, tl], -1.0)
    lo_cdf = np.where(has_lo, c[rows, tl], 0.0)
    inside = t < n_steps[:, None]
    th = np.minimum(t, T - 1)
    hi_day = np.where(inside, d[rows, th], float(end_day))
    hi_cdf = np.where(inside, c[rows, th], p_end[:, None])
    r = np.asarray(idx, dtype=np.int64)[:, None]
    f_lo, f_x, f_hi = (law.cdf(r, v) for v in (lo_day, X[None, :], hi_day))
    width = f_hi - f_lo
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(width > 0, (f_x - f_lo) / width, 1.0)
    daily = lo_cdf + (hi_cdf - lo_cdf) * np.clip(frac, 0.0, 1.0)  # P(tau <= x | y)
    ok = p_end > 1e-9
    cond = np.clip(daily / np.where(ok, p_end, 1.0)[:, None], 0.0, 1.0)
    mean = (cond < 0.5).sum(axis=1).astype(np.float64)  # the median
    lo = (cond < 0.05).sum(axis=1).astype(np.float64)
    hi = (cond < 0.95).sum(axis=1).astype(np.float64)
    nan = np.full(m, np.nan)
    return (
        np.where(ok, np.minimum(mean, end_day), nan),
        np.where(ok, np.minimum(lo, end_day), nan),
        np.where(ok, np.minimum(hi, end_day), nan),
    )
