"""``tipoff run``: simulate seasons of the operation and say what happened and why."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tipoff.cli._common import (
    CLUSTER_HELP,
    err,
    load_model,
    new_table,
    out,
    print_json,
    print_table,
    say,
)
from tipoff.cli._crypto_opts import (
    EncryptPassphrase,
    EncryptTo,
    NoEncrypt,
    RecipientsFile,
    encryption_from,
)
from tipoff.cli._outputs import check_targets, claim_stdout, write_output
from tipoff.cli._posterior_opt import OtherScenarioOption, check_other_scenario
from tipoff.cli._safe import safe, safe_markup

if TYPE_CHECKING:
    from tipoff._crypto import Encryption
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


def per_delivery(s: SeasonSummary) -> tuple[float, float, float]:
    """P(intercepted) per attempted delivery: pooled over seasons, and the range of 95% of seasons.

    The pooled value is all interceptions over all attempted deliveries; the range is that of the
    per-season share, over the seasons that attempted at least one delivery.
    """
    import numpy as np

    o = s.output
    attempted = o.totals[:, o.metrics.index("attempted")].astype(np.float64)
    intercepted = o.totals[:, o.metrics.index("intercepted")].astype(np.float64)
    pooled = float(intercepted.sum() / attempted.sum()) if attempted.sum() > 0 else 0.0
    some = attempted > 0
    if not some.any():
        return pooled, 0.0, 0.0
    lo, hi = np.percentile(intercepted[some] / attempted[some], [2.5, 97.5])
    return pooled, float(lo), float(hi)


def _print_human(s: SeasonSummary, currency: str) -> None:
    o = s.output
    table = new_table(
        f"{safe_markup(o.provenance.scenario)}: {o.n_runs} seasons of {o.horizon_days} days "
        f"(seed {o.provenance.seed})"
    )
    table.add_column("per season")
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
    p, lo, hi = per_delivery(s)
    table.add_section()
    table.add_row("P(intercepted) per delivery", f"{p:.3f}", f"{lo:.3f} to {hi:.3f}")
    print_table(table)
    if s.totals["intercepted"].mean > 0:
        causes = ", ".join(f"{c} {share:.0%}" for c, share in s.causes.items() if share > 0)
        say(f"Interceptions by cause: {causes}")
    arrests = {
        p: s.courier_arrests_by_place.get(p, 0.0) + s.family_arrests_by_place.get(p, 0.0)
        for p in s.courier_arrests_by_place
    }
    top = sorted(arrests.items(), key=lambda kv: -kv[1])[:6]
    if top and top[0][1] > 0:
        places = ", ".join(f"{p} {n:.1f}" for p, n in top if n > 0)
        say(f"Arrests by place where they happened (mean per season): {places}")
    out.print()
    from tipoff.report import season_sentence

    say(season_sentence(s, currency, see="see `tipoff exposure`"))


def _wrote(path: Path | None, encryption: Encryption | None) -> None:
    how = "not encrypted" if encryption is None else encryption.describe()
    if path is None:  # standard output: said only when it is not the text asked for
        if encryption is not None:
            err.print(
                f"wrote to standard output, {how} (age, binary data): redirect it to a file "
                "ending in .age, or give --no-encrypt for plain text",
                markup=False,
            )
        return
    err.print(f"wrote {safe(path)} ({how})", markup=False, soft_wrap=True)


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
            "--log-out",
            help="Write run 0's incident log (.csv or .jsonl; - for CSV on standard output): "
            "what a defender sees.",
        ),
    ] = None,
    truth_out: Annotated[
        Path | None,
        typer.Option(
            "--truth-out",
            help="Write run 0's ground truth (JSON; - for standard output), for evaluation only.",
        ),
    ] = None,
    table_out: Annotated[
        Path | None,
        typer.Option(
            "--table-out",
            help="Write the daily series as .csv or .parquet (needs pandas; - for CSV on "
            "standard output).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Worker processes.")
    ] = 1,
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            hidden=True,
            help="Deprecated and ignored: the compiled engine is the only season engine.",
        ),
    ] = None,
    encrypt_to: EncryptTo = None,
    recipients_file: RecipientsFile = None,
    encrypt_passphrase: EncryptPassphrase = False,
    no_encrypt: NoEncrypt = False,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior file from `tipoff calibrate`: each season takes the unknown "
            "parameters from a posterior draw, so the ranges include what is not known.",
        ),
    ] = None,
    posterior_from_other_scenario: OtherScenarioOption = False,
) -> None:
    """Simulate seasons of the operation against a scenario and summarise them.

    Incident logs and truth files are encrypted (age) to the recipients in the settings
    (`tipoff config`) unless --no-encrypt; the encryption options apply to every file written.
    """
    import json

    from tipoff.engines import simulate_season
    from tipoff.engines._budget import check_memory
    from tipoff.errors import UsageError
    from tipoff.results import daily_frame, incident_log_text, summarize, truth_document

    check_other_scenario(posterior, posterior_from_other_scenario)
    to_stdout = claim_stdout(
        json_out=json_out, log_out=log_out, truth_out=truth_out, table_out=table_out
    )
    if table_out is not None and not str(table_out).endswith((".csv", ".parquet", "-")):
        raise UsageError(f"--table-out {safe(table_out)}: use a .csv or .parquet file, or -")
    check_targets(log_out, truth_out, table_out)  # all or none: nothing written, then a failure
    model = load_model(scenario)
    enc_log, enc_other = (None, None)
    if log_out is not None or truth_out is not None or table_out is not None:
        enc_log, enc_other = encryption_from(
            encrypt_to, recipients_file, encrypt_passphrase, no_encrypt, what="the files written"
        )
    want_record = log_out is not None or truth_out is not None
    check_memory(model, n_runs=runs, n_workers=workers, record=want_record, source=scenario or None)
    from tipoff.cli._progress import work_progress

    with work_progress(enabled=runs * max(model.n_parties, 1) > 2_000_000) as update:
        progress = None if update is None else lambda done: update("simulating seasons", done, runs)
        if posterior is not None:
            from tipoff.cli._posterior_opt import seasons_over_posterior

            output = seasons_over_posterior(
                scenario,
                posterior,
                runs,
                seed,
                workers,
                cluster,
                want_record,
                progress,
                other_scenario=posterior_from_other_scenario,
            )
        else:
            output = simulate_season(
                model,
                n_runs=runs,
                seed=seed,
                n_workers=workers,
                cluster=cluster,
                engine=None if engine in (None, "auto", "numba") else engine,
                record_run=0 if want_record else None,
                progress=progress,
            )
    summary = summarize(output)
    provenance = output.provenance.to_dict()
    if output.record is not None:
        if log_out is not None:
            fmt = "jsonl" if str(log_out).endswith((".jsonl", ".ndjson")) else "csv"
            _wrote(
                write_output(
                    log_out, incident_log_text(output.record, fmt=fmt), encryption=enc_log
                ),
                enc_log,
            )
        if truth_out is not None:
            doc = truth_document(output.record, provenance=provenance)
            _wrote(
                write_output(truth_out, json.dumps(doc, indent=2) + "\n", encryption=enc_log),
                enc_log,
            )
    if table_out is not None:
        frame = daily_frame(summary)
        if str(table_out).endswith(".parquet"):
            data: str | bytes = frame.to_parquet(index=False)
        else:
            data = frame.to_csv(index=False)
        _wrote(write_output(table_out, data, encryption=enc_other), enc_other)
    if json_out:
        doc = summary.to_dict()
        p, lo, hi = per_delivery(summary)
        doc["p_intercepted_per_delivery"] = {"pooled": p, "lo": lo, "hi": hi}
        print_json(doc)
    elif to_stdout:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the data only
            _print_human(summary, model.currency)
    else:
        _print_human(summary, model.currency)
