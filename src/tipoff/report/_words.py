"""Plain-language sentences about results: the words the report (and the CLI) say, in one place.

Each function turns one result into sentences an NGO worker can read without help: plain words
first, numbers second. They return plain text (no markup); whoever prints or renders them escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tipoff._numbers import plus_minus
from tipoff.analysis._step_words import ITEM_WORDS, advice_sentence, days, names, step_words

if TYPE_CHECKING:
    from tipoff.analysis import (
        AttributionResult,
        ExposureReport,
        HardeningResult,
        PartyAttribution,
    )
    from tipoff.analysis.hardening import PlanResult
    from tipoff.model import OperationParams
    from tipoff.results import SeasonSummary
    from tipoff.scenario import Step

__all__ = [
    "ATTRIBUTION_ADVICE",
    "ATTRIBUTION_ADVICE_NOBODY",
    "ATTRIBUTION_CAVEAT",
    "ATTRIBUTION_NEVER",
    "ATTRIBUTION_NEVER_NOBODY",
    "CAUSE_ADVICE",
    "CAUSE_SHORT",
    "CAUSE_WORDS",
    "GLOSSARY",
    "ITEM_WORDS",
    "STATUS_WORDS",
    "arrests_cell",
    "attribution_flagged",
    "attribution_learned",
    "attribution_party",
    "cost_text",
    "exposure_advice",
    "glossary",
    "hardening_baseline",
    "hardening_headline",
    "hardening_recommendation",
    "names",
    "operation_sentences",
    "pct",
    "pct_range",
    "season_sentence",
    "step_sentence",
    "thin_evidence_sentence",
]

#: The true causes of interceptions, in the words of ``tipoff run``.
CAUSE_WORDS = {
    "informant": "tips from informants told the details by the procedure",
    "harvest": "informants overhearing their community",
    "interrogation": "homes watched after an arrested courier talked",
    "tracing": "relays traced through arrested family members",
    "background": "checkpoints and phone detection, unrelated to informants",
}
#: The same, short enough for a chart's axis.
CAUSE_SHORT = {
    "informant": "informants' tips",
    "harvest": "overheard in a community",
    "interrogation": "after an interrogation",
    "tracing": "traced through a family",
    "background": "checkpoints, phones",
}
STATUS_WORDS = {"R": "reported practice", "Rec": "recommended", "I": "hypothesis"}

ATTRIBUTION_ADVICE = (
    "What to do: route around the parties at the top of this list. Tell them less: not the "
    "family's address, not the day of the hand-over, and nothing earlier than needed (see the "
    "exposure section); move their clients to other routes or to meeting-point hand-overs. This "
    "costs little if a party is innocent."
)
#: The advice when no party reaches the threshold: nobody to route around in particular.
ATTRIBUTION_ADVICE_NOBODY = (
    "What to do: no party stands out, so there is nobody in particular to route around. Tell "
    "everyone on these routes less: not the family's address, not the day of the hand-over, and "
    "nothing earlier than needed (see the exposure section)."
)
#: Said under the advice when nobody is flagged (there is no false-alarm estimate to point to).
ATTRIBUTION_NEVER_NOBODY = (
    "Do not confront, accuse or expose anyone. These are probabilities from a model of the "
    "operation, not proof, and a confrontation endangers them, you and the families."
)
ATTRIBUTION_NEVER = (
    "Do not confront, accuse or expose anyone. These are probabilities from a model of the "
    "operation, not proof: flagged parties may well be innocent (see the false-alarm estimate), "
    "and a confrontation endangers them, you and the families."
)
ATTRIBUTION_CAVEAT = (
    "A probability of 80% means that among parties with this "
    "evidence, about 8 in 10 leak (as informants, or because the service traced them) and 2 in "
    "10 do not: innocent people whose deliveries happened to be lost. The model knows only what the scenario and the log say; real "
    "interceptions also come from causes it does not contain."
)


def pct(x: float, sign: bool = True) -> str:
    """A probability as a rounded percentage, never "0%" or "100%" for what is merely rare."""
    if x >= 0.995:
        text = ">99" if x < 1 else "100"
    elif 0 < x < 0.005:
        text = "<1"
    else:
        text = f"{100 * x:.0f}"
    return text + ("%" if sign else "")


def pct_range(lo: float, hi: float) -> str:
    """An interval of probabilities: "12-41%", or "about 1%" when both ends round alike."""
    a, b = pct(lo, False), pct(hi, False)
    if a == b:
        return f"{b}%" if b[0] in "<>" else f"about {b}%"
    if b.startswith(">") or a.startswith("<"):  # "97->99%" would read as a minus sign
        return f"{a}% to {b}%"
    return f"{a}-{b}%"


def _days(n: float) -> str:
    return days(n)


def step_sentence(step: Step) -> str:
    """One protocol step in plain words: who tells whom what, and how early."""
    return step_words(step.from_, step.to, [i.value for i in step.items], step.lead_days)


def exposure_advice(report: ExposureReport, protocol: Sequence[Step], delay_days: int) -> str:
    """What to change first, from the step whose removal avoids the most interceptions.

    The words of :attr:`~tipoff.analysis.ExposureReport.advice` (one implementation), for the
    operation's relay delay ``delay_days``; ``protocol`` is the scenario's (kept for callers).
    """
    del protocol  # the steps carry what the sentence needs
    return advice_sentence(report.steps, report.output.expected_interceptions, delay_days)


def _per_delivery(s: SeasonSummary) -> float:
    """Interceptions over attempted deliveries, pooled over the simulated seasons."""
    t = s.totals
    return t["intercepted"].mean / t["attempted"].mean if t["attempted"].mean > 0 else 0.0


def season_sentence(
    s: SeasonSummary, currency: str, *, see: str = "see the exposure and hardening sections"
) -> str:
    """What a typical simulated season looks like, and the cause behind most interceptions."""
    t = s.totals
    lead = max(s.causes, key=lambda c: s.causes[c]) if t["intercepted"].mean > 0 else None
    text = (
        f"In a typical season, about {t['intercepted'].mean:.1f} of "
        f"{t['attempted'].mean:.1f} attempted deliveries are intercepted "
        f"(P(intercepted) per delivery {_per_delivery(s):.3f}; "
        f"{t['money_lost'].mean:,.0f} {currency} lost), and "
        f"{t['couriers_arrested'].mean:.1f} couriers and {t['family_arrested'].mean:.1f} family "
        "members are arrested."
    )
    if lead is not None:
        text += " " + _lead_cause(s.causes, lead)
    if lead in ("informant", "harvest"):
        text += (
            " Telling China-side parties less (above all the family's address) is the change"
            f" to test first: {see}."
        )
    return text


def _lead_cause(causes: dict[str, float], lead: str) -> str:
    """Where most interceptions come from, or the largest share when none is a majority (and
    which other cause is about as large)."""
    share = causes[lead]
    if share > 0.5:
        return f"Most interceptions ({share:.0%}) come from {CAUSE_WORDS[lead]}."
    close = [c for c in causes if c != lead and share - causes[c] < 0.05]
    also = "".join(f", about as many as from {CAUSE_WORDS[c]} ({causes[c]:.0%})" for c in close)
    return f"The largest share of interceptions ({share:.0%}) comes from {CAUSE_WORDS[lead]}{also}."


def operation_sentences(op: OperationParams, horizon_days: int) -> tuple[str, ...]:
    """The operation against the network, in plain words (docs/model.md's parameters)."""
    turned = 1 - (1 - op.initial) * (1 - op.daily_hazard) ** horizon_days
    out = [
        f"Each party who can be coerced (by default, everyone on the China side) is an informant "
        f"from the start with probability {pct(op.initial)}"
        + (
            f", and more are turned as the season goes on: {pct(turned)} by its last day."
            if op.daily_hazard > 0
            else "."
        ),
        f"An informant's tip reaches the service with probability {pct(op.relay_success)} and "
        f"takes {_days(op.delay_days)}: what an informant learns later than that before the "
        "hand-over comes too late."
        + (
            f" An informant also overhears what its community is told, {pct(op.harvest)} of the time."
            if op.harvest > 0
            else ""
        ),
        f"Knowing the family's address and the day, agents wait at the home and catch the courier "
        f"{pct(op.catch_address_and_schedule)} of the time; knowing the address only, "
        f"{pct(op.catch_address_only)}; knowing who the courier is adds a catch of "
        f"{pct(op.catch_courier_identity)}. A hand-over away from the home keeps "
        f"{pct(op.meeting_point_factor)} of the stake-out's catch.",
    ]
    if op.capacity_per_day >= 0:
        out.append(f"The service can mount at most {op.capacity_per_day} stake-outs a day.")
    out.append(
        f"{pct(op.background)} of deliveries are lost for reasons unrelated to informants "
        "(checkpoints, phone detection)."
    )
    after = [f"the family member collecting is arrested {pct(op.family_arrest)} of the time"]
    if op.reveal_recipients > 0 or op.reveal_couriers > 0:
        after.append(
            f"the courier may name the families it delivered to ({pct(op.reveal_recipients)} each; "
            f"their homes are then watched for {_days(op.watch_days)}) and other couriers it knows "
            f"({pct(op.reveal_couriers)} each)"
        )
    if op.tracing > 0:
        after.append(
            f"an arrested family member reveals the relay who paid them {pct(op.tracing)} of the time"
        )
    out.append("When a courier is caught, " + "; ".join(after) + ".")
    return tuple(out)


def cost_text(fee: float, days: float, contacts: int, handovers: float) -> str:
    """A plan's cost per delivery in words (the words of ``tipoff harden``)."""
    parts = []
    if fee:
        parts.append(f"+{fee * 100:.0f} fee points")
    if days:
        parts.append(f"+{days:.1f} days")
    if contacts:
        parts.append(f"+{contacts} phone contact{'s' if contacts != 1 else ''}")
    if handovers != 1:
        parts.append(f"x{handovers:g} hand-overs")
    return ", ".join(parts) or "none"


def _budget_text(r: HardeningResult) -> str:
    parts = []
    if r.max_fee is not None:
        parts.append(f"at most +{r.max_fee * 100:g} fee points")
    if r.max_days is not None:
        parts.append(f"at most +{r.max_days:g} days")
    return " and ".join(parts) if parts else "no budget limit given"


def hardening_baseline(r: HardeningResult, currency: str) -> str:
    """Today's procedure: its exact score and, when simulated, a typical season."""
    b = r.baseline
    text = (
        f"Today's procedure: each delivery is intercepted with probability {b.p_intercept:.3f} "
        "(exact score)."
    )
    if b.season is not None:
        t = b.season.totals
        text += (
            f" In a typical simulated season: {t['intercepted'].mean:.1f} deliveries intercepted, "
            f"{t['arrests'].mean:.1f} arrests ({t['couriers_arrested'].mean:.1f} couriers, "
            f"{t['family_arrested'].mean:.1f} family members), {currency} "
            f"{t['money_net'].mean:,.0f} reached families net of fees ({r.base_fee:.0%} assumed)."
        )
    return text


def hardening_headline(r: HardeningResult) -> str:
    """The recommendation in one sentence."""
    rec, base = r.recommended, r.baseline
    if not rec.measures:
        return hardening_recommendation(r, "")[0]
    titles = "; and ".join(
        r.measure(m).title[0].lower() + r.measure(m).title[1:] for m in rec.measures
    )
    return (
        f"The recommended change ({_budget_text(r)}): {titles}. It cuts the chance that a "
        f"delivery is intercepted from {base.p_intercept:.3f} to {rec.p_intercept:.3f}."
    )


def hardening_recommendation(r: HardeningResult, currency: str) -> tuple[str, ...]:
    """The recommended plan in plain words: what to change, what it buys, what it costs."""
    rec, base = r.recommended, r.baseline
    if not rec.measures:
        if r.best.measures:
            return (
                f"Recommended ({_budget_text(r)}): keep today's procedure. The best plan by the "
                f"exact score ({' + '.join(r.best.measures)}) showed more arrests than today's in "
                "the simulated seasons.",
            )
        return (
            f"Recommended ({_budget_text(r)}): keep today's procedure; no change within the "
            "budget lowers the chance of interception in tipoff's model.",
        )
    out = [f"Recommended plan ({_budget_text(r)}):"]
    for k, mid in enumerate(rec.measures, start=1):
        m = r.measure(mid)
        origin = " (defined in the scenario file)" if m.origin == "scenario" else ""
        out.append(f"{k}. {m.title} [{STATUS_WORDS[m.status_code]}]{origin}.")
    drop = (base.p_intercept - rec.p_intercept) / base.p_intercept if base.p_intercept else 0.0
    buys = (
        f"What it buys: the chance that a delivery is intercepted falls from "
        f"{base.p_intercept:.3f} to {rec.p_intercept:.3f} ({drop:.0%} less)"
    )
    if rec.season is not None and base.season is not None:
        v, t0, t1 = rec.season.versus_baseline, base.season.totals, rec.season.totals
        buys += (
            f"; in simulated seasons, arrests {t0['arrests'].mean:.1f} -> {t1['arrests'].mean:.1f} "
            f"({plus_minus(v['arrests'].mean, v['arrests'].stderr, decimals=1, sign=True)}), "
            "interceptions "
            f"{t0['intercepted'].mean:.1f} -> {t1['intercepted'].mean:.1f}, money reaching "
            "families "
            + plus_minus(
                v["money_net"].mean, v["money_net"].stderr, decimals=0, sign=True, thousands=True
            )
            + f" {currency} a "
            "season (net of fees)."
        )
    else:
        buys += "."
    out.append(buys)
    c = rec.cost
    out.append(
        f"What it costs per delivery: {cost_text(c.fee, c.days, c.contacts, c.handovers)}"
        + (
            f" (each phone contact's detection risk, {r.contact_risk:.1%} [assumption], is "
            "already counted above)."
            if c.contacts
            else "."
        )
    )
    if r.confirmed is True:
        out.append(
            "Confirmed by the season simulator: arrests fall by more than two standard errors of "
            "the run-by-run difference."
        )
    elif r.confirmed is False:
        out.append(
            "Not confirmed: the season simulator cannot tell its arrests from today's at this "
            "number of runs (more runs may settle it)."
        )
    hyp = [m for m in rec.measures if r.measure(m).status_code == "I"]
    if hyp:
        out.append(
            f"Caution: {names(hyp)} {'is a hypothesis' if len(hyp) == 1 else 'are hypotheses'} "
            "derived from the model, not reported practice; every cost is an assumption."
        )
    return tuple(out)


def thin_evidence_sentence(r: AttributionResult | None = None, threshold: float = 0.5) -> str:
    """The plain sentence that says the evidence is thin (see
    :meth:`~tipoff.analysis.AttributionResult.thin_reason`); without a result, the generic one."""
    if r is not None:
        reason = r.thin_reason(threshold)
        if reason:
            return reason
    return (
        "The evidence is too thin to separate these parties: the log did not raise anyone's odds "
        "of leaking even threefold over the scenario's prior. Treat everyone told the address as "
        "equally at risk, and tell them all less."
    )


#: What to do about a party, by the likelier cause of its leaking.
CAUSE_ADVICE = {
    "informant": "route around it: tell it less, move its clients to other routes or to "
    "meeting-point hand-overs",
    "traced": "warn it: its channel is known to the service. Until it changes how it pays and "
    "reaches families, route deliveries around it",
}


def _since(day: float | None, lo: float | None, hi: float | None) -> str:
    """ ", since about day 40 (31-44)": a median day with its 90% interval."""
    if day is None or lo is None or hi is None:
        return ""
    if lo == hi:
        return f", since day {day:.0f}"
    return f", since about day {day:.0f} ({lo:.0f}-{hi:.0f})"


def attribution_party(p: PartyAttribution) -> str:
    """One party's probabilities, split by cause, each with its interval, and what to do."""
    head = (
        f"{p.id}: {pct(p.p_compromised)} ({pct_range(p.lo, p.hi)}) that what it is told reaches "
        "the service"
    )
    inf = f"as an informant {pct(p.p_informant)} ({pct_range(p.informant_lo, p.informant_hi)})"
    if p.p_informant >= 0.05:
        inf += _since(p.from_day, p.from_day_lo, p.from_day_hi)
    if p.prior_traced > 0:
        tr = (
            f"traced by the service through a family arrested at one of its deliveries "
            f"{pct(p.p_traced)} ({pct_range(p.traced_lo, p.traced_hi)})"
        )
        if p.p_traced >= 0.05:
            tr += _since(p.traced_day, p.traced_day_lo, p.traced_day_hi)
        parts = [tr, inf] if p.cause == "traced" else [inf, tr]
        body = f"{head}: {parts[0]}; {parts[1]}."
    else:
        body = f"{head}, {inf}."
    if p.watched_home_losses >= 0.1:
        body += (
            f" Of the {p.exposed_interceptions} lost deliveries it could have exposed, about "
            f"{p.watched_home_losses:.1f} are explained by homes watched after an arrested "
            "courier talked, not by it."
        )
    return f"{body} What to do: {CAUSE_ADVICE[p.cause]}."


def attribution_flagged(r: AttributionResult, threshold: float) -> str:
    """Who is at or above the threshold, and how many of them are expected to be false alarms."""
    flagged = r.flagged(threshold)
    if not flagged:
        return (
            f"No party reaches {threshold:.0%}: nobody's messages are more likely than not to "
            "reach the service."
            if threshold == 0.5
            else f"No party reaches {threshold:.0%}."
        )
    expected, rate = r.false_alarms(threshold)
    n = len(flagged)
    count = f"{expected:.1f}" if expected >= 0.05 or expected == 0 else f"{expected:.2f}"
    text = (
        f"{n} part{'y is' if n == 1 else 'ies are'} at or above {threshold:.0%} (each with its "
        f"90% interval below): {names([p.id for p in flagged])}. Expected false alarms among "
        f"them (parties whose messages do not reach the service at all): {count}, a rate "
        f"of {pct(rate)}."
    )
    if r.thin_reason(threshold) is not None:
        text += (
            " That estimate takes the model's numbers as they are: where the evidence is thin "
            "(above), it shares the same doubt."
        )
    return text


def attribution_learned(r: AttributionResult) -> str:
    """What the log taught about the two unknown rates."""
    eff, bg = r.effectiveness, r.background
    return (
        f"Learned from the log: an informed informant gets a delivery intercepted with "
        f"probability {eff.mean:.2f} ({eff.lo:.2f} to {eff.hi:.2f}; scenario {eff.prior_mean:.2f}); "
        f"deliveries are lost for unrelated reasons at {bg.mean:.3f} ({bg.lo:.3f} to {bg.hi:.3f}; "
        f"scenario {bg.prior_mean:.3f}), about {r.background_interceptions:.1f} of the "
        "interceptions."
    )


def arrests_cell(p: PlanResult, /, *, baseline: bool = False) -> str:
    """A plan's arrests a season in its simulated seasons, and the change from today's procedure
    with its standard error, marked when it is more than two: ``"3.3 (-8.3 ± 0.4 fewer)"``
    (today's own row: the arrests alone; not simulated: ``"-"``)."""
    if p.season is None:
        return "-"
    a, d = p.season.totals["arrests"], p.season.versus_baseline["arrests"]
    if baseline:
        return f"{a.mean:.1f}"
    if d.mean == 0 and d.stderr == 0:  # the same arrests in every season: nothing changed
        return f"{a.mean:.1f} (no change)"
    mark = "" if not d.significant else (" fewer" if d.mean < 0 else " more")
    return f"{a.mean:.1f} ({plus_minus(d.mean, d.stderr, decimals=1, sign=True)}{mark})"


#: What the report's terms mean (its glossary; the terminal says the same where it shows them).
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "mean, and 95% of seasons",
        "The average over the simulated seasons, and the range in which 95% of single seasons "
        "fell. A real season is one draw: it can land anywhere in that range.",
    ),
    (
        "band around a daily line",
        "The 95% interval of the day's average: the average plus or minus 1.96 standard "
        "errors (the standard deviation across simulated seasons divided by the square root "
        "of their number), cut at zero. Single seasons vary much more: see the season "
        "totals' range.",
    ),
    (
        "P(intercepted) of a delivery",
        "The probability that the courier is arrested on that delivery, from informants' "
        "tips or from background losses. It belongs to the procedure and the route, not to "
        "any person.",
    ),
    (
        "interceptions avoided",
        "Expected interceptions minus the expected interceptions with a step dropped (or a "
        "role told nothing). Steps overlap, so these need not add up.",
    ),
    (
        "one position enough",
        "Parties who, if they alone were informants, would give a catch of 50% or more on "
        "that delivery. A position to tell less, not a suspect.",
    ),
    (
        "P(leaks)",
        "The probability, given the log, that what a party is told reaches the service by "
        "the end of the log: as an informant, or because the service traced it through a "
        "family arrested at one of its deliveries (the two are shown apart). Its range is "
        "how far it could move if the unknown rates were known.",
    ),
    (
        "false alarms",
        "Among the parties at or above the threshold, the expected number whose messages "
        "do not reach the service at all: the sum of 1 - P(leaks).",
    ),
)


def glossary(term: str, /) -> str:
    """What ``term`` means, in the glossary's words."""
    return dict(GLOSSARY)[term]
