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
_READS_DIGEST = "2624eb652aed0aee"


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
# per call and made the engine 3-4 times slower.
mechanism = numba.njit(inline="always", nogil=True)
# Mechanisms that run on rare events (a sweep, an interrogation, a tally of an arrest) or only for
# the recorded run are compiled on their own and called: LLVM's time grows faster than the size
# of the function it optimises, so keeping them out of the run loop cut the cold compile by about
# a fifth (21 to 17 s of CPU), and the smaller loop even runs a little faster; their calls pass
# the state tuples' fields one by one, a cost paid only when such an event happens. (The same for
# a mechanism called on every delivery or day made the engine 10% to 4 times slower.)
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
    buffers (its size is left in ``w.counter[NEED]``; the caller grows them and calls again).
    """
    R = out.totals.shape[0]
    for r in range(first, R):
        n = draw_run(tb, w, dl, entropy, first_run + r)
        if n > dl.day.shape[0] or (r == record_run and n > rec.ints.shape[0]):
            w.counter[NEED] = n
            return r
        recorded = r == record_run
        sort_by_day(tb, w, dl, n)
        start_run(tb, w)
        for t in range(tb.T):  # the day loop
            if w.counter[NEXT_SWEEP] <= t:
                sweep(tb, tl, w, dl, out, r, t)
            replace(w, t)
            lo, hi = w.day_start[t], w.day_start[t + 1]
            if lo == hi:
                continue
            ref = max(0, t - tb.delay)  # tips reach the service after the relay delay
            if tb.off_route:
                count_informants(tb, w, ref)
            n_wanted = 0
            for i in range(lo, hi):
                dl.staked[i] = 0
                chain = route(tb, w, dl, i)
                if chain < 0:
                    continue
                learn(tb, w, dl, i, chain, ref)
                a = catch(dl.direct[i] | dl.harvest[i] | dl.traced[i], dl.mode[dl.perm[i]], tb)
                dl.a[i] = a
                if a > 0:
                    dl.wanted[n_wanted] = i
                    n_wanted += 1
                if recorded:
                    keep_tipped(tb, w, dl, rec, i)
            stake_out(tb, dl, n_wanted)
            for i in range(lo, hi):
                intercept(tb, w, dl, i, t)
            n_arrested = 0
            for i in range(lo, hi):
                n_arrested = settle(tb, tl, w, dl, out, r, i, t, n_arrested)
                if recorded:
                    keep_delivery(tb, w, dl, rec, i, t)
            w.daily[_DELIVERIES, t] += hi - lo
            if n_arrested:
                arrest(tb, w, dl, t, n_arrested)
        finish_run(tb, w, dl, out, rec, r, recorded, n)
    return R


@mechanism
def arrest(tb: Any, w: Any, dl: Any, t: int, n_arrested: int) -> None:
    """The day's arrested couriers leave their slots, and are interrogated."""
    for k in range(n_arrested):
        c = w.arrested[k]
        w.free[c] = 0
        w.vacated[c] = t
        w.sweep[c] = NEVER
    earliest = interrogate(tb, w, dl, t, n_arrested)
    if earliest < w.counter[NEXT_SWEEP]:
        w.counter[NEXT_SWEEP] = earliest
    w.daily[_COURIERS, t] += n_arrested


# ---------------------------------------------------------------------------- a run's numbers --


@mechanism
def draw_run(tb: Any, w: Any, dl: Any, entropy: Any, run: int) -> int:
    """Draw everything run ``run`` needs, in the one fixed order of its stream; returns its
    number of deliveries (drawing stops after the counts when they do not fit ``dl``)."""
    st = w.stream
    rng.seed_stream(st, entropy, run)
    nc = tb.coercible.shape[0]
    # 1. who is an informant from the start, 2. when the others turn (geometric days)
    rng.fill_doubles(st, w.u0, nc)
    if tb.hazard > 0:
        for i in range(nc):
            w.turned[i] = rng.random_geometric(st, tb.hazard, tb.log1p_neg_hazard)
    for i in range(nc):
        if w.u0[i] < tb.coercible_rho0[i]:
            w.informant_day[tb.coercible[i]] = 0
        elif tb.hazard > 0:
            w.informant_day[tb.coercible[i]] = min(w.turned[i], NEVER)
        else:
            w.informant_day[tb.coercible[i]] = NEVER
    # 3. each sender's number of deliveries
    n_gen = 0
    if tb.lam_deliveries > 0:
        rng.fill_poisson(
            st, tb.lam_deliveries, tb.exp_neg_lam_deliveries, w.counts, tb.n_senders, dl.raw
        )
        for s in range(tb.n_senders):
            n_gen += w.counts[s]
    n_ex = tb.explicit_day.shape[0]
    n = n_gen + n_ex
    if n > dl.day.shape[0]:
        return n
    g = 0
    for s in range(tb.n_senders):
        for _ in range(w.counts[s] if tb.lam_deliveries > 0 else 0):
            dl.sender[g] = s
            dl.candidates[g] = s
            dl.mode[g] = tb.handover_mode
            dl.label[g] = -1
            dl.exrec[g] = -1
            g += 1
    # 4. the generated deliveries' days
    for g in range(n_gen):
        dl.day[g] = np.int32(rng.bounded_uint32(st, np.uint64(tb.T - 1)))
    for e in range(n_ex):
        g = n_gen + e
        dl.day[g] = tb.explicit_day[e]
        dl.sender[g] = tb.explicit_sender[e]
        dl.candidates[g] = tb.n_senders + e
        dl.mode[g] = tb.explicit_mode[e]
        dl.label[g] = e
        dl.exrec[g] = tb.explicit_recipient[e]
    # 5. amounts (log-normal), 6. every delivery's block of uniforms (rows in day order)
    rng.fill_normals(st, dl.z, n, dl.raw)
    for g in range(n):
        x = tb.amount_median * np.exp(tb.amount_spread * dl.z[g])
        if g >= n_gen and not np.isnan(tb.explicit_amount[g - n_gen]):
            x = tb.explicit_amount[g - n_gen]
        dl.amount[g] = np.int64(max(1.0, np.rint(x)))
    rng.fill_doubles(st, dl.uniforms.reshape(dl.uniforms.size), n * tb.n_cols)
    # 7. recruits each day, 8. which courier names which under interrogation
    if tb.lam_replace > 0:
        rng.fill_poisson(st, tb.lam_replace, tb.exp_neg_lam_replace, w.replacements, tb.T, dl.raw)
    else:
        w.replacements[:] = 0
    if tb.reveal_couriers > 0:
        rng.fill_doubles(st, w.pair_reveal, tb.n_pairs)
    return n


@mechanism
def sort_by_day(tb: Any, w: Any, dl: Any, n: int) -> None:
    """``dl.perm``: the run's deliveries by day (a stable counting sort), then by sender and label
    within the day (a stable insertion sort); ``w.day_start``: where each day begins."""
    T, ds, perm = tb.T, w.day_start, dl.perm
    ds[: T + 1] = 0
    for d in range(n):
        ds[dl.day[d] + 1] += 1
    for t in range(T):
        ds[t + 1] += ds[t]
    for d in range(n):
        t = dl.day[d]
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
                if dl.sender[e] > dl.sender[d] or (
                    dl.sender[e] == dl.sender[d] and dl.label[e] > dl.label[d]
                ):
                    perm[j + 1] = e
                    j -= 1
                else:
                    break
            perm[j + 1] = d


@mechanism
def start_run(tb: Any, w: Any) -> None:
    """Fresh state (traced days and watches were reset where the last run set them)."""
    w.daily[:, :] = 0
    w.free[:] = 1
    w.generation[:] = 0
    w.vacated[:] = NEVER
    w.sweep[:] = NEVER
    w.head[:] = -1
    w.tail[:] = -1
    w.arrested_on[:] = -1
    w.counter[N_HIST] = 0
    w.counter[NEXT_SWEEP] = NEVER
    w.counter[COUNTED_TO] = -1
    if tb.off_route:
        # community members by the day they turn informant (for the off-route counts)
        T, bs = tb.T, w.bucket_start
        bs[:] = 0
        for k in range(tb.member_party.shape[0]):
            f = w.informant_day[tb.member_party[k]]
            if f < T:
                bs[f + 1] += 1
        for t in range(T + 1):
            bs[t + 1] += bs[t]
        for k in range(tb.member_party.shape[0]):
            f = w.informant_day[tb.member_party[k]]
            if f < T:
                w.bucket_comm[bs[f]] = tb.member_comm[k]
                bs[f] += 1
        for t in range(T, 0, -1):
            bs[t] = bs[t - 1]
        bs[0] = 0
        w.community_count[:] = 0


@mechanism
def finish_run(
    tb: Any, w: Any, dl: Any, out: Any, rec: Any, r: int, recorded: bool, n: int
) -> None:
    """The run's totals and the chunk's daily sums; reset what the run set in party state."""
    for m in range(_N_METRICS):
        total = 0
        for t in range(tb.T):
            v = w.daily[m, t]
            total += v
            out.daily_sum[m, t] += v
            out.daily_sumsq[m, t] += v * v
        out.totals[r, m] = total
    if recorded:
        for p in range(w.traced.shape[0]):
            rec.traced[p] = w.traced[p]
            rec.informant[p] = w.informant_day[p]
        rec.n[0] = n
    # watched homes are recipients of its hand-overs, traced relays the last relays of its chains
    for e in range(w.counter[N_HIST]):
        w.watch[dl.h_recipient[e]] = -1
    for i in range(n):
        if dl.chain[i] >= 0:
            w.traced[tb.chain_last_relay[dl.chain[i]]] = NEVER


# ------------------------------------------------------------------------------ the mechanisms --


@rare
def sweep(tb: Any, tl: Any, w: Any, dl: Any, out: Any, r: int, t: int) -> None:
    """Couriers revealed by an interrogation and still free are arrested today (at home), and
    interrogated in turn."""
    C = w.free.shape[0]
    n_swept = 0
    for c in range(C):
        if w.sweep[c] == t and w.free[c]:
            w.arrested[n_swept] = c
            n_swept += 1
    for k in range(n_swept):
        c = w.arrested[k]
        w.free[c] = 0
        w.vacated[c] = t
        w.sweep[c] = NEVER
        home = tb.courier_home[c]
        if home >= 0:
            out.courier_places[r, home] += 1
            tally(out.tally_counts[r], tl, TALLY_COURIER_ARRESTS, t, home, home, 1)
    if n_swept:
        interrogate(tb, w, dl, t, n_swept)
        w.daily[_COURIERS, t] += n_swept
        w.daily[_SWEEPS, t] += n_swept
    nxt = NEVER
    for c in range(C):
        nxt = min(nxt, w.sweep[c])
    w.counter[NEXT_SWEEP] = nxt


@mechanism
def replace(w: Any, t: int) -> None:
    """Today's recruits fill the slots vacant longest (ties: the lower slot): a new generation,
    who knows nothing of its predecessor's recipients."""
    n_new = w.replacements[t]
    while n_new > 0:
        best = -1
        for c in range(w.free.shape[0]):
            if not w.free[c] and (best < 0 or w.vacated[c] < w.vacated[best]):
                best = c
        if best < 0:
            return
        w.free[best] = 1
        w.generation[best] += 1
        w.vacated[best] = NEVER
        w.head[best] = -1
        n_new -= 1


@mechanism
def count_informants(tb: Any, w: Any, ref: int) -> None:
    """Community informants turned by day ``ref``, by community (for off-route overhearing)."""
    while w.counter[COUNTED_TO] < ref:
        w.counter[COUNTED_TO] += 1
        d = w.counter[COUNTED_TO]
        for k in range(w.bucket_start[d], w.bucket_start[d + 1]):
            w.community_count[w.bucket_comm[k]] += 1


@mechanism
def route(tb: Any, w: Any, dl: Any, i: int) -> int:
    """The delivery's recipient, and its chain: one of its candidates whose courier is free this
    morning, uniformly; -1 (stalled) if none is."""
    g = dl.perm[i]
    s = dl.sender[g]
    u = dl.uniforms[i]
    rec = dl.exrec[g]
    if rec < 0:
        first = tb.recipient_ptr[s]
        n_r = tb.recipient_ptr[s + 1] - first
        pick = first + min(int(u[COL_RECIPIENT] * n_r), n_r - 1)
        if pick < 0:
            pick += tb.recipient_idx.shape[0]
        rec = tb.recipient_idx[pick]
    dl.recipient[i] = rec
    row = tb.candidate_pad[dl.candidates[g]]
    n_free = 0
    for ch in row:
        if ch >= 0 and w.free[tb.chain_courier[ch]]:
            n_free += 1
    chain = -1
    if n_free:
        k = min(int(u[COL_ROUTE] * n_free), n_free - 1)
        for ch in row:
            if ch >= 0 and w.free[tb.chain_courier[ch]]:
                if k == 0:
                    chain = ch
                    break
                k -= 1
    dl.chain[i] = chain
    return chain


@mechanism
def learn(tb: Any, w: Any, dl: Any, i: int, chain: int, ref: int) -> None:
    """What the service knows of the delivery by its day: items from informants on the route
    whose tip gets through (``direct``), overheard in their communities or by off-route members
    (``harvest``), and from traced relays (``traced``)."""
    sp = tb.sender_party[dl.sender[dl.perm[i]]]
    rec = dl.recipient[i]
    if (
        tb.chain_fast[chain]
        and tb.party_community[sp] < 0
        and tb.party_community[rec] < 0
        and not tb.party_in_slots[sp]
        and not tb.party_in_slots[rec]
        and sp != rec
    ):
        direct, harvest, traced, source = _learn_simple(tb, w, dl.uniforms[i], chain, sp, rec, ref)
    else:
        direct, harvest, traced, source = _learn_general(tb, w, dl.uniforms[i], chain, sp, rec, ref)
    dl.direct[i] = direct
    dl.harvest[i] = harvest & ~direct
    dl.traced[i] = traced & ~(direct | harvest)
    dl.community[i] = source


@mechanism
def _learn_simple(
    tb: Any, w: Any, u: Any, chain: int, sp: int, rec: int, ref: int
) -> tuple[int, int, int, int]:
    """:func:`learn` when no party is in two slots and the community groups are the chain's own
    (worked out per chain beforehand): the same decisions as the general case, fewer steps."""
    S, sl = tb.n_slots, w.slot
    relay, har, com = _FIXED, _FIXED + S, _FIXED + 2 * S
    direct = 0
    traced = 0
    harvest = 0
    source = -1
    for j in range(S):
        if j == 0:
            pj, tip = sp, tb.sender_mask
        elif j == S - 1:
            pj, tip = rec, tb.recipient_mask
        else:
            pj, tip = tb.chain_slot_party[chain, j - 1], tb.chain_slot_tip[chain, j - 1]
        sl[SLOT_PARTY, j] = pj
        sl[SLOT_INF, j] = 0
        if pj < 0:
            continue
        rep = tb.chain_rep[chain, j]
        if rep == j:
            sl[SLOT_ON_ROUTE, j] = 0
        passes = u[relay + j] < tb.relay_success
        if w.informant_day[pj] <= ref:
            sl[SLOT_INF, j] = 1
            if rep >= 0:
                sl[SLOT_ON_ROUTE, rep] += 1
            if passes:
                direct |= tip
                # an informant whose tip gets through, overhearing its community
                if rep >= 0 and u[har + j] < tb.harvest:
                    harvest |= tb.chain_union[chain, rep]
                    if source < 0:
                        source = tb.chain_comm[chain, j]
        elif w.traced[pj] <= ref and passes:
            traced |= tip
    if tb.off_route:
        off = 0
        off_from = -1
        for j in range(1, S - 1):
            if tb.chain_rep[chain, j] != j:
                continue
            cj = tb.chain_comm[chain, j]
            m_off = max(0, w.community_count[cj] - sl[SLOT_ON_ROUTE, j])
            if u[com + j] < tb.p_off[m_off]:
                off |= tb.chain_union[chain, j]
                if off_from < 0:
                    off_from = cj
        if source < 0:
            source = off_from
        harvest |= off
    return direct, harvest, traced, source


@mechanism
def _learn_general(
    tb: Any, w: Any, u: Any, chain: int, sp: int, rec: int, ref: int
) -> tuple[int, int, int, int]:
    """:func:`learn` in general: a party in two slots is told once (the union of its items), and
    slots group by community (the sender's and recipient's too)."""
    S, sl = tb.n_slots, w.slot
    relay, har, com = _FIXED, _FIXED + S, _FIXED + 2 * S
    party, tipm, comm, inf = sl[SLOT_PARTY], sl[SLOT_TIP], sl[SLOT_COMM], sl[SLOT_INF]
    union, reps, on_route = sl[SLOT_UNION], sl[SLOT_REP], sl[SLOT_ON_ROUTE]
    party[0], tipm[0] = sp, tb.sender_mask
    for j in range(S - 2):
        party[j + 1] = tb.chain_slot_party[chain, j]
        tipm[j + 1] = tb.chain_slot_tip[chain, j]
    party[S - 1], tipm[S - 1] = rec, tb.recipient_mask
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
        comm[j] = -1 if pj < 0 else tb.party_community[pj]
        if pj < 0:
            continue
        passes = u[relay + j] < tb.relay_success
        if w.informant_day[pj] <= ref:
            inf[j] = 1
            if passes:
                direct |= tipm[j]
        elif w.traced[pj] <= ref and passes:
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
        if inf[j] and reps[j] >= 0 and u[relay + j] < tb.relay_success and u[har + j] < tb.harvest:
            harvest |= union[reps[j]]
            if source < 0:
                source = comm[j]
    if tb.off_route:
        # the community's informants off the route, pooled: 1 - (1 - sigma pi)^m
        off = 0
        off_from = -1
        for j in range(S):
            if reps[j] != j:
                continue
            m_off = max(0, w.community_count[comm[j]] - on_route[j])
            if u[com + j] < tb.p_off[m_off]:
                off |= union[j]
                if off_from < 0:
                    off_from = comm[j]
        if source < 0:
            source = off_from
        harvest |= off
    return direct, harvest, traced, source


@mechanism
def catch(known: int, mode: int, tb: Any) -> float:
    """a(K): a stake-out's chance with the items ``known``, as ``tipoff.model.stakeout_catch``."""
    return _catch(known, mode, tb.catch_as, tb.catch_a, tb.mp_factor)


@njit
def _catch(known: int, mode: int, catch_as: float, catch_a: float, mp_factor: float) -> float:
    a = 0.0
    if known & ADDRESS:
        a = catch_as if known & SCHEDULE else catch_a
    return a * (mp_factor if mode == MODE_MEETING_POINT else 1.0)


@mechanism
def stake_out(tb: Any, dl: Any, n_wanted: int) -> None:
    """The day's stake-outs: the best a(K) first, ties by the tie-break uniform, up to capacity."""
    wanted = dl.wanted
    if tb.capacity < 0 or n_wanted <= tb.capacity:
        for k in range(n_wanted):
            dl.staked[wanted[k]] = 1
        return
    for k in range(1, n_wanted):
        i = wanted[k]
        j = k - 1
        while j >= 0:
            e = wanted[j]
            if dl.a[e] < dl.a[i] or (
                dl.a[e] == dl.a[i] and dl.uniforms[e, COL_TIEBREAK] > dl.uniforms[i, COL_TIEBREAK]
            ):
                wanted[j + 1] = e
                j -= 1
            else:
                break
        wanted[j + 1] = i
    for k in range(tb.capacity):
        dl.staked[wanted[k]] = 1


@mechanism
def intercept(tb: Any, w: Any, dl: Any, i: int, t: int) -> None:
    """The hand-over's fate: caught by a stake-out or at a home watched this morning, else
    through the courier's identity, else by background chance; the cause is the first source
    that would have sufficed (informant, harvest, tracing; interrogation for a watched home)."""
    if dl.chain[i] < 0:
        dl.intercepted[i] = 0
        dl.handover[i] = 0
        return
    md = dl.mode[dl.perm[i]]
    u = dl.uniforms[i]
    k1 = dl.direct[i]
    k2 = k1 | dl.harvest[i]
    k3 = k2 | dl.traced[i]
    a1 = a2 = a3 = 0.0
    if dl.staked[i]:
        a1, a2, a3 = catch(k1, md, tb), catch(k2, md, tb), catch(k3, md, tb)
    watched = w.watch[dl.recipient[i]] >= t
    aw = catch(ADDRESS | SCHEDULE, md, tb) if watched else 0.0
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
        b1 = tb.catch_id if k1 & COURIER_IDENTITY else 0.0
        b2 = tb.catch_id if k2 & COURIER_IDENTITY else 0.0
        b3 = tb.catch_id if k3 & COURIER_IDENTITY else 0.0
        if ui < b3:
            intercepted = True
            cause = CAUSE_INFORMANT if ui < b1 else (CAUSE_HARVEST if ui < b2 else CAUSE_TRACING)
        elif u[COL_BACKGROUND] < tb.background:
            intercepted = True
            cause = CAUSE_BACKGROUND
    dl.intercepted[i] = 1 if intercepted else 0
    dl.handover[i] = 1 if at_handover else 0
    dl.cause[i] = cause if intercepted else -1


@mechanism
def settle(
    tb: Any, tl: Any, w: Any, dl: Any, out: Any, r: int, i: int, t: int, n_arrested: int
) -> int:
    """The hand-over's consequences: counts and money; for an interception, the courier's arrest
    (once a day, where its first interception happened: the family's town at a hand-over, else
    its own), the family's arrest at a hand-over, and tracing of the last relay; the hand-over
    joins the courier's history. Returns the day's arrests so far."""
    chain = dl.chain[i]
    g = dl.perm[i]
    if chain < 0:
        w.daily[_STALLED, t] += 1
        return n_arrested
    w.daily[_ATTEMPTED, t] += 1
    c = tb.chain_courier[chain]
    rec = dl.recipient[i]
    home = tb.party_home[rec]
    dl.family[i] = 0
    if dl.intercepted[i]:
        w.daily[_INTERCEPTED, t] += 1
        w.daily[_LOST, t] += dl.amount[g]
        out.causes[r, dl.cause[i]] += 1
        counts = out.tally_counts[r]
        tally(counts, tl, TALLY_INTERCEPTIONS, t, home, home, 1)
        tally(counts, tl, TALLY_MONEY_LOST, t, home, home, dl.amount[g])
        if w.arrested_on[c] != t:
            w.arrested_on[c] = t
            w.arrested[n_arrested] = c
            n_arrested += 1
            place = home if dl.handover[i] else tb.courier_home[c]
            if place >= 0:
                out.courier_places[r, place] += 1
            tally(counts, tl, TALLY_COURIER_ARRESTS, t, place, tb.courier_home[c], 1)
        u = dl.uniforms[i]
        if dl.handover[i] and u[COL_FAMILY] < tb.family:
            dl.family[i] = 1
            w.daily[_FAMILY, t] += 1
            if home >= 0:
                out.family_places[r, home] += 1
            tally(counts, tl, TALLY_FAMILY_ARRESTS, t, home, home, 1)
            if u[COL_TRACING] < tb.tracing:
                last = tb.chain_last_relay[chain]
                w.traced[last] = min(w.traced[last], t + 1)
    else:
        w.daily[_DELIVERED, t] += 1
        w.daily[_MONEY_DELIVERED, t] += dl.amount[g]
    # the hand-over joins the courier's history (its current generation)
    e = w.counter[N_HIST]
    dl.h_recipient[e] = rec
    dl.h_reveal[e] = dl.uniforms[i, COL_REVEAL]
    dl.h_next[e] = -1
    if w.head[c] < 0:
        w.head[c] = e
    else:
        dl.h_next[w.tail[c]] = e
    w.tail[c] = e
    w.counter[N_HIST] = e + 1
    return n_arrested


@rare
def interrogate(tb: Any, w: Any, dl: Any, t: int, n_arrested: int) -> int:
    """Arrested couriers reveal recipients of their hand-overs (homes watched) and other couriers
    (swept later). Returns the earliest sweep day it set (NEVER if none)."""
    earliest = NEVER
    if tb.interrogation_watches:
        until = t + tb.watch_days
        for k in range(n_arrested):
            w.counter[STAMP] += 1
            stamp = w.counter[STAMP]
            # the courier's hand-overs of its current generation, in order: one draw per
            # recipient, the first hand-over's
            e = w.head[w.arrested[k]]
            while e >= 0:
                rp = dl.h_recipient[e]
                if w.seen[rp] != stamp:
                    w.seen[rp] = stamp
                    if dl.h_reveal[e] < tb.reveal_recipients and w.watch[rp] < until:
                        w.watch[rp] = until
                e = dl.h_next[e]
    if tb.interrogation_sweeps:
        when = t + max(1, tb.sweep_delay)
        for k in range(n_arrested):
            c = w.arrested[k]
            for q in range(tb.pair_ptr[c], tb.pair_ptr[c + 1]):
                p = tb.pair_ids[q]
                to = tb.pair_to[p]
                # only a courier still free can be swept
                if w.pair_reveal[p] < tb.reveal_couriers and w.free[to]:
                    w.sweep[to] = min(w.sweep[to], when)
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
    for j in range(tb.n_slots):
        rec.slot_party[i, j] = w.slot[SLOT_PARTY, j]
        rec.relayed[i, j] = (
            w.slot[SLOT_INF, j] != 0 and dl.uniforms[i, _FIXED + j] < tb.relay_success
        )


@rare
def keep_delivery(tb: Any, w: Any, dl: Any, rec: Any, i: int, t: int) -> None:
    """The recorded run's delivery ``i`` as the defender saw it, and its truth."""
    g = dl.perm[i]
    chain = dl.chain[i]
    row = rec.ints[i]
    row[R_DAY] = t
    row[R_SENDER] = dl.sender[g]
    row[R_RECIPIENT] = dl.recipient[i]
    row[R_LABEL] = dl.label[g]
    row[R_LOCAL] = i
    row[R_MODE] = dl.mode[g]
    row[R_CHAIN] = chain
    row[R_GENERATION] = 0
    row[R_INTERCEPTED] = 0
    row[R_CAUSE] = -1
    row[R_COMMUNITY] = -1
    row[R_FAMILY] = 0
    if chain >= 0:
        row[R_GENERATION] = w.generation[tb.chain_courier[chain]]
        row[R_COMMUNITY] = dl.community[i]
        row[R_INTERCEPTED] = dl.intercepted[i]
        row[R_CAUSE] = dl.cause[i]
        row[R_FAMILY] = dl.family[i]
