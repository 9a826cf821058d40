"""Which deliveries the static engines score, and each one's parties laid out as a row of slots.

A *delivery row* is one sender, one chain (relay path + courier), one recipient, a day and a mode.
The scenario's explicit deliveries give one row per route they may take (every allowed chain times
every possible recipient), each weighted by one over that number, so that weighted sums count each
explicit delivery once (the season simulator picks uniformly among the same routes). Without
explicit deliveries, every sender gets one row per chain and recipient it may use, on day
``horizon_days // 2`` in the scenario's hand-over mode, weighted the same way: weighted sums then
count one delivery per sender.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.errors import UsageError
from tipoff.model import ADDRESS, COURIER_IDENTITY, SCHEDULE, CompiledModel

__all__ = [
    "N_STATES",
    "RELEVANT",
    "Deliveries",
    "Layout",
    "layout",
    "model_deliveries",
    "relevant_code",
    "rho_on",
    "state_mask",
    "with_tips",
]

#: The items the catch depends on: address (bit 0), schedule (bit 1), courier identity (bit 2).
RELEVANT: tuple[int, int, int] = (ADDRESS, SCHEDULE, COURIER_IDENTITY)
N_STATES = 8

_CODE = np.zeros(256, dtype=np.uint8)
for _m in range(256):
    _CODE[_m] = sum(1 << k for k, bit in enumerate(RELEVANT) if _m & bit)
_CODE.setflags(write=False)

I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]


def relevant_code(mask: npt.ArrayLike) -> U8:
    """Map item masks (``ITEM_BIT`` bits) to 3-bit codes of the relevant items (see ``RELEVANT``)."""
    return np.asarray(_CODE[np.asarray(mask, dtype=np.uint8)], dtype=np.uint8)


def state_mask(state: int) -> int:
    """The item mask (``ITEM_BIT`` bits) of a 3-bit relevant-item state."""
    return sum(bit for k, bit in enumerate(RELEVANT) if state & (1 << k))


def _frozen(a: npt.ArrayLike, dtype: npt.DTypeLike) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True, kw_only=True)
class Deliveries:
    """Delivery rows to score (read-only arrays, one entry per row).

    Attributes
    ----------
    ids : tuple of str
        Row ids: an explicit delivery's id (``id/k`` when it may take several routes), or
        ``sender:k`` for the ``k``-th representative row of a sender.
    source : ndarray of int32
        The explicit delivery index, or the sender index for representative rows.
    sender, chain : ndarray of int32
        Sender index and chain index of each row.
    recipient : ndarray of int32
        Recipient party index.
    day : ndarray of int32
        Hand-over day.
    mode : ndarray of int8
        ``MODE_HOME`` or ``MODE_MEETING_POINT``.
    weight : ndarray of float64
        Share of its source delivery this row stands for; weighted sums count each source once.
    """

    ids: tuple[str, ...]
    source: I32
    sender: I32
    chain: I32
    recipient: I32
    day: I32
    mode: npt.NDArray[np.int8]
    weight: F64

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_arrays(
        cls,
        model: CompiledModel,
        *,
        sender: npt.ArrayLike,
        chain: npt.ArrayLike,
        recipient: npt.ArrayLike,
        day: npt.ArrayLike,
        mode: npt.ArrayLike | None = None,
        weight: npt.ArrayLike | None = None,
        ids: tuple[str, ...] | None = None,
    ) -> Deliveries:
        """Rows built from arrays (for benchmarks and what-if studies), checked against ``model``.

        Raises
        ------
        UsageError
            When an index is out of range, or a chain or recipient is not the sender's.
        """
        s = np.asarray(sender, dtype=np.int32)
        n = s.size
        c = np.broadcast_to(np.asarray(chain, dtype=np.int32), (n,))
        r = np.broadcast_to(np.asarray(recipient, dtype=np.int32), (n,))
        d = np.broadcast_to(np.asarray(day, dtype=np.int32), (n,))
        m = np.broadcast_to(
            np.asarray(model.handover_mode if mode is None else mode, dtype=np.int8), (n,)
        )
        w = np.broadcast_to(np.asarray(1.0 if weight is None else weight, np.float64), (n,))
        if n and (s.min() < 0 or s.max() >= model.n_senders):
            raise UsageError("sender index out of range")
        if n and (c.min() < 0 or c.max() >= model.n_chains):
            raise UsageError("chain index out of range")
        if n and (d.min() < 0 or (m.min() < 0) or m.max() > 1):
            raise UsageError("days must be >= 0 and modes 0 (home) or 1 (meeting_point)")
        for k in range(model.n_senders):
            rows = s == k
            if rows.any() and not np.isin(c[rows], model.chains_of(k)).all():
                raise UsageError(f"a row uses a chain that sender {k} cannot use")
            if rows.any() and not np.isin(r[rows], model.recipients_of(k)).all():
                raise UsageError(f"a row names a recipient that is not sender {k}'s")
        return cls(
            ids=ids if ids is not None else tuple(f"d{k + 1}" for k in range(n)),
            source=_frozen(np.arange(n), np.int32),
            sender=_frozen(s, np.int32),
            chain=_frozen(c, np.int32),
            recipient=_frozen(r, np.int32),
            day=_frozen(d, np.int32),
            mode=_frozen(m, np.int8),
            weight=_frozen(w, np.float64),
        )


def model_deliveries(model: CompiledModel, /) -> Deliveries:
    """The rows the static engines score for ``model`` (see the module docstring).

    Examples
    --------
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.scenario import load_preset
    >>> rows = model_deliveries(compile_scenario(load_preset("classroom")))
    >>> len(rows) >= 20
    True
    """
    ids: list[str] = []
    cols: list[tuple[int, int, int, int, int, int]] = []
    weights: list[float] = []
    explicit = model.explicit_day.size > 0
    n_source = model.explicit_day.size if explicit else model.n_senders
    for src in range(n_source):
        if explicit:
            sender = int(model.explicit_sender[src])
            lo, hi = model.explicit_chain_indptr[src], model.explicit_chain_indptr[src + 1]
            chains = model.explicit_chain_indices[lo:hi]
            fixed = int(model.explicit_recipient[src])
            recipients = [fixed] if fixed >= 0 else list(model.recipients_of(sender))
            day, mode = int(model.explicit_day[src]), int(model.explicit_mode[src])
        else:
            sender = src
            chains = model.chains_of(sender)
            recipients = list(model.recipients_of(sender))
            day, mode = model.horizon_days // 2, model.handover_mode
        routes = [(int(c), int(r)) for c in chains for r in recipients]
        for k, (c, r) in enumerate(routes, start=1):
            if explicit:
                base = model.explicit_ids[src]
                ids.append(base if len(routes) == 1 else f"{base}/{k}")
            else:
                ids.append(f"{model.party_ids[model.sender_party[sender]]}:{k}")
            cols.append((src, sender, c, r, day, mode))
            weights.append(1.0 / len(routes))
    arr = np.array(cols, dtype=np.int64).reshape(-1, 6)
    return Deliveries(
        ids=tuple(ids),
        source=_frozen(arr[:, 0], np.int32),
        sender=_frozen(arr[:, 1], np.int32),
        chain=_frozen(arr[:, 2], np.int32),
        recipient=_frozen(arr[:, 3], np.int32),
        day=_frozen(arr[:, 4], np.int32),
        mode=_frozen(arr[:, 5], np.int8),
        weight=_frozen(weights, np.float64),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """Each delivery row's parties as slots, with what the closed form needs per slot.

    Slot 0 is the sender, then the chain's slots, then the recipient; a party that appears in
    two slots is merged into the first (its D_i is the union) and the other slot is emptied.

    Attributes
    ----------
    party : (n, S) int32
        Party index, -1 for an empty slot.
    tip : (n, S) uint8
        D_i restricted to the relevant items, as a 3-bit code.
    union : (n, S) uint8
        D_i ∪ G_i restricted to the relevant items: the union of the tips of every slot of the
        party's community (G_i of a party without a community is empty, so it is D_i).
    rho : (n, S) float64
        rho_i on the row's day (0 for empty slots and parties that are not coercible).
    community : (n, S) int32
        The party's community, -1 for none.
    rep : (n, S) bool
        The first slot of its community in the row: where off-route peers are accounted.
    off_log : (n, S) float64
        At ``rep`` slots, ``sum log(1 - rho_j pi sigma)`` over the community's coercible members
        not on the row (those with ``rho_j pi sigma = 1`` excluded); 0 elsewhere.
    off_zero : (n, S) int32
        At ``rep`` slots, the number of such members with ``rho_j pi sigma = 1``.
    off_count : (n, S) int32
        At ``rep`` slots, the number of coercible community members not on the row.
    mode : (n,) int8
        Hand-over mode.
    """

    party: I32
    tip: U8
    union: U8
    rho: F64
    community: I32
    rep: B
    off_log: F64
    off_zero: I32
    off_count: I32
    mode: npt.NDArray[np.int8]


def rho_on(model: CompiledModel, parties: npt.ArrayLike, day: npt.ArrayLike) -> F64:
    """rho_i(t) = 1 - (1 - rho0_i)(1 - h)^max(0, t - delta), 0 for parties that are not coercible.

    Written as ``rho0 + (1 - rho0) g`` with ``g = 1 - (1 - h)^t'`` so that ``h = 0`` or ``t' = 0``
    gives ``rho0`` bit for bit.
    """
    op = model.operation
    p = np.asarray(parties)
    t = np.maximum(0, np.asarray(day, dtype=np.int64) - op.delay_days)
    rho0 = model.party_rho0[p]
    g = 1.0 - np.power(1.0 - op.daily_hazard, t) if op.daily_hazard > 0 else np.zeros(t.shape)
    rho = rho0 + (1.0 - rho0) * g
    return np.asarray(np.where(model.party_coercible[p], np.minimum(rho, 1.0), 0.0), np.float64)


def _slots(model: CompiledModel, rows: Deliveries) -> tuple[I32, U8]:
    n = len(rows)
    chain_slots = model.chain_slot_party.shape[1]
    party = np.empty((n, chain_slots + 2), dtype=np.int32)
    tip = np.empty((n, chain_slots + 2), dtype=np.uint8)
    party[:, 0] = model.sender_party[rows.sender]
    party[:, 1:-1] = model.chain_slot_party[rows.chain]
    party[:, -1] = rows.recipient
    tip[:, 0] = model.sender_mask_tip
    tip[:, 1:-1] = model.chain_slot_tip[rows.chain]
    tip[:, -1] = model.recipient_mask_tip
    tip[party < 0] = 0
    # a party told in two slots (e.g. named by id and also on the path) is one party: merge
    same = (party[:, :, None] == party[:, None, :]) & (party[:, :, None] >= 0)
    first = np.argmax(same, axis=2)
    dup = (first != np.arange(party.shape[1])) & (party >= 0)
    if dup.any():
        merged = np.zeros_like(tip)
        r = np.broadcast_to(np.arange(n)[:, None], party.shape)
        np.bitwise_or.at(merged, (r, first), tip)
        tip = np.where(dup, 0, merged).astype(np.uint8)
        party = np.where(dup, -1, party).astype(np.int32)
    return party, relevant_code(tip)


def _community_union(community: I32, tip: U8) -> U8:
    same = (community[:, :, None] == community[:, None, :]) & (community[:, :, None] >= 0)
    pooled = np.bitwise_or.reduce(np.where(same, tip[:, None, :], 0), axis=2).astype(np.uint8)
    return np.where(community >= 0, pooled, tip).astype(np.uint8)


def with_tips(lay: Layout, tip: U8) -> Layout:
    """The same rows with other tips (a party told less): unions follow, nothing else changes."""
    t = np.where(lay.party >= 0, tip, 0).astype(np.uint8)
    return Layout(
        party=lay.party,
        tip=t,
        union=_community_union(lay.community, t),
        rho=lay.rho,
        community=lay.community,
        rep=lay.rep,
        off_log=lay.off_log,
        off_zero=lay.off_zero,
        off_count=lay.off_count,
        mode=lay.mode,
    )


def layout(model: CompiledModel, rows: Deliveries, /) -> Layout:
    """Lay out ``rows`` as slots (see :class:`Layout`), vectorised over rows."""
    op = model.operation
    party, tip = _slots(model, rows)
    present = party >= 0
    p = np.where(present, party, 0)
    rho = np.where(present, rho_on(model, p, rows.day[:, None]), 0.0)
    community = np.where(present, model.party_community[p], -1).astype(np.int32)
    S = party.shape[1]
    same = (community[:, :, None] == community[:, None, :]) & (community[:, :, None] >= 0)
    earlier = np.tril(np.ones((S, S), dtype=np.bool_), k=-1)
    rep = (community >= 0) & ~(same & earlier[None]).any(axis=2)

    q = rho * op.relay_success * op.harvest
    sure = q >= 1.0
    log_q = np.log1p(-np.where(sure, 0.0, q))
    on_member = present & (community >= 0) & model.party_coercible[p]

    # the whole community on each distinct day, then take away the row's own members
    n_comm = model.n_communities
    members = np.flatnonzero(model.party_coercible & (model.party_community >= 0))
    member_comm = model.party_community[members]
    size = np.bincount(member_comm, minlength=max(n_comm, 1))
    days, day_index = np.unique(rows.day, return_inverse=True)
    total_log = np.zeros((days.size, max(n_comm, 1)))
    total_zero = np.zeros((days.size, max(n_comm, 1)), dtype=np.int64)
    if members.size and op.harvest > 0 and op.relay_success > 0:
        for k, t in enumerate(days):
            qm = rho_on(model, members, t) * op.relay_success * op.harvest
            sure_m = qm >= 1.0
            lm = np.log1p(-np.where(sure_m, 0.0, qm))
            total_log[k, :n_comm] = np.bincount(member_comm, weights=lm, minlength=n_comm)
            total_zero[k, :n_comm] = np.bincount(member_comm, weights=sure_m, minlength=n_comm)
    c = np.maximum(community, 0)
    on_log = (same * np.where(on_member, log_q, 0.0)[:, None, :]).sum(axis=2)
    on_zero = (same * (on_member & sure)[:, None, :]).sum(axis=2)
    on_count = (same * on_member[:, None, :]).sum(axis=2)
    off_count = np.where(rep, size[c] - on_count, 0).astype(np.int32)
    di = day_index.reshape(-1)[:, None]
    off_log = np.where(rep & (off_count > 0), np.minimum(total_log[di, c] - on_log, 0.0), 0.0)
    off_zero = np.where(rep & (off_count > 0), total_zero[di, c] - on_zero, 0).astype(np.int32)
    return Layout(
        party=party,
        tip=tip,
        union=_community_union(community, tip),
        rho=rho,
        community=community,
        rep=rep,
        off_log=off_log,
        off_zero=off_zero,
        off_count=off_count,
        mode=np.asarray(rows.mode, dtype=np.int8),
    )
