"""Encryption at rest with age (pyrage): encrypt outputs, read ``.age`` inputs, make identities.

Files are in the standard age format (https://age-encryption.org/v1), so the reference ``age``
tool (and ``rage``) can open them without tipoff. Two ways to encrypt:

* to one or more **recipients** (public keys ``age1...``, or ``ssh-ed25519``/``ssh-rsa`` keys),
  readable by whoever holds one of the matching identities (private keys);
* with a **passphrase** (age's scrypt mode), readable by whoever knows it.

Reading: :func:`decrypt_if_encrypted` recognises age data by its header (binary or ASCII-armoured),
whatever the file's name, and decrypts it with the identities in force (``--identity``, the
``TIPOFF_IDENTITY`` path, or the settings file's ``identity``) or, for a passphrase file, a
passphrase typed at the terminal. A passphrase is never taken from the command line or the
environment: without a terminal the read fails with one clear line.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import getpass
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tipoff.errors import InputError, Problem, UsageError

__all__ = [
    "AGE_SUFFIX",
    "Encryption",
    "decrypt_if_encrypted",
    "encryption_for",
    "generate_identity",
    "is_age",
    "parse_recipients",
    "prompt_passphrase",
    "read_identities",
    "use_identities",
    "use_prompt",
]

AGE_SUFFIX = ".age"
IDENTITY_ENV = "TIPOFF_IDENTITY"
_MAGIC = b"age-encryption.org/v1\n"
_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"

_identity_files: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "tipoff_identity_files", default=None
)
_prompt: contextvars.ContextVar[Callable[[str], str] | None] = contextvars.ContextVar(
    "tipoff_prompt", default=None
)


# ------------------------------------------------------------------------------- encrypting --


@dataclass(frozen=True, slots=True, kw_only=True)
class Encryption:
    """How an output is encrypted: to ``recipients`` (public keys) or with a ``passphrase``.

    Exactly one of the two is given; age does not mix a passphrase with recipients.
    """

    recipients: tuple[str, ...] = ()
    passphrase: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if bool(self.recipients) == (self.passphrase is not None):
            raise UsageError("encrypt either to recipients or with a passphrase (one of the two)")
        if self.passphrase is not None and not self.passphrase:
            raise UsageError("an empty passphrase protects nothing")
        if self.recipients:
            _recipient_objects(self.recipients)  # fail early on a malformed key

    def encrypt(self, data: bytes, /) -> bytes:
        """``data`` as age ciphertext (binary format), all in memory."""
        import pyrage

        if self.passphrase is not None:
            return bytes(pyrage.passphrase.encrypt(data, self.passphrase))
        return bytes(pyrage.encrypt(data, _recipient_objects(self.recipients)))

    def describe(self) -> str:
        """A few words for the user: whom the file is encrypted to."""
        if self.passphrase is not None:
            return "encrypted with a passphrase"
        n = len(self.recipients)
        return f"encrypted to {n} recipient{'s' if n != 1 else ''}"


def _recipient_objects(keys: Sequence[str]) -> list[Any]:
    import pyrage

    objs: list[Any] = []
    for key in keys:
        try:
            if key.startswith("age1"):
                objs.append(pyrage.x25519.Recipient.from_str(key))
            elif key.startswith(("ssh-ed25519 ", "ssh-rsa ")):
                objs.append(pyrage.ssh.Recipient.from_str(key))
            else:
                raise ValueError(key)
        except (ValueError, pyrage.RecipientError):
            # only the start of something shaped like a key is shown; anything else (a phone
            # number pasted by mistake) is never echoed
            shown = (
                repr(key[:12] + "..." if len(key) > 12 else key)
                if key.startswith(("age1", "ssh-"))
                else "a value (not shown)"
            )
            raise UsageError(
                f"not an age recipient: {shown} (expected a public key age1..., or ssh-ed25519)"
            ) from None
    return objs


def parse_recipients(text: str, /) -> tuple[str, ...]:
    """The recipients in a recipients file: one a line; ``#`` comments and blank lines skipped.

    A file made by ``tipoff keygen`` or ``age-keygen`` holds its public key in a
    ``# public key: age1...`` comment, which is taken too (the private key line is never used).
    """
    keys: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# public key: "):
            keys.append(line.removeprefix("# public key: ").strip())
        elif line and not line.startswith(("#", "AGE-SECRET-KEY-")):
            keys.append(line)
    return tuple(keys)


def prompt_passphrase(what: str, /, *, confirm: bool = False, instead: str | None = None) -> str:
    """Ask for a passphrase at the terminal (hidden), twice when ``confirm``.

    ``instead`` is what the user can do without a terminal (default: use an identity file).

    Raises
    ------
    UsageError
        Without a terminal, when the two entries differ, or when it is empty.
    """
    ask = _prompt.get() or (lambda prompt: _terminal_prompt(prompt, instead=instead))
    first = ask(f"Passphrase for {what}: ")
    if not first:
        raise UsageError("an empty passphrase protects nothing")
    if confirm and ask("The same passphrase again: ") != first:
        raise UsageError("the two passphrases differ; nothing was written")
    return first


def _terminal_prompt(prompt: str, *, instead: str | None = None) -> str:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise UsageError(
            "a passphrase is needed but there is no terminal to type it in "
            "(tipoff never reads one from the command line or the environment); "
            f"run in a terminal, or {instead or 'use an identity file ({identity})'}",
            params={"identity": f"${IDENTITY_ENV}"},
        )
    return getpass.getpass(prompt, stream=sys.stderr)


@contextlib.contextmanager
def use_prompt(ask: Callable[[str], str]) -> Iterator[None]:
    """Use ``ask(prompt) -> passphrase`` instead of the terminal (tests, GUIs)."""
    token = _prompt.set(ask)
    try:
        yield
    finally:
        _prompt.reset(token)


def encryption_for(
    *,
    encrypt_to: Sequence[str] = (),
    recipients_file: str | os.PathLike[str] | None = None,
    passphrase: bool = False,
    no_encrypt: bool = False,
    default: bool = False,
    what: str = "the output",
) -> Encryption | None:
    """The encryption the command-line options ask for, or the configured default.

    Parameters
    ----------
    encrypt_to, recipients_file
        Recipients named on the command line (``--encrypt-to``, ``--recipients-file``).
    passphrase
        ``--encrypt-passphrase``: prompt for a passphrase (twice).
    no_encrypt
        ``--no-encrypt``: write plaintext even when the settings say otherwise.
    default
        Whether this kind of output (incident logs, truth files) follows the settings file's
        recipients when no option is given.
    """
    from tipoff._config import load_config

    asked = bool(encrypt_to) or recipients_file is not None or passphrase
    if no_encrypt:
        if asked:
            raise UsageError("--no-encrypt cannot be combined with encryption options")
        return None
    if passphrase:
        if encrypt_to or recipients_file is not None:
            raise UsageError("age encrypts either to recipients or with a passphrase, not both")
        return Encryption(
            passphrase=prompt_passphrase(
                what, confirm=True, instead="encrypt to a public key instead (--encrypt-to)"
            )
        )
    keys = list(encrypt_to)
    if recipients_file is not None:
        keys += _read_recipients_file(Path(recipients_file))
    if not asked and default:
        config = load_config()
        if config.encrypt_by_default:
            keys += config.recipients
            if config.recipients_file:
                keys += _read_recipients_file(Path(config.recipients_file).expanduser())
    if not keys:
        if asked:
            raise UsageError("the recipients file names no recipient")
        return None
    return Encryption(recipients=tuple(dict.fromkeys(keys)))


def _read_recipients_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the recipients: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text file of recipients") from None
    return list(parse_recipients(text))


# ------------------------------------------------------------------------------- decrypting --


def is_age(data: bytes, /) -> bool:
    """Whether ``data`` is age ciphertext (binary or ASCII-armoured)."""
    return data.startswith(_MAGIC) or data.lstrip().startswith(_ARMOR)


def _stanza_kinds(data: bytes) -> set[str]:
    if not data.startswith(_MAGIC):  # armoured: the header is the start of the base64 body
        body = data.lstrip()[len(_ARMOR) :].split(b"-----END", 1)[0]
        try:
            data = base64.b64decode(b"".join(body.split())[:4096] + b"===")
        except ValueError:
            return set()
    kinds = set()
    for line in data[:65536].split(b"\n"):
        if line.startswith(b"---"):
            break
        if line.startswith(b"-> "):
            kinds.add(line[3:].split(b" ", 1)[0].decode("ascii", "replace"))
    return kinds


@contextlib.contextmanager
def use_identities(paths: Sequence[str | os.PathLike[str]]) -> Iterator[None]:
    """Read ``.age`` inputs with these identity files (the CLI's ``--identity``)."""
    token = _identity_files.set(tuple(os.fspath(p) for p in paths))
    try:
        yield
    finally:
        _identity_files.reset(token)


def _identity_paths() -> tuple[str, ...]:
    chosen = _identity_files.get()
    if chosen:
        return chosen
    if env := os.environ.get(IDENTITY_ENV):
        return tuple(p for p in env.split(os.pathsep) if p)
    from tipoff._config import load_config

    configured = load_config().identity
    return (str(Path(configured).expanduser()),) if configured else ()


def read_identities(path: str | os.PathLike[str], /) -> list[Any]:
    """The identities (private keys) in an identity file.

    The file is ``tipoff keygen``'s or ``age-keygen``'s text (lines ``AGE-SECRET-KEY-1...``),
    an OpenSSH private key, or either of those itself encrypted with a passphrase (age), in which
    case the passphrase is asked for at the terminal.
    """
    import pyrage

    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the identity file: {exc.strerror}") from None
    if is_age(data):
        try:
            data = pyrage.passphrase.decrypt(data, prompt_passphrase(f"the identity {name}"))
        except pyrage.DecryptError:
            raise UsageError(f"{name}: wrong passphrase for the identity file") from None
    text = data.decode("utf-8", "replace")
    if "PRIVATE KEY-----" in text:
        try:
            return [pyrage.ssh.Identity.from_buffer(data)]
        except (ValueError, pyrage.IdentityError):
            raise UsageError(f"{name}: not a usable SSH private key") from None
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except (ValueError, pyrage.IdentityError):
                raise UsageError(f"{name}: holds a malformed AGE-SECRET-KEY line") from None
    if not found:
        raise UsageError(f"{name}: no identity (AGE-SECRET-KEY-1...) in the file")
    return found


def decrypt_if_encrypted(data: bytes, /, *, source: str) -> bytes:
    """``data`` decrypted when it is age ciphertext, else ``data`` unchanged.

    Parameters
    ----------
    data
        The bytes of an input file.
    source
        The file's name, for messages.

    Raises
    ------
    InputError
        When it cannot be decrypted (wrong passphrase, not one of its recipients, damaged).
    UsageError
        When no identity is configured for a recipient-encrypted file, or no terminal is there
        to type a passphrase.
    """
    if not is_age(data):
        return data
    import pyrage

    kinds = _stanza_kinds(data)
    try:
        if "scrypt" in kinds:
            return bytes(
                pyrage.passphrase.decrypt(data, prompt_passphrase(os.path.basename(source)))
            )
        paths = _identity_paths()
        if not paths:
            raise UsageError(
                f"{source}: is encrypted (age); name the identity file that opens it with "
                "{identity} (or set it once: tipoff config --identity FILE)",
                params={"identity": f"${IDENTITY_ENV}=FILE"},
            )
        identities = [ident for p in paths for ident in read_identities(p)]
        return bytes(pyrage.decrypt(data, identities))
    except pyrage.DecryptError:
        raise InputError(
            Problem(
                source=source,
                message="cannot decrypt: wrong passphrase, not encrypted to your identity, "
                "or damaged",
            )
        ) from None


# ----------------------------------------------------------------------------------- keygen --


def generate_identity() -> tuple[str, str]:
    """A new x25519 identity: ``(identity file text, public recipient age1...)``.

    The text is the same as ``age-keygen``'s, so ``age -d -i FILE`` reads files encrypted to it.
    """
    import pyrage

    ident = pyrage.x25519.Identity.generate()
    public = str(ident.to_public())
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    text = f"# created: {created}\n# public key: {public}\n{ident}\n"
    return text, public
