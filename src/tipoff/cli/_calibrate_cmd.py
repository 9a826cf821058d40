"""``tipoff calibrate``: the posterior of a scenario's unknown parameters given what was reported."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tipoff.cli._common import (
    CLUSTER_HELP,
    DEFAULT_SCENARIO,
    add_id_column,
    err,
    load_scenario_arg,
    new_table,
    out,
    print_json,
    print_table,
    say,
    say_items,
)
from tipoff.cli._outputs import check_targets, refuse_stdout, write_output
from tipoff.cli._safe import safe_markup

if TYPE_CHECKING:
    from tipoff.analysis.calibration import CalibrationSummary
    from tipoff.results import Posterior


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[float, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TextColumn("{task.fields[seasons]:,} seasons simulated"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("prior to posterior", total=1.0, seasons=0)
        yield lambda phi, seasons: bar.update(task, completed=phi, seasons=seasons)


def _corr(x: float | None) -> str:
    return "-" if x is None else f"{x:+.2f}"


def _num(x: float) -> str:
    if x == 0:
        return "0"
    return f"{x:.2g}" if abs(x) < 0.01 else f"{x:.3g}"


def _interval(median: float, lo: float, hi: float) -> str:
    return f"{_num(median)} ({_num(lo)} to {_num(hi)})"


def _print_human(s: CalibrationSummary, posterior: Posterior, seconds: float) -> None:
    """The summary in the terminal's width: tables as ``tipoff run`` prints them (cells wrap at
    spaces, never inside a number; records when too narrow), sentences wrapped."""
    prov = posterior.provenance
    opts = prov.get("options", {})
    diag = posterior.diagnostics
    say(
        f"Calibration of {prov['scenario']} (seed {prov['seed']}; {opts.get('n_particles')} "
        f"particles, {opts.get('runs_per_particle')} seasons each; "
        f"{diag.get('seasons_total', 0):,} seasons in {seconds:.0f} s)"
    )
    table = new_table("Prior and posterior (median, 90% interval)")
    table.add_column("unknown")
    table.add_column("prior", justify="right")
    table.add_column("posterior", justify="right")
    table.add_column("MC error", justify="right")
    for r in s.unknowns:
        table.add_row(
            safe_markup(r.label),
            _interval(r.prior_median, r.prior_lo, r.prior_hi),
            _interval(r.median, r.lo, r.hi),
            "" if r.mc_error is None else _num(r.mc_error),
        )
    print_table(table)
    say(
        "MC error: how far the posterior mean could move if the sampler ran again (its Monte "
        "Carlo error); when it is small against the 90% interval, more sampling would not "
        "change the answer."
    )
    if len(s.unknowns) > 1:
        corr = new_table("Posterior correlations")
        corr.add_column("")
        for j in range(len(s.unknowns)):
            corr.add_column(str(j + 1), justify="right")
        for i, r in enumerate(s.unknowns):
            corr.add_row(
                f"{i + 1} {safe_markup(r.label)}",
                *(_corr(s.correlation[i][j]) for j in range(i + 1)),
                *([""] * (len(s.unknowns) - i - 1)),
            )
        print_table(corr)
    check = new_table("Predictive check: probability of each report")
    ids = [safe_markup(row["id"]) for row in s.predictive]
    add_id_column(check, "report", ids)
    check.add_column("reported", justify="right")
    check.add_column("posterior", justify="right")
    check.add_column("hand-set values", justify="right")
    for id_, row in zip(ids, s.predictive, strict=True):
        check.add_row(
            id_,
            safe_markup(row["reported"]),
            f"{float(row['posterior']):.3f}",  # type: ignore[arg-type]
            f"{float(row['hand_set']):.3f}",  # type: ignore[arg-type]
        )
    print_table(check)
    if s.converged:
        ess = min((r.ess or 0.0) for r in s.unknowns)
        say(
            f"Converged: every posterior mean has a Monte Carlo error under a tenth of its "
            f"spread (smallest effective sample size {ess:.0f})."
        )
    else:
        say("NOT CONVERGED:")
        say_items(list(s.not_converged_because))
    out.print()
    say(s.sentence)


def _summary_dict(s: CalibrationSummary, posterior: Posterior) -> dict[str, Any]:
    return {
        "unknowns": [
            {
                "unknown": r.unknown,
                "label": r.label,
                "prior": {"median": r.prior_median, "lo": r.prior_lo, "hi": r.prior_hi},
                "posterior": {
                    "median": r.median,
                    "lo": r.lo,
                    "hi": r.hi,
                    "mean": r.mean,
                    "mc_error": r.mc_error,
                    "ess": r.ess,
                },
            }
            for r in s.unknowns
        ],
        "correlation": [list(r) for r in s.correlation],
        "predictive": list(s.predictive),
        "converged": s.converged,
        "not_converged_because": list(s.not_converged_because),
        "sentence": s.sentence,
        "diagnostics": posterior.diagnostics,
        "provenance": posterior.provenance,
    }


def calibrate_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(help=f"A scenario file or preset name (default: {DEFAULT_SCENARIO})."),
    ] = None,
    observations: Annotated[
        str | None,
        typer.Argument(
            help="An observations file, or a built-in one (default: the scenario's own, when "
            "it has one: the seed report's for the seed preset)."
        ),
    ] = None,
    particles: Annotated[
        int,
        typer.Option(
            "--particles", min=16, max=100_000, help="Particles (a multiple of 4: four islands)."
        ),
    ] = 4096,
    runs_per_particle: Annotated[
        int | None,
        typer.Option(
            "--runs-per-particle",
            min=1,
            max=1_000_000,
            help="Seasons simulated per likelihood estimate (default: 5 draws of the reported "
            "population, at least 8).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Seed; the same seed gives the same posterior."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Worker processes.")
    ] = 1,
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the posterior file (JSON, weighted draws, provenance)."
        ),
    ] = None,
    schema: Annotated[
        bool,
        typer.Option(
            "--schema",
            help="Print the JSON Schema of observations files (or write it to -o) and stop.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the scenario and the observations file, say what they hold, and stop "
            "(exit 0, or 3 with every problem).",
        ),
    ] = False,
) -> None:
    """Infer the operation's unknown parameters from reported counts (a posterior over them).

    Sequential Monte Carlo over the parameters, with likelihoods estimated from simulated seasons
    (pseudo-marginal: exact in the limit of more particles). Prints prior against posterior,
    correlations, how likely each report is under the posterior and under the hand-set values,
    and whether the sampler converged.
    """
    from tipoff.errors import UsageError
    from tipoff.results import write_posterior
    from tipoff.scenario import (
        list_observation_presets,
        observations_json_schema,
        resolve_observations,
    )

    check_targets(output)
    if schema:
        doc = observations_json_schema()
        if output is None:
            print_json(doc)
        else:
            write_output(output, json.dumps(doc, indent=2) + "\n")
        return
    refuse_stdout("-o", output, "the posterior file is read back by other commands")
    if particles % 4:
        raise UsageError(f"--particles must be a multiple of 4, got {particles}")
    sc = load_scenario_arg(scenario)
    if observations is None:
        name = scenario or DEFAULT_SCENARIO
        if name not in list_observation_presets():
            raise UsageError(
                f"no built-in observations for {name!r}: name an observations file "
                "(see docs/calibration.md)"
            )
        observations = name
    obs = resolve_observations(observations, scenario=sc)
    if check:
        n_u, n_o = len(obs.unknowns), len(obs.observations)
        say(
            f"OK {observations}: {n_u} unknown{'s' * (n_u != 1)} ({', '.join(obs.unknowns)}), "
            f"{n_o} observation{'s' * (n_o != 1)} ({', '.join(o.id for o in obs.observations)}), "
            f"against {sc.name}"
        )
        return
    from tipoff.analysis.calibration import calibrate, summarize_posterior

    start = time.perf_counter()
    with _progress(enabled=not json_out and err.is_terminal) as progress:
        posterior = calibrate(
            sc,
            obs,
            n_particles=particles,
            runs_per_particle=runs_per_particle,
            seed=seed,
            n_workers=workers,
            cluster=cluster,
            progress=progress,
        )
    seconds = time.perf_counter() - start
    posterior.provenance["observations"] = observations
    if output is not None:
        write_posterior(output, posterior)
    summary = summarize_posterior(posterior)
    if json_out:
        print_json(_summary_dict(summary, posterior))
    else:
        _print_human(summary, posterior, seconds)
        if output is not None:
            say(f"Posterior written to {output}")
