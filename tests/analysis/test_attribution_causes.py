"""Attribution that names the cause: informant, or traced through an arrested family.

A relay the service traced (a family member arrested at one of its deliveries named it) leaks
from then on without being an informant. The traced channel is a second candidate per relay; it
can start only on the day after such an arrest. Checked: the words, the split adding up, exact
against Gibbs, the family column's effect, and the thin-evidence sentence on a tiny log.
"""

from __future__ import annotations

import numpy as np
import pytest
from attribution_examples import COMMUNITIES, model_of

from tipoff.analysis.attribution import attribute
from tipoff.analysis.attribution._attribute import DEFAULT_STRENGTH
from tipoff.analysis.attribution._evidence import CAUSE_TRACED, build_evidence
from tipoff.analysis.attribution._exact import exact_fit
from tipoff.analysis.attribution._fit import RatePriors
from tipoff.analysis.attribution._gibbs import gibbs_fit
from tipoff.results import parse_incident_log

TRACING = COMMUNITIES.replace("tracing: 0.0", "family_arrest: 0.5\n  tracing: 0.5").replace(
    "initial: 0.2, daily_hazard: 0.0", "initial: 0.1, daily_hazard: 0.001"
)
HEADER = "delivery,day,sender,relays,courier,recipient,mode,outcome,family_arrested\n"


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    m = model_of(TRACING)
    assert m.operation.tracing == 0.5 and m.operation.family_arrest == 0.5
    return m


def _sender_of(model, relay: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A sender whose route goes through ``relay`` alone, and one of the relay's couriers."""
    ids = model.party_ids
    for s, p in enumerate(model.sender_party):
        for c in model.chains_of(s).tolist():
            relays = [ids[q] for q in model.chain_relays[c] if q >= 0]
            if relays == [relay]:
                return ids[p], ids[model.courier_party[model.chain_courier[c]]]
    raise AssertionError(relay)


def traced_log(model, family: str = "yes", clean_before: int = 6, after: str = "xx.x.x") -> str:  # type: ignore[no-untyped-def]
    """a1: ``clean_before`` safe deliveries, one interception (family ``family``), then
    ``after`` (x: intercepted, .: delivered); the other relays: safe deliveries throughout."""
    rows = []
    k = 0

    def row(day: int, relay: str, outcome: str, fam: str = "") -> None:
        nonlocal k
        k += 1
        s, c = _sender_of(model, relay)
        rows.append(f"d{k},{day},{s},{relay},{c},{s}.f1,home,{outcome},{fam}\n")

    day = 1
    for _ in range(clean_before):
        row(day, "a1", "delivered")
        day += 3
    row(day, "a1", "intercepted", family)
    for ch in after:
        day += 3
        row(day, "a1", "intercepted" if ch == "x" else "delivered", "no" if ch == "x" else "")
    for relay in ("a2", "a3", "b1", "b2"):
        for d in range(2, day, 6):
            row(d, relay, "delivered")
    return HEADER + "".join(rows)


def test_traced_relay_is_named_traced_not_informant(model) -> None:  # type: ignore[no-untyped-def]
    log = parse_incident_log(traced_log(model), model=model)
    r = attribute(log, model, method="exact")
    a1 = r.party("a1")
    assert a1.p_compromised > 0.8
    assert a1.p_traced > a1.p_informant
    assert a1.cause == "traced"
    assert a1.p_informant + a1.p_traced == pytest.approx(a1.p_compromised, abs=1e-9)
    for lo, p, hi in (
        (a1.lo, a1.p_compromised, a1.hi),
        (a1.informant_lo, a1.p_informant, a1.informant_hi),
        (a1.traced_lo, a1.p_traced, a1.traced_hi),
    ):
        assert 0 <= lo <= p <= hi <= 1
    # traced the day after the arrest (day 19: six safe deliveries 3 days apart from day 1)
    assert a1.traced_day == 20 and a1.traced_day_lo == 20 and a1.traced_day_hi == 20
    doc = r.to_dict()["parties"][0]
    assert doc["id"] == "a1" and doc["cause"] == "traced"
    assert doc["traced"]["p"] == pytest.approx(a1.p_traced)
    assert doc["informant"]["p"] == pytest.approx(a1.p_informant)


def test_without_the_family_arrest_the_same_losses_point_to_an_informant(model) -> None:  # type: ignore[no-untyped-def]
    with_family = attribute(parse_incident_log(traced_log(model), model=model), model)
    no_family = attribute(parse_incident_log(traced_log(model, family="no"), model=model), model)
    unknown = attribute(parse_incident_log(traced_log(model, family=""), model=model), model)
    assert no_family.party("a1").p_traced == 0.0
    assert no_family.party("a1").prior_traced == 0.0
    assert no_family.party("a1").p_informant > with_family.party("a1").p_informant
    # not known: traced with family_arrest x tracing instead of tracing
    assert 0 < unknown.party("a1").prior_traced < with_family.party("a1").prior_traced
    off = attribute(parse_incident_log(traced_log(model), model=model), model, tracing=False)
    assert off.party("a1").p_traced == 0.0
    assert off.party("a1").p_informant > with_family.party("a1").p_informant


def test_exact_and_gibbs_agree_with_tracing(model) -> None:  # type: ignore[no-untyped-def]
    log = parse_incident_log(traced_log(model), model=model)
    ev = build_evidence(log, model, by_day=True, traced=True)
    assert (ev.cause == CAUSE_TRACED).sum() == 1
    e = attribute(log, model, method="exact")
    g = attribute(log, model, method="gibbs", seed=3)
    for pe in e.parties:
        pg = g.party(pe.id)
        assert abs(pg.p_compromised - pe.p_compromised) <= 0.02, pe.id
        assert abs(pg.p_informant - pe.p_informant) <= 0.02, pe.id
        assert abs(pg.p_traced - pe.p_traced) <= 0.02, pe.id
    assert g.party("a1").traced_day == e.party("a1").traced_day


def test_gibbs_one_at_a_time_keeps_the_split_consistent(model) -> None:  # type: ignore[no-untyped-def]
    """With every candidate sampled one at a time (block_max=0) the traced channel is made
    exclusive from the marginals: the split still adds up, and stays near the exact answer."""
    from tipoff.analysis.attribution._fit import RatePriors
    from tipoff.analysis.attribution._gibbs import gibbs_fit

    log = parse_incident_log(traced_log(model), model=model)
    ev = build_evidence(log, model, by_day=True, traced=True)
    priors = RatePriors(theta_mean=0.6, theta_strength=10, eps_mean=0.02, eps_strength=100)
    fit = gibbs_fit(ev, priors, seed=4, block_max=0, n_draws=400)
    assert fit.leak is not None
    i = int(np.flatnonzero(ev.cause == CAUSE_TRACED)[0])
    j = int(ev.partner[i])
    assert fit.leak[0][i] == pytest.approx(fit.p[i] + fit.p[j], abs=1e-9)
    assert fit.leak[1][i] <= fit.leak[0][i] <= fit.leak[2][i]


def test_the_words_follow_the_cause(model) -> None:  # type: ignore[no-untyped-def]
    from tipoff.report._words import attribution_party

    r = attribute(parse_incident_log(traced_log(model), model=model), model)
    text = attribution_party(r.party("a1"))
    assert "warn it: its channel is known to the service" in text
    assert "informant 9" not in text
    first = text.split(":", 2)[1]
    assert "informant" not in first  # the headline probability is not called "informant"
    r2 = attribute(parse_incident_log(traced_log(model, family="no"), model=model), model)
    assert "route around it" in attribution_party(r2.party("a1"))


def _four_rows(model) -> str:  # type: ignore[no-untyped-def]
    s, c = _sender_of(model, "a1")
    s2, c2 = _sender_of(model, "b1")
    return (
        HEADER
        + f"d1,1,{s},a1,{c},{s}.f1,home,delivered,\n"
        + f"d2,3,{s2},b1,{c2},{s2}.f1,home,delivered,\n"
        + f"d3,5,{s2},b1,{c2},{s2}.f1,home,delivered,\n"
        + f"d4,7,{s},a1,{c},{s}.f1,home,intercepted,\n"
    )


@pytest.mark.parametrize("harvest", ["0.3", "0.0"])
def test_thin_evidence_on_a_four_row_log(harvest: str) -> None:
    """Four rows, one interception: thin whichever way (nobody stands out when a community may
    have overheard; else a flagged party that one more safe delivery would undo)."""
    model = model_of(TRACING.replace("community: 0.3", f"community: {harvest}"))
    r = attribute(parse_incident_log(_four_rows(model), model=model), model)
    reason = r.thin_reason(0.5)
    assert reason is not None and "thin" in reason
    doc = r.to_dict(0.5)
    assert doc["thin_evidence"] is True and doc["evidence_note"] == reason
    top = r.parties[0]
    down, up = r.one_more(top)
    assert down < top.p_compromised < up
    if r.flagged(0.5):  # what the sentence quotes: two safe deliveries would undo the flag
        assert r.one_more(top, 2)[0] < 0.5
        assert f"{round(100 * down)}%" in reason


def test_no_thin_warning_on_a_clear_log(model) -> None:  # type: ignore[no-untyped-def]
    r = attribute(
        parse_incident_log(traced_log(model, clean_before=10, after="xxxxxx"), model=model), model
    )
    assert r.flagged(0.5)
    assert r.thin_reason(0.5) is None
    assert r.to_dict()["evidence_note"] is None


@pytest.mark.slow
def test_traced_relays_are_not_shown_as_informants_as_often() -> None:
    """Where tracing is common (the seed preset, every family arrested 0.9, named 0.8), over 40
    seasons: fewer traced relays that were never informants are shown at P(informant) >= 0.5
    than with the traced cause left out, and among relays that may have been traced and are
    shown at 0.5 or more, the share of informants matches their mean probability (within three
    standard errors): the probabilities stay calibrated where a wrong label would hurt."""
    from tipoff.engines import simulate_season
    from tipoff.results import incident_log_text
    from tipoff.scenario import parse_scenario, preset_text

    text = preset_text("north-hamgyong-spring")
    for old, new in (
        ("family_arrest: 0.5", "family_arrest: 0.9"),
        ("tracing: 0.2", "tracing: 0.8"),
    ):
        assert old in text
        text = text.replace(old, new)
    from tipoff.model import compile_scenario

    m = compile_scenario(parse_scenario(text))
    shown = {True: 0, False: 0}
    n_traced = 0
    flagged: list[tuple[float, bool]] = []
    for seed in range(40):
        rec = simulate_season(m, n_runs=1, seed=seed, record_run=0).record
        assert rec is not None
        log = parse_incident_log(incident_log_text(rec), model=m)
        inf = {i["party"] for i in rec.informants}
        traced = {t["party"] for t in rec.traced_relays} - inf
        n_traced += len(traced)
        for tracing in (True, False):
            r = attribute(log, m, tracing=tracing)
            shown[tracing] += sum(r.party(t).p_informant >= 0.5 for t in traced)
            if tracing:
                flagged += [
                    (p.p_informant, p.id in inf)
                    for p in r.parties
                    if p.prior_traced > 0 and p.p_informant >= 0.5
                ]
    assert n_traced >= 30
    assert shown[True] < shown[False]
    p = np.array([f[0] for f in flagged])
    y = np.array([f[1] for f in flagged], dtype=float)
    se = np.sqrt(p.mean() * (1 - p.mean()) / p.size)
    assert abs(y.mean() - p.mean()) <= 3 * se


def test_swept_couriers_are_read_from_the_log() -> None:
    """A courier replaced (c1 -> c1.new1) without an interception was swept: named at another
    courier's interception, arrested sweep_delay_days later, and interrogated in turn."""
    from tipoff.analysis.attribution._evidence import swept_couriers, watch_probabilities

    text = TRACING.replace(
        "interrogation: {recipients: 0.0, couriers: 0.0, watch_days: 0}",
        "interrogation: {recipients: 0.5, couriers: 0.5, watch_days: 30, sweep_delay_days: 4}",
    )
    model = model_of(text)
    ids = model.party_ids
    by_courier: dict[str, tuple[str, str]] = {}
    for s, p in enumerate(model.sender_party):
        for c in model.chains_of(s).tolist():
            relays = [ids[q] for q in model.chain_relays[c] if q >= 0]
            by_courier.setdefault(
                ids[model.courier_party[model.chain_courier[c]]], (ids[p], relays[0])
            )
    s1, r1 = by_courier["c1"]
    s2, r2 = by_courier["c2"]
    log = parse_incident_log(
        HEADER
        + f"d1,1,{s1},{r1},c1,{s1}.f1,home,delivered,\n"
        + f"d2,3,{s2},{r2},c2,{s2}.f1,home,intercepted,no\n"
        + f"d3,20,{s1},{r1},c1.new1,{s1}.f1,home,delivered,\n",
        model=model,
    )
    assert swept_couriers(log, model) == {("c1", 7)}
    w = watch_probabilities(log, model)
    assert w[2] > 0  # c1, swept on day 7, revealed the family it served on day 1
    assert w[0] == 0 and w[1] == 0


def test_days_are_medians_inside_their_intervals() -> None:
    """Over simulated seasons of the seed preset (turning, tracing, watched homes): every day
    shown lies in its own 90% interval, and the split adds up."""
    from tipoff.engines import simulate_season
    from tipoff.model import compile_scenario
    from tipoff.results import incident_log_text
    from tipoff.scenario import load_preset

    m = compile_scenario(load_preset("north-hamgyong-spring"))
    seen = 0
    for seed in range(6):
        rec = simulate_season(m, n_runs=1, seed=seed, record_run=0).record
        assert rec is not None
        r = attribute(parse_incident_log(incident_log_text(rec), model=m), m, seed=seed)
        for p in r.parties:
            assert p.p_informant + p.p_traced == pytest.approx(p.p_compromised, abs=1e-9)
            for d, lo, hi in (
                (p.from_day, p.from_day_lo, p.from_day_hi),
                (p.traced_day, p.traced_day_lo, p.traced_day_hi),
            ):
                if d is not None:
                    assert lo is not None and hi is not None and lo <= d <= hi
                    seen += 1
    assert seen > 10


def test_losses_at_watched_homes_are_counted_apart() -> None:
    """c2, intercepted on day 3, had served the family that a1's courier reaches on day 10; with
    interrogation on, part of that loss is explained by the watched home, not by a1."""
    text = TRACING.replace(
        "interrogation: {recipients: 0.0, couriers: 0.0, watch_days: 0}",
        "interrogation: {recipients: 0.9, couriers: 0.0, watch_days: 30, sweep_delay_days: 4}",
    )
    model = model_of(text)
    ids = model.party_ids
    routes: dict[str, list[tuple[str, str, str]]] = {}
    for s, p in enumerate(model.sender_party):
        for c in model.chains_of(s).tolist():
            relays = [ids[q] for q in model.chain_relays[c] if q >= 0]
            courier = ids[model.courier_party[model.chain_courier[c]]]
            routes.setdefault(ids[p], []).append((relays[0], courier, ids[p]))
    # a sender with two routes through different couriers
    sender, (r_a, c_a, _), (r_b, c_b, _) = next(
        (s, *rs[:2]) for s, rs in routes.items() if len(rs) >= 2 and rs[0][1] != rs[1][1]
    )
    rows = [
        f"d1,1,{sender},{r_a},{c_a},{sender}.f1,home,delivered,",
        f"d2,3,{sender},{r_a},{c_a},{sender}.f1,home,intercepted,no",
        f"d3,10,{sender},{r_b},{c_b},{sender}.f1,home,intercepted,no",
    ]
    log = parse_incident_log(HEADER + "\n".join(rows) + "\n", model=model)
    on = attribute(log, model, method="exact")
    off = attribute(log, model, method="exact", watched_homes=False)
    assert on.party(r_b).watched_home_losses > 0.2
    assert off.party(r_b).watched_home_losses == 0.0
    assert on.party(r_b).p_informant < off.party(r_b).p_informant


@pytest.mark.parametrize("after", ["", ".", "x"])
def test_gibbs_intervals_are_the_partys_combined_ones(model, after: str) -> None:  # type: ignore[no-untyped-def]
    """Gibbs gives the exact method's intervals for every party kind, in particular a relay whose
    traced channel has no later delivery (``after=""``: the channel is never observed, keeps its
    prior and is made exclusive of the informant): its interval is the spread of the combined
    probability ``p_inf + prior (1 - p_inf)`` and the traced one's that of ``prior (1 - p_inf)``,
    not the informant candidate's own spread (once 0.06-0.57 around a p of 0.57 here)."""
    log = parse_incident_log(traced_log(model, after=after), model=model)
    ev = build_evidence(log, model, by_day=True, traced=True)
    traced = np.flatnonzero(ev.cause == CAUSE_TRACED)
    assert traced.size == 1
    assert (traced[0] in set(ev.entry_candidate.tolist())) == bool(after)
    e = attribute(log, model, method="exact")
    g = attribute(log, model, method="gibbs", seed=3)
    a1 = e.party("a1")
    assert a1.hi - a1.lo > 0.05  # the rates vary: an interval, not a point
    for r in (e, g):
        for x in r.parties:
            for lo, p, hi in (
                (x.lo, x.p_compromised, x.hi),
                (x.informant_lo, x.p_informant, x.informant_hi),
                (x.traced_lo, x.p_traced, x.traced_hi),
            ):
                assert 0 <= lo <= p <= hi <= 1, (r.provenance.method, x.id)
    for pe in e.parties:
        pg = g.party(pe.id)
        tol = 0.05  # sampling error of a 5% quantile over a few thousand draws
        assert abs(pg.lo - pe.lo) <= tol and abs(pg.hi - pe.hi) <= tol, pe.id
        assert abs(pg.traced_lo - pe.traced_lo) <= tol, pe.id
        assert abs(pg.traced_hi - pe.traced_hi) <= tol, pe.id
        assert abs(pg.informant_lo - pe.informant_lo) <= tol, pe.id
        assert abs(pg.informant_hi - pe.informant_hi) <= tol, pe.id
    doc = g.to_dict()["parties"]
    row = next(d for d in doc if d["id"] == "a1")
    assert (row["lo"], row["hi"]) == (g.party("a1").lo, g.party("a1").hi)


def test_sampled_one_at_a_time_the_interval_is_combined_too(model) -> None:  # type: ignore[no-untyped-def]
    """The same with every candidate sampled one at a time (``block_max=0``), where the intervals
    come from runs at fixed rate draws: the party's leak interval and the unobserved traced
    channel's interval are the exact method's."""
    log = parse_incident_log(traced_log(model, after=""), model=model)
    ev = build_evidence(log, model, by_day=True, traced=True)
    priors = RatePriors(
        theta_mean=ev.theta_prior_mean,
        theta_strength=DEFAULT_STRENGTH[0],
        eps_mean=ev.background_prior_mean,
        eps_strength=DEFAULT_STRENGTH[1],
    )
    exact = exact_fit(ev, priors)
    fit = gibbs_fit(ev, priors, seed=3, block_max=0, n_rate_draws=40)
    assert fit.diagnostics["rate_draws"] == 40
    k = int(np.flatnonzero(ev.cause == CAUSE_TRACED)[0])
    a = int(ev.partner[k])
    assert fit.leak is not None and exact.leak is not None
    for got, want in zip(fit.leak, exact.leak, strict=True):
        assert abs(got[a] - want[a]) <= 0.05
    assert abs(fit.lo[k] - exact.lo[k]) <= 0.05 and abs(fit.hi[k] - exact.hi[k]) <= 0.05
    assert exact.hi[k] - exact.lo[k] > 0.05  # the traced channel's interval is no point
