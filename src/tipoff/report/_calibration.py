"""The report's calibration section: prior and posterior of each unknown, the predictive check."""

from __future__ import annotations

from dataclasses import dataclass

from tipoff.analysis.calibration import summarize_posterior
from tipoff.results import Posterior

__all__ = ["CalibrationSection", "calibration_section"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationSection:
    """Plain values for the calibration section (strings and numbers only)."""

    unknowns: tuple[tuple[str, str, str], ...]  # label, prior (median, 90%), posterior
    predictive: tuple[tuple[str, str, str, str], ...]  # report, relation, posterior, hand-set
    sentence: str
    convergence: str
    provenance: str


def _num(x: float) -> str:
    return f"{x:.2g}" if 0 < abs(x) < 0.01 else f"{x:.3g}"


def calibration_section(posterior: Posterior, /) -> CalibrationSection:
    """What the report shows about a posterior file."""
    s = summarize_posterior(posterior)
    prov = posterior.provenance
    if s.converged:
        convergence = "The sampler converged: every posterior mean has a Monte Carlo error under a tenth of its spread."
    else:
        convergence = "The sampler did not converge: " + "; ".join(s.not_converged_because) + "."
    return CalibrationSection(
        unknowns=tuple(
            (
                r.label,
                f"{_num(r.prior_median)} ({_num(r.prior_lo)} to {_num(r.prior_hi)})",
                f"{_num(r.median)} ({_num(r.lo)} to {_num(r.hi)})",
            )
            for r in s.unknowns
        ),
        predictive=tuple(
            (
                str(p["id"]),
                str(p["reported"]),
                f"{float(p['posterior']):.3f}",  # type: ignore[arg-type]
                f"{float(p['hand_set']):.3f}",  # type: ignore[arg-type]
            )
            for p in s.predictive
        ),
        sentence=s.sentence,
        convergence=convergence,
        provenance=(
            f"Posterior from tipoff calibrate ({prov.get('method', '?')}, seed "
            f"{prov.get('seed', '?')}, scenario digest {prov.get('scenario_digest', '?')}, "
            f"observations digest {prov.get('observations_digest', '?')}, "
            f"{posterior.n_draws} draws)."
        ),
    )
