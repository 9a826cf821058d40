"""``tipoff exposure``: how exposed each delivery is, and which step of the procedure exposes it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tipoff.cli._common import (
    add_id_column,
    check_share,
    load_scenario_arg,
    new_table,
    out,
    print_json,
    print_table,
    say,
)
from tipoff.cli._posterior_opt import OtherScenarioOption, check_other_scenario
from tipoff.cli._safe import safe_markup
from tipoff.cli._scenario_cmds import count_routes
from tipoff.errors import UsageError

if TYPE_CHECKING:
    from tipoff.analysis._exposure import ExposureReport
    from tipoff.model import CompiledModel
    from tipoff.scenario import Scenario


def _route(model: CompiledModel, chain: int) -> tuple[list[str], str]:
    relays = [model.party_ids[p] for p in model.chain_relays[chain] if p >= 0]
    courier = model.party_ids[model.courier_party[model.chain_courier[chain]]]
    return relays, courier


def headline(report: ExposureReport, model: CompiledModel) -> str:
    """The headline in the one unit every command uses: P(intercepted) per delivery."""
    o = report.output
    rows = o.deliveries
    total = float(rows.weight.sum())
    mean_p = o.expected_interceptions / total if total > 0 else 0.0
    routes = count_routes(model)
    n = round(total)
    if model.explicit_day.size:
        count = f"{o.expected_interceptions:.2f} of the scenario's {n} deliveries intercepted"
    else:
        count = (
            f"{o.expected_interceptions:.2f} of {n} deliveries intercepted if each sender sent one"
        )
    how = o.method + (f", seed {o.provenance.seed}" if o.method == "montecarlo" else "")
    return (
        f"{model.name}: P(intercepted) per delivery {mean_p:.3f} on average over "
        f"{routes} route{'s' if routes != 1 else ''} ({count}; {how})."
    )


def _print_human(
    report: ExposureReport, model: CompiledModel, top: int, scenario: Scenario
) -> None:
    """The tables and the advice, in the report's plain words (never raw item names)."""
    from tipoff.analysis._exposure import MODE_NAMES
    from tipoff.report._words import step_sentence

    o = report.output
    rows = o.deliveries
    montecarlo = o.method == "montecarlo"
    say(headline(report, model))
    shown = list(report.top[:top])
    alone = {
        r: [c.parties[0] for c in report.cut_sets if c.row == r and len(c.parties) == 1]
        for r in shown
    }
    routes, ids = {}, []
    for r in shown:
        relays, courier = _route(model, int(rows.chain[r]))
        sender = model.party_ids[model.sender_party[rows.sender[r]]]
        parts = [sender, *relays, courier, model.party_ids[rows.recipient[r]]]
        # each id escaped on its own: the line breaks between them are the table's, not the file's
        routes[r] = " >\n".join(safe_markup(p) for p in parts)
        ids += parts + alone[r]
    modes = {MODE_NAMES[int(rows.mode[r])] for r in shown}
    table = new_table(
        "Most exposed deliveries, each by its route (sender > relays > courier > recipient)"
        + (f"; every hand-over at {modes.pop().replace('_', ' ')}" if len(modes) == 1 else "")
    )
    add_id_column(table, "delivery", [rows.ids[r] for r in shown])
    add_id_column(table, "route", list(routes.values()))
    if modes:
        table.add_column("hand-over")
    table.add_column("day", justify="right")
    table.add_column("P(intercepted)", justify="right", no_wrap=True)
    table.add_column("main step", justify="right")
    add_id_column(table, "one position enough", [p for r in shown for p in alone[r]] or ["-"])
    for r in shown:
        p = f"{o.p_intercept[r]:.3f}" + (f"\n± {o.stderr[r]:.3f}" if montecarlo else "")
        drivers = sorted(report.steps, key=lambda s: -s.per_delivery[r])
        driver = f"{drivers[0].step + 1}" if drivers and drivers[0].per_delivery[r] > 1e-12 else "-"
        table.add_row(
            safe_markup(rows.ids[r]),
            routes[r],
            *([MODE_NAMES[int(rows.mode[r])].replace("_", " ")] if modes else []),
            str(int(rows.day[r])),
            p,
            driver,
            "\n".join(safe_markup(p) for p in alone.get(r, [])) or "-",
        )
    print_table(table)
    from tipoff.report import glossary

    say(
        "main step: the step of the procedure (below) that exposes the delivery most. "
        f"one position enough: {glossary('one position enough')}"
    )

    steps = new_table("Procedure steps: interceptions avoided if the step is dropped")
    for name in ("step", "who is told what", "avoided"):
        steps.add_column(name, justify="right" if name == "avoided" else "left")
    for s in report.steps:
        said = step_sentence(scenario.protocol[s.step])
        steps.add_row(str(s.step + 1), safe_markup(said), f"{s.attributable:.2f}")
    print_table(steps)

    roles = ", ".join(f"{k} {v:.2f}" for k, v in report.roles.items())
    say(f"Interceptions avoided if a role is told nothing: {roles}")
    out.print()
    say(report.advice)  # the words of the report and of --json alike


def exposure_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario file or preset name (default: north-hamgyong-spring)."),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="exact (closed form) or montecarlo (sampled).")
    ] = "exact",
    samples: Annotated[
        int | None,
        typer.Option("--samples", help="Samples per delivery (montecarlo only; default 20000)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed (montecarlo only; recorded in the output).")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Catch at which one compromised position is enough."),
    ] = 0.5,
    top: Annotated[int, typer.Option("--top", help="Most exposed deliveries to show.")] = 10,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior file from `tipoff calibrate`: the unknowns are set to the posterior "
            "medians, and each delivery's chance is also given across the posterior's draws.",
        ),
    ] = None,
    posterior_from_other_scenario: OtherScenarioOption = False,
) -> None:
    """How exposed each delivery is under the static model, and which step exposes it."""
    from tipoff.analysis._exposure import exposure_report
    from tipoff.engines.exact import EXPOSURE_METHODS
    from tipoff.model import compile_scenario

    if method not in EXPOSURE_METHODS:
        raise UsageError(f"--method must be exact or montecarlo, got {method!r}")
    if method == "exact" and (samples is not None or seed is not None):
        raise UsageError("--samples and --seed apply to --method montecarlo only")
    if samples is not None and samples < 2:
        raise UsageError(f"--samples must be at least 2, got {samples}")
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")
    check_share("--threshold", threshold)
    if top < 1:
        raise UsageError(f"--top must be at least 1, got {top}")
    check_other_scenario(posterior, posterior_from_other_scenario)
    spec = load_scenario_arg(scenario)
    bands = None
    if posterior is not None:
        from tipoff.cli._posterior_opt import exposure_bands

        spec, bands = exposure_bands(spec, posterior, other_scenario=posterior_from_other_scenario)
    model = compile_scenario(spec)
    report = exposure_report(
        spec,
        model=model,
        method=method,
        n_samples=samples if samples is not None else 20_000,
        seed=seed,
        threshold=threshold,
        top=top,
    )
    if json_out:
        doc = report.to_dict()
        if bands is not None:
            doc["posterior"] = bands.to_dict()
        print_json(doc)
    else:
        _print_human(report, model, top, spec)
        if bands is not None:
            from tipoff.cli._posterior_opt import print_bands

            print_bands(bands, report.top[:top], report.output.deliveries.ids)
