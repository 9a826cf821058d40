"""``--posterior FILE`` shared by run, exposure, harden and report: read it, say what it changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tipoff.cli._common import (
    add_id_column,
    err,
    load_scenario_arg,
    new_table,
    out,
    print_table,
    say,
)
from tipoff.cli._safe import safe

if TYPE_CHECKING:
    from tipoff.analysis.calibration import ExposureBands, Robustness
    from tipoff.analysis.hardening import HardeningResult
    from tipoff.engines import SeasonOutput
    from tipoff.results import Posterior
    from tipoff.scenario import Scenario

__all__ = [
    "OTHER_SCENARIO_FLAG",
    "OtherScenarioOption",
    "check_other_scenario",
    "exposure_bands",
    "harden_robustness",
    "load_posterior",
    "print_bands",
    "print_robustness",
    "seasons_over_posterior",
]


#: The flag that applies a posterior to a scenario other than the one it was fitted to.
OTHER_SCENARIO_FLAG = "--posterior-from-other-scenario"
OTHER_SCENARIO_HELP = (
    "Use the --posterior file even though it was fitted to a scenario whose operation, horizon or "
    "currency differs from this one (refused otherwise: its draws would mean something else here)."
)
OtherScenarioOption = Annotated[
    bool, typer.Option(OTHER_SCENARIO_FLAG, help=OTHER_SCENARIO_HELP, show_default=False)
]


def check_other_scenario(posterior: Path | None, other_scenario: bool) -> None:
    """Usage error (exit 2) for --posterior-from-other-scenario without --posterior."""
    if other_scenario and posterior is None:
        from tipoff.errors import UsageError

        raise UsageError(f"{OTHER_SCENARIO_FLAG} applies only with --posterior FILE")


def load_posterior(path: Path, scenario: Scenario, *, other_scenario: bool = False) -> Posterior:
    """Read a posterior file and check that it was fitted to ``scenario``.

    A posterior whose provenance shows it was fitted to a scenario with another network or
    operation is refused (exit code 3) unless ``other_scenario`` (the user's
    ``--posterior-from-other-scenario``), which turns the refusal into a note on stderr. A file
    too old to say which parts differ gets the note only.
    """
    from tipoff.analysis.calibration import posterior_fit
    from tipoff.errors import InputError, Problem
    from tipoff.results import read_posterior

    post = read_posterior(path)
    fit = posterior_fit(scenario, post)
    if fit.verdict == "other" and not other_scenario:
        raise InputError(
            Problem(
                source=str(path),
                message=f"{fit.sentence}; calibrate against {scenario.name}, or pass "
                f"{OTHER_SCENARIO_FLAG} to use it anyway",
            )
        )
    if fit.sentence:
        err.print(safe(f"Note: {fit.sentence}."), markup=False)
    converged = post.diagnostics.get("converged")
    if converged is False:
        err.print(
            "Note: this posterior did not converge (see `tipoff calibrate`); its spread may be "
            "off.",
            markup=False,
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
    *,
    other_scenario: bool = False,
) -> SeasonOutput:
    """Seasons whose parameters come from the posterior's draws (see simulate_over_posterior)."""
    from tipoff.analysis.calibration import simulate_over_posterior

    scenario = load_scenario_arg(scenario_arg)
    post = load_posterior(path, scenario, other_scenario=other_scenario)
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
    from tipoff.analysis.calibration import plan_name

    table = new_table(f"Across the posterior ({robust.n_draws} draws x {robust.n_runs} seasons)")
    table.add_column("plan")
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
    print_table(table)
    say(robust.sentence)


def exposure_bands(
    scenario: Scenario, path: Path, *, other_scenario: bool = False
) -> tuple[Scenario, ExposureBands]:
    """The scenario at the posterior medians, and each row's exact chance across the draws."""
    from tipoff.analysis.calibration import exposure_across_posterior
    from tipoff.scenario import with_params

    post = load_posterior(path, scenario, other_scenario=other_scenario)
    median = post.quantile(0.5)
    values = {
        u: float(median[j]) for j, u in enumerate(post.unknowns) if not u.startswith("reporting.")
    }
    return with_params(scenario, values), exposure_across_posterior(scenario, post)


def print_bands(bands: ExposureBands, rows: tuple[int, ...], ids: tuple[str, ...]) -> None:
    """The most exposed rows' chance across the posterior (mean and 90% band over draws)."""
    from rich.markup import escape

    out.print()
    say(
        "Above: the unknowns at their posterior medians. Across the posterior's draws "
        f"({bands.n_draws} exact evaluations), a delivery is intercepted with probability "
        f"{bands.overall_mean:.3f} on average (90% of draws: {bands.overall_lo:.3f} to "
        f"{bands.overall_hi:.3f})."
    )
    table = new_table("Most exposed deliveries across the posterior")
    add_id_column(table, "delivery", [ids[r] for r in rows])
    table.add_column("P(intercepted)", justify="right")
    table.add_column("90% of draws", justify="right")
    for r in rows:
        table.add_row(
            escape(ids[r]),
            f"{bands.p_mean[r]:.3f}",
            f"{bands.p_lo[r]:.3f} to {bands.p_hi[r]:.3f}",
        )
    print_table(table)
