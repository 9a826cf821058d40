"""``attribute``: from the defender's incident log to each intermediary's probability of being compromised."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tipoff._rng import make_seed
from tipoff.analysis.attribution._evidence import (
    CAUSE_INFORMANT,
    CAUSE_TRACED,
    Evidence,
    build_evidence,
)
from tipoff.analysis.attribution._exact import exact_cost, exact_fit, max_exact_candidates
from tipoff.analysis.attribution._fit import Fit, RatePriors
from tipoff.analysis.attribution._gibbs import BLOCK_MAX, gibbs_fit
from tipoff.analysis.attribution._result import (
    FEW_INTERCEPTIONS,
    AttributionResult,
    PartyAttribution,
    RateEstimate,
)
from tipoff.engines import Provenance
from tipoff.errors import UsageError
from tipoff.model import ROLE_CODE, CompiledModel
from tipoff.results import IncidentLog

__all__ = ["METHODS", "AttributionWarning", "attribute"]

METHODS = ("auto", "exact", "gibbs")
#: ``method="auto"`` is exact whenever every group of candidates that share deliveries has at
#: most ``BLOCK_MAX`` candidates: the Gibbs sampler would sum those out exactly too, at each of
#: its draws, which costs more than the exact method's grid. Larger groups (up to
#: ``AUTO_EXACT_CANDIDATES``) are enumerated when that costs fewer floating-point operations
#: than ``AUTO_EXACT_COST``; beyond, Gibbs samples them one candidate at a time.
AUTO_EXACT_COST = 3e8
AUTO_EXACT_CANDIDATES = 16
#: The one-interception check (``PartyAttribution.if_one_safe_lo``/``_hi``) attributes the log
#: again once per interception, with the exact method only, when that costs at most this many
#: floating-point operations in all (the log's interceptions times one exact fit).
SENSITIVITY_COST = 3e8
#: ... and when reading the log again that often stays small: at most this many rows in all (the
#: log's interceptions times its rows; each row read costs a few microseconds, so about a second).
SENSITIVITY_ROWS = 3e5
#: Prior weights, in deliveries' worth of evidence, of the effectiveness and the background.
DEFAULT_STRENGTH = (10.0, 100.0)
_ROLE_NAME = {v: k for k, v in ROLE_CODE.items()}


class AttributionWarning(UserWarning):
    """The sampler did not converge well enough to trust every digit (see the diagnostics)."""


def _check_rate(name: str, value: float | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
    ):
        raise UsageError(f"{name} must be a probability in [0, 1] or None, got {value!r}")


def _check_prior(name: str, value: tuple[float, float] | None) -> None:
    if value is None:
        return
    ok = (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and math.isfinite(v) for v in value)
        and 0 < value[0] < 1
        and value[1] > 0
    )
    if not ok:
        raise UsageError(f"{name} must be (mean in (0, 1), strength > 0), got {value!r}")


def attribute(
    log: IncidentLog,
    model: CompiledModel,
    /,
    *,
    method: str = "auto",
    seed: int | None = None,
    effectiveness: float | None = None,
    background: float | None = None,
    effectiveness_prior: tuple[float, float] | None = None,
    background_prior: tuple[float, float] | None = None,
    n_chains: int | None = None,
    n_warmup: int = 200,
    n_draws: int = 500,
    turnover: bool | None = None,
    watched_homes: bool | None = None,
    tracing: bool | None = None,
    stop_early: bool = True,
) -> AttributionResult:
    """Each intermediary's posterior probability that what it is told reaches the service, given
    the incident log, split by cause: an informant, or traced through an arrested family.

    The model (docs/attribution.md): a candidate ``i`` becomes an informant on an unknown day
    ``tau_i`` (day 0 with the scenario's ``recruitment.initial``, later at its daily hazard) and
    counts as one for a delivery on day ``t`` when ``tau_i <= max(0, t - delay_days)``; with
    ``turnover=False`` it is an informant throughout the log or not at all. An informant
    gets a delivery it could expose intercepted with probability ``theta * r_di`` (``r_di`` from
    the protocol, ``theta`` the unknown effectiveness), independently of other sources, and any
    delivery is intercepted for unrelated reasons with the unknown probability ``eps``:

    .. math::

        P(\\text{intercepted}_d \\mid z, \\theta, \\varepsilon) =
        1 - (1 - \\varepsilon) \\prod_i (1 - \\theta r_{di})^{z_i}.

    ``theta`` and ``eps`` have Beta priors centred on the scenario's ``relay.success`` times the
    full catch, and on ``background``. ``unknown`` outcomes are missing data.

    Parameters
    ----------
    log
        The incident log, read with the same model (:func:`tipoff.results.read_incident_log`).
    model
        The compiled scenario: who is told what, communities, the operation's parameters.
    method
        ``"exact"``: enumerate every configuration of informants (within independent components)
        and integrate the rates on a grid, the reference; ``"gibbs"``: vectorised Markov chain
        Monte Carlo, for large groups of candidates that share deliveries; ``"auto"``: exact
        unless such a group is too large to enumerate cheaply.
    seed
        Seed of the sampler (recorded; None draws one).
    effectiveness, background
        Fix ``theta`` or ``eps`` instead of learning it (``effectiveness=1, background=0`` is the
        noiseless group-testing limit).
    effectiveness_prior, background_prior
        ``(mean, strength)`` of a Beta prior, replacing the scenario's: the strength counts
        deliveries' worth of evidence (defaults 10 and 100).
    n_chains, n_warmup, n_draws
        Gibbs chains (None: 8 to 64, more where they cost little), and the most warm-up and
        kept iterations.
    turnover
        ``True``: informants may be turned during the log (the turning model; ``p_compromised``
        is then the probability of being one by the log's last day, and each party gets the day
        it was probably turned, ``from_day``); ``False``: informant status is fixed over the log
        (the persistent model); ``None`` (default): turning when the scenario's
        ``recruitment.daily_hazard`` is above zero.
    watched_homes
        ``True``: each delivery may also be caught at a home watched since an earlier arrest
        (the arrested courier, interrogated, revealed the families it served: the log says
        who was arrested and whom they served), with the scenario's ``interrogation`` rates;
        ``None`` (default): when the scenario's interrogation reveals recipients.
    tracing
        ``True``: a relay a family arrest on its deliveries may have traced (the log's
        ``family_arrested`` column; an empty cell counts with the scenario's ``family_arrest``)
        gets a second cause, its traced channel, which leaks its own tip from the day after
        (the scenario's ``tracing`` rate); ``None`` (default): when that rate is above zero.
    stop_early
        Gibbs: end warm-up and sampling once split R-hat, effective sample size and Monte Carlo
        error are good enough, before ``n_warmup``/``n_draws``.

    Returns
    -------
    AttributionResult
        Ranked by ``p_compromised`` (the probability of leaking by either cause, highest
        first), each party with ``p_informant`` and ``p_traced``; a Gibbs run that converged
        poorly carries warnings (also issued as :class:`AttributionWarning`).

    Examples
    --------
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.results import parse_incident_log
    >>> from tipoff.scenario import load_preset
    >>> model = compile_scenario(load_preset("classroom"))
    >>> log = parse_incident_log(
    ...     "delivery,day,sender,relays,courier,recipient,mode,outcome\\n"
    ...     "d1,5,s001,r1,c1,s001.f1,home,intercepted\\n"
    ...     "d2,6,s003,r3,c2,s003.f1,home,delivered\\n",
    ...     model=model,
    ... )
    >>> result = attribute(log, model, method="exact")
    >>> [p.id for p in result.parties][:1]
    ['r1']
    """
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    _check_rate("effectiveness", effectiveness)
    _check_rate("background", background)
    _check_prior("effectiveness_prior", effectiveness_prior)
    _check_prior("background_prior", background_prior)
    for name, v, least in (("n_chains", n_chains, 2), ("n_warmup", n_warmup, 0)):
        if name == "n_chains" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise UsageError(f"{name} must be an integer >= {least}, got {v!r}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 10:
        raise UsageError(f"n_draws must be an integer >= 10, got {n_draws!r}")
    if turnover is not None and not isinstance(turnover, bool):
        raise UsageError(f"turnover must be True, False or None, got {turnover!r}")
    if watched_homes is not None and not isinstance(watched_homes, bool):
        raise UsageError(f"watched_homes must be True, False or None, got {watched_homes!r}")
    if tracing is not None and not isinstance(tracing, bool):
        raise UsageError(f"tracing must be True, False or None, got {tracing!r}")
    if not isinstance(stop_early, bool):
        raise UsageError(f"stop_early must be True or False, got {stop_early!r}")
    seed = make_seed(seed)
    op = model.operation
    turning = op.daily_hazard > 0 if turnover is None else turnover
    interrogation = op.reveal_recipients > 0 and op.watch_days > 0
    watched = interrogation if watched_homes is None else watched_homes

    traced = op.tracing > 0 if tracing is None else tracing
    ev = build_evidence(log, model, by_day=turning, watched=watched, traced=traced)
    priors = RatePriors(
        theta_mean=effectiveness_prior[0] if effectiveness_prior else ev.theta_prior_mean,
        theta_strength=effectiveness_prior[1] if effectiveness_prior else DEFAULT_STRENGTH[0],
        eps_mean=background_prior[0] if background_prior else ev.background_prior_mean,
        eps_strength=background_prior[1] if background_prior else DEFAULT_STRENGTH[1],
        theta_fixed=effectiveness,
        eps_fixed=background,
    )
    largest = max((c.size for c, _ in ev.components()), default=0)
    chosen = method
    if method == "auto":
        cheap = largest <= BLOCK_MAX or (
            largest <= min(AUTO_EXACT_CANDIDATES, max_exact_candidates(ev))
            and exact_cost(ev) <= AUTO_EXACT_COST
        )
        chosen = "exact" if cheap else "gibbs"
    most = max_exact_candidates(ev)
    if chosen == "exact" and largest > most:
        raise UsageError(
            f"method='exact' enumerates 2^n configurations; the largest group of candidates "
            f"that share deliveries has {largest} (at most {most}): "
            "use method='gibbs'"
        )
    if chosen == "exact":
        fit = exact_fit(ev, priors)
    else:
        fit = gibbs_fit(
            ev,
            priors,
            seed=seed,
            n_chains=n_chains,
            n_warmup=n_warmup,
            n_draws=n_draws,
            stop_early=stop_early,
        )
    for w in fit.warnings:
        warnings.warn(w, AttributionWarning, stacklevel=2)
    options: dict[str, Any] = {
        "method": method,
        "log_digest": log.digest,
        "effectiveness": effectiveness,
        "background": background,
        "effectiveness_prior": [priors.theta_mean, priors.theta_strength],
        "background_prior": [priors.eps_mean, priors.eps_strength],
        "turnover": turning,
        "watched_homes": watched,
        "tracing": traced,
    }
    if chosen == "gibbs":
        options.update(n_chains=n_chains, n_warmup=n_warmup, n_draws=n_draws, stop_early=stop_early)
    provenance = Provenance(
        method=f"attribution-{chosen}",
        seed=seed,
        scenario=model.name,
        scenario_digest=model.digest,
        options=options,
    )
    result = _result(ev, model, fit, priors, provenance, chosen)
    intercepted = [k for k, d in enumerate(log.deliveries) if d.outcome == "intercepted"]
    if (
        chosen == "exact"
        and len(intercepted) * max(exact_cost(ev), 1.0) <= SENSITIVITY_COST
        and len(intercepted) * len(log.deliveries) <= SENSITIVITY_ROWS
    ):

        def again(flipped: IncidentLog) -> AttributionResult:
            ev2 = build_evidence(flipped, model, by_day=turning, watched=watched, traced=traced)
            return _result(ev2, model, exact_fit(ev2, priors), priors, provenance, chosen)

        result = _if_one_safe(result, log, intercepted, again)
    return result


def _if_one_safe(
    result: AttributionResult,
    log: IncidentLog,
    intercepted: list[int],
    again: Callable[[IncidentLog], AttributionResult],
) -> AttributionResult:
    """Each party whose probability rests on 1 to ``FEW_INTERCEPTIONS - 1`` interceptions, with
    the lowest and highest ``p_compromised`` the log gives when one of them is read as a safe
    delivery instead (attributed again, the rest of the log as it is)."""
    few = {p.id: p for p in result.parties if 0 < p.exposed_interceptions < FEW_INTERCEPTIONS}
    if not few:
        return result
    seen: dict[str, list[float]] = {pid: [] for pid in few}
    rows = list(log.deliveries)
    for k in intercepted:
        changed = rows.copy()
        changed[k] = dataclasses.replace(rows[k], outcome="delivered", family_arrested=None)
        flipped = dataclasses.replace(log, deliveries=tuple(changed))
        by_id = {q.id: q for q in again(flipped).parties}
        for pid, p in few.items():
            q = by_id.get(pid)
            if q is not None and q.exposed_interceptions == p.exposed_interceptions - 1:
                seen[pid].append(q.p_compromised)  # row k was one of its interceptions
    parties = tuple(
        dataclasses.replace(p, if_one_safe_lo=min(seen[p.id]), if_one_safe_hi=max(seen[p.id]))
        if seen.get(p.id)
        else p
        for p in result.parties
    )
    return dataclasses.replace(result, parties=parties)


def _indistinguishable(ev: Evidence, model: CompiledModel) -> tuple[tuple[str, ...], ...]:
    """Groups of parties with identical evidence (same deliveries, same weights, same priors)."""
    rows: dict[int, list[tuple[int, int, float]]] = {}
    for p, c, w in zip(ev.entry_pattern, ev.entry_candidate, ev.entry_weight, strict=True):
        rows.setdefault(int(ev.party[c]), []).append((int(p), int(ev.cause[c]), round(float(w), 9)))
    for c in range(ev.n_candidates):
        rows.setdefault(int(ev.party[c]), []).append(
            (-1, int(ev.cause[c]), round(float(ev.prior[c]), 9))
        )
    sig: dict[tuple[tuple[int, int, float], ...], list[int]] = {}
    for party, row in rows.items():
        sig.setdefault(tuple(sorted(row)), []).append(party)
    groups = [tuple(sorted(model.party_ids[q] for q in ps)) for ps in sig.values() if len(ps) > 1]
    return tuple(sorted(groups))


def _watched_losses(ev: Evidence, fit: Fit) -> np.ndarray:
    """Per candidate: of the interceptions it could have caused, how many homes watched after an
    arrest explain, each shared among its sources in proportion to their hazards, at the rates'
    posterior means and each source counted with its posterior probability (an estimate)."""
    out = np.zeros(ev.n_candidates)
    if not ev.watched or not ev.n_patterns:
        return out
    theta = float(np.clip(fit.theta[0], 1e-12, 1 - 1e-12))
    a_bg = -np.log1p(-float(np.clip(fit.eps[0], 1e-12, 1 - 1e-12)))
    h = -np.log1p(-np.minimum(theta * ev.entry_weight, 1 - 1e-12)) * fit.p[ev.entry_candidate]
    total = np.bincount(ev.entry_pattern, weights=h, minlength=ev.n_patterns)
    a_w = -ev.pattern_lw
    share = ev.n_intercepted * a_w / (a_w + a_bg + total)  # (P,)
    np.add.at(out, ev.entry_candidate, share[ev.entry_pattern])
    return out


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _result(
    ev: Evidence,
    model: CompiledModel,
    fit: Fit,
    priors: RatePriors,
    provenance: Provenance,
    method: str,
) -> AttributionResult:
    tau = fit.tau
    leak, leak_lo, leak_hi = fit.leak if fit.leak is not None else (fit.p, fit.lo, fit.hi)

    def day(k: int, i: int) -> float | None:
        if tau is None or i < 0:
            return None
        return _num(tau[k][i])

    def clip(x: float) -> float:
        return float(np.clip(x, 0.0, 1.0))

    watched = _watched_losses(ev, fit)
    by_party: dict[int, dict[int, int]] = {}
    for i in range(ev.n_candidates):
        by_party.setdefault(int(ev.party[i]), {})[int(ev.cause[i])] = i
    parties = []
    for party, cands in by_party.items():
        a = cands.get(CAUSE_INFORMANT, -1)
        t = cands.get(CAUSE_TRACED, -1)
        main = a if a >= 0 else t
        p_inf = clip(fit.p[a]) if a >= 0 else 0.0
        p_tr = clip(fit.p[t]) if t >= 0 else 0.0
        prior_inf = float(ev.prior[a]) if a >= 0 else 0.0
        prior_tr = float(ev.prior[t]) if t >= 0 else 0.0
        parties.append(
            PartyAttribution(
                id=model.party_ids[party],
                role=_ROLE_NAME[int(model.party_role[party])],
                p_compromised=clip(leak[main]),
                lo=clip(leak_lo[main]),
                hi=clip(leak_hi[main]),
                prior=clip(1.0 - (1.0 - prior_inf) * (1.0 - prior_tr)),
                attributable_interceptions=float(sum(fit.attributable[c] for c in cands.values())),
                exposures=int(ev.exposures[main]),
                exposed_interceptions=int(ev.exposed_interceptions[main]),
                from_day=day(0, a) if ev.turning else None,
                from_day_lo=day(1, a) if ev.turning else None,
                from_day_hi=day(2, a) if ev.turning else None,
                p_informant=p_inf,
                informant_lo=clip(fit.lo[a]) if a >= 0 else 0.0,
                informant_hi=clip(fit.hi[a]) if a >= 0 else 0.0,
                p_traced=p_tr,
                traced_lo=clip(fit.lo[t]) if t >= 0 else 0.0,
                traced_hi=clip(fit.hi[t]) if t >= 0 else 0.0,
                prior_informant=prior_inf,
                prior_traced=prior_tr,
                traced_day=day(0, t),
                traced_day_lo=day(1, t),
                traced_day_hi=day(2, t),
                watched_home_losses=float(watched[main]),
            )
        )
    parties.sort(key=lambda p: (-p.p_compromised, p.id))
    n_int = int(ev.n_intercepted.sum())
    n_del = int(ev.n_delivered.sum())
    return AttributionResult(
        method=method,
        turnover=ev.turning,
        parties=tuple(parties),
        effectiveness=RateEstimate(
            prior_mean=priors.theta_mean,
            mean=fit.theta[0],
            lo=fit.theta[1],
            hi=fit.theta[2],
            fixed=priors.theta_fixed is not None,
        ),
        background=RateEstimate(
            prior_mean=priors.eps_mean,
            mean=fit.eps[0],
            lo=fit.eps[1],
            hi=fit.eps[2],
            fixed=priors.eps_fixed is not None,
        ),
        background_interceptions=fit.background_interceptions,
        deliveries={
            "logged": ev.n_deliveries,
            "delivered": n_del,
            "intercepted": n_int,
            "unknown": ev.n_unknown,
            "last_day": ev.last_day,
        },
        indistinguishable=_indistinguishable(ev, model),
        diagnostics={
            "candidates": ev.n_candidates,
            "patterns": ev.n_patterns,
            "watched_patterns": int(np.count_nonzero(ev.pattern_lw < 0)),
            **fit.diagnostics,
        },
        warnings=fit.warnings,
        provenance=provenance,
    )
