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
)
from tipoff.cli._safe import safe, safe_markup

if TYPE_CHECKING:
    from tipoff.analysis import AttributionResult

ADVICE = (
    "What to do: route around the parties at the top of this list. Tell them less: not the "
    "recipient's address, not the schedule, and nothing earlier than needed (see `tipoff "
    "exposure`); move their clients to other routes or to meeting-point hand-overs."
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


def _names(ids: list[str]) -> str:
    return safe(", ".join(ids[:-1]) + (" and " if len(ids) > 1 else "") + ids[-1])


def _print_human(r: AttributionResult, source: str, threshold: float, top: int) -> None:
    d = r.deliveries
    out.print(
        f"Attribution from {d['logged']} logged deliveries in {safe_markup(source)}: "
        f"{d['intercepted']} intercepted, {d['delivered']} delivered, {d['unknown']} unknown "
        f"(scenario {safe_markup(r.provenance.scenario)}, method {r.method}).",
        soft_wrap=True,
    )
    if not r.parties:
        out.print(
            "No party the procedure tells something could have exposed these deliveries: "
            "the log says nothing about informants.",
            soft_wrap=True,
        )
        return
    table = new_table(
        "Risk of telling them: probability that what a party is told reaches the service"
    )
    shown = r.parties[:top]
    priors = {_pct(p.prior) for p in shown}
    table.add_column("#", justify="right")
    add_id_column(table, "party", [p.id for p in shown])
    table.add_column("role", no_wrap=True)
    table.add_column("P(compr.)", justify="right")
    table.add_column("90% int.", justify="right", no_wrap=True)
    if len(priors) > 1:  # one prior for all is said under the table instead
        table.add_column("prior", justify="right")
    table.add_column("exposed", justify="right")
    table.add_column("lost", justify="right")
    table.add_column("due", justify="right")
    turning = any(p.from_day is not None for p in r.parties[:top])
    if turning:
        table.add_column("since day", justify="right", no_wrap=True)
    for k, p in enumerate(r.parties[:top], start=1):
        since = (
            [f"{p.from_day:.0f} ({p.from_day_lo:.0f}-{p.from_day_hi:.0f})"]
            if turning
            and p.from_day is not None
            and p.from_day_lo is not None
            and p.from_day_hi is not None
            and p.p_compromised >= 0.05
            else ([""] if turning else [])
        )
        table.add_row(
            str(k),
            safe_markup(p.id),
            p.role,
            _pct(p.p_compromised),
            f"{_pct(p.lo, False)}-{_pct(p.hi)}",
            *([_pct(p.prior)] if len(priors) > 1 else []),
            str(p.exposures),
            str(p.exposed_interceptions),
            f"{p.attributable_interceptions:.1f}",
            *since,
        )
    print_table(table)
    if len(priors) == 1:
        out.print(f"prior: {priors.pop()} for each party listed.", markup=False)
    if len(r.parties) > top:
        rest = r.parties[top:]
        out.print(
            f"... and {len(rest)} more, each at or below {_pct(rest[0].p_compromised)} "
            "(--top to show them, --json for all).",
            soft_wrap=True,
        )
    out.print(
        "P(compr.): probability of being an informant by the end of the log, with the range it "
        "spans over the unknown rates (90% int.) and the scenario's prior. exposed: deliveries "
        "the party could have exposed (known outcome); lost: of them intercepted; due: "
        "interceptions expected to be due to it."
        + (
            " since day: if compromised, the day it most likely began (90% range), shown from 5%."
            if turning
            else ""
        ),
        markup=False,
        soft_wrap=True,
    )
    out.print()
    if r.thin_evidence:
        out.print(
            "The evidence is too thin to separate these parties: the log did not raise anyone's "
            "odds of being an informant even threefold over the scenario's prior. Treat everyone "
            "told the address as equally at risk, and tell them all less.",
            markup=False,
            soft_wrap=True,
        )
    for group in r.indistinguishable:
        out.print(
            f"{_names(list(group))} could have exposed exactly the same deliveries: the log "
            "cannot tell them apart.",
            markup=False,
            soft_wrap=True,
        )
    flagged = r.flagged(threshold)
    expected, rate = r.false_alarms(threshold)
    if flagged:
        out.print(
            f"{len(flagged)} part{'y is' if len(flagged) == 1 else 'ies are'} at or above "
            f"{threshold:.0%}: {_names([p.id for p in flagged])}. Expected false alarms among "
            f"them (not informants at all): {expected:.1f}, a rate of {rate:.0%}.",
            markup=False,
            soft_wrap=True,
        )
    else:
        out.print(
            f"No party reaches {threshold:.0%}: nobody is more likely than not to be an informant.",
            markup=False,
            soft_wrap=True,
        )
    eff, bg = r.effectiveness, r.background
    out.print(
        f"Learned from the log: an informed informant gets a delivery intercepted with "
        f"probability {eff.mean:.2f} ({eff.lo:.2f} to {eff.hi:.2f}; scenario {eff.prior_mean:.2f}); "
        f"deliveries are lost for unrelated reasons at {bg.mean:.3f} ({bg.lo:.3f} to "
        f"{bg.hi:.3f}; scenario {bg.prior_mean:.3f}), about {r.background_interceptions:.1f} "
        "of the interceptions.",
        markup=False,
        soft_wrap=True,
    )
    out.print()
    out.print(ADVICE, markup=False, soft_wrap=True)
    out.print(NEVER, markup=False, soft_wrap=True)


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
) -> None:
    """Weigh an incident log: each intermediary's probability of being compromised.

    Ranks the parties the procedure tells something by the risk of telling them, with 90%
    intervals and the expected false alarms. Evidence, not accusation: route around, never
    confront.
    """
    from tipoff.analysis import AttributionWarning, attribute
    from tipoff.errors import UsageError
    from tipoff.results import read_incident_log

    if method not in ("auto", "exact", "gibbs"):
        raise UsageError(f"--method must be auto, exact or gibbs, got {method!r}")
    model = load_model(scenario)
    from tipoff.cli._progress import reading_progress

    with reading_progress(log, "reading the incident log") as progress:
        incident_log = read_incident_log(log, model=model, progress=progress)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AttributionWarning)
        result = attribute(incident_log, model, method=method, seed=seed)
    for w in result.warnings:
        err.print(f"warning: {safe(w)}", markup=False, soft_wrap=True)
    if json_out:
        print_json(result.to_dict(threshold))
    else:
        _print_human(result, str(log), threshold, top)
