"""Every random number one season run uses, drawn up front from the run's own generator.

Drawing a run's numbers in one fixed order from ``SeedSequence(seed, spawn_key=(run,))`` makes a
run's outcome a function of ``(seed, run)`` alone: any chunking of runs over calls or worker
processes gives the same result, bit for bit. Each delivery gets a fixed block of uniforms, one
column per decision (``COL_*`` below and the per-slot blocks), used or not.

Only the generator calls are made run by run (:func:`draw_chunk`); they write straight into the
chunk's buffers. Everything else (informant days, amounts, the per-run order of deliveries, the
recipients) is worked out once per chunk, on the chunk's arrays (:func:`sort_chunk`), or inside the
compiled kernel. :func:`draw_run` gives one run's draws in the original per-run form.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    "ChunkDraws",
    "RunDraws",
    "SortedDeliveries",
    "draw_chunk",
    "draw_run",
    "n_columns",
    "n_slots",
    "sort_chunk",
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


@dataclass(frozen=True, slots=True)
class ChunkDraws:
    """The draws of the runs of one chunk, in flat arrays (run ``r``'s deliveries are rows
    ``run_start[r]:run_start[r + 1]``).

    Delivery fields are in *draw order* within a run: the generated deliveries by sender, then the
    explicit ones by label. ``uniforms`` rows are not: row ``run_start[r] + i`` belongs to the run's
    ``i``-th delivery in day order (by day, sender, label; what :func:`sort_chunk` computes), as the
    per-run draw has always assigned them. Recipients are not drawn yet: the generated ones are
    picked with the uniforms' ``COL_RECIPIENT`` column once the deliveries are in day order.
    """

    n_runs: int
    informant_day: npt.NDArray[np.int32]  # (R, n_parties)
    run_start: npt.NDArray[np.int64]  # (R + 1,)
    day: npt.NDArray[np.int32]
    sender: npt.NDArray[np.int32]
    candidates: npt.NDArray[np.int32]
    amount: npt.NDArray[np.int64]
    mode: npt.NDArray[np.int8]
    label: npt.NDArray[np.int32]
    explicit_recipient: npt.NDArray[np.int32]  # the explicit delivery's recipient, -1 to draw
    uniforms: npt.NDArray[np.float64]  # (n_deliveries, n_columns), per-run day order
    replacements: npt.NDArray[np.int64]  # (R, horizon)
    pair_reveal: npt.NDArray[np.float64]  # (R, n_pairs)

    @property
    def run(self) -> npt.NDArray[np.int32]:
        """Each delivery's run (0..R-1)."""
        return np.repeat(np.arange(self.n_runs, dtype=np.int32), np.diff(self.run_start))


@dataclass(frozen=True, slots=True)
class SortedDeliveries:
    """A chunk's deliveries in day order within each run (runs one after another)."""

    run: npt.NDArray[np.int32]
    day: npt.NDArray[np.int32]
    sender: npt.NDArray[np.int32]
    recipient: npt.NDArray[np.int32]
    candidates: npt.NDArray[np.int32]
    amount: npt.NDArray[np.int64]
    mode: npt.NDArray[np.int8]
    label: npt.NDArray[np.int32]
    local_index: npt.NDArray[np.int32]  # position of each delivery within its own run


class _Rows:
    """A growable buffer of rows (amortised O(1) growth; rows handed out as views to fill)."""

    __slots__ = ("buf", "size")

    def __init__(self, rows: int, tail: tuple[int, ...], dtype: type) -> None:
        self.buf: np.ndarray = np.empty((max(16, rows), *tail), dtype=dtype)
        self.size = 0

    def take(self, n: int) -> np.ndarray:
        need = self.size + n
        if need > self.buf.shape[0]:
            grown = np.empty(
                (max(need, self.buf.shape[0] * 3 // 2), *self.buf.shape[1:]), self.buf.dtype
            )
            grown[: self.size] = self.buf[: self.size]
            self.buf = grown
        view = self.buf[self.size : need]
        self.size = need
        return view

    def used(self) -> np.ndarray:
        return self.buf[: self.size]


def expected_deliveries(model: CompiledModel) -> float:
    """Mean number of deliveries of one run (generated plus explicit)."""
    generated = model.rate_per_sender_per_day * model.horizon_days * model.n_senders
    return float(max(0.0, generated) + model.explicit_day.size)


def draw_chunk(model: CompiledModel, gens: Sequence[np.random.Generator]) -> ChunkDraws:
    """Draw everything the runs of a chunk need: the generator calls run by run, in the fixed
    order, and nothing else per run."""
    op = model.operation
    T = model.horizon_days
    P = model.n_parties
    R = len(gens)
    n_s = model.n_senders
    n_ex = int(model.explicit_day.size)
    n_pairs = int(model.courier_pairs.shape[0])
    coercible = np.flatnonzero(model.party_coercible)
    nc = int(coercible.size)
    hazard = op.daily_hazard > 0
    lam_deliveries = model.rate_per_sender_per_day * T
    lam_replace = op.replacements_per_day

    mean = R * expected_deliveries(model)
    guess = int(mean + 6.0 * np.sqrt(mean) + 16)
    u0 = np.empty((R, nc), dtype=np.float64)
    turned = np.empty((R, nc), dtype=np.int64) if hazard else None
    counts = np.zeros((R, n_s), dtype=np.int64)
    g_day = _Rows(guess, (), np.int32)
    z = _Rows(guess, (), np.float64)
    uniforms = _Rows(guess, (n_columns(model),), np.float64)
    replacements = np.zeros((R, T), dtype=np.int64)
    pair_reveal = np.ones((R, n_pairs), dtype=np.float64)
    sizes = np.empty(R, dtype=np.int64)
    for r, gen in enumerate(gens):
        # the order of these calls is the order of the numbers in the run's stream: never change it
        gen.random(out=u0[r])
        if turned is not None:
            turned[r] = gen.geometric(op.daily_hazard, nc)
        n_gen = 0
        if lam_deliveries > 0:
            c = gen.poisson(lam_deliveries, n_s)
            counts[r] = c
            n_gen = int(c.sum())
        g_day.take(n_gen)[:] = gen.integers(0, T, n_gen, dtype=np.int32)
        n = n_gen + n_ex
        gen.standard_normal(out=z.take(n))
        gen.random(out=uniforms.take(n))
        if lam_replace > 0:
            replacements[r] = gen.poisson(lam_replace, T)
        if op.reveal_couriers > 0:
            gen.random(out=pair_reveal[r])
        sizes[r] = n

    informant_day = np.full((R, P), NEVER, dtype=np.int32)
    day0 = u0 < model.party_rho0[coercible]
    if turned is not None:
        informant_day[:, coercible] = np.where(day0, 0, np.minimum(turned, NEVER))
    else:
        informant_day[:, coercible] = np.where(day0, 0, NEVER)

    run_start = np.zeros(R + 1, dtype=np.int64)
    np.cumsum(sizes, out=run_start[1:])
    N = int(run_start[-1])
    # generated deliveries come first in each run, then the explicit ones
    local = np.arange(N, dtype=np.int64) - np.repeat(run_start[:-1], sizes)
    n_gen_run = sizes - n_ex
    gen_rows = local < np.repeat(n_gen_run, sizes)
    ex_rows = ~gen_rows
    g_sender = np.repeat(np.tile(np.arange(n_s, dtype=np.int32), R), counts.ravel())

    def fill(generated: npt.ArrayLike, explicit: np.ndarray, dtype: type) -> np.ndarray:
        out: np.ndarray = np.empty(N, dtype=dtype)
        out[gen_rows] = generated
        out[ex_rows] = np.tile(explicit.astype(dtype), R)
        return out

    day = fill(g_day.used(), model.explicit_day, np.int32)
    sender = fill(g_sender, model.explicit_sender, np.int32)
    candidates = fill(g_sender, n_s + np.arange(n_ex, dtype=np.int32), np.int32)
    mode = fill(model.handover_mode, model.explicit_mode, np.int8)
    label = fill(-1, np.arange(n_ex, dtype=np.int32), np.int32)
    explicit_recipient = fill(-1, model.explicit_recipient, np.int32)
    raw = model.amount_median * np.exp(model.amount_spread * z.used())
    if n_ex:
        ex_amount = np.tile(model.explicit_amount, R)
        raw[ex_rows] = np.where(np.isnan(ex_amount), raw[ex_rows], ex_amount)
    amount = np.maximum(1, np.rint(raw)).astype(np.int64)
    return ChunkDraws(
        n_runs=R,
        informant_day=informant_day,
        run_start=run_start,
        day=day,
        sender=sender,
        candidates=candidates,
        amount=amount,
        mode=mode,
        label=label,
        explicit_recipient=explicit_recipient,
        uniforms=uniforms.used(),
        replacements=replacements,
        pair_reveal=pair_reveal,
    )


def sort_chunk(model: CompiledModel, cd: ChunkDraws) -> SortedDeliveries:
    """The chunk's deliveries in day order within each run, with their recipients picked.

    Within a run the order is by day, then sender, then label (generated deliveries, label -1,
    before explicit ones), ties in the order drawn: a stable sort by ``(run, day, sender)`` of the
    draw order gives exactly that, since the draw order already lists a run's generated
    deliveries by sender, then its explicit ones by label.
    """
    run = cd.run
    key = (run.astype(np.int64) * model.horizon_days + cd.day) * max(1, model.n_senders)
    order = np.argsort(key + cd.sender, kind="stable")
    sender = cd.sender[order]
    # recipients: the explicit one, or uniformly among the sender's recipients
    ptr = model.sender_recipient_indptr
    n_rec = ptr[sender + 1] - ptr[sender]
    pick = ptr[sender] + np.minimum(
        (cd.uniforms[:, COL_RECIPIENT] * n_rec).astype(np.int64), n_rec - 1
    )
    recipient = model.sender_recipient_indices[pick]
    ex_rec = cd.explicit_recipient[order]
    local = np.arange(run.size, dtype=np.int64) - cd.run_start[run]
    return SortedDeliveries(
        run=run,
        day=cd.day[order],
        sender=sender,
        recipient=np.where(ex_rec >= 0, ex_rec, recipient).astype(np.int32),
        candidates=cd.candidates[order],
        amount=cd.amount[order],
        mode=cd.mode[order],
        label=cd.label[order],
        local_index=local.astype(np.int32),
    )


def draw_run(model: CompiledModel, gen: np.random.Generator) -> RunDraws:
    """Draw everything one run needs, always in the same order (one run of :func:`draw_chunk`)."""
    cd = draw_chunk(model, [gen])
    s = sort_chunk(model, cd)
    return RunDraws(
        informant_day=cd.informant_day[0],
        day=s.day,
        sender=s.sender,
        recipient=s.recipient,
        candidates=s.candidates,
        amount=s.amount,
        mode=s.mode,
        label=s.label,
        uniforms=cd.uniforms,
        replacements=cd.replacements[0],
        pair_reveal=cd.pair_reveal[0],
    )
