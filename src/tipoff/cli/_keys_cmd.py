"""``tipoff keygen`` (make an age identity) and ``tipoff config`` (show and edit the settings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tipoff.cli._common import err, out
from tipoff.cli._outputs import check_targets, refuse_stdout
from tipoff.errors import UsageError

__all__ = ["config_cmd", "keygen_cmd"]


def keygen_cmd(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The identity file to create (mode 0600).")
    ],
    passphrase: Annotated[
        bool,
        typer.Option(
            "--passphrase", help="Protect the identity file itself with a passphrase (age)."
        ),
    ] = False,
    configure: Annotated[
        bool,
        typer.Option(
            "--configure",
            help="Also record the identity and its public key in the settings, so incident "
            "logs and truth files are encrypted to it by default.",
        ),
    ] = False,
) -> None:
    """Make an age identity (private key) and print its public key (the recipient).

    Files encrypted to the public key open only with this identity: keep it off shared
    machines, and keep a copy somewhere safe (see docs/security.md). The file is readable by
    `age -d -i FILE` too.
    """
    from tipoff._atomic import write_bytes_atomic
    from tipoff._crypto import Encryption, generate_identity, prompt_passphrase

    refuse_stdout("-o", output, "an identity is a private file (mode 0600), never printed")
    check_targets(output)
    if output.exists() or output.is_symlink():
        raise UsageError(f"-o {output}: exists; tipoff never overwrites an identity")
    text, public = generate_identity()
    data = text.encode("ascii")
    if passphrase:
        import pyrage

        secret = prompt_passphrase(
            f"the new identity {output.name}",
            confirm=True,
            instead="leave out --passphrase (and keep the file on an encrypted device)",
        )
        Encryption(passphrase=secret)  # same checks as every passphrase
        data = bytes(pyrage.passphrase.encrypt(data, secret, armored=True))
    write_bytes_atomic(output, data)  # mkstemp: mode 0600
    os.chmod(output, 0o600)
    if configure:
        _configure(output, public)
    out.print(public, markup=False)
    err.print(
        f"Wrote the identity {output} (keep it secret; back it up). The line above is its public "
        "key: give it to whoever should encrypt files for you.",
        markup=False,
        soft_wrap=True,
    )


def _configure(identity: Path, public: str) -> None:
    from dataclasses import replace

    from tipoff._config import load_config, save_config

    config = load_config()
    recipients = tuple(dict.fromkeys((*config.recipients, public)))
    path = save_config(replace(config, recipients=recipients, identity=str(identity.resolve())))
    err.print(f"Recorded it in the settings {path}.", markup=False, soft_wrap=True)


def config_cmd(
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient",
            metavar="<age1...>",
            help="Add a default recipient (age1...); repeatable.",
        ),
    ] = None,
    remove_recipient: Annotated[
        list[str] | None,
        typer.Option("--remove-recipient", metavar="<age1...>", help="Remove a default recipient."),
    ] = None,
    identity: Annotated[
        Path | None,
        typer.Option("--identity", help="The identity file used to read .age files."),
    ] = None,
    encrypt_by_default: Annotated[
        bool | None,
        typer.Option(
            "--encrypt-by-default/--no-encrypt-by-default",
            help="Encrypt incident logs and truth files to the default recipients.",
        ),
    ] = None,
    place: Annotated[
        list[str] | None,
        typer.Option(
            "--place",
            metavar="<town>",
            help="Accept this town or county as a home (besides the gazetteer).",
        ),
    ] = None,
) -> None:
    """Show the settings, or change them (default recipients, identity, extra places).

    The settings file holds no secret: public keys, the identity's path, town names.
    """
    from dataclasses import replace

    from tipoff._config import config_path, load_config, save_config
    from tipoff._crypto import Encryption
    from tipoff.scenario._privacy import known_places

    config = load_config()
    known_places()  # a hand-edited place that looks like personal data is refused, not shown
    changed = replace(config)
    if recipient:
        Encryption(recipients=tuple(recipient))  # refuses a malformed key
        changed = replace(
            changed, recipients=tuple(dict.fromkeys((*changed.recipients, *recipient)))
        )
    if remove_recipient:
        changed = replace(
            changed, recipients=tuple(r for r in changed.recipients if r not in remove_recipient)
        )
    if identity is not None:
        if not identity.is_file():
            raise UsageError(f"--identity {identity}: no such file")
        changed = replace(changed, identity=str(identity.resolve()))
    if encrypt_by_default is not None:
        changed = replace(changed, encrypt_by_default=encrypt_by_default)
    if place:
        from tipoff.scenario._privacy import privacy_problem

        for name in place:
            if privacy_problem(name) is not None or any(c.isdigit() for c in name):
                raise UsageError("--place: looks like personal data, not a town name (not shown)")
        changed = replace(changed, places=tuple(dict.fromkeys((*changed.places, *place))))
    path = config_path()
    if changed != config:
        save_config(changed, path)
        err.print(f"Saved {path}.", markup=False)
    out.print(f"settings: {path}{'' if path.exists() else ' (absent: defaults)'}", markup=False)
    out.print(f"recipients: {', '.join(changed.recipients) or '(none)'}", markup=False)
    if changed.recipients_file:
        out.print(f"recipients file: {changed.recipients_file}", markup=False)
    out.print(f"identity: {changed.identity or '(none)'}", markup=False)
    on = changed.encrypt_by_default and bool(changed.recipients or changed.recipients_file)
    out.print(
        f"incident logs and truth files encrypted by default: {'yes' if on else 'no'}", markup=False
    )
    out.print(f"extra places: {', '.join(changed.places) or '(none)'}", markup=False)
