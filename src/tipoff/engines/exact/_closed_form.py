"""The closed form of docs/model.md's static semantics: P(intercepted) for each delivery, without sampling.

Only three items move the catch: the address, the schedule and the courier's identity, so the service's
knowledge K matters only through its *state* s = K ∩ {address, schedule, courier_identity}, one of 8.

Party i relays R_i = ∅ (probability ``1 - rho_i pi``), R_i = D_i (``rho_i pi (1 - sigma)``) or
R_i = D_i ∪ G_i (``rho_i pi sigma``), independently of the other parties, and K = ∪ R_i. Hence for any
set B of items

.. math::

    Q(B) = P(K \\cap B = \\emptyset)
         = \\prod_i \\bigl(1 - \\rho_i \\pi [(1-\\sigma) 1\\{D_i \\cap B \\ne \\emptyset\\}
                                          + \\sigma 1\\{(D_i \\cup G_i) \\cap B \\ne \\emptyset\\}]\\bigr),

and, with F(T) = P(s ⊆ T) = Q(T^c), Möbius inversion over the subsets of the three items gives

.. math::

    P(s = S) = \\sum_{T \\subseteq S} (-1)^{|S \\setminus T|} F(T),
    \\qquad
    P(\\text{intercepted}) = 1 - (1 - \\varepsilon)\\Bigl(1 - \\sum_S P(s = S)\\, c(S)\\Bigr),

where c(S) = 1 - (1 - a(S))(1 - b(S)) is docs/model.md's catch. Products are sums of ``log1p`` terms, and
factors that are exactly zero are counted apart, so certain events stay exactly certain.

Members of a community who are not on the delivery have D_j = ∅ and G_j = U_c (everything told to
the community's members on the delivery): together they contribute
``prod_j (1 - rho_j pi sigma)`` to Q(B) whenever U_c meets B, precomputed per community and day.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tipoff.engines.exact._deliveries import N_STATES, Layout, state_mask
from tipoff.model import (
    MODE_HOME,
    MODE_MEETING_POINT,
    OperationParams,
    identity_catch,
    stakeout_catch,
)

__all__ = ["MOBIUS", "avoid_probabilities", "catch_table", "expected_catch", "state_probabilities"]

F64 = npt.NDArray[np.float64]


def _mobius() -> npt.NDArray[np.float64]:
    m = np.zeros((N_STATES, N_STATES))
    full = N_STATES - 1
    for b in range(N_STATES):
        t = full & ~b
        for s in range(N_STATES):
            if t & ~s == 0:  # T ⊆ S
                m[b, s] = (-1.0) ** (bin(s).count("1") - bin(t).count("1"))
    m.setflags(write=False)
    return m


#: ``MOBIUS[B, S]``: P(s = S) = sum_B Q(B) MOBIUS[B, S] (inclusion-exclusion over the 3 items).
MOBIUS = _mobius()


def catch_table(op: OperationParams) -> F64:
    """c(S) for each mode (rows ``MODE_HOME``, ``MODE_MEETING_POINT``) and state S (columns).

    Built from :func:`tipoff.model.stakeout_catch` and :func:`tipoff.model.identity_catch`, so the
    catch means the same here as in the simulator: c(S) = 1 - (1 - a(S))(1 - b(S)).
    """
    masks = np.array([state_mask(s) for s in range(N_STATES)], dtype=np.uint8)
    table = np.empty((2, N_STATES))
    for mode in (MODE_HOME, MODE_MEETING_POINT):
        a = stakeout_catch(op, masks, np.full(N_STATES, mode))
        b = identity_catch(op, masks)
        table[mode] = 1.0 - (1.0 - a) * (1.0 - b)
    table.setflags(write=False)
    return table


def _log_factor(q: F64) -> tuple[F64, npt.NDArray[np.bool_]]:
    """``log(1 - q)`` where ``q < 1`` (0 where ``q >= 1``), and where the factor is exactly zero."""
    sure = q >= 1.0
    return np.log1p(-np.where(sure, 0.0, q)), sure


def avoid_probabilities(
    *,
    tip: npt.NDArray[np.uint8],
    union: npt.NDArray[np.uint8],
    rho: F64,
    rep: npt.NDArray[np.bool_],
    off_log: F64,
    off_zero: npt.NDArray[np.integer],
    relay_success: float,
    harvest: float,
) -> F64:
    """Q(B) = P(K ∩ B = ∅) for every row and every set B of relevant items (columns 0..7).

    Arrays are ``(n, S)`` slots as in :class:`~tipoff.engines.exact._deliveries.Layout`.
    """
    l_all, z_all = _log_factor(rho * relay_success)
    l_harvest, z_harvest = _log_factor(rho * relay_success * harvest)
    n = tip.shape[0]
    q = np.empty((n, N_STATES))
    q[:, 0] = 1.0
    for b in range(1, N_STATES):
        hit_tip = (tip & b) != 0
        hit_union = (union & b) != 0
        logs = np.where(hit_tip, l_all, np.where(hit_union, l_harvest, 0.0))
        zeros = np.where(hit_tip, z_all, hit_union & z_harvest)
        off = rep & hit_union
        total = logs.sum(axis=1) + np.where(off, off_log, 0.0).sum(axis=1)
        n_zero = zeros.sum(axis=1) + np.where(off, off_zero, 0).sum(axis=1)
        q[:, b] = np.where(n_zero > 0, 0.0, np.exp(total))
    return q


def state_probabilities(lay: Layout, op: OperationParams) -> F64:
    """P(s = S) for every row and state S (columns 0..7; bit 0 address, 1 schedule, 2 courier).

    Examples
    --------
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.scenario import load_preset
    >>> from tipoff.engines.exact._deliveries import layout, model_deliveries
    >>> m = compile_scenario(load_preset("classroom"))
    >>> p = state_probabilities(layout(m, model_deliveries(m)), m.operation)
    >>> bool(np.allclose(p.sum(axis=1), 1.0))
    True
    """
    q = avoid_probabilities(
        tip=lay.tip,
        union=lay.union,
        rho=lay.rho,
        rep=lay.rep,
        off_log=lay.off_log,
        off_zero=lay.off_zero,
        relay_success=op.relay_success,
        harvest=op.harvest,
    )
    return np.clip(q @ MOBIUS, 0.0, 1.0)


def expected_catch(states: F64, mode: npt.ArrayLike, table: F64) -> F64:
    """E[c(s)] per row from state probabilities, clipped to [0, 1]."""
    e = (states * table[np.asarray(mode, dtype=np.intp)]).sum(axis=1)
    return np.asarray(np.clip(e, 0.0, 1.0), dtype=np.float64)
