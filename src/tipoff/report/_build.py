"""``build_report``: run the analyses a report needs and gather what it shows (no I/O, no printing).

The stages, in order: the network and the procedure (compiled model), simulated seasons
(:func:`tipoff.engines.simulate_season`), exposure (:func:`tipoff.analysis.exposure_report`, exact),
hardening (:func:`tipoff.analysis.harden`), and, when a log is given, attribution
(:func:`tipoff.analysis.attribute`). One seed drives every random part and is recorded.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from tipoff._rng import make_seed
from tipoff._version import __version__
from tipoff.analysis import (
    AttributionResult,
    AttributionWarning,
    ExposureReport,
    HardeningResult,
    attribute,
    exposure_report,
    harden,
)
from tipoff.analysis.hardening import PlanResult
from tipoff.engines import simulate_season
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.report import _words as w
from tipoff.report._calibration import calibration_section
from tipoff.report._data import (
    AttributionSection,
    Band,
    CauseShare,
    ExposedDelivery,
    ExposureSection,
    Glance,
    HardeningOption,
    HardeningSection,
    Methods,
    PartyRow,
    PlaceArrests,
    ProcedureStep,
    ReportData,
    SeasonSection,
    StepDrop,
    TotalRow,
)
from tipoff.report._network import network_diagram
from tipoff.results import IncidentLog, Posterior, SeasonSummary, summarize
from tipoff.scenario import Scenario
from tipoff.scenario._privacy import privacy_problem

__all__ = ["MOST_EXPOSED", "TOP_PARTIES", "build_report"]

#: Rows of the most-exposed-deliveries table.
MOST_EXPOSED = 10
#: Parties shown in the attribution chart and table.
TOP_PARTIES = 20
_ROLES = ("sender", "relay", "courier", "recipient")
_TOTALS = (
    ("attempted", "deliveries attempted"),
    ("delivered", "delivered"),
    ("intercepted", "intercepted"),
    ("stalled", "stalled (no free courier)"),
    ("couriers_arrested", "couriers arrested"),
    ("sweep_arrests", "of them in sweeps after an interrogation"),
    ("family_arrested", "family members arrested"),
    ("money_lost", "money lost"),
)
_ROLE_WORDS = {
    "sender": "senders told nothing",
    "relay": "relays told nothing",
    "courier": "couriers told nothing",
    "recipient": "families told nothing",
}


def _routes(exposure: ExposureReport) -> int:
    """Distinct routes a delivery may take (sender > relays > courier > recipient), as the CLI."""
    rows = exposure.output.deliveries
    return len(
        set(zip(rows.sender.tolist(), rows.chain.tolist(), rows.recipient.tolist(), strict=True))
    )


def _glance(scenario: Scenario, m: CompiledModel, exposure: ExposureReport) -> Glance:
    roles = {code: int((m.party_role == code).sum()) for code in range(4)}
    avoided = {s.step: s.attributable for s in exposure.steps}
    steps = tuple(
        ProcedureStep(
            number=k + 1,
            text=w.step_sentence(step),
            avoided=avoided.get(k, 0.0),
        )
        for k, step in enumerate(scenario.protocol)
    )
    handover = (
        "The courier hands the money over at the family's home."
        if m.handover_mode == 0
        else "The courier hands the money over at a meeting point away from the family's home."
    )
    return Glance(
        name=scenario.name,
        description=scenario.description.strip(),
        horizon_days=m.horizon_days,
        currency=m.currency,
        counts=(
            ("senders", roles[0]),
            ("relays", roles[1]),
            ("couriers", roles[2]),
            ("families", roles[3]),
            ("routes (sender, relays, courier, family)", _routes(exposure)),
        ),
        handover=handover,
        steps=steps,
        operation=w.operation_sentences(m.operation, m.horizon_days),
        network=network_diagram(m),
    )


#: The band drawn around each daily mean: this many standard errors of the mean either side.
BAND_Z = 1.96


def _band(s: SeasonSummary, metric: str, label: str) -> Band:
    """A daily mean over the simulated seasons with its 95% interval (mean +/- 1.96 SE, cut at 0).

    The band says how precisely the seasons pin down each day's mean. It is not the spread of
    single seasons, which for daily counts of a few events would dwarf the mean; that spread is
    what the season totals' "95% of seasons" gives.
    """
    o = s.output
    k = o.metrics.index(metric)
    n = max(o.n_runs, 1)
    mean = o.daily_sum[k] / n
    var = np.maximum(o.daily_sumsq[k] / n - mean**2, 0.0) * (n / max(n - 1, 1))
    se = np.sqrt(var / n)
    return Band(
        label=label,
        mean=tuple(round(float(v), 4) for v in mean),
        lo=tuple(round(float(v), 4) for v in np.maximum(mean - BAND_Z * se, 0.0)),
        hi=tuple(round(float(v), 4) for v in mean + BAND_Z * se),
    )


def _season(s: SeasonSummary, currency: str) -> SeasonSection:
    places = [
        PlaceArrests(
            place=p,
            couriers=s.courier_arrests_by_place.get(p, 0.0),
            family=s.family_arrests_by_place.get(p, 0.0),
        )
        for p in sorted(set(s.courier_arrests_by_place) | set(s.family_arrests_by_place))
    ]
    places = sorted(
        (p for p in places if p.couriers + p.family > 0),
        key=lambda p: (-(p.couriers + p.family), p.place),
    )
    return SeasonSection(
        n_runs=s.n_runs,
        horizon_days=s.output.horizon_days,
        summary=w.season_sentence(s, currency),
        totals=tuple(
            TotalRow(
                label=label,
                mean=s.totals[k].mean,
                lo=s.totals[k].lo,
                hi=s.totals[k].hi,
                money=k == "money_lost",
            )
            for k, label in _TOTALS
        ),
        deliveries=(
            _band(s, "delivered", "delivered"),
            _band(s, "intercepted", "intercepted"),
        ),
        arrests=(
            _band(s, "couriers_arrested", "couriers arrested"),
            _band(s, "family_arrested", "family members arrested"),
        ),
        places=tuple(places),
        causes=tuple(
            CauseShare(cause=c, words=w.CAUSE_SHORT.get(c, c), share=share)
            for c, share in s.causes.items()
        ),
    )


def _one_in(p: float) -> str:
    """A probability as "1 in N" for readers who think in counts."""
    if p <= 0:
        return "never"
    if p >= 0.5:
        return f"{p:.0%}"
    return f"1 in {round(1 / p)}"


def _exposure(r: ExposureReport, m: CompiledModel, scenario: Scenario) -> ExposureSection:
    o, rows = r.output, r.output.deliveries
    alone = {
        row: tuple(c.parties[0] for c in r.cut_sets if c.row == row and len(c.parties) == 1)
        for row in r.top
    }
    most = []
    for row in r.top[:MOST_EXPOSED]:
        chain = int(rows.chain[row])
        drivers = sorted(r.steps, key=lambda s: -s.per_delivery[row])
        home = int(m.party_home[int(rows.recipient[row])])
        most.append(
            ExposedDelivery(
                id=rows.ids[row],
                sender=m.party_ids[int(m.sender_party[int(rows.sender[row])])],
                relays=tuple(m.party_ids[int(p)] for p in m.chain_relays[chain] if p >= 0),
                courier=m.party_ids[int(m.courier_party[int(m.chain_courier[chain])])],
                town=m.place_names[home] if home >= 0 else "town not given",
                mode="home" if int(rows.mode[row]) == 0 else "meeting point",
                day=int(rows.day[row]),
                p_intercept=float(o.p_intercept[row]),
                main_step=(
                    drivers[0].step + 1
                    if drivers and drivers[0].per_delivery[row] > 1e-12
                    else None
                ),
                alone=alone.get(row, ()),
            )
        )
    total_weight = float(rows.weight.sum())
    mean_p = float((rows.weight * o.p_intercept).sum() / total_weight) if total_weight else 0.0
    n_sources = round(total_weight)
    summary = (
        f"Under the scenario's operation, a delivery is intercepted with probability "
        f"{mean_p:.3f} on average (about {_one_in(mean_p)}): {o.expected_interceptions:.1f} "
        f"interceptions expected if each of the {n_sources} senders sent one delivery. This "
        "counts what informants learn in time for a tip, and background losses; it leaves out "
        "what follows an arrest (interrogation, tracing), which the season above includes."
    )
    return ExposureSection(
        summary=summary,
        expected_interceptions=o.expected_interceptions,
        n_rows=len(rows),
        mean_p=mean_p,
        deliveries=tuple(most),
        steps=tuple(StepDrop(label=f"Step {s.step + 1}", avoided=s.attributable) for s in r.steps),
        roles=tuple(StepDrop(label=_ROLE_WORDS[k], avoided=v) for k, v in r.roles.items()),
        advice=w.exposure_advice(r, scenario.protocol, m.operation.delay_days),
    )


def _hardening(r: HardeningResult, currency: str) -> HardeningSection:
    def option(k: int, p: PlanResult, recommended: bool) -> HardeningOption:
        c = p.cost
        return HardeningOption(
            number=k,
            measures=p.measures,
            titles=tuple(r.measure(i).title for i in p.measures),
            p_intercept=p.p_intercept,
            fee=c.fee,
            days=c.days,
            contacts=c.contacts,
            cost=w.cost_text(c.fee, c.days, c.contacts, c.handovers),
            arrests=w.arrests_cell(p, baseline=k == 0),
            pareto=p.pareto,
            recommended=recommended,
            within_budget=p.within_budget,
        )

    rec = r.recommended.measures
    options = [option(0, r.baseline, not rec)]
    options += [
        option(k, p, bool(rec) and p.measures == rec) for k, p in enumerate(r.options, start=1)
    ]
    n = len(r.measures)
    search = (
        f"Search: {r.search} over {n} measure{'s' if n != 1 else ''} ({r.n_evaluated} plans "
        "scored with the exact engine)."
    )
    if r.not_applicable:
        search += " Not applicable here: " + "; ".join(
            f"{i} ({why})" for i, why in r.not_applicable
        )
        search += "."
    return HardeningSection(
        headline=w.hardening_headline(r),
        baseline=w.hardening_baseline(r, currency),
        options=tuple(options),
        recommendation=w.hardening_recommendation(r, currency),
        search=search,
    )


def _attribution(r: AttributionResult, log: IncidentLog, threshold: float) -> AttributionSection:
    d = r.deliveries
    source = log.source.replace("\\", "/").rsplit("/", 1)[-1]
    if privacy_problem(source):  # a log named after a person: the report may be shared
        source = "(a file name that looks like personal data: not shown)"
    summary = (
        f"Attribution from {d['logged']} logged deliveries: {d['intercepted']} intercepted, "
        f"{d['delivered']} delivered, {d['unknown']} with an unknown outcome. For each "
        "intermediary the procedure tells something, the probability that what it is told "
        "reaches the service (as an informant, or because the service traced it), split by cause."
    )
    return AttributionSection(
        source=source,
        summary=summary,
        method=r.method,
        threshold=threshold,
        parties=tuple(
            PartyRow(
                id=p.id,
                role=p.role,
                p=p.p_compromised,
                lo=p.lo,
                hi=p.hi,
                prior=p.prior,
                exposures=p.exposures,
                lost=p.exposed_interceptions,
                due=p.attributable_interceptions,
                p_informant=p.p_informant,
                p_traced=p.p_traced,
            )
            for p in r.parties[:TOP_PARTIES]
        ),
        flagged=w.attribution_flagged(r, threshold),
        thin_evidence=r.thin_reason(threshold),
        causes=tuple(w.attribution_party(p) for p in r.flagged(threshold)),
        indistinguishable=tuple(
            f"{w.names(list(g))} could have exposed exactly the same deliveries: the log cannot "
            "tell them apart."
            for g in r.indistinguishable
        ),
        learned=w.attribution_learned(r),
        caveat=w.ATTRIBUTION_CAVEAT,
        advice=w.ATTRIBUTION_ADVICE if r.flagged(threshold) else w.ATTRIBUTION_ADVICE_NOBODY,
        never=w.ATTRIBUTION_NEVER if r.flagged(threshold) else w.ATTRIBUTION_NEVER_NOBODY,
        warnings=r.warnings,
    )


def _methods(
    m: CompiledModel,
    seed: int,
    n_runs: int,
    log: IncidentLog | None,
    attribution: AttributionResult | None,
    hardening: HardeningResult,
    threshold: float,
    log_options: tuple[str, ...] = (),
    posterior: Posterior | None = None,
) -> Methods:
    command = f"tipoff report SCENARIO --runs {n_runs} --seed {seed}"
    if hardening.max_fee is not None:
        command += f" --max-fee {hardening.max_fee:g}"
    if hardening.max_days is not None:
        command += f" --max-days {hardening.max_days:g}"
    if log is not None:
        command += " --log LOG" + "".join(f" {o}" for o in log_options)
        command += f" --threshold {threshold:g}" if threshold != 0.5 else ""
    if posterior is not None:
        command += " --posterior POSTERIOR"  # the seasons take their unknowns from its draws
    settings = [
        ("seasons simulated", f"{n_runs} (and as many per hardening option)"),
        ("exposure", "exact, closed form (the model's one-delivery semantics)"),
        ("hardening search", f"{hardening.search}, {hardening.n_evaluated} plans scored"),
        (
            "hardening assumptions",
            f"{hardening.contact_risk:.1%} interception per added phone contact; today's fee "
            f"{hardening.base_fee:.0%}",
        ),
    ]
    if attribution is not None:
        settings.append(
            ("attribution", f"{attribution.method}, reporting threshold {threshold:.0%}")
        )
    glossary = w.GLOSSARY
    limits = (
        "Every number comes from a model of the operation and from the scenario's assumptions; "
        "the operation's parameters are guesses anchored on thin public reporting. Read the "
        "results as comparisons between procedures, not as forecasts.",
        "Exposure and the hardening scores use the static model: one delivery at a time, no "
        "limit on stake-outs, and nothing that follows an arrest. The simulated seasons add "
        "capacity, interrogation, sweeps and tracing.",
        "Costs of countermeasures (fees, days, phone contacts) are assumptions; several "
        "measures are hypotheses derived from the model, not reported practice.",
        "Attribution weighs only what the log shows. Informants turned during the season are "
        "harder to spot than those compromised throughout, and causes the scenario does not "
        "contain are absorbed by the background rate and by the parties on the route.",
        "The model has no names, addresses or phone numbers, and cannot say who anyone is. It "
        "says which positions in the procedure leak, and how much.",
    )
    return Methods(
        version=__version__,
        seed=seed,
        scenario=m.name,
        scenario_digest=m.digest,
        n_runs=n_runs,
        log_digest=log.digest if log is not None else None,
        command=command,
        settings=tuple(settings),
        glossary=glossary,
        limits=limits,
    )


def build_report(
    scenario: Scenario,
    /,
    *,
    log: IncidentLog | None = None,
    n_runs: int,
    seed: int | None,
    model: CompiledModel | None = None,
    max_fee: float | None = None,
    max_days: float | None = None,
    threshold: float = 0.5,
    progress: Callable[[str], None] | None = None,
    posterior: Posterior | None = None,
    log_options: tuple[str, ...] = (),
) -> ReportData:
    """Gather everything a report shows: seasons, exposure, hardening and, with a log, attribution.

    Parameters
    ----------
    scenario : Scenario
        The network, its procedure and the operation against it.
    log : IncidentLog or None
        The defender's incident log (read with ``read_incident_log(path, model=model)``); with
        it, the report attributes the log's interceptions.
    n_runs : int
        Seasons simulated (at least 2); the hardening confirms each option with as many.
    seed : int or None
        The one seed of every random part (seasons, hardening, attribution); None draws one. The
        seed used is recorded in ``methods.seed``.
    model : CompiledModel or None
        ``compile_scenario(scenario)``, when the caller already has it.
    max_fee, max_days : float or None
        The hardening budget (see :func:`tipoff.analysis.harden`).
    threshold : float
        Attribution's reporting threshold (false alarms are counted at it).
    progress : callable or None
        Called with a short description at the start of each long stage.
    posterior : Posterior or None
        From ``tipoff calibrate``: each season takes the unknowns from a posterior draw, and the
        report gains a calibration section (prior and posterior, the predictive check).
    log_options : tuple of str
        How the log was read, for the command line the report gives (e.g. ``("--columns",
        "COLUMNS")``): placeholders rather than the values, like ``LOG`` for the log.

    Returns
    -------
    ReportData
        Plain values, ready for :func:`tipoff.report.render_html`.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> data = build_report(load_preset("classroom"), n_runs=5, seed=1)
    >>> data.methods.seed, data.attribution is None
    (1, True)
    """
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 2:
        raise UsageError(f"n_runs must be an integer of at least 2, got {n_runs!r}")
    if not 0.0 <= threshold <= 1.0:
        raise UsageError(f"threshold must be in [0, 1], got {threshold!r}")
    used_seed = make_seed(seed)

    def stage(text: str) -> None:
        if progress is not None:
            progress(text)

    m = compile_scenario(scenario) if model is None else model
    stage(f"simulating {n_runs} seasons")
    if posterior is None:
        summary = summarize(simulate_season(m, n_runs=n_runs, seed=used_seed, record_run=None))
    else:
        from tipoff.analysis.calibration import simulate_over_posterior

        seasons = simulate_over_posterior(
            scenario, posterior, n_runs=n_runs, seed=used_seed, record_run=None
        )
        summary = summarize(seasons)
    stage("scoring exposure (exact)")
    exposure = exposure_report(scenario, model=m, top=MOST_EXPOSED)
    stage(f"hardening: searching plans, {n_runs} seasons per option")
    hardening = harden(scenario, max_fee=max_fee, max_days=max_days, n_runs=n_runs, seed=used_seed)
    attribution = None
    if log is not None:
        stage(f"attributing {len(log)} logged deliveries")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AttributionWarning)
            attribution = attribute(log, m, method="auto", seed=used_seed)
    return ReportData(
        title=f"tipoff report: {scenario.name}",
        glance=_glance(scenario, m, exposure),
        season=_season(summary, m.currency),
        exposure=_exposure(exposure, m, scenario),
        hardening=_hardening(hardening, m.currency),
        attribution=(
            None
            if attribution is None or log is None
            else _attribution(attribution, log, threshold)
        ),
        methods=_methods(
            m, used_seed, n_runs, log, attribution, hardening, threshold, log_options, posterior
        ),
        calibration=None if posterior is None else calibration_section(posterior),
    )
