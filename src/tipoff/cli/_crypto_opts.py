"""Encryption options shared by the commands that write files describing a network.

``--encrypt-to age1...`` (repeatable) and ``--recipients-file FILE`` encrypt to public keys,
``--encrypt-passphrase`` with a passphrase typed twice at the terminal, ``--no-encrypt`` writes
plaintext even when the settings file names default recipients (``tipoff config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tipoff._crypto import Encryption, encryption_for

__all__ = [
    "EncryptPassphrase",
    "EncryptTo",
    "NoEncrypt",
    "RecipientsFile",
    "encryption_from",
]

_PANEL = "Encryption (age)"

EncryptTo = Annotated[
    list[str] | None,
    typer.Option(
        "--encrypt-to",
        metavar="<age1...>",
        help="Encrypt the files written to this age public key (age1...); repeatable.",
        rich_help_panel=_PANEL,
    ),
]
RecipientsFile = Annotated[
    Path | None,
    typer.Option(
        "--recipients-file",
        help="Encrypt to every public key in this file (one a line).",
        rich_help_panel=_PANEL,
    ),
]
EncryptPassphrase = Annotated[
    bool,
    typer.Option(
        "--encrypt-passphrase",
        help="Encrypt the files written with a passphrase, typed twice at the terminal.",
        rich_help_panel=_PANEL,
    ),
]
NoEncrypt = Annotated[
    bool,
    typer.Option(
        "--no-encrypt",
        help="Write plaintext even when `tipoff config` names default recipients.",
        rich_help_panel=_PANEL,
    ),
]


def encryption_from(
    encrypt_to: list[str] | None,
    recipients_file: Path | None,
    passphrase: bool,
    no_encrypt: bool,
    *,
    what: str,
) -> tuple[Encryption | None, Encryption | None]:
    """The encryption these options ask for: ``(for logs and truth files, for other outputs)``.

    Options given apply to both; without any, logs and truth files follow the settings file's
    default recipients and other outputs stay plaintext. A passphrase is asked for once.
    """
    explicit = bool(encrypt_to) or recipients_file is not None or passphrase or no_encrypt
    chosen = encryption_for(
        encrypt_to=encrypt_to or (),
        recipients_file=recipients_file,
        passphrase=passphrase,
        no_encrypt=no_encrypt,
        default=True,
        what=what,
    )
    return chosen, chosen if explicit else None
