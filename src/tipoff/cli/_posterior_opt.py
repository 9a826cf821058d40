"""``--posterior FILE`` shared by run, exposure, harden and report: read it, say what it changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tipoff.cli._common import err, load_scenario_arg, out

if TYPE_CHECKING:
    from tipoff.analysis.calibration import ExposureBands, Robustness
    from tipoff.analysis.hardening import HardeningResult
    from tipoff.engines import SeasonOutput
    from tipoff.results import Posterior
    from tipoff.scenario import Scenario

__all__ = [
    "exposure_bands",
    "harden_robustness",
    "load_posterior",
    "print_bands",
    "print_robustness",
    "seasons_over_posterior",
]


def load_posterior(path: Path, scenario: Scenario) -> Posterior:
    """Read a posterior file; warn on stderr when it was fitted to another scenario."""
    from tipoff.analysis.calibration import posterior_warning
    from tipoff.results import read_posterior

    post = read_posterior(path)
    warning = posterior_warning(scenario, post)
    if warning:
        err.print(f"Note: {warning}.", markup=False, soft_wrap=True)
    converged = post.diagnostics.get("converged")
    if converged is False:
        err.print(
            "Note: this posterior did not converge (see `tipoff calibrate`); its spread may be "
            "off.",
            markup=False,
            soft_wrap=True,
        )
    return post


def seasons_over_posterior(
    scenario_arg: str | None,
    path: Path,
    runs: int,
    seed: int | None,
    workers: int,
    cluster: str | None,
    record: bool,
    progress: Callable[[int], None] | None,
) -> SeasonOutput:
    """Seasons whose parameters come from the posterior's draws (see simulate_over_posterior)."""
    from tipoff.analysis.calibration import simulate_over_posterior

    scenario = load_scenario_arg(scenario_arg)
    post = load_posterior(path, scenario)
    return simulate_over_posterior(
        scenario,
        post,
        n_runs=runs,
        seed=seed,
        n_workers=workers,
        record_run=0 if record else None,
        cluster=cluster,
        progress=progress,
    )


def harden_robustness(
    scenario: Scenario,
    post: Posterior,
    result: HardeningResult,
    seed: int | None,
    *,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> Robustness:
    """The plans of ``result`` across a posterior read with :func:`load_posterior` (before the
    hardening, so that a posterior it refuses costs no work); see harden_across_posterior."""
    from tipoff.analysis.calibration import harden_across_posterior

    def across(done: int, total: int) -> None:
        if progress is not None:
            progress("seasons across the posterior", done, total)

    return harden_across_posterior(
        scenario, post, result, seed=seed, progress=None if progress is None else across
    )


def print_robustness(robust: Robustness) -> None:
    """The plans ranked by expected arrests across the posterior, and the sentence."""
    from rich.table import Table

    from tipoff.analysis.calibration import plan_name

    table = Table(
        title=f"Across the posterior ({robust.n_draws} draws x {robust.n_runs} seasons)",
        title_justify="left",
    )
    table.add_column("plan", overflow="fold")
    table.add_column("arrests", justify="right")
    table.add_column("best", justify="right")
    table.add_column("within 5%", justify="right")
    table.add_column("regret p90", justify="right")
    for p in robust.plans:
        table.add_row(
            plan_name(p.measures),
            f"{p.expected_arrests:.1f}",
            f"{p.share_best:.0%}",
            f"{p.share_near_best:.0%}",
            f"{p.regret_p90:.1f}",
        )
    out.print()
    out.print(table)
    out.print(robust.sentence, markup=False, soft_wrap=True)


def exposure_bands(scenario: Scenario, path: Path) -> tuple[Scenario, ExposureBands]:
    """The scenario at the posterior medians, and each row's exact chance across the draws."""
    from tipoff.analysis.calibration import exposure_across_posterior
    from tipoff.scenario import with_params

    post = load_posterior(path, scenario)
    median = post.quantile(0.5)
    values = {
        u: float(median[j]) for j, u in enumerate(post.unknowns) if not u.startswith("reporting.")
    }
    return with_params(scenario, values), exposure_across_posterior(scenario, post)


def print_bands(bands: ExposureBands, rows: tuple[int, ...], ids: tuple[str, ...]) -> None:
    """The most exposed rows' chance across the posterior (mean and 90% band over draws)."""
    from rich.markup import escape
    from rich.table import Table

    out.print()
    out.print(
        "Above: the unknowns at their posterior medians. Across the posterior's draws "
        f"({bands.n_draws} exact evaluations), a delivery is intercepted with probability "
        f"{bands.overall_mean:.3f} on average (90% of draws: {bands.overall_lo:.3f} to "
        f"{bands.overall_hi:.3f}).",
        markup=False,
        soft_wrap=True,
    )
    table = Table(title="Most exposed deliveries across the posterior", title_justify="left")
    table.add_column("delivery")
    table.add_column("P(intercepted)", justify="right")
    table.add_column("90% of draws", justify="right")
    for r in rows:
        table.add_row(
            escape(ids[r]),
            f"{bands.p_mean[r]:.3f}",
            f"{bands.p_lo[r]:.3f} to {bands.p_hi[r]:.3f}",
        )
    out.print(table)
