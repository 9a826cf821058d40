"""``tipoff attribute``: from an incident log to whom to tell less. Evidence, not accusation."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tipoff.cli._common import (
    add_id_column,
    err,
    load_model,
    new_table,
    out,
    print_json,
    print_table,
    say,
)
from tipoff.cli._log_opts import LogColumns, SeasonStart, read_log
from tipoff.cli._safe import safe, safe_markup

if TYPE_CHECKING:
    from tipoff.analysis import AttributionResult

ADVICE = (
    "What to do: route around the parties at the top of this list. Tell them less: not the "
    "recipient's address, not the schedule, and nothing earlier than needed (see `tipoff "
    "exposure`); move their clients to other routes or to meeting-point hand-overs."
)
ADVICE_NOBODY = (
    "What to do: no party stands out, so there is nobody in particular to route around. Tell "
    "everyone on these routes less: not the recipient's address, not the schedule, and nothing "
    "earlier than needed (see `tipoff exposure`)."
)
NEVER_NOBODY = (
    "Do not confront, accuse or expose anyone. These are probabilities from a model of the "
    "operation, not proof, and a confrontation endangers them, you and the families."
)
NEVER = (
    "Do not confront, accuse or expose anyone. These are probabilities from a model of the "
    "operation, not proof: flagged parties may well be innocent (see the false-alarm estimate), "
    "and a confrontation endangers them, you and the families."
)


def _pct(x: float, sign: bool = True) -> str:
    if x >= 0.995:
        text = ">99"
    elif 0 < x < 0.005:
        text = "<1"
    else:
        text = f"{100 * x:.0f}"
    return text + ("%" if sign else "")


def _shown(name: str) -> str:
    """A file name as printed: not when it looks like personal data (a log named after a person)."""
    from tipoff.scenario._privacy import privacy_problem

    if privacy_problem(name):
        return "(a file whose name looks like personal data: not shown)"
    return safe(name)


def _names(ids: list[str]) -> str:
    return safe(", ".join(ids[:-1]) + (" and " if len(ids) > 1 else "") + ids[-1])


def _print_human(r: AttributionResult, source: str, threshold: float, top: int) -> None:
    from tipoff.report._words import (
        attribution_flagged,
        attribution_learned,
        attribution_party,
        pct_range,
    )

    d = r.deliveries
    thin = r.thin_reason(threshold)
    if thin:  # first, before any number
        say(f"Thin evidence. {thin}")
        out.print()
    say(
        f"Attribution from {d['logged']} logged deliveries in {_shown(source)}: "
        f"{d['intercepted']} intercepted, {d['delivered']} delivered, {d['unknown']} unknown "
        f"(scenario {safe(r.provenance.scenario)}, method {r.method})."
    )
    if not r.parties:
        say(
            "No party the procedure tells something could have exposed these deliveries: "
            "the log says nothing about who leaks."
        )
        return
    table = new_table(
        "Risk of telling them: probability that what a party is told reaches the service"
    )
    shown = r.parties[:top]
    traced = any(p.prior_traced > 0 for p in r.parties)
    priors = {_pct(p.prior) for p in shown}
    table.add_column("#", justify="right")
    add_id_column(table, "party", [p.id for p in shown])
    table.add_column("P(leaks)", justify="right")
    table.add_column("90% int.", justify="right", no_wrap=True)
    table.add_column("inform.", justify="right")
    if traced:
        table.add_column("traced", justify="right")
    if len(priors) > 1:  # one prior for all is said under the table instead
        table.add_column("prior", justify="right")
    table.add_column("lost", justify="right", no_wrap=True)
    table.add_column("due", justify="right")
    for k, p in enumerate(r.parties[:top], start=1):
        table.add_row(
            str(k),
            safe_markup(p.id),
            _pct(p.p_compromised),
            pct_range(p.lo, p.hi),
            _pct(p.p_informant),
            *([_pct(p.p_traced)] if traced else []),
            *([_pct(p.prior)] if len(priors) > 1 else []),
            f"{p.exposed_interceptions}/{p.exposures}",
            f"{p.attributable_interceptions:.1f}",
        )
    print_table(table)
    if len(priors) == 1:
        out.print(f"prior: {priors.pop()} for each party listed.", markup=False)
    if len(r.parties) > top:
        rest = r.parties[top:]
        say(
            f"... and {len(rest)} more, each at or below {_pct(rest[0].p_compromised)} "
            "(--top to show them, --json for all)."
        )
    say(
        "P(leaks): probability that what the party is told reaches the service by the end of "
        "the log, for either cause, with the range it spans over the unknown rates (90% int.) "
        "and the scenario's prior. It splits into inform.: being an informant"
        + (
            ", and traced: the service learned of the party through a family arrested at one "
            "of its deliveries (the party is then in danger itself, and no informant)"
            if traced
            else ""
        )
        + ". lost: deliveries intercepted / deliveries the party could have exposed (known "
        "outcome); due: interceptions expected to be due to it."
    )
    out.print()
    for group in r.indistinguishable:
        say(
            f"{_names(list(group))} could have exposed exactly the same deliveries: the log "
            "cannot tell them apart."
        )
    say(attribution_flagged(r, threshold))
    for p in r.flagged(threshold)[:top]:
        say("- " + attribution_party(p))
    say(attribution_learned(r))
    out.print()
    flagged = bool(r.flagged(threshold))
    say(ADVICE if flagged else ADVICE_NOBODY)
    likely_traced = [p.id for p in r.flagged(threshold) if p.cause == "traced"]
    if likely_traced:
        one = len(likely_traced) == 1
        say(
            f"{_names(likely_traced)} {'is' if one else 'are'} more likely traced than "
            f"{'an informant' if one else 'informants'}: in danger "
            f"{'itself' if one else 'themselves'}. Warn {'it that its' if one else 'them that their'} "
            "channel is known to the service, and route deliveries around "
            f"{'it' if one else 'them'}."
        )
    say(NEVER if flagged else NEVER_NOBODY)


def attribute_cmd(
    log: Annotated[
        Path, typer.Argument(help="The incident log (.csv or .jsonl): what the defender saw.")
    ],
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            "-s",
            help="The scenario the log belongs to: a file or preset (default: "
            "north-hamgyong-spring).",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="auto (exact when small, else gibbs), exact (enumeration) or gibbs (sampling).",
        ),
    ] = "auto",
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", min=0.0, max=1.0, help="Probability at which a party is reported."
        ),
    ] = 0.5,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Seed of the sampler; the same seed, the same answer."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Parties to list.")] = 20,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    columns: LogColumns = None,
    season_start: SeasonStart = None,
) -> None:
    """Weigh an incident log: the probability that what each intermediary is told leaks.

    Ranks the parties the procedure tells something by the risk of telling them, with 90%
    intervals, split by cause (an informant, or traced by the service through an arrested
    family), and the expected false alarms; says so first when the evidence is thin. Evidence,
    not accusation: route around, warn the traced, never confront.
    """
    from tipoff.analysis import AttributionWarning, attribute
    from tipoff.errors import UsageError

    if method not in ("auto", "exact", "gibbs"):
        raise UsageError(f"--method must be auto, exact or gibbs, got {method!r}")
    model = load_model(scenario)
    incident_log = read_log(log, model, columns, season_start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AttributionWarning)
        result = attribute(incident_log, model, method=method, seed=seed)
    for w in result.warnings:
        err.print(f"warning: {safe(w)}", markup=False, soft_wrap=True)
    if json_out:
        print_json(result.to_dict(threshold))
    else:
        _print_human(result, str(log), threshold, top)
