"""The answer of attribution: per party, a probability of being compromised, with its uncertainty."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tipoff.engines import Provenance

__all__ = ["AttributionResult", "PartyAttribution", "RateEstimate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyAttribution:
    """What the log says about one party the procedure tells something.

    A party's deliveries can leak for two reasons the model knows, and the probabilities keep
    them apart: the party is an *informant* (recruited before the log or turned during it), or
    the service *traced* it (a family member arrested at one of its deliveries named it, and
    what it is told has reached the service since, without its knowing). ``p_compromised`` is
    the probability of either: it is never to be called the probability of being an informant.

    Attributes
    ----------
    id, role
        The party's pseudonym and role in the scenario.
    p_compromised
        Posterior probability that what the party is told reaches the service by the end of the
        log, for either reason (informant or traced): the risk of telling it something.
    lo, hi
        5% and 95% quantiles of that probability over the posterior of the unknown rates
        (effectiveness and background): how much it could move if the rates were known.
    p_informant, informant_lo, informant_hi
        The probability (and interval) that the party is an informant.
    p_traced, traced_lo, traced_hi
        The probability (and interval) that the service traced the party and it is not an
        informant (0 when no family arrest on its deliveries could have traced it):
        ``p_informant + p_traced = p_compromised``.
    prior, prior_informant, prior_traced
        The same probabilities before the log's outcomes (the scenario's recruitment; for
        tracing, the log's family arrests on the party's deliveries).
    attributable_interceptions
        Expected number of the log's interceptions due to this party (each interception shared
        among its possible sources in proportion to their hazards, background included).
    exposures, exposed_interceptions
        Deliveries with a known outcome the party could have exposed, and how many of them were
        intercepted.
    from_day, from_day_lo, from_day_hi
        The turning model only (None otherwise, or when the party is almost surely no
        informant): the posterior median of the day it was turned, given that it was by the end
        of the log, and the 5% and 95% quantiles of that day.
    traced_day, traced_day_lo, traced_day_hi
        The same for the day the service could act on the trace (None when it almost surely
        did not trace the party).
    watched_home_losses
        Of the interceptions the party could have caused, about how many homes watched after an
        arrested courier talked explain instead (an estimate: each loss shared among its sources
        in proportion to their hazards at the rates' posterior means).
    if_one_safe_lo, if_one_safe_hi
        For a party whose probability rests on fewer than ``FEW_INTERCEPTIONS`` interceptions
        (exact method, small logs): the lowest and highest ``p_compromised`` when one of those
        interceptions is read as a safe delivery and the log attributed again; None otherwise.
        How much the number rests on any single outcome.
    """

    id: str
    role: str
    p_compromised: float
    lo: float
    hi: float
    prior: float
    attributable_interceptions: float
    exposures: int
    exposed_interceptions: int
    from_day: float | None = None
    from_day_lo: float | None = None
    from_day_hi: float | None = None
    p_informant: float = float("nan")
    informant_lo: float = float("nan")
    informant_hi: float = float("nan")
    p_traced: float = 0.0
    traced_lo: float = 0.0
    traced_hi: float = 0.0
    prior_informant: float = float("nan")
    prior_traced: float = 0.0
    traced_day: float | None = None
    traced_day_lo: float | None = None
    traced_day_hi: float | None = None
    watched_home_losses: float = 0.0
    if_one_safe_lo: float | None = None
    if_one_safe_hi: float | None = None

    @property
    def cause(self) -> str:
        """The likelier reason it leaks, if it does: ``"informant"`` or ``"traced"``."""
        return "traced" if self.p_traced > self.p_informant else "informant"

    @property
    def odds_ratio(self) -> float:
        """Posterior odds over prior odds: how far the log moved this party (1: not at all)."""
        p = min(max(self.p_compromised, 1e-12), 1 - 1e-12)
        q = min(max(self.prior, 1e-12), 1 - 1e-12)
        return (p / (1 - p)) / (q / (1 - q))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "p_compromised": self.p_compromised,
            "lo": self.lo,
            "hi": self.hi,
            "cause": self.cause,
            "informant": {
                "p": self.p_informant,
                "lo": self.informant_lo,
                "hi": self.informant_hi,
                "prior": self.prior_informant,
                "from_day": self.from_day,
                "from_day_lo": self.from_day_lo,
                "from_day_hi": self.from_day_hi,
            },
            "traced": {
                "p": self.p_traced,
                "lo": self.traced_lo,
                "hi": self.traced_hi,
                "prior": self.prior_traced,
                "day": self.traced_day,
                "day_lo": self.traced_day_lo,
                "day_hi": self.traced_day_hi,
            },
            "prior": self.prior,
            "attributable_interceptions": self.attributable_interceptions,
            "watched_home_losses": self.watched_home_losses,
            "if_one_interception_safe": (
                None
                if self.if_one_safe_lo is None or self.if_one_safe_hi is None
                else {"lo": self.if_one_safe_lo, "hi": self.if_one_safe_hi}
            ),
            "exposures": self.exposures,
            "exposed_interceptions": self.exposed_interceptions,
            "from_day": self.from_day,
            "from_day_lo": self.from_day_lo,
            "from_day_hi": self.from_day_hi,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RateEstimate:
    """An unknown rate: its prior mean, posterior mean and 90% interval (or its fixed value)."""

    prior_mean: float
    mean: float
    lo: float
    hi: float
    fixed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "prior_mean": self.prior_mean,
            "mean": self.mean,
            "lo": self.lo,
            "hi": self.hi,
            "fixed": self.fixed,
        }


#: A party "stands out" when the log multiplies its odds of leaking by at least this.
STANDS_OUT = 3.0
#: The evidence behind a flagged party is thin when this many more safe deliveries told only to
#: it would take it below the threshold (docs/attribution.md, "Thin evidence").
FRAGILE_STEPS = 2
#: ... or when its flag rests on fewer interceptions than this (among the deliveries it could have
#: exposed): so few outcomes cannot test the assumptions the probability is computed under (how
#: often deliveries are lost for other reasons, who else could have passed the address on), and
#: its interval, which spans only the unknown rates, does not show that doubt. On the sample
#: spreadsheet log (7 outcomes), one of r2's 3 interceptions read as a safe delivery moves it
#: from 96% to 75-93%, two of them to 50-69% (docs/attribution.md, "Thin evidence").
FEW_INTERCEPTIONS = 5


def _pct(x: float) -> str:
    if x >= 0.995:
        return ">99%"
    if 0 < x < 0.005:
        return "<1%"
    return f"{100 * x:.0f}%"


def _interval(lo: float, hi: float) -> str:
    """``94-96%``: a 90% interval as the table writes it (``97% to >99%``, never ``97->99%``,
    which reads as a minus sign; ``about 12%`` when both ends round alike).

    >>> _interval(0.94, 0.96), _interval(0.97, 0.999), _interval(0.121, 0.124)
    ('94-96%', '97% to >99%', 'about 12%')
    """
    a, b = _pct(lo), _pct(hi)
    if a == b:
        return f"about {a}" if a[0].isdigit() else a
    if b.startswith(">") or a.startswith("<"):
        return f"{a} to {b}"
    return f"{a.rstrip('%')}-{b}"


def _one_safe(p: PartyAttribution) -> str:
    """`` Had any one of them arrived safely, it would stand at 75% to 93%.`` (or "")."""
    lo, hi = p.if_one_safe_lo, p.if_one_safe_hi
    if lo is None or hi is None:
        return ""
    at = _pct(lo) if _pct(lo) == _pct(hi) else f"{_pct(lo)} to {_pct(hi)}"
    if p.exposed_interceptions == 1:
        return f" Had that one arrived safely, it would stand at {at}."
    return f" Had any one of them arrived safely, it would stand at {at}."


def _with_causes(p: PartyAttribution) -> str:
    """``96% (90% interval 94-96%; as an informant 77% (69-83%), traced 18% (13-26%))``."""
    text = f"{_pct(p.p_compromised)} (90% interval {_interval(p.lo, p.hi)}"
    if p.p_informant == p.p_informant:  # not NaN
        text += (
            f"; as an informant {_pct(p.p_informant)} ({_interval(p.informant_lo, p.informant_hi)})"
        )
    if p.p_traced > 0:
        text += (
            f", traced by the service {_pct(p.p_traced)} ({_interval(p.traced_lo, p.traced_hi)})"
        )
    return text + ")"


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionResult:
    """Per-party posterior probabilities of being compromised, ranked by risk of telling them.

    Evidence, not accusation: a probability is a reason to tell a party less, never a verdict.
    """

    method: str
    parties: tuple[PartyAttribution, ...]
    effectiveness: RateEstimate
    background: RateEstimate
    background_interceptions: float
    deliveries: dict[str, int]
    indistinguishable: tuple[tuple[str, ...], ...]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    provenance: Provenance
    #: True when informants may have been turned during the log (the turning model)
    turnover: bool = False

    def party(self, party_id: str) -> PartyAttribution:
        """One party's attribution; KeyError when it is not a candidate."""
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(party_id)

    def flagged(self, threshold: float = 0.5) -> tuple[PartyAttribution, ...]:
        """Parties at or above ``threshold``."""
        return tuple(p for p in self.parties if p.p_compromised >= threshold)

    def false_alarms(self, threshold: float = 0.5) -> tuple[float, float]:
        """Expected false alarms among the flagged parties, and their expected share.

        With the posterior calibrated, a flagged party is not an informant with probability
        ``1 - p``: the expected count is the sum of those, the rate that sum over the number
        flagged (0 when none is).
        """
        flagged = self.flagged(threshold)
        expected = sum(1.0 - p.p_compromised for p in flagged)
        return expected, (expected / len(flagged) if flagged else 0.0)

    def one_more(self, party: PartyAttribution, n: int = 1) -> tuple[float, float]:
        """``(delivered, intercepted)``: the party's probability of leaking after ``n`` more
        deliveries told only to it (fully: address, schedule, courier) on the log's last day, all
        with that outcome, the rates at their posterior means. Exact given the rates: such a
        delivery depends on nobody else, so it multiplies the party's odds by its likelihood
        ratio."""
        theta = min(max(self.effectiveness.mean, 1e-9), 1 - 1e-9)
        eps = min(max(self.background.mean, 1e-9), 1 - 1e-9)
        p = min(max(party.p_compromised, 0.0), 1.0)
        lr_del = (1.0 - theta) ** n  # ((1 - eps)(1 - theta) / (1 - eps))^n
        lr_int = ((1.0 - (1.0 - eps) * (1.0 - theta)) / eps) ** n
        down = p * lr_del / (p * lr_del + (1.0 - p)) if p > 0 else 0.0
        up = p * lr_int / (p * lr_int + (1.0 - p)) if p > 0 else 0.0
        return down, up

    def thin_reason(self, threshold: float = 0.5) -> str | None:
        """Plain sentences when the evidence is thin (None when it is not).

        One sentence for every party at or above ``threshold`` whose flag is thin:

        - *fragile*: ``FRAGILE_STEPS`` more safe deliveries told only to it (:meth:`one_more`)
          would take it below the threshold: its flag rests on an outcome or two;
        - *few interceptions*: its flag rests on fewer than ``FEW_INTERCEPTIONS`` interceptions
          among the deliveries it could have exposed;

        or, with nobody flagged that way, nobody's odds of leaking rose ``STANDS_OUT``-fold over
        the prior (the log cannot separate the parties). Each sentence gives the party's
        probability with its 90% interval, per cause. The probabilities themselves are not
        changed: the rule is about what they can be trusted for.
        """
        if not self.parties:
            return None
        n = self.deliveries.get("delivered", 0) + self.deliveries.get("intercepted", 0)
        outcomes = f"{n} known outcome{'' if n == 1 else 's'}"
        caution = "Read these numbers as a reason to look closer and to tell less, not as findings."
        thin = [t for p in self.flagged(threshold) if (t := self._thin_for(p, threshold, outcomes))]
        if thin:
            return " ".join([*thin, caution])
        if not any(p.odds_ratio >= STANDS_OUT for p in self.parties):
            return (
                f"The evidence is too thin to separate these parties: {outcomes} did not raise "
                "anyone's odds of leaking even threefold over the scenario's prior. Treat "
                "everyone told the address as equally at risk, and tell them all less."
            )
        return None

    def _thin_for(self, p: PartyAttribution, threshold: float, outcomes: str) -> str | None:
        """The sentence for one flagged party whose flag is thin (see :meth:`thin_reason`)."""
        down, _ = self.one_more(p)
        down2, _ = self.one_more(p, FRAGILE_STEPS)
        if down2 < threshold:
            return (
                f"The evidence on {p.id} is thin: its chance of leaking, {_with_causes(p)}, "
                f"would fall to {_pct(down)} with one more delivery through it that arrives "
                f"safely, to {_pct(down2)} with two (the log holds {outcomes})."
            )
        k = p.exposed_interceptions
        if 0 < k < FEW_INTERCEPTIONS:  # (none at all: its figure is its prior, said below)
            return (
                f"The evidence on {p.id} is thin: its chance of leaking, {_with_causes(p)}, "
                f"rests on {k} "
                f"interception{'' if k == 1 else 's'} among the {p.exposures} "
                f"deliver{'y' if p.exposures == 1 else 'ies'} it could have exposed (the log "
                f"holds {outcomes}).{_one_safe(p)} So few outcomes cannot test what the "
                "number assumes "
                "(how often deliveries are lost for other reasons, who else could have "
                "passed the address on), and the interval, which spans only the unknown "
                "rates, does not show that doubt."
            )
        return None

    @property
    def thin_evidence(self) -> bool:
        """True when the evidence is thin at the default threshold (:meth:`thin_reason`)."""
        return self.thin_reason() is not None

    def to_dict(self, threshold: float = 0.5) -> dict[str, Any]:
        expected, rate = self.false_alarms(threshold)
        return {
            "method": self.method,
            "turnover": self.turnover,
            "parties": [p.to_dict() for p in self.parties],
            "threshold": threshold,
            "flagged": [p.id for p in self.flagged(threshold)],
            "false_alarms": {"expected": expected, "rate": rate},
            "thin_evidence": self.thin_reason(threshold) is not None,
            "evidence_note": self.thin_reason(threshold),
            "one_more_outcome": {
                p.id: dict(zip(("delivered", "intercepted"), self.one_more(p), strict=True))
                for p in (self.flagged(threshold) or self.parties[:1])
            },
            "indistinguishable": [list(g) for g in self.indistinguishable],
            "effectiveness": self.effectiveness.to_dict(),
            "background": self.background.to_dict(),
            "background_interceptions": self.background_interceptions,
            "deliveries": dict(self.deliveries),
            "diagnostics": dict(self.diagnostics),
            "warnings": list(self.warnings),
            "provenance": self.provenance.to_dict(),
        }
