"""``tipoff run``: simulate seasons of the operation and say what happened and why."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tipoff.cli._common import err, load_model, out, print_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from tipoff.results import SeasonSummary

LABELS = {
    "deliveries": "deliveries planned",
    "attempted": "deliveries attempted",
    "stalled": "stalled (no free courier)",
    "delivered": "delivered",
    "intercepted": "intercepted",
    "couriers_arrested": "couriers arrested",
    "family_arrested": "family members arrested",
    "money_lost": "money lost",
    "money_delivered": "money delivered",
    "sweep_arrests": "couriers arrested in sweeps",
}


@contextlib.contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("simulating seasons", total=total)
        yield lambda done: bar.update(task, completed=done)


def _print_human(s: SeasonSummary, currency: str) -> None:
    o = s.output
    table = Table(
        title=f"{escape(o.provenance.scenario)}: {o.n_runs} seasons of {o.horizon_days} days "
        f"(seed {o.provenance.seed})",
        title_justify="left",
    )
    table.add_column("per season", overflow="fold")
    table.add_column("mean", justify="right")
    table.add_column("95% of seasons", justify="right")
    for name in (
        "attempted",
        "delivered",
        "intercepted",
        "stalled",
        "couriers_arrested",
        "sweep_arrests",
        "family_arrested",
        "money_lost",
    ):
        iv = s.totals[name]
        fmt = "{:,.0f}" if name == "money_lost" else "{:.1f}"
        unit = f" {currency}" if name == "money_lost" else ""
        table.add_row(LABELS[name] + unit, fmt.format(iv.mean), f"{iv.lo:,.0f} to {iv.hi:,.0f}")
    out.print(table)
    if s.totals["intercepted"].mean > 0:
        causes = ", ".join(f"{c} {share:.0%}" for c, share in s.causes.items() if share > 0)
        out.print(f"Interceptions by cause: {causes}", markup=False, soft_wrap=True)
    arrests = {
        p: s.courier_arrests_by_place.get(p, 0.0) + s.family_arrests_by_place.get(p, 0.0)
        for p in s.courier_arrests_by_place
    }
    top = sorted(arrests.items(), key=lambda kv: -kv[1])[:6]
    if top and top[0][1] > 0:
        places = ", ".join(f"{p} {n:.1f}" for p, n in top if n > 0)
        out.print(f"Arrests by place (mean per season): {places}", markup=False, soft_wrap=True)
    out.print()
    from tipoff.report import season_sentence

    out.print(
        season_sentence(s, currency, see="see `tipoff exposure`"), markup=False, soft_wrap=True
    )


def run(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario file or preset name (default: north-hamgyong-spring)."),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=1, max=10_000_000, help="Seasons to simulate.")
    ] = 1000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Seed; the same seed gives the same results."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    log_out: Annotated[
        Path | None,
        typer.Option(
            "--log-out", help="Write run 0's incident log (.csv or .jsonl): what a defender sees."
        ),
    ] = None,
    truth_out: Annotated[
        Path | None,
        typer.Option("--truth-out", help="Write run 0's ground truth (JSON), for evaluation only."),
    ] = None,
    table_out: Annotated[
        Path | None,
        typer.Option(
            "--table-out", help="Write the daily series as .csv or .parquet (needs pandas)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Worker processes.")
    ] = 1,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="auto (compiled when numba is installed: pip install 'tipoff[fast]'), numpy or "
            "numba. Both give the same numbers.",
        ),
    ] = "auto",
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior file from `tipoff calibrate`: each season takes the unknown "
            "parameters from a posterior draw, so the ranges include what is not known.",
        ),
    ] = None,
) -> None:
    """Simulate seasons of the operation against a scenario and summarise them."""
    from tipoff.engines import simulate_season
    from tipoff.results import (
        daily_frame,
        summarize,
        write_incident_log,
        write_table,
        write_truth,
    )

    model = load_model(scenario)
    want_record = log_out is not None or truth_out is not None
    with _progress(runs, enabled=runs * max(model.n_parties, 1) > 2_000_000) as progress:
        if posterior is not None:
            from tipoff.cli._posterior_opt import seasons_over_posterior

            output = seasons_over_posterior(
                scenario, posterior, runs, seed, workers, engine, want_record, progress
            )
        else:
            output = simulate_season(
                model,
                n_runs=runs,
                seed=seed,
                n_workers=workers,
                engine=engine,
                record_run=0 if want_record else None,
                progress=progress,
            )
    summary = summarize(output)
    provenance = output.provenance.to_dict()
    if output.record is not None:
        if log_out is not None:
            write_incident_log(output.record, log_out)
        if truth_out is not None:
            write_truth(output.record, truth_out, provenance=provenance)
    if table_out is not None:
        write_table(daily_frame(summary), table_out)
    if json_out:
        print_json(summary.to_dict())
    else:
        _print_human(summary, model.currency)
