"""From an incident log and a scenario to the evidence attribution weighs: who could have exposed what.

Seen from the defender, a delivery's *candidates* are the coercible parties its procedure tells
something in time for a tip, and the coercible members of their communities, who may overhear
(docs/model.md, static semantics, steps 2-3). For candidate ``i`` of delivery ``d`` the scenario gives
the chance that ``i``, alone an informant, gets the courier caught:

.. math::

    c_{di} = \\pi \\left[(1 - \\sigma)\\,\\kappa(D_i) + \\sigma\\,\\kappa(D_i \\cup G_i)\\right],
    \\qquad \\kappa(K) = 1 - (1 - a(K))(1 - b(K)),

with ``D_i`` what ``i`` is told in time (empty off the route), ``G_i`` what the other members of
its community are told, ``a`` and ``b`` the stake-out and courier-identity catches (the row's
hand-over mode included). Attribution learns one scale for these, the *effectiveness* ``theta`` of
a fully informed informant, and keeps the protocol's shape: the *exposure weight*
``r_di = c_di / (pi * kappa_ref)`` lies in [0, 1], where ``kappa_ref`` is the catch of a home
hand-over whose address, schedule and courier are known. An informant ``i`` then gets delivery
``d`` intercepted with probability ``theta * r_di``.

Deliveries with the same weights and outcome are pooled into *patterns*; ``unknown`` outcomes are
missing data and drop out. Candidates that never share a pattern are independent given the rates:
they split into *components*, which the exact method enumerates one at a time.

For the model in which informants turn during the log (``by_day=True``), a delivery handed over on
day ``t`` counts a candidate as an informant only when it was turned by day ``max(0, t - delta)``
(docs/model.md), so patterns also keep that *reference day*: deliveries are pooled only within a day.

*Watched homes* (``watched=True``, when the scenario's interrogation reveals recipients): every
intercepted delivery's courier is arrested and interrogated, and reveals each family it has handed
over to so far (in the log) with probability ``interrogation.recipients``; a revealed home is
watched for ``watch_days`` and a hand-over there is caught with the address-and-schedule catch
(times the meeting-point factor). The log says who was arrested and whom they served, so each
delivery gets a known probability ``w_d`` of being caught at a watched home; it enters the
likelihood beside the background, ``P(delivered) = (1 - eps)(1 - w_d) q``, and patterns keep
``log(1 - w_d)``. Couriers swept after being named by others are not in the log and are left out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.analysis.attribution._timeline import TurnLaw
from tipoff.model import (
    ADDRESS,
    MODE_HOME,
    MODE_MEETING_POINT,
    ROLE_CODE,
    CompiledModel,
    identity_catch,
    stakeout_catch,
)
from tipoff.results import IncidentLog, courier_slot

__all__ = [
    "CAUSE_INFORMANT",
    "CAUSE_TRACED",
    "Evidence",
    "build_evidence",
    "swept_couriers",
    "trace_events",
    "watch_probabilities",
]

#: What a candidate stands for: the party as an informant, or the party's traced channel.
CAUSE_INFORMANT = 0
CAUSE_TRACED = 1

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_MODE = {"home": MODE_HOME, "meeting_point": MODE_MEETING_POINT}
_RECIPIENT = ROLE_CODE["recipient"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """The log, reduced to what the likelihood needs.

    Candidates are indexed ``0..n-1`` (``party``: their party indices). Patterns are indexed
    ``0..P-1``; ``entry_*`` (sorted by pattern, then candidate) list each pattern's candidates with
    their exposure weight, ``pattern_start`` is the CSR offset of each pattern's entries.
    """

    party: IntArray  # (n,) party index of each candidate
    cause: IntArray  # (n,) CAUSE_INFORMANT or CAUSE_TRACED: what the candidate stands for
    partner: IntArray  # (n,) the same party's other candidate (the other cause), or -1
    prior: FloatArray  # (n,) prior probability of leaking by that cause by the end of the log
    rho0: FloatArray  # (n,) prior probability of leaking on day 0
    exposures: IntArray  # (n,) deliveries with an observed outcome the candidate could expose
    exposed_interceptions: IntArray  # (n,) of which intercepted
    told: IntArray  # (n,) deliveries (any outcome) the candidate could expose
    component: IntArray  # (n,) component label
    pattern_start: IntArray  # (P + 1,)
    entry_pattern: IntArray  # (E,)
    entry_candidate: IntArray  # (E,)
    entry_weight: FloatArray  # (E,) r_di in (0, 1]
    n_delivered: FloatArray  # (P,)
    n_intercepted: FloatArray  # (P,)
    pattern_day: IntArray  # (P,) reference day max(0, t - delta) (by_day), else 0
    pattern_lw: FloatArray  # (P,) log(1 - w): the chance the home was not watched and caught
    by_day: bool  # patterns split by reference day (the turning model, or tracing)
    turning: bool  # informants may turn during the log (else the persistent model)
    hazard: float  # daily probability that a non-informant is turned (0 unless turning)
    end_day: int  # "compromised by the end of the log": turned by this day (the last day)
    law: TurnLaw  # when each candidate may start to leak (turning, tracing events)
    event_cand: IntArray  # (k,) traced candidates' possible tracing days (steps of the chain)
    event_day: IntArray  # (k,)
    theta_prior_mean: float  # pi * kappa_ref
    background_prior_mean: float  # eps
    n_deliveries: int
    n_unknown: int
    last_day: int
    delivery_pattern: IntArray  # (deliveries,) each delivery's pattern, -1 for an unknown outcome

    @property
    def watched(self) -> bool:
        """Whether any delivery could have been caught at a watched home."""
        return bool(np.any(self.pattern_lw < 0))

    @property
    def n_candidates(self) -> int:
        return int(self.party.size)

    @property
    def n_patterns(self) -> int:
        return int(self.n_delivered.size)

    def components(self) -> list[tuple[IntArray, IntArray]]:
        """Each component's candidates and the patterns that involve them (no empty patterns)."""
        pat_comp = np.full(self.n_patterns, -1, dtype=np.int64)
        pat_comp[self.entry_pattern] = self.component[self.entry_candidate]
        out = []
        for c in np.unique(self.component):
            out.append((np.flatnonzero(self.component == c), np.flatnonzero(pat_comp == c)))
        return out

    def empty_patterns(self) -> IntArray:
        """Patterns with no candidate: only background interceptions explain them."""
        sizes = np.diff(self.pattern_start)
        return np.flatnonzero(sizes == 0)


def _kappa(model: CompiledModel, known: npt.NDArray[np.uint8], mode: int) -> FloatArray:
    op = model.operation
    a = stakeout_catch(op, known, np.full(known.shape, mode))
    b = identity_catch(op, known)
    return np.asarray(1.0 - (1.0 - a) * (1.0 - b), dtype=np.float64)


class _Weights:
    """Exposure weights of one kind of delivery (route, mode, override), cached by that key."""

    def __init__(self, model: CompiledModel, candidate: npt.NDArray[np.bool_]) -> None:
        self.model = model
        self.candidate = candidate
        op = model.operation
        full = np.array([0xFF], dtype=np.uint8)
        self.kappa_ref = float(_kappa(model, full, MODE_HOME)[0])
        self.members: dict[int, npt.NDArray[np.int64]] = {}
        comm = model.party_community
        for c in range(model.n_communities):
            self.members[c] = np.flatnonzero((comm == c) & candidate)
        self.sigma = op.harvest
        self.cache: dict[
            tuple[object, ...], tuple[tuple[int, ...], tuple[float, ...], dict[int, float]]
        ] = {}

    def of(
        self,
        sender: int,
        chain: int,
        replaced_courier: int,
        recipient: int,
        mode: int,
        exposed: tuple[int, ...] | None,
    ) -> tuple[tuple[int, ...], tuple[float, ...], dict[int, float]]:
        """Candidates and their weights; and every party told something, with the weight of its
        own tip alone (``kappa(D_p) / kappa_ref``: what a traced relay passes on)."""
        m = self.model
        # a sender or recipient who is no candidate and in no community changes nothing
        comm = m.party_community
        s_key = sender if (self.candidate[sender] or comm[sender] >= 0) else -1
        r_key = recipient if (self.candidate[recipient] or comm[recipient] >= 0) else -1
        key = (s_key, chain, replaced_courier, r_key, mode, exposed)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        told: dict[int, int] = {}

        def tell(p: int, mask: int) -> None:
            if p >= 0 and mask:
                told[p] = told.get(p, 0) | mask

        tell(sender, m.sender_mask_tip)
        for p, mask in zip(m.chain_slot_party[chain], m.chain_slot_tip[chain], strict=True):
            if p >= 0 and p != replaced_courier:  # a replacement is someone else
                tell(int(p), int(mask))
        tell(recipient, m.recipient_mask_tip)
        if exposed is not None:
            for p in list(told):
                told[p] &= ~ADDRESS & 0xFF
            for p in exposed:
                told[p] = told.get(p, 0) | ADDRESS
        told = {p: mask for p, mask in told.items() if mask}
        weights: dict[int, float] = {}
        direct = [p for p in told if self.candidate[p]]
        if direct:
            d_masks = np.array([told[p] for p in direct], dtype=np.uint8)
            k_direct = _kappa(m, d_masks, mode)
            for p, k in zip(direct, k_direct, strict=True):
                weights[p] = (1.0 - self.sigma) * float(k)
        else:
            k_direct = np.zeros(0)
        if self.sigma > 0:
            by_comm: dict[int, list[int]] = {}
            for p in told:
                c = int(m.party_community[p])
                if c >= 0:
                    by_comm.setdefault(c, []).append(p)
            for c, inside in by_comm.items():
                members = self.members[c]
                if members.size == 0:
                    continue
                own = np.array([told.get(int(j), 0) for j in members], dtype=np.uint8)
                # G_j: what the *other* members were told (a member told nothing hears all of it)
                others = np.array(
                    [_or_without(told, inside, int(j)) for j in members], dtype=np.uint8
                )
                k_harvest = _kappa(m, own | others, mode)
                for j, k in zip(members, k_harvest, strict=True):
                    weights[int(j)] = weights.get(int(j), 0.0) + self.sigma * float(k)
        for p in direct:  # direct parties outside any community: (1 - sigma) k + sigma k
            if self.sigma > 0 and int(m.party_community[p]) < 0:
                weights[p] += self.sigma * float(k_direct[direct.index(p)])
        ref = self.kappa_ref
        items = sorted(
            (p, min(1.0, w / ref)) for p, w in weights.items() if ref > 0 and w / ref > 1e-12
        )
        own_w: dict[int, float] = {}
        if told and ref > 0:
            parties = list(told)
            k_own = _kappa(m, np.array([told[p] for p in parties], dtype=np.uint8), mode)
            own_w = {p: min(1.0, float(k) / ref) for p, k in zip(parties, k_own, strict=True)}
        out = (tuple(p for p, _ in items), tuple(w for _, w in items), own_w)
        self.cache[key] = out
        return out


def _or_without(told: dict[int, int], inside: list[int], j: int) -> int:
    union = 0
    for p in inside:
        if p != j:
            union |= told[p]
    return union


def watch_probabilities(log: IncidentLog, model: CompiledModel, /) -> FloatArray:
    """Each delivery's probability of being caught at a home watched after an interrogation.

    A courier whose delivery on day ``t'`` was intercepted reveals each family it served up to
    that day (in the log) with probability ``interrogation.recipients``, independently; a revealed
    home is watched on days ``t' + 1 .. t' + watch_days``. A hand-over at a watched home is caught
    with the address-and-schedule catch (times the meeting-point factor for a meeting point).
    Couriers the log shows were swept (:func:`swept_couriers`) are interrogated the same way.
    """
    op = model.operation
    n = len(log.deliveries)
    if op.reveal_recipients <= 0 or op.watch_days <= 0:
        return np.zeros(n)
    served: dict[str, list[tuple[int, str]]] = {}
    for d in log.deliveries:
        served.setdefault(d.courier, []).append((d.day, d.recipient))
    events: dict[str, list[int]] = {}  # recipient -> days its home was revealed
    arrests = {(d.courier, d.day) for d in log.deliveries if d.outcome == "intercepted"}
    arrests |= swept_couriers(log, model)
    for courier, arrest_day in arrests:
        for r in {r for day, r in served[courier] if day <= arrest_day}:
            events.setdefault(r, []).append(arrest_day)
    full = np.array([0xFF], dtype=np.uint8)
    catch = {
        mode: float(stakeout_catch(op, full, np.array([code]))[0]) for mode, code in _MODE.items()
    }
    w = np.zeros(n)
    for k, d in enumerate(log.deliveries):
        days = events.get(d.recipient)
        if days:
            hits = sum(1 for t in days if t < d.day <= t + op.watch_days)
            if hits:
                w[k] = (1.0 - (1.0 - op.reveal_recipients) ** hits) * catch[d.mode]
    return np.minimum(w, 1.0 - 1e-12)


def swept_couriers(log: IncidentLog, model: CompiledModel, /) -> set[tuple[str, int]]:
    """Couriers the log shows were arrested without an interception, with the day: swept.

    A courier slot whose holder changes (``c1`` to ``c1.new1``) although the old holder's
    deliveries were never intercepted lost it to a sweep: a courier arrested at an interception
    named it, and it was arrested ``sweep_delay_days`` later, before the replacement's first
    delivery and after its own last. The day is the earliest interception of another courier
    that fits (sweeps of swept couriers' contacts are left out); the swept courier is interrogated
    in turn. None fits: left out.
    """
    op = model.operation
    if op.reveal_couriers <= 0:
        return set()
    intercepted = {d.courier for d in log.deliveries if d.outcome == "intercepted"}
    hit_days = sorted({(d.day, d.courier) for d in log.deliveries if d.outcome == "intercepted"})
    days: dict[str, list[int]] = {}
    slots: dict[str, set[tuple[int, str]]] = {}
    for d in log.deliveries:
        days.setdefault(d.courier, []).append(d.day)
        base, gen = courier_slot(d.courier)
        slots.setdefault(base, set()).add((gen, d.courier))
    out: set[tuple[str, int]] = set()
    for holders in slots.values():
        ordered = sorted(holders)
        for (_, old), (_, new) in itertools.pairwise(ordered):
            if old in intercepted:
                continue
            last, first = max(days[old]), min(days[new])
            fits = [
                t + op.sweep_delay_days
                for t, c in hit_days
                if c != old and last < t + op.sweep_delay_days <= first
            ]
            if fits:
                out.add((old, fits[0]))
    return out


def trace_events(log: IncidentLog, model: CompiledModel, /) -> dict[int, list[tuple[int, float]]]:
    """The days each relay may have been traced from, with the chance of each (by party index).

    A family member arrested at an interception reveals the last relay of its route (the one
    that paid it) with probability ``tracing``; the relay's later deliveries then reach the
    service from the next day on. The log's ``family_arrested`` says whether a family member
    was arrested: yes gives ``tracing``, no gives nothing, an empty cell (or no such column)
    ``family_arrest * tracing``. Days after the log's last day count as its last day.
    """
    op = model.operation
    out: dict[int, list[tuple[int, float]]] = {}
    if op.tracing <= 0:
        return out
    index = {pid: k for k, pid in enumerate(model.party_ids)}
    last_day = max(d.day for d in log.deliveries)
    for d in log.deliveries:
        if d.outcome != "intercepted" or not d.relays:
            continue
        fam = d.family_arrested
        p = op.tracing if fam is True else 0.0 if fam is False else op.family_arrest * op.tracing
        if p > 0:
            out.setdefault(index[d.relays[-1]], []).append((min(d.day + 1, last_day), p))
    return out


def build_evidence(
    log: IncidentLog,
    model: CompiledModel,
    /,
    *,
    by_day: bool = False,
    watched: bool = False,
    traced: bool = False,
) -> Evidence:
    """Reduce a validated incident log to candidates, priors and pooled patterns.

    Parameters
    ----------
    log
        Read with ``model`` (so every party and route is known to exist).
    model
        The compiled scenario.
    by_day
        The turning model: keep each pattern's reference day ``max(0, t - delay_days)``; the
        prior becomes the probability of being turned by the log's last day.
    watched
        Give each delivery its probability of being caught at a watched home
        (:func:`watch_probabilities`).
    traced
        Give each relay the log's family arrests may have traced a second candidate, its
        *traced channel* (:func:`trace_events`): it starts to leak on one of those days, and then
        passes on the relay's own tip. Patterns then keep their reference days even in the
        persistent model (whose informants then have no hazard).

    Returns
    -------
    Evidence
    """
    op = model.operation
    NP = model.n_parties
    index = {pid: k for k, pid in enumerate(model.party_ids)}
    chains = {
        (tuple(int(p) for p in model.chain_relays[c] if p >= 0), int(model.chain_courier[c])): c
        for c in range(model.n_chains)
    }
    courier_of_party = {int(p): k for k, p in enumerate(model.courier_party)}
    last_day = max(d.day for d in log.deliveries)
    ref_day = max(0, last_day - op.delay_days)
    rho = 1.0 - (1.0 - model.party_rho0) * (1.0 - op.daily_hazard) ** ref_day
    # the turning model asks about the log's last day itself (no tip needs to arrive any more)
    rho_end = 1.0 - (1.0 - model.party_rho0) * (1.0 - op.daily_hazard) ** last_day
    eligible = (
        np.asarray(model.party_coercible, dtype=bool)
        & (np.asarray(model.party_role) != _RECIPIENT)  # never families
        & (rho > 0)
    )
    weights = _Weights(model, eligible)
    events = trace_events(log, model) if traced else {}
    first_event = {p: min(day for day, _ in ev) for p, ev in events.items()}
    turning = by_day
    by_day = by_day or bool(events)

    lw_of = np.log1p(-watch_probabilities(log, model)) if watched else np.zeros(len(log.deliveries))
    pattern_of: dict[tuple[tuple[int, ...], tuple[float, ...], int, float], int] = {}
    patterns: list[tuple[tuple[int, ...], tuple[float, ...], int, float]] = []
    n_del: list[int] = []
    n_int: list[int] = []
    told_count: dict[int, int] = {NP + p: 0 for p in events}  # sources: p, or NP + p (traced)
    n_unknown = 0
    delivery_pattern = np.full(len(log.deliveries), -1, dtype=np.int64)
    for i_d, d in enumerate(log.deliveries):
        base, generation = courier_slot(d.courier)
        courier_id = d.courier if d.courier in index else base
        courier_party = index[courier_id]
        replaced = courier_party if (generation and courier_id == base) else -1
        relays = tuple(index[r] for r in d.relays)
        chain = chains[(relays, courier_of_party[courier_party])]
        exposed = None
        if d.exposed_to is not None:
            exposed = tuple(sorted(index[p] for p in d.exposed_to if p in index))
        srcs, ws, own = weights.of(
            index[d.sender], chain, replaced, index[d.recipient], _MODE[d.mode], exposed
        )
        ref = max(0, d.day - op.delay_days)
        if events:
            extra = [
                (NP + p, w)
                for p, w in own.items()
                if p in first_event and first_event[p] <= ref and w > 1e-12
            ]
            if extra:
                both = sorted([*zip(srcs, ws, strict=True), *extra])
                srcs, ws = tuple(q for q, _ in both), tuple(w for _, w in both)
        for p in srcs:
            told_count[p] = told_count.get(p, 0) + 1
        if d.outcome == "unknown":
            n_unknown += 1
            continue
        day_key = (srcs, ws, ref if by_day else 0, float(lw_of[i_d]))
        k = pattern_of.get(day_key)
        if k is None:
            k = pattern_of[day_key] = len(patterns)
            patterns.append(day_key)
            n_del.append(0)
            n_int.append(0)
        delivery_pattern[i_d] = k
        if d.outcome == "intercepted":
            n_int[k] += 1
        else:
            n_del[k] += 1

    cand_src = np.array(sorted(told_count), dtype=np.int64)
    cand_of = {int(p): i for i, p in enumerate(cand_src)}
    cand_party = cand_src % NP
    cause = (cand_src >= NP).astype(np.int64)
    n = cand_src.size
    partner = np.array(
        [
            cand_of.get(int(q + NP if c == CAUSE_INFORMANT else q), -1)
            for q, c in zip(cand_party, cause, strict=True)
        ],
        dtype=np.int64,
    )
    starts = [0]
    e_pat: list[int] = []
    e_cand: list[int] = []
    e_w: list[float] = []
    for k, (parties, ws, _, _) in enumerate(patterns):
        for p, w in zip(parties, ws, strict=True):
            e_pat.append(k)
            e_cand.append(cand_of[p])
            e_w.append(w)
        starts.append(len(e_pat))
    entry_pattern = np.array(e_pat, dtype=np.int64)
    entry_candidate = np.array(e_cand, dtype=np.int64)
    n_del_a = np.array(n_del, dtype=np.float64)
    n_int_a = np.array(n_int, dtype=np.float64)
    exposures = np.zeros(n, dtype=np.int64)
    exposed_int = np.zeros(n, dtype=np.int64)
    np.add.at(exposures, entry_candidate, (n_del_a + n_int_a)[entry_pattern].astype(np.int64))
    np.add.at(exposed_int, entry_candidate, n_int_a[entry_pattern].astype(np.int64))

    is_inf = cause == CAUSE_INFORMANT
    hazard = float(op.daily_hazard) if turning else 0.0
    inf_prior = (rho_end if turning else rho)[cand_party]
    rho0 = np.where(is_inf, (model.party_rho0 if turning else rho)[cand_party], 0.0)
    ev_cand = [cand_of[NP + p] for p, evs in events.items() for _ in evs]
    ev_day = [day for evs in events.values() for day, _ in evs]
    ev_p = [q for evs in events.values() for _, q in evs]
    law = TurnLaw(
        rho0=np.asarray(rho0, dtype=np.float64),
        hazard=np.where(is_inf, hazard, 0.0),
        event_cand=np.array(ev_cand, dtype=np.int64),
        event_day=np.array(ev_day, dtype=np.int64),
        event_p=np.array(ev_p, dtype=np.float64),
        end_day=int(last_day),
    )
    prior = np.where(is_inf, inf_prior, law.cdf(np.arange(n), np.full(n, last_day)))

    return Evidence(
        party=cand_party,
        cause=cause,
        partner=partner,
        prior=np.asarray(prior, dtype=np.float64),
        rho0=np.asarray(rho0, dtype=np.float64),
        exposures=exposures,
        exposed_interceptions=exposed_int,
        told=np.array([told_count[int(p)] for p in cand_src], dtype=np.int64),
        component=_components(n, starts, entry_candidate),
        pattern_start=np.array(starts, dtype=np.int64),
        entry_pattern=entry_pattern,
        entry_candidate=entry_candidate,
        entry_weight=np.array(e_w, dtype=np.float64),
        n_delivered=n_del_a,
        n_intercepted=n_int_a,
        pattern_day=np.array([day for _, _, day, _ in patterns], dtype=np.int64),
        pattern_lw=np.array([lw for _, _, _, lw in patterns], dtype=np.float64),
        by_day=by_day,
        turning=turning,
        hazard=hazard,
        end_day=int(last_day),
        law=law,
        event_cand=np.array(ev_cand, dtype=np.int64),
        event_day=np.array(ev_day, dtype=np.int64),
        theta_prior_mean=op.relay_success * weights.kappa_ref,
        background_prior_mean=op.background,
        n_deliveries=len(log.deliveries),
        n_unknown=n_unknown,
        last_day=last_day,
        delivery_pattern=delivery_pattern,
    )


def _components(n: int, starts: list[int], entry_candidate: IntArray) -> IntArray:
    """Label candidates by connected component (candidates sharing a pattern are connected)."""
    parent = np.arange(n)

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for k in range(len(starts) - 1):
        members = entry_candidate[starts[k] : starts[k + 1]]
        if members.size > 1:
            r0 = find(int(members[0]))
            for j in members[1:]:
                rj = find(int(j))
                if rj != r0:
                    parent[rj] = r0
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    return labels.astype(np.int64)
