"""The model as the compiled season engine reads it: small named tuples of plain numbers and
arrays, grouped by concern (sizes, workload, recruitment, tips, response, interrogation, the
network's chains, parties, explicit deliveries) in one :class:`Tables`.

Built once per batch from a :class:`~tipoff.model.CompiledModel`. Every field has a fixed type
(Python ``int``/``float``/``bool``, C-contiguous arrays of fixed dtypes), so the engine compiles
once for every model.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from tipoff.model import CompiledModel

__all__ = [
    "FIXED_COLUMNS",
    "Explicit",
    "Interrogation",
    "Network",
    "Parties",
    "Recruitment",
    "Response",
    "Sizes",
    "Tables",
    "Tips",
    "Workload",
    "build_tables",
    "expected_deliveries",
    "n_slots",
]

#: Uniforms per delivery before the per-slot blocks (relay, harvest, community: one per slot).
FIXED_COLUMNS = 9


class Sizes(NamedTuple):
    """How big a run is (``sz`` in the engine)."""

    T: int  # horizon in days
    n_senders: int
    n_slots: int  # parties told something about a delivery: sender, chain slots, recipient
    n_cols: int  # uniforms per delivery
    n_pairs: int
    n_communities: int


class Workload(NamedTuple):
    """Deliveries, their amounts and the couriers' recruits, as drawn (``wl``)."""

    lam_deliveries: float  # Poisson mean of each sender's deliveries over the season
    exp_neg_lam_deliveries: float
    amount_median: float
    amount_spread: float
    handover_mode: int
    lam_replace: float  # Poisson mean of recruits a day
    exp_neg_lam_replace: float


class Recruitment(NamedTuple):
    """Who turns informant, and when (``rc``)."""

    hazard: float
    log1p_neg_hazard: float
    coercible: np.ndarray
    coercible_rho0: np.ndarray
    member_party: np.ndarray  # coercible parties with a community, by community
    member_comm: np.ndarray


class Tips(NamedTuple):
    """What reaches the security service about a delivery (``tp``)."""

    delay: int  # relay delay in days
    relay_success: float
    harvest: float
    sender_mask: int  # items a sender tells about its own delivery
    recipient_mask: int
    off_route: bool  # pool off-route informants (harvest > 0, relay success > 0, members)
    p_off: np.ndarray  # 1 - (1 - sigma pi)^m for m = 0..(members)


class Response(NamedTuple):
    """Stake-outs, catches and arrests (``rp``)."""

    capacity: int  # stake-outs a day, -1 unlimited
    catch_as: float  # a(K) with address and schedule
    catch_a: float  # a(K) with the address only
    catch_id: float  # catch from the courier's identity
    mp_factor: float  # meeting-point factor
    background: float
    family: float
    tracing: float


class Interrogation(NamedTuple):
    """What an arrested courier reveals: recipients (watched homes) and couriers (``ig``)."""

    watch_days: int
    sweep_delay: int
    reveal_recipients: float
    reveal_couriers: float
    watches: bool  # interrogation reveals recipients (p > 0, watch_days > 0)
    sweeps: bool  # interrogation reveals couriers (p > 0, pairs exist)
    pair_ptr: np.ndarray  # the courier pairs each courier names, grouped by courier
    pair_ids: np.ndarray
    pair_to: np.ndarray


class Network(NamedTuple):
    """The chains (``nw``): candidates, courier, slots; and, per chain, when no party is in two of
    its slots (``chain_fast``): each slot's community (sender and recipient slots: none), its
    group's first slot, and that slot's group union."""

    candidate_pad: np.ndarray  # (senders + explicit deliveries, width) chain ids, -1 padded
    chain_courier: np.ndarray
    chain_slot_party: np.ndarray
    chain_slot_tip: np.ndarray
    chain_last_relay: np.ndarray
    chain_fast: np.ndarray
    chain_rep: np.ndarray
    chain_comm: np.ndarray
    chain_union: np.ndarray


class Parties(NamedTuple):
    """Parties and places (``pa``)."""

    sender_party: np.ndarray
    party_in_slots: np.ndarray  # the party is in some chain's slots
    party_community: np.ndarray
    party_home: np.ndarray  # place index, -1 none
    courier_home: np.ndarray
    recipient_ptr: np.ndarray  # each sender's recipients (CSR)
    recipient_idx: np.ndarray


class Explicit(NamedTuple):
    """The scenario's explicit deliveries (``ex``)."""

    day: np.ndarray
    sender: np.ndarray
    mode: np.ndarray
    recipient: np.ndarray  # -1: drawn
    amount: np.ndarray  # nan: drawn


class Tables(NamedTuple):
    """The model's numbers (operation parameters) and lookups, as the engine reads them: small
    named tuples grouped by concern, each mechanism taking only those it reads (numba holds a
    tuple as one aggregate and copies it whole on every read, so small groups compile faster)."""

    sizes: Sizes
    workload: Workload
    recruitment: Recruitment
    tips: Tips
    response: Response
    interrogation: Interrogation
    network: Network
    parties: Parties
    explicit: Explicit


def n_slots(model: CompiledModel) -> int:
    """Parties told something about one delivery: sender, the chain's slots, recipient."""
    return int(model.chain_slot_party.shape[1]) + 2


def expected_deliveries(model: CompiledModel) -> float:
    """Mean number of deliveries of one run (generated plus explicit)."""
    generated = model.rate_per_sender_per_day * model.horizon_days * model.n_senders
    return float(max(0.0, generated) + model.explicit_day.size)


def _candidate_pad(model: CompiledModel) -> np.ndarray:
    """Candidate chains: each sender's, then each explicit delivery's (both CSR), -1 padded."""
    counts = np.concatenate(
        [np.diff(model.sender_chain_indptr), np.diff(model.explicit_chain_indptr)]
    ).astype(np.int64)
    chains = np.concatenate(
        [
            model.sender_chain_indices[
                model.sender_chain_indptr[0] : model.sender_chain_indptr[-1]
            ],
            model.explicit_chain_indices[
                model.explicit_chain_indptr[0] : model.explicit_chain_indptr[-1]
            ],
        ]
    )
    width = max(1, int(counts.max(initial=1)))
    pad = np.full((counts.size, width), -1, dtype=np.int32)
    row = np.repeat(np.arange(counts.size), counts)
    col = np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    pad[row, col] = chains
    return pad


def _chain_groups(model: CompiledModel) -> tuple[np.ndarray, ...]:
    """Per chain, the community groups of its slots, for deliveries whose sender and recipient
    have no community and are in none of the chain's slots (the engine checks that)."""
    n_chains, n_chain_slots = model.chain_slot_party.shape
    S = n_chain_slots + 2
    fast = np.zeros(n_chains, dtype=np.bool_)
    rep = np.full((n_chains, S), -1, dtype=np.int64)
    comm = np.full((n_chains, S), -1, dtype=np.int64)
    union = np.zeros((n_chains, S), dtype=np.int64)
    for c in range(n_chains):
        parties = model.chain_slot_party[c]
        present = parties[parties >= 0]
        fast[c] = np.unique(present).size == present.size
        for j in range(1, S - 1):
            p = parties[j - 1]
            if p >= 0 and model.party_community[p] >= 0:
                comm[c, j] = model.party_community[p]
        for j in range(1, S - 1):
            if comm[c, j] < 0:
                continue
            first = next(q for q in range(1, j + 1) if comm[c, q] == comm[c, j])
            rep[c, j] = first
            union[c, first] |= int(model.chain_slot_tip[c, j - 1])
    return fast, rep, comm, union


def build_tables(model: CompiledModel) -> Tables:
    """The model as the engine reads it."""
    op = model.operation
    i32, i64, f64 = np.int32, np.int64, np.float64

    def c(a: Any, dtype: Any) -> np.ndarray:
        # a writable C-contiguous copy of a fixed dtype: one compiled signature for every model
        return np.array(a, dtype=dtype, order="C")

    members = np.flatnonzero(model.party_coercible & (model.party_community >= 0))
    members = members[np.argsort(model.party_community[members], kind="stable")]
    n_pairs = int(model.courier_pairs.shape[0])
    pair_from = model.courier_pairs[:, 0] if n_pairs else np.zeros(0, i64)
    pair_ptr = np.zeros(model.n_couriers + 1, dtype=i64)
    np.cumsum(np.bincount(pair_from, minlength=model.n_couriers), out=pair_ptr[1:])
    # the last relay of each chain (hops - 1, wrapping at -1 for a chain without relays)
    relays = model.chain_relays
    if relays.shape[0] and relays.shape[1]:
        last = relays[np.arange(relays.shape[0]), (relays >= 0).sum(axis=1) - 1]
    else:
        last = np.full(relays.shape[0], -1)
    m = np.arange(members.size + 1, dtype=i64)
    p_off = 1.0 - (1.0 - op.harvest * op.relay_success) ** m
    coercible = np.flatnonzero(model.party_coercible)
    fast, rep, comm, union = _chain_groups(model)
    in_slots = np.zeros(model.n_parties, dtype=np.bool_)
    in_slots[model.chain_slot_party[model.chain_slot_party >= 0]] = True
    S = n_slots(model)
    lam_deliveries = float(model.rate_per_sender_per_day * model.horizon_days)
    lam_replace = float(op.replacements_per_day)
    hazard = float(op.daily_hazard)
    return Tables(
        sizes=Sizes(
            T=int(model.horizon_days),
            n_senders=int(model.n_senders),
            n_slots=S,
            n_cols=FIXED_COLUMNS + 3 * S,
            n_pairs=n_pairs,
            n_communities=max(1, int(model.n_communities)),
        ),
        workload=Workload(
            lam_deliveries=lam_deliveries,
            exp_neg_lam_deliveries=math.exp(-lam_deliveries),
            amount_median=float(model.amount_median),
            amount_spread=float(model.amount_spread),
            handover_mode=int(model.handover_mode),
            lam_replace=lam_replace,
            exp_neg_lam_replace=math.exp(-lam_replace),
        ),
        recruitment=Recruitment(
            hazard=hazard,
            log1p_neg_hazard=math.log1p(-hazard) if hazard < 1 else -math.inf,
            coercible=c(coercible, i32),
            coercible_rho0=c(model.party_rho0[coercible], f64),
            member_party=c(members, i32),
            member_comm=c(model.party_community[members], i32),
        ),
        tips=Tips(
            delay=int(op.delay_days),
            relay_success=float(op.relay_success),
            harvest=float(op.harvest),
            sender_mask=int(model.sender_mask_tip),
            recipient_mask=int(model.recipient_mask_tip),
            off_route=bool(op.harvest > 0 and op.relay_success > 0 and members.size > 0),
            p_off=c(p_off, f64),
        ),
        response=Response(
            capacity=int(op.capacity_per_day),
            catch_as=float(op.catch_address_and_schedule),
            catch_a=float(op.catch_address_only),
            catch_id=float(op.catch_courier_identity),
            mp_factor=float(op.meeting_point_factor),
            background=float(op.background),
            family=float(op.family_arrest),
            tracing=float(op.tracing),
        ),
        interrogation=Interrogation(
            watch_days=int(op.watch_days),
            sweep_delay=int(op.sweep_delay_days),
            reveal_recipients=float(op.reveal_recipients),
            reveal_couriers=float(op.reveal_couriers),
            watches=bool(op.reveal_recipients > 0 and op.watch_days > 0),
            sweeps=bool(op.reveal_couriers > 0 and n_pairs > 0),
            pair_ptr=pair_ptr,
            pair_ids=c(np.argsort(pair_from, kind="stable"), i64),
            pair_to=c(model.courier_pairs[:, 1] if n_pairs else np.zeros(0), i32),
        ),
        network=Network(
            candidate_pad=c(_candidate_pad(model), i32),
            chain_courier=c(model.chain_courier, i32),
            chain_slot_party=c(model.chain_slot_party, i32),
            chain_slot_tip=c(model.chain_slot_tip, i64),
            chain_last_relay=c(last, i32),
            chain_fast=c(fast, np.bool_),
            chain_rep=c(rep, i64),
            chain_comm=c(comm, i64),
            chain_union=c(union, i64),
        ),
        parties=Parties(
            sender_party=c(model.sender_party, i32),
            party_in_slots=in_slots,
            party_community=c(model.party_community, i32),
            party_home=c(model.party_home, i32),
            courier_home=c(model.party_home[model.courier_party], i32),
            recipient_ptr=c(model.sender_recipient_indptr, i64),
            recipient_idx=c(model.sender_recipient_indices, i32),
        ),
        explicit=Explicit(
            day=c(model.explicit_day, i32),
            sender=c(model.explicit_sender, i32),
            mode=c(model.explicit_mode, np.int8),
            recipient=c(model.explicit_recipient, i32),
            amount=c(model.explicit_amount, f64),
        ),
    )
