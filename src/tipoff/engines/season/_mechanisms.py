"""One function per mechanism of docs/model.md's dynamic semantics, each acting on a whole chunk of runs.

They are called by :func:`tipoff.engines.season._simulate.simulate_day` in this order:
``sweep`` -> ``replace`` -> ``route`` -> ``knowledge`` -> ``stake_out`` -> ``intercept`` ->
``arrest`` (which calls ``interrogate``). Modelling choices docs/model.md leaves open are documented in
``docs/modelling-choices.md`` and noted where they are made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.engines.season._draws import (
    COL_BACKGROUND,
    COL_FAMILY,
    COL_IDENTITY,
    COL_REVEAL,
    COL_ROUTE,
    COL_STAKEOUT,
    COL_TIEBREAK,
    COL_TRACING,
    NEVER,
    col_community,
    col_harvest,
    col_relay,
    n_slots,
)
from tipoff.engines.season._state import (
    CAUSE_BACKGROUND,
    CAUSE_HARVEST,
    CAUSE_INFORMANT,
    CAUSE_INTERROGATION,
    CAUSE_TRACING,
    ChunkState,
    Tables,
)
from tipoff.model import CompiledModel, identity_catch, stakeout_catch

__all__ = [
    "Knowledge",
    "arrest",
    "intercept",
    "interrogate",
    "knowledge",
    "replace",
    "route",
    "stake_out",
    "sweep",
]

I32 = np.ndarray  # int32 arrays (numpy dtype typing is too narrow for index arithmetic)
B = np.ndarray  # bool arrays


def interrogate(model: CompiledModel, st: ChunkState, runs: I32, couriers: I32, t: int) -> None:
    """Arrested couriers reveal past recipients (homes watched) and couriers they know (swept).

    A courier reveals each recipient it handed over to this season (its current generation only)
    with probability ``interrogation.recipients``, once per recipient however many hand-overs;
    revealed homes are watched through day ``t + watch_days``. It reveals each courier sharing a
    relay with it with probability ``interrogation.couriers``; those still free are arrested on
    day ``t + max(1, sweep_delay_days)``.
    """
    op = model.operation
    if runs.size == 0:
        return
    n_c = model.n_couriers
    if op.reveal_recipients > 0 and op.watch_days > 0 and st.history.size:
        h_run, h_gen, h_recipient, h_key, h_reveal = st.history.view()
        arrested = np.zeros(st.courier_free.size, dtype=np.bool_)
        arrested[runs.astype(np.int64) * n_c + couriers] = True
        served = np.flatnonzero(arrested[h_key])
        # only the arrested courier's own hand-overs (its slot's current generation)
        served = served[h_gen[served] == st.courier_generation.ravel()[h_key[served]]]
        # one draw per (courier, recipient), however many hand-overs: the first one's uniform
        pair = h_key[served] * model.n_parties + h_recipient[served]
        _, first = np.unique(pair, return_index=True)
        hit = served[first][h_reveal[served[first]] < op.reveal_recipients]
        if hit.size:
            np.maximum.at(st.watch_until, (h_run[hit], h_recipient[hit]), t + op.watch_days)
    if op.reveal_couriers > 0 and st.pair_reveal.shape[1]:
        arrested = np.zeros((st.courier_free.shape[0], n_c), dtype=np.bool_)
        arrested[runs, couriers] = True
        tables_from = model.courier_pairs[:, 0]
        tables_to = model.courier_pairs[:, 1]
        # only a courier still free can be swept: one already in custody was named too late, and
        # its slot's next recruit is a new person whom nobody named
        free_to = st.courier_free[:, tables_to]
        hit = arrested[:, tables_from] & (st.pair_reveal < op.reveal_couriers) & free_to
        r, p = np.nonzero(hit)
        if r.size:
            when = t + max(1, op.sweep_delay_days)
            np.minimum.at(st.sweep_day, (r, tables_to[p]), when)


def _vacate(model: CompiledModel, st: ChunkState, runs: I32, couriers: I32, t: int) -> None:
    st.courier_free[runs, couriers] = False
    st.vacated_day[runs, couriers] = t
    st.sweep_day[runs, couriers] = NEVER


def sweep(model: CompiledModel, st: ChunkState, tables: Tables, t: int) -> tuple[I32, I32]:
    """Arrest the revealed couriers whose sweep is due today (if still free); interrogate them."""
    due = (st.sweep_day == t) & st.courier_free
    runs, couriers = np.nonzero(due)
    runs, couriers = runs.astype(np.int32), couriers.astype(np.int32)
    st.sweep_day[due] = NEVER
    if runs.size:
        _vacate(model, st, runs, couriers, t)
        home = tables.courier_home[couriers]
        ok = home >= 0
        np.add.at(st.courier_arrests_by_place, (runs[ok], home[ok]), 1)
        interrogate(model, st, runs, couriers, t)
    return runs, couriers


def replace(model: CompiledModel, st: ChunkState, t: int) -> None:
    """Recruited couriers fill the longest-vacant slots (a new generation: a new pseudonym)."""
    n_new = st.replacements[:, t]
    rows = np.flatnonzero(n_new)
    if rows.size == 0:
        return
    vacant_since = np.where(st.courier_free[rows], NEVER, st.vacated_day[rows])
    order = np.argsort(vacant_since, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    fill = (rank < n_new[rows, None]) & ~st.courier_free[rows]
    r, c = np.nonzero(fill)
    r = rows[r]
    st.courier_free[r, c] = True
    st.courier_generation[r, c] += 1
    st.vacated_day[r, c] = NEVER


def route(model: CompiledModel, st: ChunkState, tables: Tables, sl: slice) -> tuple[I32, B]:
    """Pick each delivery's chain uniformly among those whose courier is still free.

    Re-routing around arrested couriers is implicit: only free couriers are candidates. A delivery
    with none is *stalled* (not attempted).
    """
    cand = tables.candidate_pad[st.candidates[sl]]
    valid = cand >= 0
    courier = model.chain_courier[np.where(valid, cand, 0)]
    free = valid & st.courier_free[st.run[sl][:, None], courier]
    n_free = free.sum(axis=1)
    k = np.minimum(
        (st.uniforms[sl, COL_ROUTE] * n_free).astype(np.int64), np.maximum(n_free - 1, 0)
    )
    position = np.argmax(np.cumsum(free, axis=1) > k[:, None], axis=1)
    chain = cand[np.arange(cand.shape[0]), position]
    stalled = n_free == 0
    return np.where(stalled, -1, chain).astype(np.int32), stalled


@dataclass(frozen=True, slots=True)
class Knowledge:
    """What reached the service about each delivery, split by source (item bit masks)."""

    direct: npt.NDArray[np.uint8]  # informants' own disclosures
    harvest: npt.NDArray[np.uint8]  # learned through community harvest
    traced: npt.NDArray[np.uint8]  # from traced relays
    slot_party: I32  # (n, S) parties told something about the delivery
    relayed: B  # (n, S) slot is an informant whose tip reached the service
    harvested_from: I32  # community whose harvest contributed (first), -1 none

    @property
    def known(self) -> npt.NDArray[np.uint8]:
        return self.direct | self.harvest | self.traced


def knowledge(
    model: CompiledModel, st: ChunkState, tables: Tables, sl: slice, chain: I32, t: int
) -> Knowledge:
    """K for each delivery: the union of what informants (and traced relays) passed on in time.

    A party counts as an informant for a delivery handed over on day ``t`` when it was turned by
    day ``max(0, t - delay_days)``, and passes on only items told at least ``delay_days`` ahead
    (docs/model.md's static semantics, step by step). An informant overhears its community with
    probability ``harvest.community`` and passes on what it knows with probability
    ``relay.success``. Off-route informants of a community are pooled: at least one of ``m``
    succeeds with probability ``1 - (1 - sigma*pi)^m``, which has the same law. Traced relays
    report their own disclosures like informants but do not overhear.
    """
    op = model.operation
    n = chain.size
    S = n_slots(model)
    run = st.run[sl]
    ok = chain >= 0
    c = np.where(ok, chain, 0)
    party = np.empty((n, S), dtype=np.int32)
    tip = np.empty((n, S), dtype=np.uint8)
    party[:, 0] = model.sender_party[st.sender[sl]]
    party[:, 1:-1] = model.chain_slot_party[c]
    party[:, -1] = st.recipient[sl]
    tip[:, 0] = model.sender_mask_tip
    tip[:, 1:-1] = model.chain_slot_tip[c]
    tip[:, -1] = model.recipient_mask_tip
    tip[~ok] = 0
    # a party told in two slots (the protocol names the delivery's own sender or recipient by id)
    # is one party: merge its masks into the first slot, so it gets one draw (docs/model.md)
    for j in range(1, S):
        dup = (party[:, :j] == party[:, j : j + 1]) & (party[:, j : j + 1] >= 0)
        if dup.any():
            rows, first = np.nonzero(dup)
            tip[rows, first] |= tip[rows, j]
            party[rows, j] = -1
            tip[rows, j] = 0
    present = party >= 0
    p = np.where(present, party, 0)
    ref = max(0, t - op.delay_days)
    informant = present & (st.informant_day[run[:, None], p] <= ref)
    traced = present & ~informant & (st.traced_day[run[:, None], p] <= ref)
    u = st.uniforms[sl]
    passes = u[:, col_relay(model) : col_relay(model) + S] < op.relay_success
    overhears = u[:, col_harvest(model) : col_harvest(model) + S] < op.harvest

    comm = np.where(present, model.party_community[p], -1)
    same = (comm[:, :, None] == comm[:, None, :]) & (comm[:, :, None] >= 0)
    union = np.bitwise_or.reduce(np.where(same, tip[:, None, :], 0), axis=2).astype(np.uint8)

    relayed = informant & passes
    direct = np.bitwise_or.reduce(np.where(relayed, tip, 0), axis=1).astype(np.uint8)
    on_harvest = relayed & overhears & (comm >= 0)
    harvest = np.bitwise_or.reduce(np.where(on_harvest, union, 0), axis=1).astype(np.uint8)
    harvested_from = np.where(on_harvest.any(axis=1), comm[np.arange(n), on_harvest.argmax(1)], -1)

    if op.harvest > 0 and op.relay_success > 0 and tables.community_members.size:
        # informants of each community today, per run (true informants only)
        active = st.informant_day[:, tables.community_members] <= ref
        counts = np.zeros((st.informant_day.shape[0], model.n_communities), dtype=np.int64)
        counts[:, tables.community_ids] = np.add.reduceat(active, tables.community_starts, axis=1)
        first = np.ones_like(present)
        for j in range(1, S):
            first[:, j] = ~(same[:, j, :j]).any(axis=1)
        rep = present & (comm >= 0) & first
        on_route = (same & informant[:, None, :]).sum(axis=2)
        m_off = np.where(rep, counts[run[:, None], np.maximum(comm, 0)] - on_route, 0)
        p_off = 1.0 - (1.0 - op.harvest * op.relay_success) ** np.maximum(m_off, 0)
        hit = rep & (u[:, col_community(model) : col_community(model) + S] < p_off)
        off = np.bitwise_or.reduce(np.where(hit, union, 0), axis=1).astype(np.uint8)
        harvested_from = np.where(
            (harvested_from < 0) & hit.any(axis=1),
            comm[np.arange(n), hit.argmax(1)],
            harvested_from,
        )
        harvest = harvest | off

    traced_mask = np.bitwise_or.reduce(np.where(traced & passes, tip, 0), axis=1).astype(np.uint8)
    return Knowledge(
        direct=direct,
        harvest=harvest & ~direct,
        traced=traced_mask & ~(direct | harvest),
        slot_party=party,
        relayed=relayed,
        harvested_from=harvested_from.astype(np.int32),
    )


def stake_out(
    model: CompiledModel, st: ChunkState, sl: slice, known: npt.NDArray[np.uint8], stalled: B
) -> B:
    """Which deliveries get a stake-out: those with a positive catch, best first, up to capacity.

    The service ranks each run's tipped deliveries of the day by their stake-out catch a(K) (ties
    broken at random) and staffs the first ``capacity_per_day``.
    """
    a = stakeout_catch(model.operation, known, st.mode[sl])
    wanted = (a > 0) & ~stalled
    cap = model.operation.capacity_per_day
    if cap < 0 or not wanted.any():
        return wanted
    run = st.run[sl]
    order = np.lexsort((st.uniforms[sl, COL_TIEBREAK], -a, ~wanted, run))
    rank = np.empty(order.size, dtype=np.int64)
    sorted_run = run[order]
    starts = np.searchsorted(sorted_run, sorted_run, side="left")
    rank[order] = np.arange(order.size) - starts
    return wanted & (rank < cap)


def intercept(
    model: CompiledModel,
    st: ChunkState,
    sl: slice,
    k: Knowledge,
    staked: B,
    stalled: B,
    t: int,
) -> tuple[B, I32, B]:
    """Draw each hand-over's fate: (intercepted, cause, caught at the hand-over).

    P(intercepted) = 1 - (1 - eps)(1 - a)(1 - b): a is the stake-out catch (if staffed) or the
    watched-home catch, b the courier-identity catch, eps the background. The cause is the
    smallest source of knowledge that explains the catch with the same uniform: informants' own
    tips, then community harvest, then traced relays; a watched home is interrogation.
    """
    op = model.operation
    u = st.uniforms[sl]
    mode = st.mode[sl]
    run = st.run[sl]
    k1 = k.direct
    k2 = k1 | k.harvest
    k3 = k2 | k.traced
    a1 = np.where(staked, stakeout_catch(op, k1, mode), 0.0)
    a2 = np.where(staked, stakeout_catch(op, k2, mode), 0.0)
    a3 = np.where(staked, stakeout_catch(op, k3, mode), 0.0)
    watched = st.watch_until[run, st.recipient[sl]] >= t
    aw = np.where(watched, stakeout_catch(op, np.full(mode.shape, 0xFF, np.uint8), mode), 0.0)
    us = u[:, COL_STAKEOUT]
    at_handover = us < np.maximum(a3, aw)
    cause = np.select(
        [us < a1, us < a2, us < a3],
        [CAUSE_INFORMANT, CAUSE_HARVEST, CAUSE_TRACING],
        CAUSE_INTERROGATION,
    )
    ui = u[:, COL_IDENTITY]
    b1, b2, b3 = identity_catch(op, k1), identity_catch(op, k2), identity_catch(op, k3)
    by_identity = ~at_handover & (ui < b3)
    id_cause = np.select([ui < b1, ui < b2], [CAUSE_INFORMANT, CAUSE_HARVEST], CAUSE_TRACING)
    cause = np.where(by_identity, id_cause, cause)
    background = ~at_handover & ~by_identity & (u[:, COL_BACKGROUND] < op.background)
    cause = np.where(background, CAUSE_BACKGROUND, cause)
    intercepted = (at_handover | by_identity | background) & ~stalled
    return intercepted, np.where(intercepted, cause, -1).astype(np.int32), at_handover & ~stalled


def arrest(
    model: CompiledModel,
    st: ChunkState,
    tables: Tables,
    sl: slice,
    chain: I32,
    intercepted: B,
    at_handover: B,
    t: int,
) -> tuple[I32, I32, B]:
    """Arrest couriers of intercepted deliveries, families at the hand-over; trace; interrogate.

    Returns the (run, courier) pairs arrested and which deliveries' families were arrested. The
    family member is arrested with probability ``family_arrest`` only when the courier was caught
    at the hand-over; an arrested family member reveals the last relay of the path (the one that
    paid the courier) with probability ``tracing``; that relay counts as traced from ``t + 1``.
    """
    op = model.operation
    u = st.uniforms[sl]
    run = st.run[sl]
    c = np.where(chain >= 0, chain, 0)
    courier = model.chain_courier[c]
    family = intercepted & at_handover & (u[:, COL_FAMILY] < op.family_arrest)
    rec_home = model.party_home[st.recipient[sl]]
    place = np.where(at_handover, rec_home, tables.courier_home[courier])
    caught = np.flatnonzero(intercepted)
    pairs, first = np.unique(
        run[caught].astype(np.int64) * model.n_couriers + courier[caught], return_index=True
    )
    # a courier caught at several hand-overs of one day is one arrest, at its first one's place
    once = caught[first]
    once = once[place[once] >= 0]
    np.add.at(st.courier_arrests_by_place, (run[once], place[once]), 1)
    okf = family & (rec_home >= 0)
    np.add.at(st.family_arrests_by_place, (run[okf], rec_home[okf]), 1)
    traced = family & (u[:, COL_TRACING] < op.tracing)
    if traced.any():
        hops = (model.chain_relays[c[traced]] >= 0).sum(axis=1)
        last = model.chain_relays[c[traced], hops - 1]
        np.minimum.at(st.traced_day, (run[traced], last), t + 1)

    runs = (pairs // model.n_couriers).astype(np.int32)
    couriers = (pairs % model.n_couriers).astype(np.int32)
    attempted = chain >= 0
    a_run, a_courier = run[attempted], courier[attempted]
    st.history.append(
        a_run,
        st.courier_generation[a_run, a_courier],
        st.recipient[sl][attempted],
        a_run.astype(np.int64) * model.n_couriers + a_courier,
        u[attempted, COL_REVEAL],
    )
    if runs.size:
        _vacate(model, st, runs, couriers, t)
        interrogate(model, st, runs, couriers, t)
    return runs, couriers, family
