"""The season engine, compiled (numba): one function per mechanism, called in the model's order.

A chunk of runs is simulated one run after another (:func:`simulate_runs`); a run is its draws
(:func:`draw_run`, the one place that fixes the order of the run's random numbers), its deliveries
put in day order, and a day loop (in :func:`simulate_runs`) that applies, each day, in this order:

1. :func:`sweep` -- couriers revealed by an earlier interrogation are arrested, and interrogated;
2. :func:`replace` -- recruits fill the courier slots vacant longest;
3. for every delivery of the day: :func:`route` (a free chain) and :func:`learn` (what the
   security service knows of it: informants on the route, overheard communities, traced relays);
4. :func:`stake_out` -- the day's stake-outs, best first, up to capacity;
5. :func:`intercept` -- every hand-over's fate (stake-out, watched home, identity, background);
6. :func:`settle` -- outcomes, arrests (one per courier), families, tracing, the hand-over
   history, money, tallies; then :func:`arrest` the day's arrested couriers: they leave their
   slots and are interrogated (:func:`interrogate`).

Hand-overs of a day are simultaneous: routes and knowledge use the state of the morning, and the
day's arrests take effect after every fate is drawn. Each delivery has a fixed block of uniforms,
one column per decision (``COL_*`` and the per-slot blocks), used or not, so a decision never
shifts another's numbers. A run's numbers come from ``SeedSequence(seed, spawn_key=(run,))``
(``_pcg``), so a run's outcome depends on ``(seed, run)`` alone, whatever the chunking or workers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numba
import numpy as np

from tipoff.engines.season import _pcg as rng
from tipoff.engines.season._state import (
    CAUSE_BACKGROUND,
    CAUSE_HARVEST,
    CAUSE_INFORMANT,
    CAUSE_INTERROGATION,
    CAUSE_TRACING,
    COUNTED_TO,
    METRICS,
    N_HIST,
    NEED,
    NEVER,
    NEXT_SWEEP,
    R_CAUSE,
    R_CHAIN,
    R_COMMUNITY,
    R_DAY,
    R_FAMILY,
    R_GENERATION,
    R_INTERCEPTED,
    R_LABEL,
    R_LOCAL,
    R_MODE,
    R_RECIPIENT,
    R_SENDER,
    SLOT_COMM,
    SLOT_INF,
    SLOT_ON_ROUTE,
    SLOT_PARTY,
    SLOT_REP,
    SLOT_TIP,
    SLOT_UNION,
    STAMP,
    M,
)
from tipoff.engines.season._tables import FIXED_COLUMNS
from tipoff.engines.season._tallies import (
    TALLY_COURIER_ARRESTS,
    TALLY_FAMILY_ARRESTS,
    TALLY_INTERCEPTIONS,
    TALLY_MONEY_LOST,
)
from tipoff.model import ADDRESS, COURIER_IDENTITY, MODE_MEETING_POINT, SCHEDULE

__all__ = ["simulate_runs"]

# Compiled code has the values of the constants it reads built in, and numba's on-disk cache
# notices changes to this file only: a change to a module it reads from (numbers, state layout,
# constants) must change this file too, or a stale cached engine would run. Hence this digest,
# checked on import: whoever changes those modules updates it here (the error says to what).
_READS = ("_pcg.py", "_state.py", "_tables.py", "_tallies.py")
_READS_DIGEST = "770288fc3e7c4c17"


def _digest() -> str:
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _READS:
        h.update((here / name).read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()[:16]


try:
    _ACTUAL_DIGEST = _digest()
except OSError:  # pragma: no cover - sources not readable (zipped install): nothing to compare
    _ACTUAL_DIGEST = _READS_DIGEST
if _ACTUAL_DIGEST != _READS_DIGEST:  # pragma: no cover - a guard for whoever edits those modules
    raise ImportError(
        f"tipoff.engines.season._kernel: {', '.join(_READS)} changed; review the engine and set "
        f"_READS_DIGEST to {_ACTUAL_DIGEST!r} in _kernel.py (this also refreshes the compiled cache)"
    )

# columns of a delivery's uniforms (then a relay, a harvest and a community block, one per slot)
COL_RECIPIENT = 0
COL_ROUTE = 1
COL_TIEBREAK = 2
COL_STAKEOUT = 3
COL_IDENTITY = 4
COL_BACKGROUND = 5
COL_FAMILY = 6
COL_TRACING = 7
COL_REVEAL = 8

_DELIVERIES = M["deliveries"]
_ATTEMPTED = M["attempted"]
_STALLED = M["stalled"]
_DELIVERED = M["delivered"]
_INTERCEPTED = M["intercepted"]
_COURIERS = M["couriers_arrested"]
_FAMILY = M["family_arrested"]
_LOST = M["money_lost"]
_MONEY_DELIVERED = M["money_delivered"]
_SWEEPS = M["sweep_arrests"]
_N_METRICS = len(METRICS)
_FIXED = FIXED_COLUMNS
njit = numba.njit(cache=True, nogil=True)
# The run loop allocates nothing (every array comes from the caller, who holds it for the call),
# so it runs without numba's reference counting: with it, each read of a state tuple's array
# costs an atomic increment and decrement, which made the engine six times slower. numba's own
# spelling of that option is private (``_nrt``); the tests would show it changing meaning.
_RUN_LOOP: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "_nrt": False,
    "error_model": "numpy",
    "no_cfunc_wrapper": True,  # (a C-callable entry point: not used, and costs compile time)
}
# The mechanisms are inlined into the run loop (numba IR): one compilation in all, not one per
# mechanism and per argument type, and no per-call passing of the state's many arrays. The day
# loop is written in the run loop itself, not in an inlined function of its own: numba copies an
# inlined function's IR once per block with its whole variable scope, so inlining a day function
# (itself made of every inlined mechanism) cost about 7 s of the cold compile (measured, see
# docs/performance.md); plain calls instead (non-inlined) pass hundreds of flattened array fields
# per call and made the engine 3-4 times slower. The state comes as small named tuples grouped
# by concern (``_tables.Tables``, ``_state.Work``, ``_state.Deliveries``), unpacked once at the
# top of the run loop, and each mechanism takes only the groups it reads: numba holds a tuple
# variable as one aggregate and loads or copies it whole on every field read and every inlined
# call, so one wide tuple per kind of state made LLVM's share of the compile grow with its width
# (see ``benchmarks/compile_scaling.py``).
mechanism = numba.njit(inline="always", nogil=True)
# Mechanisms that run on rare events (a sweep, an interrogation, a tally of an arrest) or only for
# the recorded run are compiled on their own (numba) and called: keeping them out of the run
# loop's numba IR cut the cold compile by about a fifth (21 to 17 s of CPU). They take the whole
# state (``tb``, ``w``, ``dl``) and pick their groups themselves: a call that passes every array's
# fields one by one is one LLVM inlines into the run loop, and the engine runs faster so (given
# only their groups they stayed calls, and the engine ran 8-15% slower: 26-28 against 24 us a run
# on the seed preset, alternating runs). (A mechanism called on every delivery or day compiled on
# its own made the engine 10% to 4 times slower.)
_RARE: dict[str, Any] = {
    "nogil": True,
    "_nrt": False,
    "error_model": "numpy",
    "no_cpython_wrapper": True,
    "no_cfunc_wrapper": True,
}
rare = numba.njit(**_RARE)


# ------------------------------------------------------------------------------ the run loop --


@numba.njit(**_RUN_LOOP)
def simulate_runs(
    first: int,
    first_run: int,
    entropy: Any,
    tb: Any,
    tl: Any,
    w: Any,
    dl: Any,
    out: Any,
    rec: Any,
    record_run: int,
) -> int:
    """Simulate the chunk's runs ``first..R-1`` (batch indices ``first_run + r``), each day
    mechanism by mechanism, in the model's order of events.

    Returns the first run not done: R when all are, fewer when a run does not fit the deliveries'
    buffers (its size is left in ``w.days.counter[NEED]``; the caller grows them and calls again).
    """
    sz, wl, rc, tp, rp, ig, nw, pa, ex = tb  # each mechanism takes only the groups it reads
    ps, cs, dy, cm, sc = w
    dr, kn, ft, hs = dl
    R = out.totals.shape[0]
    for r in range(first, R):
        n = draw_run(sz, wl, rc, ig, ex, ps, cs, dy, sc, dr, kn, entropy, first_run + r)
        if n > dr.day.shape[0] or (r == record_run and n > rec.ints.shape[0]):
            dy.counter[NEED] = n
            return r
        recorded = r == record_run
        sort_by_day(sz, dy, dr, kn, n)
        start_run(sz, rc, tp, ps, cs, dy, cm)
        for t in range(sz.T):  # the day loop
            if dy.counter[NEXT_SWEEP] <= t:
                sweep(tb, tl, w, dl, out, r, t)
            replace(cs, dy, t)
            lo, hi = dy.day_start[t], dy.day_start[t + 1]
            if lo == hi:
                continue
            ref = max(0, t - tp.delay)  # tips reach the service after the relay delay
            if tp.off_route:
                count_informants(dy, cm, ref)
            n_wanted = 0
            for i in range(lo, hi):
                ft.staked[i] = 0
                chain = route(nw, pa, cs, dr, kn, i)
                if chain < 0:
                    continue
                learn(sz, tp, nw, pa, ps, cm, sc, dr, kn, i, chain, ref)
                a = catch(kn.direct[i] | kn.harvest[i] | kn.traced[i], dr.mode[kn.perm[i]], rp)
                ft.a[i] = a
                if a > 0:
                    ft.wanted[n_wanted] = i
                    n_wanted += 1
                if recorded:
                    keep_tipped(tb, w, dl, rec, i)
            stake_out(rp, kn, ft, n_wanted)
            for i in range(lo, hi):
                intercept(rp, ps, dr, kn, ft, i, t)
            n_arrested = 0
            for i in range(lo, hi):
                n_arrested = settle(
                    rp, nw, pa, tl, ps, cs, dy, dr, kn, ft, hs, out, r, i, t, n_arrested
                )
                if recorded:
                    keep_delivery(tb, w, dl, rec, i, t)
            dy.daily[_DELIVERIES, t] += hi - lo
            if n_arrested:
                arrest(tb, w, dl, t, n_arrested)
        finish_run(sz, nw, ps, dy, kn, hs, out, rec, r, recorded, n)
    return R


@mechanism
def arrest(tb: Any, w: Any, dl: Any, t: int, n_arrested: int) -> None:
    """The day's arrested couriers leave their slots, and are interrogated."""
    cs, dy = w.couriers, w.days
    for k in range(n_arrested):
        c = cs.arrested[k]
        cs.free[c] = 0
        cs.vacated[c] = t
        cs.sweep[c] = NEVER
    earliest = interrogate(tb, w, dl, t, n_arrested)
    if earliest < dy.counter[NEXT_SWEEP]:
        dy.counter[NEXT_SWEEP] = earliest
    dy.daily[_COURIERS, t] += n_arrested


# ---------------------------------------------------------------------------- a run's numbers --


@mechanism
def draw_run(
    sz: Any,
    wl: Any,
    rc: Any,
    ig: Any,
    ex: Any,
    ps: Any,
    cs: Any,
    dy: Any,
    sc: Any,
    dr: Any,
    kn: Any,
    entropy: Any,
    run: int,
) -> int:
    """Draw everything run ``run`` needs, in the one fixed order of its stream; returns its
    number of deliveries (drawing stops after the counts when they do not fit ``dr``)."""
    st = sc.stream
    rng.seed_stream(st, entropy, run)
    nc = rc.coercible.shape[0]
    # 1. who is an informant from the start, 2. when the others turn (geometric days)
    rng.fill_doubles(st, sc.u0, nc)
    if rc.hazard > 0:
        for i in range(nc):
            sc.turned[i] = rng.random_geometric(st, rc.hazard, rc.log1p_neg_hazard)
    for i in range(nc):
        if sc.u0[i] < rc.coercible_rho0[i]:
            ps.informant_day[rc.coercible[i]] = 0
        elif rc.hazard > 0:
            ps.informant_day[rc.coercible[i]] = min(sc.turned[i], NEVER)
        else:
            ps.informant_day[rc.coercible[i]] = NEVER
    # 3. each sender's number of deliveries
    n_gen = 0
    if wl.lam_deliveries > 0:
        rng.fill_poisson(
            st, wl.lam_deliveries, wl.exp_neg_lam_deliveries, sc.counts, sz.n_senders, dr.raw
        )
        for s in range(sz.n_senders):
            n_gen += sc.counts[s]
    n_ex = ex.day.shape[0]
    n = n_gen + n_ex
    if n > dr.day.shape[0]:
        return n
    g = 0
    for s in range(sz.n_senders):
        for _ in range(sc.counts[s] if wl.lam_deliveries > 0 else 0):
            dr.sender[g] = s
            dr.candidates[g] = s
            dr.mode[g] = wl.handover_mode
            dr.label[g] = -1
            dr.exrec[g] = -1
            g += 1
    # 4. the generated deliveries' days
    for g in range(n_gen):
        dr.day[g] = np.int32(rng.bounded_uint32(st, np.uint64(sz.T - 1)))
    for e in range(n_ex):
        g = n_gen + e
        dr.day[g] = ex.day[e]
        dr.sender[g] = ex.sender[e]
        dr.candidates[g] = sz.n_senders + e
        dr.mode[g] = ex.mode[e]
        dr.label[g] = e
        dr.exrec[g] = ex.recipient[e]
    # 5. amounts (log-normal), 6. every delivery's block of uniforms (rows in day order)
    rng.fill_normals(st, dr.z, n, dr.raw)
    for g in range(n):
        x = wl.amount_median * np.exp(wl.amount_spread * dr.z[g])
        if g >= n_gen and not np.isnan(ex.amount[g - n_gen]):
            x = ex.amount[g - n_gen]
        dr.amount[g] = np.int64(max(1.0, np.rint(x)))
    rng.fill_doubles(st, kn.uniforms.reshape(kn.uniforms.size), n * sz.n_cols)
    # 7. recruits each day, 8. which courier names which under interrogation
    if wl.lam_replace > 0:
        rng.fill_poisson(st, wl.lam_replace, wl.exp_neg_lam_replace, dy.replacements, sz.T, dr.raw)
    else:
        dy.replacements[:] = 0
    if ig.reveal_couriers > 0:
        rng.fill_doubles(st, cs.pair_reveal, sz.n_pairs)
    return n


@mechanism
def sort_by_day(sz: Any, dy: Any, dr: Any, kn: Any, n: int) -> None:
    """``kn.perm``: the run's deliveries by day (a stable counting sort), then by sender and label
    within the day (a stable insertion sort); ``dy.day_start``: where each day begins."""
    T, ds, perm = sz.T, dy.day_start, kn.perm
    ds[: T + 1] = 0
    for d in range(n):
        ds[dr.day[d] + 1] += 1
    for t in range(T):
        ds[t + 1] += ds[t]
    for d in range(n):
        t = dr.day[d]
        perm[ds[t]] = d
        ds[t] += 1
    for t in range(T - 1, 0, -1):
        ds[t] = ds[t - 1]
    ds[0] = 0
    for t in range(T):
        for i in range(ds[t] + 1, ds[t + 1]):
            d = perm[i]
            j = i - 1
            while j >= ds[t]:
                e = perm[j]
                if dr.sender[e] > dr.sender[d] or (
                    dr.sender[e] == dr.sender[d] and dr.label[e] > dr.label[d]
                ):
                    perm[j + 1] = e
                    j -= 1
                else:
                    break
            perm[j + 1] = d


@mechanism
def start_run(sz: Any, rc: Any, tp: Any, ps: Any, cs: Any, dy: Any, cm: Any) -> None:
    """Fresh state (traced days and watches were reset where the last run set them)."""
    dy.daily[:, :] = 0
    cs.free[:] = 1
    cs.generation[:] = 0
    cs.vacated[:] = NEVER
    cs.sweep[:] = NEVER
    cs.head[:] = -1
    cs.tail[:] = -1
    cs.arrested_on[:] = -1
    dy.counter[N_HIST] = 0
    dy.counter[NEXT_SWEEP] = NEVER
    dy.counter[COUNTED_TO] = -1
    if tp.off_route:
        # community members by the day they turn informant (for the off-route counts)
        T, bs = sz.T, cm.bucket_start
        bs[:] = 0
        for k in range(rc.member_party.shape[0]):
            f = ps.informant_day[rc.member_party[k]]
            if f < T:
                bs[f + 1] += 1
        for t in range(T + 1):
            bs[t + 1] += bs[t]
        for k in range(rc.member_party.shape[0]):
            f = ps.informant_day[rc.member_party[k]]
            if f < T:
                cm.bucket_comm[bs[f]] = rc.member_comm[k]
                bs[f] += 1
        for t in range(T, 0, -1):
            bs[t] = bs[t - 1]
        bs[0] = 0
        cm.community_count[:] = 0


@mechanism
def finish_run(
    sz: Any,
    nw: Any,
    ps: Any,
    dy: Any,
    kn: Any,
    hs: Any,
    out: Any,
    rec: Any,
    r: int,
    recorded: bool,
    n: int,
) -> None:
    """The run's totals and the chunk's daily sums; reset what the run set in party state."""
    for m in range(_N_METRICS):
        total = 0
        for t in range(sz.T):
            v = dy.daily[m, t]
            total += v
            out.daily_sum[m, t] += v
            out.daily_sumsq[m, t] += v * v
        out.totals[r, m] = total
    if recorded:
        for p in range(ps.traced.shape[0]):
            rec.traced[p] = ps.traced[p]
            rec.informant[p] = ps.informant_day[p]
        rec.n[0] = n
    # watched homes are recipients of its hand-overs, traced relays the last relays of its chains
    for e in range(dy.counter[N_HIST]):
        ps.watch[hs.recipient[e]] = -1
    for i in range(n):
        if kn.chain[i] >= 0:
            ps.traced[nw.chain_last_relay[kn.chain[i]]] = NEVER


# ------------------------------------------------------------------------------ the mechanisms --


@rare
def sweep(tb: Any, tl: Any, w: Any, dl: Any, out: Any, r: int, t: int) -> None:
    """Couriers revealed by an interrogation and still free are arrested today (at home), and
    interrogated in turn."""
    pa, cs, dy = tb.parties, w.couriers, w.days
    C = cs.free.shape[0]
    n_swept = 0
    for c in range(C):
        if cs.sweep[c] == t and cs.free[c]:
            cs.arrested[n_swept] = c
            n_swept += 1
    for k in range(n_swept):
        c = cs.arrested[k]
        cs.free[c] = 0
        cs.vacated[c] = t
        cs.sweep[c] = NEVER
        home = pa.courier_home[c]
        if home >= 0:
            out.courier_places[r, home] += 1
            tally(out.tally_counts[r], tl, TALLY_COURIER_ARRESTS, t, home, home, 1)
    if n_swept:
        interrogate(tb, w, dl, t, n_swept)
        dy.daily[_COURIERS, t] += n_swept
        dy.daily[_SWEEPS, t] += n_swept
    nxt = NEVER
    for c in range(C):
        nxt = min(nxt, cs.sweep[c])
    dy.counter[NEXT_SWEEP] = nxt


@mechanism
def replace(cs: Any, dy: Any, t: int) -> None:
    """Today's recruits fill the slots vacant longest (ties: the lower slot): a new generation,
    who knows nothing of its predecessor's recipients."""
    n_new = dy.replacements[t]
    while n_new > 0:
        best = -1
        for c in range(cs.free.shape[0]):
            if not cs.free[c] and (best < 0 or cs.vacated[c] < cs.vacated[best]):
                best = c
        if best < 0:
            return
        cs.free[best] = 1
        cs.generation[best] += 1
        cs.vacated[best] = NEVER
        cs.head[best] = -1
        n_new -= 1


@mechanism
def count_informants(dy: Any, cm: Any, ref: int) -> None:
    """Community informants turned by day ``ref``, by community (for off-route overhearing)."""
    while dy.counter[COUNTED_TO] < ref:
        dy.counter[COUNTED_TO] += 1
        d = dy.counter[COUNTED_TO]
        for k in range(cm.bucket_start[d], cm.bucket_start[d + 1]):
            cm.community_count[cm.bucket_comm[k]] += 1


@mechanism
def route(nw: Any, pa: Any, cs: Any, dr: Any, kn: Any, i: int) -> int:
    """The delivery's recipient, and its chain: one of its candidates whose courier is free this
    morning, uniformly; -1 (stalled) if none is."""
    g = kn.perm[i]
    s = dr.sender[g]
    u = kn.uniforms[i]
    rec = dr.exrec[g]
    if rec < 0:
        first = pa.recipient_ptr[s]
        n_r = pa.recipient_ptr[s + 1] - first
        pick = first + min(int(u[COL_RECIPIENT] * n_r), n_r - 1)
        if pick < 0:
            pick += pa.recipient_idx.shape[0]
        rec = pa.recipient_idx[pick]
    kn.recipient[i] = rec
    row = nw.candidate_pad[dr.candidates[g]]
    n_free = 0
    for ch in row:
        if ch >= 0 and cs.free[nw.chain_courier[ch]]:
            n_free += 1
    chain = -1
    if n_free:
        k = min(int(u[COL_ROUTE] * n_free), n_free - 1)
        for ch in row:
            if ch >= 0 and cs.free[nw.chain_courier[ch]]:
                if k == 0:
                    chain = ch
                    break
                k -= 1
    kn.chain[i] = chain
    return chain


@mechanism
def learn(
    sz: Any,
    tp: Any,
    nw: Any,
    pa: Any,
    ps: Any,
    cm: Any,
    sc: Any,
    dr: Any,
    kn: Any,
    i: int,
    chain: int,
    ref: int,
) -> None:
    """What the service knows of the delivery by its day: items from informants on the route
    whose tip gets through (``direct``), overheard in their communities or by off-route members
    (``harvest``), and from traced relays (``traced``)."""
    sp = pa.sender_party[dr.sender[kn.perm[i]]]
    rec = kn.recipient[i]
    if (
        nw.chain_fast[chain]
        and pa.party_community[sp] < 0
        and pa.party_community[rec] < 0
        and not pa.party_in_slots[sp]
        and not pa.party_in_slots[rec]
        and sp != rec
    ):
        direct, harvest, traced, source = _learn_simple(
            sz, tp, nw, ps, cm, sc, kn.uniforms[i], chain, sp, rec, ref
        )
    else:
        direct, harvest, traced, source = _learn_general(
            sz, tp, nw, pa, ps, cm, sc, kn.uniforms[i], chain, sp, rec, ref
        )
    kn.direct[i] = direct
    kn.harvest[i] = harvest & ~direct
    kn.traced[i] = traced & ~(direct | harvest)
    kn.community[i] = source


@mechanism
def _learn_simple(
    sz: Any,
    tp: Any,
    nw: Any,
    ps: Any,
    cm: Any,
    sc: Any,
    u: Any,
    chain: int,
    sp: int,
    rec: int,
    ref: int,
) -> tuple[int, int, int, int]:
    """:func:`learn` when no party is in two slots and the community groups are the chain's own
    (worked out per chain beforehand): the same decisions as the general case, fewer steps."""
    S, sl = sz.n_slots, sc.slot
    relay, har, com = _FIXED, _FIXED + S, _FIXED + 2 * S
    direct = 0
    traced = 0
    harvest = 0
    source = -1
    for j in range(S):
        if j == 0:
            pj, tip = sp, tp.sender_mask
        elif j == S - 1:
            pj, tip = rec, tp.recipient_mask
        else:
            pj, tip = nw.chain_slot_party[chain, j - 1], nw.chain_slot_tip[chain, j - 1]
        sl[SLOT_PARTY, j] = pj
        sl[SLOT_INF, j] = 0
        if pj < 0:
            continue
        rep = nw.chain_rep[chain, j]
        if rep == j:
            sl[SLOT_ON_ROUTE, j] = 0
        passes = u[relay + j] < tp.relay_success
        if ps.informant_day[pj] <= ref:
            sl[SLOT_INF, j] = 1
            if rep >= 0:
                sl[SLOT_ON_ROUTE, rep] += 1
            if passes:
                direct |= tip
                # an informant whose tip gets through, overhearing its community
                if rep >= 0 and u[har + j] < tp.harvest:
                    harvest |= nw.chain_union[chain, rep]
                    if source < 0:
                        source = nw.chain_comm[chain, j]
        elif ps.traced[pj] <= ref and passes:
            traced |= tip
    if tp.off_route:
        off = 0
        off_from = -1
        for j in range(1, S - 1):
            if nw.chain_rep[chain, j] != j:
                continue
            cj = nw.chain_comm[chain, j]
            m_off = max(0, cm.community_count[cj] - sl[SLOT_ON_ROUTE, j])
            if u[com + j] < tp.p_off[m_off]:
                off |= nw.chain_union[chain, j]
                if off_from < 0:
                    off_from = cj
        if source < 0:
            source = off_from
        harvest |= off
    return direct, harvest, traced, source


@mechanism
def _learn_general(
    sz: Any,
    tp: Any,
    nw: Any,
    pa: Any,
    ps: Any,
    cm: Any,
    sc: Any,
    u: Any,
    chain: int,
    sp: int,
    rec: int,
    ref: int,
) -> tuple[int, int, int, int]:
    """:func:`learn` in general: a party in two slots is told once (the union of its items), and
    slots group by community (the sender's and recipient's too)."""
    S, sl = sz.n_slots, sc.slot
    relay, har, com = _FIXED, _FIXED + S, _FIXED + 2 * S
    party, tipm, comm, inf = sl[SLOT_PARTY], sl[SLOT_TIP], sl[SLOT_COMM], sl[SLOT_INF]
    union, reps, on_route = sl[SLOT_UNION], sl[SLOT_REP], sl[SLOT_ON_ROUTE]
    party[0], tipm[0] = sp, tp.sender_mask
    for j in range(S - 2):
        party[j + 1] = nw.chain_slot_party[chain, j]
        tipm[j + 1] = nw.chain_slot_tip[chain, j]
    party[S - 1], tipm[S - 1] = rec, tp.recipient_mask
    for j in range(1, S):
        if party[j] >= 0:
            for q in range(j):
                if party[q] == party[j]:
                    tipm[q] |= tipm[j]
                    party[j] = -1
                    tipm[j] = 0
                    break
    direct = 0
    traced = 0
    for j in range(S):
        pj = party[j]
        inf[j] = 0
        comm[j] = -1 if pj < 0 else pa.party_community[pj]
        if pj < 0:
            continue
        passes = u[relay + j] < tp.relay_success
        if ps.informant_day[pj] <= ref:
            inf[j] = 1
            if passes:
                direct |= tipm[j]
        elif ps.traced[pj] <= ref and passes:
            traced |= tipm[j]
    # community groups: each slot's first slot of its community, and for that first slot the
    # group's union of items and its informants
    for j in range(S):
        if comm[j] < 0:
            reps[j] = -1
            continue
        rep = j
        for q in range(j):
            if comm[q] == comm[j]:
                rep = q
                break
        reps[j] = rep
        if rep == j:
            union[j] = tipm[j]
            on_route[j] = inf[j]
        else:
            union[rep] |= tipm[j]
            on_route[rep] += inf[j]
    harvest = 0
    source = -1
    for j in range(S):
        # an informant whose tip gets through and who overhears its community
        if inf[j] and reps[j] >= 0 and u[relay + j] < tp.relay_success and u[har + j] < tp.harvest:
            harvest |= union[reps[j]]
            if source < 0:
                source = comm[j]
    if tp.off_route:
        # the community's informants off the route, pooled: 1 - (1 - sigma pi)^m
        off = 0
        off_from = -1
        for j in range(S):
            if reps[j] != j:
                continue
            m_off = max(0, cm.community_count[comm[j]] - on_route[j])
            if u[com + j] < tp.p_off[m_off]:
                off |= union[j]
                if off_from < 0:
                    off_from = comm[j]
        if source < 0:
            source = off_from
        harvest |= off
    return direct, harvest, traced, source


@mechanism
def catch(known: int, mode: int, rp: Any) -> float:
    """a(K): a stake-out's chance with the items ``known``, as ``tipoff.model.stakeout_catch``."""
    return _catch(known, mode, rp.catch_as, rp.catch_a, rp.mp_factor)


@njit
def _catch(known: int, mode: int, catch_as: float, catch_a: float, mp_factor: float) -> float:
    a = 0.0
    if known & ADDRESS:
        a = catch_as if known & SCHEDULE else catch_a
    return a * (mp_factor if mode == MODE_MEETING_POINT else 1.0)


@mechanism
def stake_out(rp: Any, kn: Any, ft: Any, n_wanted: int) -> None:
    """The day's stake-outs: the best a(K) first, ties by the tie-break uniform, up to capacity."""
    wanted = ft.wanted
    if rp.capacity < 0 or n_wanted <= rp.capacity:
        for k in range(n_wanted):
            ft.staked[wanted[k]] = 1
        return
    for k in range(1, n_wanted):
        i = wanted[k]
        j = k - 1
        while j >= 0:
            e = wanted[j]
            if ft.a[e] < ft.a[i] or (
                ft.a[e] == ft.a[i] and kn.uniforms[e, COL_TIEBREAK] > kn.uniforms[i, COL_TIEBREAK]
            ):
                wanted[j + 1] = e
                j -= 1
            else:
                break
        wanted[j + 1] = i
    for k in range(rp.capacity):
        ft.staked[wanted[k]] = 1


@mechanism
def intercept(rp: Any, ps: Any, dr: Any, kn: Any, ft: Any, i: int, t: int) -> None:
    """The hand-over's fate: caught by a stake-out or at a home watched this morning, else
    through the courier's identity, else by background chance; the cause is the first source
    that would have sufficed (informant, harvest, tracing; interrogation for a watched home)."""
    if kn.chain[i] < 0:
        ft.intercepted[i] = 0
        ft.handover[i] = 0
        return
    md = dr.mode[kn.perm[i]]
    u = kn.uniforms[i]
    k1 = kn.direct[i]
    k2 = k1 | kn.harvest[i]
    k3 = k2 | kn.traced[i]
    a1 = a2 = a3 = 0.0
    if ft.staked[i]:
        a1, a2, a3 = catch(k1, md, rp), catch(k2, md, rp), catch(k3, md, rp)
    watched = ps.watch[kn.recipient[i]] >= t
    aw = catch(ADDRESS | SCHEDULE, md, rp) if watched else 0.0
    us = u[COL_STAKEOUT]
    at_handover = us < max(a3, aw)
    if us < a1:
        cause = CAUSE_INFORMANT
    elif us < a2:
        cause = CAUSE_HARVEST
    elif us < a3:
        cause = CAUSE_TRACING
    else:
        cause = CAUSE_INTERROGATION
    intercepted = at_handover
    if not at_handover:
        ui = u[COL_IDENTITY]
        b1 = rp.catch_id if k1 & COURIER_IDENTITY else 0.0
        b2 = rp.catch_id if k2 & COURIER_IDENTITY else 0.0
        b3 = rp.catch_id if k3 & COURIER_IDENTITY else 0.0
        if ui < b3:
            intercepted = True
            cause = CAUSE_INFORMANT if ui < b1 else (CAUSE_HARVEST if ui < b2 else CAUSE_TRACING)
        elif u[COL_BACKGROUND] < rp.background:
            intercepted = True
            cause = CAUSE_BACKGROUND
    ft.intercepted[i] = 1 if intercepted else 0
    ft.handover[i] = 1 if at_handover else 0
    ft.cause[i] = cause if intercepted else -1


@mechanism
def settle(
    rp: Any,
    nw: Any,
    pa: Any,
    tl: Any,
    ps: Any,
    cs: Any,
    dy: Any,
    dr: Any,
    kn: Any,
    ft: Any,
    hs: Any,
    out: Any,
    r: int,
    i: int,
    t: int,
    n_arrested: int,
) -> int:
    """The hand-over's consequences: counts and money; for an interception, the courier's arrest
    (once a day, where its first interception happened: the family's town at a hand-over, else
    its own), the family's arrest at a hand-over, and tracing of the last relay; the hand-over
    joins the courier's history. Returns the day's arrests so far."""
    chain = kn.chain[i]
    g = kn.perm[i]
    if chain < 0:
        dy.daily[_STALLED, t] += 1
        return n_arrested
    dy.daily[_ATTEMPTED, t] += 1
    c = nw.chain_courier[chain]
    rec = kn.recipient[i]
    home = pa.party_home[rec]
    ft.family[i] = 0
    if ft.intercepted[i]:
        dy.daily[_INTERCEPTED, t] += 1
        dy.daily[_LOST, t] += dr.amount[g]
        out.causes[r, ft.cause[i]] += 1
        counts = out.tally_counts[r]
        tally(counts, tl, TALLY_INTERCEPTIONS, t, home, home, 1)
        tally(counts, tl, TALLY_MONEY_LOST, t, home, home, dr.amount[g])
        if cs.arrested_on[c] != t:
            cs.arrested_on[c] = t
            cs.arrested[n_arrested] = c
            n_arrested += 1
            place = home if ft.handover[i] else pa.courier_home[c]
            if place >= 0:
                out.courier_places[r, place] += 1
            tally(counts, tl, TALLY_COURIER_ARRESTS, t, place, pa.courier_home[c], 1)
        u = kn.uniforms[i]
        if ft.handover[i] and u[COL_FAMILY] < rp.family:
            ft.family[i] = 1
            dy.daily[_FAMILY, t] += 1
            if home >= 0:
                out.family_places[r, home] += 1
            tally(counts, tl, TALLY_FAMILY_ARRESTS, t, home, home, 1)
            if u[COL_TRACING] < rp.tracing:
                last = nw.chain_last_relay[chain]
                ps.traced[last] = min(ps.traced[last], t + 1)
    else:
        dy.daily[_DELIVERED, t] += 1
        dy.daily[_MONEY_DELIVERED, t] += dr.amount[g]
    # the hand-over joins the courier's history (its current generation)
    e = dy.counter[N_HIST]
    hs.recipient[e] = rec
    hs.reveal[e] = kn.uniforms[i, COL_REVEAL]
    hs.next[e] = -1
    if cs.head[c] < 0:
        cs.head[c] = e
    else:
        hs.next[cs.tail[c]] = e
    cs.tail[c] = e
    dy.counter[N_HIST] = e + 1
    return n_arrested


@rare
def interrogate(tb: Any, w: Any, dl: Any, t: int, n_arrested: int) -> int:
    """Arrested couriers reveal recipients of their hand-overs (homes watched) and other couriers
    (swept later). Returns the earliest sweep day it set (NEVER if none)."""
    ig, ps, cs, dy, hs = tb.interrogation, w.parties, w.couriers, w.days, dl.history
    earliest = NEVER
    if ig.watches:
        until = t + ig.watch_days
        for k in range(n_arrested):
            dy.counter[STAMP] += 1
            stamp = dy.counter[STAMP]
            # the courier's hand-overs of its current generation, in order: one draw per
            # recipient, the first hand-over's
            e = cs.head[cs.arrested[k]]
            while e >= 0:
                rp = hs.recipient[e]
                if ps.seen[rp] != stamp:
                    ps.seen[rp] = stamp
                    if hs.reveal[e] < ig.reveal_recipients and ps.watch[rp] < until:
                        ps.watch[rp] = until
                e = hs.next[e]
    if ig.sweeps:
        when = t + max(1, ig.sweep_delay)
        for k in range(n_arrested):
            c = cs.arrested[k]
            for q in range(ig.pair_ptr[c], ig.pair_ptr[c + 1]):
                p = ig.pair_ids[q]
                to = ig.pair_to[p]
                # only a courier still free can be swept
                if cs.pair_reveal[p] < ig.reveal_couriers and cs.free[to]:
                    cs.sweep[to] = min(cs.sweep[to], when)
                    earliest = min(earliest, when)
    return earliest


@rare
def tally(counts: Any, tl: Any, kind: int, t: int, where: int, home: int, weight: int) -> None:
    """Add ``weight`` to every tally of ``kind`` whose window holds day ``t`` and whose places
    hold the event's town (``where``, or ``home`` for a tally by home; -1: no town)."""
    for j in range(tl.kind.shape[0]):
        if tl.kind[j] != kind or t < tl.first[j] or t > tl.last[j]:
            continue
        place = home if tl.by_home[j] else where
        if place >= 0 and tl.places[j, place]:
            counts[j] += weight


# ---------------------------------------------------------------------------- the recorded run --


@rare
def keep_tipped(tb: Any, w: Any, dl: Any, rec: Any, i: int) -> None:
    """Who was told about the recorded run's delivery ``i``, and whose tip got through."""
    sz, tp, sc, kn = tb.sizes, tb.tips, w.scratch, dl.known
    for j in range(sz.n_slots):
        rec.slot_party[i, j] = sc.slot[SLOT_PARTY, j]
        rec.relayed[i, j] = (
            sc.slot[SLOT_INF, j] != 0 and kn.uniforms[i, _FIXED + j] < tp.relay_success
        )


@rare
def keep_delivery(tb: Any, w: Any, dl: Any, rec: Any, i: int, t: int) -> None:
    """The recorded run's delivery ``i`` as the defender saw it, and its truth."""
    nw, cs, dr, kn, ft = tb.network, w.couriers, dl.drawn, dl.known, dl.fates
    g = kn.perm[i]
    chain = kn.chain[i]
    row = rec.ints[i]
    row[R_DAY] = t
    row[R_SENDER] = dr.sender[g]
    row[R_RECIPIENT] = kn.recipient[i]
    row[R_LABEL] = dr.label[g]
    row[R_LOCAL] = i
    row[R_MODE] = dr.mode[g]
    row[R_CHAIN] = chain
    row[R_GENERATION] = 0
    row[R_INTERCEPTED] = 0
    row[R_CAUSE] = -1
    row[R_COMMUNITY] = -1
    row[R_FAMILY] = 0
    if chain >= 0:
        row[R_GENERATION] = cs.generation[nw.chain_courier[chain]]
        row[R_COMMUNITY] = kn.community[i]
        row[R_INTERCEPTED] = ft.intercepted[i]
        row[R_CAUSE] = ft.cause[i]
        row[R_FAMILY] = ft.family[i]
