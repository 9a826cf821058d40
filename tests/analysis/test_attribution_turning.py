"""Attribution when informants are turned during the log (the turning model).

The change day of each candidate is summed out exactly (a hidden Markov chain over its component's
days): checked against brute-force enumeration of the turning days, against the persistent model
when nobody can turn, in the noiseless limit, on a hand-made log whose informant changed sides on
day 28, and between the exact method and the Gibbs sampler.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from attribution_examples import COMMUNITIES, POOLS, log_of, model_of, simulated

from tipoff.analysis.attribution import attribute
from tipoff.analysis.attribution._evidence import build_evidence
from tipoff.analysis.attribution._fit import RatePriors
from tipoff.analysis.attribution._gibbs import gibbs_fit
from tipoff.analysis.attribution._timeline import StepBlock, TurnLaw, tau_summary

HAZARD = 0.01
#: POOLS (relays told everything, no community) with informants turning at 1% a day.
pools = model_of(POOLS.replace("daily_hazard: 0.0", f"daily_hazard: {HAZARD}"))
#: COMMUNITIES (two communities that overhear each other) with a few informants turned late.
communities = model_of(
    COMMUNITIES.replace("initial: 0.2, daily_hazard: 0.0", "initial: 0.1, daily_hazard: 0.003")
)
NOISELESS = {"effectiveness": 1.0, "background": 0.0}


def brute_force(
    pats: list[tuple[int, list[int], list[float], float, float]],
    law: TurnLaw,
    theta: float,
    eps: float,
    pair: tuple[int, int] | None = None,
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """log Z, P(tau_i <= end | y), the posterior of tau_i on days 0..end, and for ``pair``
    ``(traced, informant)`` P(traced by the end and not an informant | y), by enumeration; the
    traced channel of ``pair`` adds nothing on a day its informant candidate is one."""
    n, end = law.rho0.size, law.end_day
    never = end + 1

    def pmf(i: int, t: int) -> float:
        if t == never:
            return float(1.0 - law.cdf(i, end))
        return float(law.cdf(i, t) - law.cdf(i, t - 1))

    Z = 0.0
    excl = 0.0
    post = np.zeros((n, end + 2))
    for taus in itertools.product(range(end + 2), repeat=n):
        w = np.prod([pmf(i, taus[i]) for i in range(n)])
        if w == 0:
            continue
        ll = 0.0
        for day, cands, ws, nd, ni in pats:
            # a traced channel leaks nothing while its relay is an informant (pair: exclusive)
            lq = sum(
                np.log1p(-theta * r)
                for c, r in zip(cands, ws, strict=True)
                if taus[c] <= day and not (pair and c == pair[0] and taus[pair[1]] <= day)
            )
            ll += nd * (lq + np.log1p(-eps)) + ni * np.log(1 - np.exp(lq) * (1 - eps))
        Z += w * np.exp(ll)
        for i in range(n):
            post[i, taus[i]] += w * np.exp(ll)
        if pair is not None and taus[pair[0]] <= end and taus[pair[1]] > end:
            excl += w * np.exp(ll)
    post /= Z
    return float(np.log(Z)), post[:, : end + 1].sum(axis=1), post[:, : end + 1], excl / Z


def _random_patterns(seed: int, n: int) -> list[tuple[int, list[int], list[float], float, float]]:
    rng = np.random.default_rng(seed)
    pats = []
    for _ in range(8):
        m = int(rng.integers(1, n + 1))
        cands = sorted(rng.choice(n, m, replace=False).tolist())
        pats.append(
            (
                int(rng.integers(0, 10)),
                cands,
                rng.uniform(0.2, 1.0, m).tolist(),
                float(rng.integers(0, 3)),
                float(rng.integers(0, 3)),
            )
        )
    return pats


def _block(pats: list, law: TurnLaw, n: int, **kw: object) -> StepBlock:
    return StepBlock(
        [np.arange(n)],
        n,
        e_pat=np.array([k for k, p in enumerate(pats) for _ in p[1]]),
        e_cand=np.array([c for p in pats for c in p[1]]),
        e_r=np.array([r for p in pats for r in p[2]]),
        n_del=np.array([p[3] for p in pats]),
        n_int=np.array([p[4] for p in pats]),
        pattern_day=np.array([p[0] for p in pats]),
        law=law,
        n_total=n,
        **kw,  # type: ignore[arg-type]
    )


def _no_events() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)


def test_chain_over_days_matches_enumeration_of_turning_days() -> None:
    pats = _random_patterns(5, 3)
    e_r = np.array([r for p in pats for r in p[2]])
    rho0, h, end = np.array([0.1, 0.3, 0.05]), 0.08, 12
    law = TurnLaw(rho0, np.full(3, h), *_no_events(), end_day=end)
    block = _block(pats, law, 3)
    theta, eps = np.array([0.6, 0.95]), np.array([0.05, 0.01])
    log_z, (p_x, p_end), cdf, _, _ = block.smooth(theta, np.log1p(-eps), e_r)
    log_z_f, p_end_f = block.forward(theta, np.log1p(-eps), e_r)
    np.testing.assert_array_equal(p_x, p_end)  # no traced channel: nothing exclusive
    days, n_steps = block.step_days()
    for c in range(2):
        want_z, want_p, post, _ = brute_force(pats, law, theta[c], eps[c])
        assert log_z[c].sum() == pytest.approx(want_z, abs=1e-9)
        assert log_z_f[c].sum() == pytest.approx(want_z, abs=1e-9)
        np.testing.assert_allclose(p_end[c], want_p, atol=1e-10)
        np.testing.assert_allclose(p_end_f[c], want_p, atol=1e-10)
        for i in range(3):
            on_days = days[i, : n_steps[i]].astype(int)
            np.testing.assert_allclose(
                cdf[c, i, : n_steps[i]], np.cumsum(post[i])[on_days], atol=1e-10
            )
        med, lo, hi = tau_summary(days, n_steps, cdf[c], p_end[c], law, np.arange(3))
        cum = np.cumsum(post / post.sum(axis=1, keepdims=True), axis=1)
        np.testing.assert_array_equal(med, (cum < 0.5 - 1e-12).sum(axis=1))
        np.testing.assert_array_equal(lo, (cum < 0.05).sum(axis=1))
        np.testing.assert_array_equal(hi, (cum < 0.95).sum(axis=1))
        assert np.all((lo <= med) & (med <= hi))


@pytest.mark.parametrize("hazard", [0.0, 0.05])
def test_traced_channel_matches_enumeration(hazard: float) -> None:
    """Candidate 2 is candidate 0's traced channel: it can start only on its events' days (3, 7),
    with the events' chances; the exclusive output is P(traced, no informant)."""
    pats = _random_patterns(11, 3)
    e_r = np.array([r for p in pats for r in p[2]])
    end = 11
    law = TurnLaw(
        np.array([0.15, 0.2, 0.0]),
        np.array([hazard, hazard, 0.0]),
        np.array([2, 2]),
        np.array([3, 7]),
        np.array([0.3, 0.15]),
        end_day=end,
    )
    block = _block(
        pats,
        law,
        3,
        partner=np.array([-1, -1, 0]),
        extra_days=(np.array([2, 2]), np.array([3, 7])),
    )
    theta, eps = np.array([0.7, 0.4]), np.array([0.03, 0.1])
    log_z, (p_x, p_end), cdf, _, _ = block.smooth(theta, np.log1p(-eps), e_r)
    days, n_steps = block.step_days()
    for c in range(2):
        want_z, want_p, post, excl = brute_force(pats, law, theta[c], eps[c], pair=(2, 0))
        assert log_z[c].sum() == pytest.approx(want_z, abs=1e-9)
        np.testing.assert_allclose(p_end[c], want_p, atol=1e-10)
        assert p_x[c, 2] == pytest.approx(excl, abs=1e-10)
        np.testing.assert_allclose(p_x[c, :2], p_end[c, :2], atol=0)
        on_days = days[2, : n_steps[2]].astype(int)
        np.testing.assert_allclose(cdf[c, 2, : n_steps[2]], np.cumsum(post[2])[on_days], atol=1e-10)
        med, _, _ = tau_summary(days, n_steps, cdf[c], p_end[c], law, np.arange(3))
        cum = np.cumsum(post / post.sum(axis=1, keepdims=True), axis=1)
        np.testing.assert_array_equal(med, (cum < 0.5 - 1e-12).sum(axis=1))
        assert med[2] in (3, 7)  # a traced channel starts on an event's day


def test_nobody_turning_is_the_persistent_model() -> None:
    """With a zero hazard the chain never moves: the turning model is the persistent one."""
    flat = model_of(COMMUNITIES)
    log, _ = simulated(flat, 3)
    persistent = attribute(log, flat, method="exact")
    turning = attribute(log, flat, method="exact", turnover=True)
    assert not persistent.turnover and turning.turnover
    for p in persistent.parties:
        q = turning.party(p.id)
        assert q.p_compromised == pytest.approx(p.p_compromised, abs=1e-9)
        assert q.attributable_interceptions == pytest.approx(p.attributable_interceptions, abs=1e-9)
        assert p.from_day is None
        if q.p_compromised > 1e-6:
            assert q.from_day == pytest.approx(0.0, abs=1e-9)  # informants from day 0, or never
    assert turning.effectiveness.mean == pytest.approx(persistent.effectiveness.mean, abs=1e-9)


def test_the_informant_who_changed_sides_on_day_28() -> None:
    """r1's deliveries up to day 26 were delivered, from day 30 on intercepted: it was turned
    between reference days 24 and 28 (hand-over day minus the 2-day delay)."""
    rows = []
    for k, day in enumerate(range(2, 60, 4)):
        outcome = "delivered" if day < 30 else "intercepted"
        rows.append(f"d{k},{day},s001,r1,c1,s001.f1,home,{outcome}")
        rows.append(f"e{k},{day + 1},s002,r2,c2,s002.f1,home,delivered")
    log = log_of(rows, pools)
    exact = attribute(log, pools, method="exact", effectiveness=0.9, background=0.01)
    assert exact.turnover and exact.method == "exact"
    r1 = exact.party("r1")
    assert r1.p_compromised > 0.999
    assert r1.from_day is not None and r1.from_day_lo is not None and r1.from_day_hi is not None
    assert 24 < r1.from_day <= 28
    assert 20 <= r1.from_day_lo <= r1.from_day <= r1.from_day_hi <= 28
    # r2 was never caught: compromised if it turned after its last delivery (reference day 57),
    # or (each informant's delivery gets through 1 time in 10) a little before
    r2 = exact.party("r2")
    late = 1 - (1 - HAZARD) ** (exact.deliveries["last_day"] - 57)
    assert late < r2.p_compromised < late + 0.01
    # the rates learnt, too: Gibbs finds the same day
    learnt = attribute(log, pools, method="exact")
    gibbs = attribute(log, pools, method="gibbs", seed=3)
    g1, e1 = gibbs.party("r1"), learnt.party("r1")
    assert abs(g1.p_compromised - e1.p_compromised) <= 0.02
    assert e1.from_day is not None and g1.from_day is not None
    assert abs(g1.from_day - e1.from_day) <= 1.0
    # the persistent model blames the early deliveries on chance, and cannot date anything
    flat = attribute(log, pools, method="exact", turnover=False)
    assert flat.party("r1").from_day is None
    assert flat.effectiveness.mean < learnt.effectiveness.mean


@pytest.mark.parametrize("method", ["exact", "gibbs"])
def test_noiseless_limit_with_turning(method: str) -> None:
    """Group testing in time: a delivered delivery clears its parties up to its reference day
    only (they may turn later), and an intercepted one whose other parties are cleared on its
    reference day convicts its last party, from that day on (informants stay informants)."""
    log = log_of(
        [
            "d1,10,s001,r1;r2,c2,s001.f1,home,intercepted",
            "d2,12,s002,r2,c2,s002.f1,home,delivered",
            "d3,40,s003,r3,c3,s003.f1,home,delivered",
        ],
        pools,
    )
    r = attribute(log, pools, method=method, seed=1, **NOISELESS)
    p = {x.id: x for x in r.parties}
    end = r.deliveries["last_day"]
    assert end == 40
    # d2 (reference day 10) clears r2 up to day 10, so d1 (reference day 8) was r1's
    assert p["r1"].p_compromised > 1 - 1e-6
    r1_day = p["r1"].from_day
    assert r1_day is not None and r1_day <= 8
    # r2 and r3 are compromised only if they turned after the day they were cleared
    assert p["r2"].p_compromised == pytest.approx(1 - (1 - HAZARD) ** (end - 10), abs=1e-6)
    assert p["r3"].p_compromised == pytest.approx(1 - (1 - HAZARD) ** (end - 38), abs=1e-6)
    r2_day = p["r2"].from_day
    assert r2_day is not None and 10 < r2_day <= end


@pytest.mark.parametrize(("model", "seed"), [(communities, 1), (communities, 4), (pools, 2)])
def test_gibbs_agrees_with_exact_when_informants_turn(model, seed: int) -> None:  # type: ignore[no-untyped-def]
    log, _ = simulated(model, seed)
    exact = attribute(log, model, method="exact")
    gibbs = attribute(log, model, method="gibbs", seed=seed)
    assert exact.turnover and gibbs.turnover
    for e in exact.parties:
        g = gibbs.party(e.id)
        assert abs(g.p_compromised - e.p_compromised) <= 0.02, e.id
        assert abs(g.lo - e.lo) <= 0.1 and abs(g.hi - e.hi) <= 0.1, e.id
        tol = max(0.15, 0.06 * e.attributable_interceptions)
        assert abs(g.attributable_interceptions - e.attributable_interceptions) <= tol, e.id
        if e.p_compromised > 0.2 and e.from_day is not None:
            # the sampled median's Monte Carlo error grows with the spread of the day's posterior
            # (a flat posterior over 120 days moves its median by days between chains): allow a
            # tenth of the exact 90% interval, and never less than 3 days
            assert e.from_day_lo is not None and e.from_day_hi is not None
            tol_day = max(3.0, 0.1 * (e.from_day_hi - e.from_day_lo))
            assert g.from_day is not None and abs(g.from_day - e.from_day) <= tol_day, e.id
    assert abs(gibbs.effectiveness.mean - exact.effectiveness.mean) <= 0.03
    total = sum(p.attributable_interceptions for p in gibbs.parties)
    assert total + gibbs.background_interceptions == pytest.approx(
        gibbs.deliveries["intercepted"], rel=0.02
    )


def test_one_day_at_a_time_updates_agree_with_exact() -> None:
    """Gibbs updates of each candidate's turning day alone (no component summed out)."""
    log, _ = simulated(communities, 2)
    ev = build_evidence(log, communities, by_day=True)
    priors = RatePriors(theta_mean=0.6, theta_strength=10, eps_mean=0.02, eps_strength=100)
    exact = attribute(
        log,
        communities,
        method="exact",
        effectiveness_prior=(0.6, 10),
        background_prior=(0.02, 100),
    )
    fit = gibbs_fit(ev, priors, seed=3, n_chains=32, n_draws=1500, block_max=0)
    assert fit.diagnostics["candidates_one_at_a_time"] == ev.n_candidates
    assert fit.tau is not None
    for k, party in enumerate(ev.party):
        e = exact.party(communities.party_ids[party])
        assert abs(fit.p[k] - e.p_compromised) <= 0.02
        if e.p_compromised > 0.2 and e.from_day is not None:
            assert abs(fit.tau[0][k] - e.from_day) <= 3.0


def test_turnover_follows_the_hazard_and_is_recorded() -> None:
    log, _ = simulated(communities, 1)
    r = attribute(log, communities, method="auto")
    assert r.turnover and r.provenance.options["turnover"] is True
    doc = r.to_dict()
    assert doc["turnover"] is True
    first = doc["parties"][0]
    assert {"id", "role", "p_compromised", "lo", "hi", "attributable_interceptions"} <= set(first)
    assert {"from_day", "from_day_lo", "from_day_hi"} <= set(first)
    for p in r.parties:
        assert 0 <= p.lo <= p.p_compromised <= p.hi <= 1
        if p.from_day is not None:
            assert p.from_day_lo is not None and p.from_day_hi is not None
            assert 0 <= p.from_day_lo <= p.from_day <= p.from_day_hi <= r.deliveries["last_day"]
    # the prior is now "turned by the last day of the log"
    rho0 = float(communities.party_rho0[communities.party_ids.index(r.parties[0].id)])
    want = 1 - (1 - rho0) * (1 - 0.003) ** r.deliveries["last_day"]
    assert r.parties[0].prior == pytest.approx(want)
    flat = attribute(log, communities, method="auto", turnover=False)
    assert not flat.turnover and flat.to_dict()["parties"][0]["from_day"] is None


def test_bad_turnover_is_a_usage_error() -> None:
    from tipoff.errors import UsageError

    log, _ = simulated(communities, 1)
    with pytest.raises(UsageError):
        attribute(log, communities, turnover="yes")  # type: ignore[arg-type]


@pytest.mark.slow
def test_turned_mid_season_targets() -> None:
    """The seed preset's network, 30 deliveries per relay, a third of the informants turned
    during the season: AUC >= 0.9 and calibration error <= 0.05, pooled over 40 seasons."""
    from tipoff.analysis.attribution import expected_calibration_error, roc_auc
    from tipoff.scenario import parse_scenario, preset_text

    text = preset_text("north-hamgyong-spring")
    for old, new in (
        ("per_sender_per_year: 1.6", "per_sender_per_year: 5.6"),
        ("initial: 0.12", "initial: 0.06"),
        ("daily_hazard: 0.001", "daily_hazard: 0.0015"),
        ("tracing: 0.2", "tracing: 0.0"),
        ("recipients: 0.5", "recipients: 0.0"),
        ("couriers: 0.3", "couriers: 0.0"),
    ):
        assert old in text
        text = text.replace(old, new)
    from tipoff.model import compile_scenario

    model = compile_scenario(parse_scenario(text))
    ys: list[bool] = []
    ps: list[float] = []
    for seed in range(40):
        log, truth = simulated(model, seed)
        r = attribute(log, model, method="exact")
        ys += [p.id in truth for p in r.parties]
        ps += [p.p_compromised for p in r.parties]
        if seed < 4:
            g = attribute(log, model, method="gibbs", seed=seed)
            assert (
                max(abs(g.party(p.id).p_compromised - p.p_compromised) for p in r.parties) <= 0.02
            )
    assert roc_auc(ys, ps) >= 0.9
    assert expected_calibration_error(ys, ps) <= 0.05


@pytest.mark.parametrize("hazard", [0.0, 0.05])
def test_compiled_pass_matches_numpy(hazard: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fused compiled forward-backward gives the numpy passes' answers (to rounding)."""
    pytest.importorskip("numba")
    import tipoff.analysis.attribution._timeline as tl

    pats = _random_patterns(23, 3)
    e_r = np.array([r for p in pats for r in p[2]])
    law = TurnLaw(
        np.array([0.15, 0.2, 0.0]),
        np.array([hazard, hazard, 0.0]),
        np.array([2, 2]),
        np.array([3, 7]),
        np.array([0.3, 0.15]),
        end_day=11,
    )
    kw = {"partner": np.array([-1, -1, 0]), "extra_days": (np.array([2, 2]), np.array([3, 7]))}
    theta, le = np.array([0.7, 0.4, 0.99]), np.log1p(-np.array([0.03, 0.1, 1e-6]))
    out = {}
    for compiled in (True, False):
        monkeypatch.setattr(tl, "COMPILED", compiled)
        block = _block(pats, law, 3, **kw)
        out[compiled] = (block.forward(theta, le, e_r), block.smooth(theta, le, e_r))
    (fz, fp), (sz, (sx, se), cdf, attr, bg) = out[True]
    (gz, gp), (tz, (tx, te), cdf2, attr2, bg2) = out[False]
    for x, y in (
        (fz, gz),
        (fp, gp),
        (sz, tz),
        (sx, tx),
        (se, te),
        (cdf, cdf2),
        (attr, attr2),
        (bg, bg2),
    ):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)
