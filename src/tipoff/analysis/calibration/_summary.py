"""What a posterior says, in numbers and in one plain sentence (for the CLI and the report)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tipoff.results import Posterior

__all__ = ["CalibrationSummary", "UnknownSummary", "label", "summarize_posterior"]

_LABELS = {
    "operation.recruitment.initial": "informant share on day 0",
    "operation.recruitment.daily_hazard": "daily recruitment hazard",
    "operation.harvest.community": "community harvest",
    "operation.relay.success": "tip relay success",
    "operation.background": "background interception",
    "operation.tracing": "tracing of funds",
    "operation.family_arrest": "family arrest probability",
}
#: Posterior 90% interval narrower than this share of the prior's: "pinned down".
PINNED = 0.5
#: ... wider than this share: "close to the prior".
LITTLE = 0.85
#: A posterior median this far from the prior's (in prior probability) is a shift worth saying.
SHIFT = 0.15


def label(unknown: str, /) -> str:
    """A plain name for an unknown (its dotted path when none is known)."""
    if unknown.startswith("reporting."):
        return f"reporting probability '{unknown.removeprefix('reporting.')}'"
    return _LABELS.get(unknown, unknown)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownSummary:
    """Prior against posterior for one unknown."""

    unknown: str
    label: str
    prior_median: float
    prior_lo: float  # 5%
    prior_hi: float  # 95%
    median: float
    lo: float
    hi: float
    mean: float
    mc_error: float | None
    ess: float | None
    narrowing: float  # posterior 90% width / prior 90% width
    shift: float = 0.0  # prior CDF at the posterior median, minus 0.5 (0: no shift)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationSummary:
    """Everything the CLI and the report print about a posterior."""

    unknowns: tuple[UnknownSummary, ...]
    correlation: tuple[
        tuple[float | None, ...], ...
    ]  # None: undefined (an unknown that does not vary)
    predictive: tuple[dict[str, object], ...]
    converged: bool
    not_converged_because: tuple[str, ...]
    sentence: str


def summarize_posterior(posterior: Posterior, /) -> CalibrationSummary:
    """Prior against posterior per unknown, correlations, the predictive check and a sentence."""
    lo, med, hi = (posterior.quantile(q) for q in (0.05, 0.5, 0.95))
    mean = posterior.mean()
    diag = posterior.diagnostics
    mc = diag.get("mc_error") or [None] * len(posterior.unknowns)
    ess = diag.get("ess") or [None] * len(posterior.unknowns)
    rows = []
    for j, (u, prior) in enumerate(zip(posterior.unknowns, posterior.priors, strict=True)):
        p_lo, p_med, p_hi = (float(prior.ppf(q)) for q in (0.05, 0.5, 0.95))
        width = p_hi - p_lo
        if prior.dist == "loguniform":  # compare widths on the scale the prior is flat on
            width = float(np.log(p_hi / p_lo))
            narrowing = float(np.log(max(hi[j], 1e-300) / max(lo[j], 1e-300))) / width
        else:
            narrowing = float((hi[j] - lo[j]) / width) if width > 0 else 1.0
        rows.append(
            UnknownSummary(
                unknown=u,
                label=label(u),
                prior_median=p_med,
                prior_lo=p_lo,
                prior_hi=p_hi,
                median=float(med[j]),
                lo=float(lo[j]),
                hi=float(hi[j]),
                mean=float(mean[j]),
                mc_error=None if mc[j] is None else float(mc[j]),
                ess=None if ess[j] is None else float(ess[j]),
                narrowing=narrowing,
                shift=float(
                    np.searchsorted(prior.ppf(np.linspace(0, 1, 1001)), med[j]) / 1001 - 0.5
                ),
            )
        )
    corr = posterior.correlation()
    reasons = tuple(diag.get("not_converged_because") or ())
    converged = bool(diag.get("converged", False))
    return CalibrationSummary(
        unknowns=tuple(rows),
        correlation=tuple(tuple(float(x) if np.isfinite(x) else None for x in r) for r in corr),
        predictive=posterior.predictive,
        converged=converged,
        not_converged_because=reasons,
        sentence=_sentence(rows, corr, posterior.predictive, converged=converged),
    )


def _fmt(x: float) -> str:
    return f"{x:.2g}" if abs(x) < 0.01 else f"{x:.2f}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(
    rows: list[UnknownSummary],
    corr: np.ndarray,
    predictive: tuple[dict[str, object], ...],
    *,
    converged: bool,
) -> str:
    if not converged:
        return (
            "The sampler has not converged, so these numbers do not yet say what the reports pin "
            "down: run again with more particles or more seasons per particle."
        )
    pinned = [r for r in rows if r.narrowing < PINNED]
    some = [r for r in rows if PINNED <= r.narrowing < LITTLE]
    little = [r for r in rows if r.narrowing >= LITTLE]
    parts: list[str] = []
    if pinned:
        parts.append(
            "The reports pin down "
            + _join(
                [
                    f"the {r.label} to {_fmt(r.lo)}-{_fmt(r.hi)} "
                    f"(prior {_fmt(r.prior_lo)}-{_fmt(r.prior_hi)})"
                    for r in pinned
                ]
            )
        )
    if some:
        lead = "they narrow" if parts else "The reports narrow"
        parts.append(
            f"{lead} "
            + _join([f"the {r.label} to {_fmt(r.lo)}-{_fmt(r.hi)}" for r in some])
            + " somewhat"
        )
    if little:
        lead = "they say little about" if parts else "The reports say little about"
        parts.append(
            f"{lead} "
            + _join([f"the {r.label}" for r in little])
            + (", whose posterior stays" if len(little) == 1 else ", whose posteriors stay")
            + " close to the prior"
        )
    moved = [r for r in little if abs(r.shift) >= SHIFT]
    if moved:
        parts.append(
            "they do favour "
            + _join(
                [
                    f"{'higher' if r.shift > 0 else 'lower'} values of the {r.label} (median "
                    f"{_fmt(r.median)} against {_fmt(r.prior_median)} a priori)"
                    for r in moved
                ]
            )
        )
    text = "; ".join(parts) + "."
    pairs = []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if abs(corr[i, j]) >= 0.5:
                pairs.append(f"the {rows[i].label} and the {rows[j].label} ({corr[i, j]:+.2f})")
    if pairs:
        text += (
            " The data constrain combinations more than single values: "
            + _join(pairs)
            + " trade off against each other."
        )
    joint = next((p for p in predictive if p.get("id") == "all together"), None)
    if joint is not None and float(joint["posterior"]) < 0.05:  # type: ignore[arg-type]
        text += (
            f" Even under the posterior the reports are unlikely together (probability "
            f"{float(joint['posterior']):.2g}), so the model or the reading of the reports "  # type: ignore[arg-type]
            "may be off: treat the posterior with caution."
        )
    return text
