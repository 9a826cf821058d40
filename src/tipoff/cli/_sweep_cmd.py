"""``tipoff sweep``: how the season totals change as scenario parameters vary; which ones matter."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from tipoff._numbers import plus_minus
from tipoff.cli._common import (
    CLUSTER_HELP,
    exit_codes,
    load_scenario_arg,
    new_table,
    out,
    print_json,
    print_table,
    say,
    say_items,
)
from tipoff.cli._outputs import check_targets
from tipoff.errors import UsageError

if TYPE_CHECKING:
    from tipoff.analysis.sweep import SweepResult

#: How the summary names each total (the words of ``tipoff run``).
WORDS = {
    "deliveries": "deliveries planned",
    "delivered": "delivered",
    "intercepted": "intercepted",
    "couriers_arrested": "couriers arrested",
    "family_arrested": "family members arrested",
    "money_lost": "money lost",
}

#: How the Sobol sentences suggest more base points, in this command's words.
SOBOL_RERUN = "--sobol {n}"

EPILOG = (
    "SPEC is a list (0.02,0.05,0.1), a range START:STOP:N (N values from START to STOP, both "
    "included: 0.02:0.4:10) or a distribution (uniform(0.02,0.4), loguniform(0.001,0.1), "
    "beta(2,8)). "
    + exit_codes(
        c2="(a bad --vary, option or cluster)",
        c3="(the scenario, or a point that breaks its rules)",
    )
)


def short_names(paths: tuple[str, ...] | list[str]) -> list[str]:
    """Each dotted path by its shortest suffix (whole segments) that no other path ends with.

    A column headed ``count`` would not say whether it is ``generate.relays.count`` or
    ``generate.couriers.count``.

    Examples
    --------
    >>> short_names(["generate.relays.count", "generate.couriers.count", "operation.tracing"])
    ['relays.count', 'couriers.count', 'tracing']
    """
    parts = [p.split(".") for p in paths]
    names = []
    for i, segs in enumerate(parts):
        for k in range(1, len(segs) + 1):
            tail = segs[-k:]
            if not any(j != i and other[-k:] == tail for j, other in enumerate(parts)):
                break
        names.append(".".join(tail))
    return names


def _where(r: SweepResult, i: int) -> dict[str, float]:
    return {p: float(v) for p, v in zip(r.params, r.values[i], strict=True)}


def _document(r: SweepResult, outputs: dict[str, str | None]) -> dict[str, Any]:
    from tipoff.analysis.sweep import STATS, sobol_words

    totals = {}
    for m in WORDS:
        mean = r.stat(m)
        lo, hi = int(mean.argmin()), int(mean.argmax())
        totals[m] = {
            "lowest_mean": float(mean[lo]),
            "at_lowest": _where(r, lo),
            "highest_mean": float(mean[hi]),
            "at_highest": _where(r, hi),
        }
    return {
        "scenario": r.provenance["scenario"],
        "seed": r.provenance["seed"],
        "design": r.design,
        "points": r.n_points,
        "runs": r.n_runs,
        "vary": dict(zip(r.params, r.specs, strict=True)),
        "outputs": outputs,
        "totals": totals,
        "sobol": None
        if r.sobol is None
        else {m: r.sobol[m].to_dict() for m in WORDS if m in r.sobol},
        "sobol_words": None
        if r.sobol is None
        else [sobol_words(WORDS[m], r.sobol[m], rerun=SOBOL_RERUN) for m in WORDS if m in r.sobol],
        "point_values": [
            {
                "point": i,
                "seed": int(r.seeds[i]),
                "values": _where(r, i),
                "totals": {
                    m: {s: float(r.stat(m, s)[i]) for s in STATS} for m in WORDS if m in r.metrics
                },
            }
            for i in range(r.n_points)
        ],
        "provenance": r.provenance,
    }


def _print_human(r: SweepResult, currency: str, outputs: dict[str, str | None]) -> None:
    from tipoff.analysis.sweep import sobol_words

    p = r.provenance
    say(
        f"{p['scenario']}: {r.n_points} points ({r.design}), {r.n_runs} seasons each "
        f"(seed {p['seed']})"
    )
    if r.n_points <= 30:
        table = new_table()
        for name in short_names(r.params):
            table.add_column(escape(name), justify="right")
        for m in ("intercepted", "couriers_arrested", "family_arrested"):
            table.add_column(escape(WORDS[m]), justify="right")
        for i in range(r.n_points):
            cells = [f"{v:.4g}" for v in r.values[i]]
            for m in ("intercepted", "couriers_arrested", "family_arrested"):
                mean, se = r.stat(m)[i], r.stat(m, "stderr")[i]
                cells.append(plus_minus(mean, 2 * se))
            table.add_row(*cells)
        print_table(table)
        say("(means per season ± two standard errors)")
    else:
        for m in ("intercepted", "couriers_arrested", "family_arrested", "money_lost"):
            mean = r.stat(m)
            lo, hi = int(mean.argmin()), int(mean.argmax())
            unit = f" {currency}" if m == "money_lost" else ""

            def at(i: int) -> str:
                return ", ".join(f"{k}={v:.4g}" for k, v in _where(r, i).items())

            say(
                f"{WORDS[m]}: from {mean[lo]:,.2f}{unit} a season (at {at(lo)}) to "
                f"{mean[hi]:,.2f}{unit} (at {at(hi)})"
            )
    if r.sobol is not None:
        out.print()
        say(
            "Which unknowns matter (Sobol total indices: the share of a total's variation over "
            "the design that each parameter takes part in, with its 95% interval):"
        )
        say_items(
            [
                sobol_words(WORDS[m], r.sobol[m], rerun=SOBOL_RERUN)
                for m in ("intercepted", "couriers_arrested", "family_arrested", "money_lost")
            ]
        )
    for what, written in outputs.items():
        if written:
            say(f"Wrote the {what} to {written}")


def sweep_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario file or preset name (default: north-hamgyong-spring)."),
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            "-v",
            metavar="<PATH=SPEC>",
            help="A scenario parameter by its dotted path and the values to try, PATH=SPEC "
            "(repeat for more parameters).",
        ),
    ] = None,
    design: Annotated[
        str | None,
        typer.Option(
            "--design",
            help="grid (every combination; the default for lists and ranges), lhs (Latin "
            "hypercube; the default with a distribution) or sobol (a Sobol' sequence).",
        ),
    ] = None,
    points: Annotated[
        int | None,
        typer.Option("--points", min=1, help="Points of an lhs or sobol design (default 64)."),
    ] = None,
    sobol: Annotated[
        int | None,
        typer.Option(
            "--sobol",
            min=2,
            help="Sobol indices from N base points (N x (parameters + 2) points; a power of 2 is "
            "best): which parameters drive each total.",
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=2, max=10_000_000, help="Seasons per point.")
    ] = 200,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Seed; the same seed gives the same table."),
    ] = None,
    table_out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table: .csv or .parquet (needs pandas)."),
    ] = None,
    plot_out: Annotated[
        Path | None,
        typer.Option("--plot", help="Write the plot: one offline .html file."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Local worker processes.")
    ] = 1,
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
) -> None:
    """Vary scenario parameters, simulate seasons at each point, and tabulate and plot the totals."""
    from tipoff.analysis.sweep import DESIGNS, parse_axes, sweep

    axes = parse_axes(vary or [])
    if table_out is not None and table_out.suffix not in (".csv", ".parquet"):
        raise UsageError(f"--out {table_out}: the table is .csv or .parquet")
    if plot_out is not None and plot_out.suffix not in (".html", ".htm"):
        raise UsageError(f"--plot {plot_out}: the plot is an .html file")
    check_targets(table_out, plot_out)
    has_dist = any(a.dist is not None for a in axes)
    if sobol is not None and (design is not None or points is not None):
        raise UsageError("--sobol makes its own design: leave out --design and --points")
    if design is None:
        design = "lhs" if has_dist else "grid"
    if design not in DESIGNS:
        raise UsageError(f"--design must be one of {', '.join(DESIGNS)}, got {design!r}")
    if design != "grid" and points is None:
        points = 64
    if design == "grid" and points is not None:
        raise UsageError(
            "--points is for --design lhs or sobol (or a --vary given as a distribution); "
            "lists and ranges make a grid of every combination: leave out --points, or add "
            "--design lhs"
        )
    base = load_scenario_arg(scenario)
    from tipoff.cli._progress import work_progress

    with work_progress(enabled=not json_out) as update:
        progress = None if update is None else partial(update, "points simulated")
        result = sweep(
            base,
            axes,
            design=design,
            n_points=points,
            sobol=sobol,
            n_runs=runs,
            seed=seed,
            n_workers=workers,
            cluster=cluster,
            progress=progress,
        )
    outputs: dict[str, str | None] = {
        "table": None if table_out is None else str(table_out),
        "plot": None if plot_out is None else str(plot_out),
    }
    if table_out is not None:
        from tipoff.results import write_table

        write_table(result.frame(), table_out)
    if plot_out is not None:
        from tipoff.report import write_sweep_plot

        write_sweep_plot(result, plot_out)
    if json_out:
        print_json(_document(result, outputs))
    else:
        _print_human(result, base.currency, outputs)
