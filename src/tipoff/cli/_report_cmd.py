"""``tipoff report``: one offline HTML file that says what the analyses found, in plain words."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from tipoff.cli._common import check_share, err, load_scenario_arg, say
from tipoff.cli._crypto_opts import (
    EncryptPassphrase,
    EncryptTo,
    NoEncrypt,
    RecipientsFile,
    encryption_from,
)
from tipoff.cli._log_opts import (
    LogColumns,
    SeasonStart,
    log_option_words,
    log_options_given,
    read_log,
)
from tipoff.cli._outputs import check_targets
from tipoff.cli._posterior_opt import OtherScenarioOption, check_other_scenario
from tipoff.errors import UsageError


def report_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario file or preset name (default: north-hamgyong-spring)."),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The HTML file to write (replaced whole).")
    ] = Path("report.html"),
    log: Annotated[
        Path | None,
        typer.Option(
            "--log", help="An incident log (.csv or .jsonl): adds attribution to the report."
        ),
    ] = None,
    columns: LogColumns = None,
    season_start: SeasonStart = None,
    runs: Annotated[
        int,
        typer.Option(
            "--runs", "-n", help="Seasons simulated (and per hardening option); at least 2."
        ),
    ] = 500,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed; the same seed gives the same report (recorded in it)."),
    ] = None,
    max_fee: Annotated[
        float | None,
        typer.Option(
            "--max-fee", help="Hardening budget: most added fee, as a share of the amount."
        ),
    ] = None,
    max_days: Annotated[
        float | None,
        typer.Option("--max-days", help="Hardening budget: most added days until delivery."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Attribution: probability at which a party is reported."),
    ] = 0.5,
    passphrase: Annotated[
        bool,
        typer.Option(
            "--passphrase",
            help="Protect the report with a passphrase (typed twice): it opens in the browser "
            "only after the reader types it (AES-GCM, decrypted offline).",
        ),
    ] = False,
    encrypt_to: EncryptTo = None,
    recipients_file: RecipientsFile = None,
    encrypt_passphrase: EncryptPassphrase = False,
    no_encrypt: NoEncrypt = False,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior file from `tipoff calibrate`: seasons take the unknowns from its "
            "draws, and the report gains a calibration section.",
        ),
    ] = None,
    posterior_from_other_scenario: OtherScenarioOption = False,
) -> None:
    """Write one offline HTML report: scenario, season, exposure, hardening, attribution.

    Attribution needs --log (read as `tipoff attribute` reads it: --columns, --season-start).
    It opens offline in any browser. With --passphrase it opens only
    after the reader types the passphrase; with --encrypt-to the whole file is age-encrypted
    (decrypt it with age or rage before opening). Otherwise it is not encrypted: share with care.
    """
    if runs < 2 or runs > 100_000:
        raise UsageError(f"--runs must be from 2 to 100000, got {runs}")
    check_other_scenario(posterior, posterior_from_other_scenario)
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")
    check_share("--max-fee", max_fee)
    if max_days is not None and not max_days >= 0.0:
        raise UsageError(f"--max-days must be at least 0, got {max_days}")
    check_share("--threshold", threshold)
    if log is None and (given := log_options_given(columns, season_start)):
        one = len(given) == 1
        raise UsageError(
            f"{' and '.join(given)} {'says' if one else 'say'} how to read an incident log: "
            f"give the log with --log, or leave {'it' if one else 'them'} out"
        )
    if str(output) == "-":
        raise UsageError(
            "-o -: the report is one HTML file, not written to standard output; name a file"
        )
    check_targets(output)

    from tipoff.engines._budget import check_memory

    secret = None
    if passphrase:
        from tipoff._crypto import prompt_passphrase

        secret = prompt_passphrase(
            "the report",
            confirm=True,
            instead="encrypt the report to a public key instead (--encrypt-to)",
        )
    _, encryption = encryption_from(
        encrypt_to, recipients_file, encrypt_passphrase, no_encrypt, what="the report file"
    )

    from tipoff.model import compile_scenario
    from tipoff.report import build_report, write_report
    from tipoff.results._io import encrypted_path

    start = time.perf_counter()

    def stage(text: str) -> None:
        err.print(f"report: {text} ({time.perf_counter() - start:.0f} s)", markup=False)

    spec = load_scenario_arg(scenario)
    model = compile_scenario(spec)
    check_memory(model, n_runs=runs, source=scenario or None)
    incident_log = None if log is None else read_log(log, model, columns, season_start)
    post = None
    if posterior is not None:
        from tipoff.cli._posterior_opt import load_posterior

        post = load_posterior(posterior, spec, other_scenario=posterior_from_other_scenario)
    data = build_report(
        spec,
        posterior=post,
        log=incident_log,
        n_runs=runs,
        seed=seed,
        model=model,
        max_fee=max_fee,
        max_days=max_days,
        threshold=threshold,
        progress=stage,
        log_options=log_option_words(columns, season_start),
    )
    stage("writing the HTML file")
    size = write_report(data, output, passphrase=secret, encryption=encryption)
    written = encrypted_path(output, encryption)
    say(
        f"Wrote {written} ({size / 1e6:.1f} MB; seed {data.methods.seed}). Open it in any "
        "browser; it makes no network connection."
    )
    if encryption is not None:
        note = f"The file is {encryption.describe()} (age): decrypt it with age or rage to open it."
    elif secret is not None:
        note = (
            "The report opens only with its passphrase. Send the passphrase by another channel "
            "than the file."
        )
    else:
        note = (
            "The report is not encrypted: keep it on an encrypted device and share it only over "
            "channels you trust (or write it with --passphrase)."
        )
    err.print(note, markup=False, soft_wrap=True)
