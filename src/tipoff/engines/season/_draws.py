"""Every random number one season run uses, drawn up front from the run's own generator.

Drawing a run's numbers in one fixed order from ``SeedSequence(seed, spawn_key=(run,))`` makes a
run's outcome a function of ``(seed, run)`` alone: any chunking of runs over calls or worker
processes gives the same result, bit for bit. Each delivery gets a fixed block of uniforms, one
column per decision (``COL_*`` below and the per-slot blocks), used or not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.model import CompiledModel

__all__ = [
    "COL_BACKGROUND",
    "COL_FAMILY",
    "COL_IDENTITY",
    "COL_RECIPIENT",
    "COL_REVEAL",
    "COL_ROUTE",
    "COL_STAKEOUT",
    "COL_TIEBREAK",
    "COL_TRACING",
    "NEVER",
    "RunDraws",
    "draw_run",
    "n_columns",
    "n_slots",
]

NEVER = np.iinfo(np.int32).max // 2

COL_RECIPIENT = 0
COL_ROUTE = 1
COL_TIEBREAK = 2
COL_STAKEOUT = 3
COL_IDENTITY = 4
COL_BACKGROUND = 5
COL_FAMILY = 6
COL_TRACING = 7
COL_REVEAL = 8
COL_PICK = 9
_FIXED = 10


def n_slots(model: CompiledModel) -> int:
    """Parties told something about one delivery: sender, the chain's slots, recipient."""
    return int(model.chain_slot_party.shape[1]) + 2


def n_columns(model: CompiledModel) -> int:
    """Uniforms per delivery: the fixed decisions, then relay, harvest, community, pick per slot."""
    return _FIXED + 4 * n_slots(model)


def col_relay(model: CompiledModel) -> int:
    return _FIXED


def col_harvest(model: CompiledModel) -> int:
    return _FIXED + n_slots(model)


def col_community(model: CompiledModel) -> int:
    return _FIXED + 2 * n_slots(model)


def col_pick(model: CompiledModel) -> int:
    return _FIXED + 3 * n_slots(model)


@dataclass(frozen=True, slots=True)
class RunDraws:
    """One run's deliveries (sorted by day) and its pre-drawn randomness."""

    informant_day: npt.NDArray[np.int32]  # (n_parties,) first day as informant, NEVER if not
    day: npt.NDArray[np.int32]
    sender: npt.NDArray[np.int32]  # sender index
    recipient: npt.NDArray[np.int32]  # party index
    candidates: npt.NDArray[np.int32]  # row of the candidate-chain table
    amount: npt.NDArray[np.int64]
    mode: npt.NDArray[np.int8]
    label: npt.NDArray[np.int32]  # explicit delivery index, -1 for generated
    uniforms: npt.NDArray[np.float64]  # (n_deliveries, n_columns)
    replacements: npt.NDArray[np.int64]  # (horizon,) couriers recruited each day
    pair_reveal: npt.NDArray[np.float64]  # (n_pairs,) uniforms for courier-reveals-courier


def draw_run(model: CompiledModel, gen: np.random.Generator) -> RunDraws:
    """Draw everything one run needs, always in the same order."""
    op = model.operation
    T = model.horizon_days
    P = model.n_parties

    informant_day = np.full(P, NEVER, dtype=np.int32)
    coercible = np.flatnonzero(model.party_coercible)
    u0 = gen.random(coercible.size)
    informant_day[coercible[u0 < model.party_rho0[coercible]]] = 0
    if op.daily_hazard > 0:
        turned = gen.geometric(op.daily_hazard, coercible.size)
        later = informant_day[coercible] != 0
        informant_day[coercible[later]] = np.minimum(turned[later], NEVER).astype(np.int32)

    n_s = model.n_senders
    counts = (
        gen.poisson(model.rate_per_sender_per_day * T, n_s)
        if model.rate_per_sender_per_day > 0
        else np.zeros(n_s, dtype=np.int64)
    )
    g_sender = np.repeat(np.arange(n_s, dtype=np.int32), counts)
    g_day = gen.integers(0, T, g_sender.size, dtype=np.int32)
    n_ex = model.explicit_day.size
    z = gen.standard_normal(g_sender.size + n_ex)
    raw = model.amount_median * np.exp(model.amount_spread * z)
    ex_amount = np.where(
        np.isnan(model.explicit_amount), raw[g_sender.size :], model.explicit_amount
    )
    amount = np.maximum(1, np.rint(np.concatenate([raw[: g_sender.size], ex_amount]))).astype(
        np.int64
    )

    day = np.concatenate([g_day, model.explicit_day]).astype(np.int32)
    sender = np.concatenate([g_sender, model.explicit_sender]).astype(np.int32)
    candidates = np.concatenate([g_sender, n_s + np.arange(n_ex, dtype=np.int32)]).astype(np.int32)
    mode = np.concatenate(
        [np.full(g_sender.size, model.handover_mode, dtype=np.int8), model.explicit_mode]
    )
    label = np.concatenate([np.full(g_sender.size, -1, np.int32), np.arange(n_ex, dtype=np.int32)])
    order = np.lexsort((label, sender, day))  # by day, then sender: a stable, documented order
    uniforms = gen.random((day.size, n_columns(model)))

    # recipients: the explicit one, or uniformly among the sender's recipients
    ptr = model.sender_recipient_indptr
    s_sorted = sender[order]
    n_rec = ptr[s_sorted + 1] - ptr[s_sorted]
    pick = ptr[s_sorted] + np.minimum(
        (uniforms[:, COL_RECIPIENT] * n_rec).astype(np.int64), n_rec - 1
    )
    recipient = model.sender_recipient_indices[pick]
    ex_rec = np.concatenate([np.full(g_sender.size, -1, np.int32), model.explicit_recipient])[order]
    recipient = np.where(ex_rec >= 0, ex_rec, recipient).astype(np.int32)

    replacements = (
        gen.poisson(op.replacements_per_day, T)
        if op.replacements_per_day > 0
        else np.zeros(T, dtype=np.int64)
    )
    n_pairs = model.courier_pairs.shape[0]
    pair_reveal: np.ndarray = np.ones(n_pairs, dtype=np.float64)
    if op.reveal_couriers > 0:
        pair_reveal = np.asarray(gen.random(n_pairs), dtype=np.float64)
    return RunDraws(
        informant_day=informant_day,
        day=day[order],
        sender=s_sorted,
        recipient=recipient,
        candidates=candidates[order],
        amount=amount[order],
        mode=mode[order],
        label=label[order],
        uniforms=uniforms,
        replacements=replacements,
        pair_reveal=pair_reveal,
    )
