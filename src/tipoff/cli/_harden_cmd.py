"""``tipoff harden``: which changes to the procedure cut interceptions most, and at what cost."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tipoff.cli._common import (
    CLUSTER_HELP,
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
from tipoff.errors import UsageError

if TYPE_CHECKING:
    from tipoff.analysis.hardening import Cost, Countermeasure, HardeningResult
    from tipoff.scenario import Scenario

SEARCH_METHODS = ("auto", "exhaustive", "beam", "greedy")


def _say(text: str) -> None:
    say(text)


def _sources(m: Countermeasure) -> str:
    return ", ".join(m.sources) or "-"


def _list_document(scenario: Scenario, measures: tuple[Countermeasure, ...]) -> dict[str, Any]:
    return {
        "scenario": scenario.name,
        "countermeasures": [
            {
                "id": m.id,
                "title": m.title,
                "changes": m.changes,
                "rationale": m.rationale,
                "sources": list(m.sources),
                "status": m.status_code,
                "origin": m.origin,
                "cost": m.cost.to_dict(),
                "cost_note": m.cost_note,
                "not_applicable": m.not_applicable(scenario),
            }
            for m in measures
        ],
    }


def _print_list(scenario: Scenario, measures: tuple[Countermeasure, ...]) -> None:
    from tipoff.report import STATUS_WORDS, cost_text

    _say(f"Countermeasures, with their costs for {scenario.name}:")
    for m in measures:
        c = m.cost
        reason = m.not_applicable(scenario)
        _say("")
        _say(
            f"{m.id}  [{_sources(m)}; {m.status_code} {STATUS_WORDS[m.status_code]}]"
            + ("  (defined in the scenario file)" if m.origin == "scenario" else "")
        )
        _say(f"  {m.title}.")
        _say(f"  Changes: {m.changes}.")
        _say(f"  Cost: {cost_text(c.fee, c.days, c.contacts, c.handovers)}. {m.cost_note}")
        if reason is not None:
            _say(f"  Not applicable to {scenario.name}: {reason}.")
    _say("")
    _say(
        "Status: R reported practice, Rec recommended, I hypothesis. C1 ... C15 and § are "
        "the countermeasures and sections of tipoff's docs/sources.md, which gives each public "
        "source. Every cost is an assumption: see docs/hardening.md."
    )


def _short_cost(c: Cost) -> str:
    parts = []
    if c.fee:
        parts.append(f"+{c.fee * 100:.0f} pt")
    if c.days:
        parts.append(f"+{c.days:.1f} d")
    if c.contacts:
        parts.append(f"+{c.contacts} call{'s' if c.contacts != 1 else ''}")
    if c.handovers != 1:
        parts.append(f"x{c.handovers:g} hand-overs")
    return "\n".join(parts) or "none"  # one cost a line: a narrow column never splits one


def _print_options(result: HardeningResult) -> None:
    from tipoff.report import arrests_cell

    base = result.baseline.p_intercept
    table = new_table(
        "Options: each measure alone, the Pareto front, the best plans", show_lines=True
    )
    add_id_column(table, "plan", [f"+ {m}" for r in result.options for m in r.measures])
    table.add_column("P(intercepted) per delivery", justify="right")
    table.add_column("cost per delivery")
    table.add_column("arrests a season (vs today)", justify="right")
    for r in result.options:
        change = (r.p_intercept - base) / base if base > 0 else 0.0
        change = change if abs(change) >= 0.005 else 0.0  # "+0%", never "-0%"
        flags = []
        if r.measures == result.recommended.measures:
            flags.append("recommended")
        if r.pareto:
            flags.append("Pareto")
        if not r.within_budget:
            flags.append("over budget")
        # each name escaped on its own: the line breaks between them are the table's own
        plan = "\n+ ".join(safe_markup(m) for m in r.measures)
        plan += f"\n({', '.join(flags)})" if flags else ""
        table.add_row(
            plan,
            f"{r.p_intercept:.3f} ({change:+.0%})",
            _short_cost(r.cost),
            arrests_cell(r),
        )
    print_table(table)
    out.print(
        "cost per delivery: pt = fee percentage points, d = days, calls = phone contacts "
        f"(each {result.contact_risk:.1%} detection risk, included in P). Pareto: no other "
        "plan is better on P(intercepted), fee and days at once.",
        markup=False,
    )


def _print_human(result: HardeningResult, scenario: Scenario) -> None:
    from tipoff.report import hardening_baseline

    b = result.baseline
    seed = result.provenance.seed
    runs = b.season.n_runs if b.season is not None else 0
    out.print(
        f"{scenario.name}: hardening the procedure (exact scores"
        + (f"; {runs} simulated seasons per option, seed {seed})" if runs else ")"),
        markup=False,
    )
    _say(hardening_baseline(result, scenario.currency))
    out.print()
    _print_options(result)
    out.print()
    _print_recommendation(result, scenario)


def _print_recommendation(result: HardeningResult, scenario: Scenario) -> None:
    """The report's words for the recommendation, then what only the command line says."""
    from tipoff.report import hardening_recommendation

    for sentence in hardening_recommendation(result, scenario.currency):
        _say(("  " if sentence[:1].isdigit() else "") + sentence)
    if result.recommended.measures and result.confirmed is None:
        _say("Not checked with the season simulator (--runs 0).")
    n = len(result.measures)
    _say(
        f"Search: {result.search} over {n} measure{'s' if n != 1 else ''} "
        f"({result.n_evaluated} plans scored with the exact engine)."
    )
    if result.not_applicable:
        na = "; ".join(f"{i} ({r})" for i, r in result.not_applicable)
        _say(f"Not applicable here: {na}.")


def harden_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario file or preset name (default: north-hamgyong-spring)."),
    ] = None,
    max_fee: Annotated[
        float | None,
        typer.Option(
            "--max-fee", help="Most added fee, as a share of the amount (0.1: ten points)."
        ),
    ] = None,
    max_days: Annotated[
        float | None, typer.Option("--max-days", help="Most added days until delivery.")
    ] = None,
    runs: Annotated[
        int,
        typer.Option("--runs", "-n", help="Seasons simulated per option (0: exact scores only)."),
    ] = 200,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the seasons (recorded in the output).")
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="Search: auto, exhaustive, beam or greedy.")
    ] = "auto",
    contact_risk: Annotated[
        float | None,
        typer.Option(
            "--contact-risk",
            help="Interception probability per added phone contact (default 0.002, an assumption).",
        ),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the countermeasures with their sources.")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Local worker processes.")
    ] = 1,
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior file from `tipoff calibrate`: rank the plans by expected arrests "
            "across it, and say how robust the recommendation is.",
        ),
    ] = None,
    posterior_from_other_scenario: OtherScenarioOption = False,
) -> None:
    """Which changes to the procedure cut interceptions and arrests most, and at what cost."""
    from tipoff.analysis.hardening import CONTACT_RISK, harden, library, scenario_measures

    if list_only:
        given = [
            name
            for name, value in (
                ("--max-fee", max_fee),
                ("--max-days", max_days),
                ("--seed", seed),
                ("--contact-risk", contact_risk),
            )
            if value is not None
        ]
        if runs != 200:
            given.append("--runs")
        if method != "auto":
            given.append("--method")
        if given:
            raise UsageError(f"--list takes only SCENARIO and --json, not {', '.join(given)}")
    check_share("--max-fee", max_fee)
    if max_days is not None and not max_days >= 0.0:
        raise UsageError(f"--max-days must be at least 0, got {max_days}")
    if runs < 0 or runs == 1 or runs > 100_000:
        raise UsageError(f"--runs must be 0 (no seasons) or from 2 to 100000, got {runs}")
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")
    if method not in SEARCH_METHODS:
        raise UsageError(f"--method must be one of {', '.join(SEARCH_METHODS)}, got {method!r}")
    if contact_risk is not None and not 0.0 <= contact_risk <= 1.0:
        raise UsageError(f"--contact-risk must be a probability, got {contact_risk}")
    check_other_scenario(posterior, posterior_from_other_scenario)

    spec = load_scenario_arg(scenario)
    if list_only:
        measures = (*library(spec), *scenario_measures(spec))
        if json_out:
            print_json(_list_document(spec, measures))
        else:
            _print_list(spec, measures)
        return
    post = None
    if posterior is not None:
        from tipoff.cli._posterior_opt import load_posterior

        post = load_posterior(posterior, spec, other_scenario=posterior_from_other_scenario)
    if runs:
        from tipoff.engines._budget import check_memory
        from tipoff.model import compile_scenario

        check_memory(compile_scenario(spec), n_runs=runs, source=scenario or None)
    from tipoff.cli._progress import work_progress

    with work_progress(enabled=not json_out) as progress:
        result = harden(
            spec,
            max_fee=max_fee,
            max_days=max_days,
            n_runs=runs,
            seed=seed,
            method=method,
            contact_risk=CONTACT_RISK if contact_risk is None else contact_risk,
            n_workers=workers,
            cluster=cluster,
            progress=progress,
        )
        robust = None
        if post is not None:
            from tipoff.cli._posterior_opt import harden_robustness

            robust = harden_robustness(spec, post, result, seed, progress=progress)
    if json_out:
        doc = result.to_dict()
        if robust is not None:
            doc["posterior"] = robust.to_dict()
        print_json(doc)
    else:
        _print_human(result, spec)
        if robust is not None:
            from tipoff.cli._posterior_opt import print_robustness

            print_robustness(robust)
