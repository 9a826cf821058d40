"""``--posterior FILE`` shared by run, exposure, harden and report: read it, say what it changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tipoff.cli._common import err, load_scenario_arg

if TYPE_CHECKING:
    from tipoff.engines import SeasonOutput
    from tipoff.results import Posterior
    from tipoff.scenario import Scenario

__all__ = ["load_posterior", "seasons_over_posterior"]


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
    engine: str,
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
        engine=engine,
        progress=progress,
    )
