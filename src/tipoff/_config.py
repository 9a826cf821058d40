"""The user's settings file: default age recipients, the identity file, extra places.

One small TOML file, read with :mod:`tomllib`, at ``$TIPOFF_CONFIG`` or else
``$XDG_CONFIG_HOME/tipoff/config.toml`` (``~/.config/tipoff/config.toml`` when
``XDG_CONFIG_HOME`` is unset). Every key is optional::

    [encryption]
    # public keys (age1...) that every incident log and truth file is encrypted to
    recipients = ["age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"]
    # a file of recipients, one a line (age-keygen's output or a list of age1... keys)
    recipients_file = "~/.config/tipoff/team.txt"
    # the private key used to read *.age files (made by `tipoff keygen` or `age-keygen`)
    identity = "~/.config/tipoff/key.txt"
    # with recipients set, logs and truth files are encrypted unless --no-encrypt is given
    encrypt_by_default = true

    [privacy]
    # towns or counties accepted as homes besides the built-in gazetteer
    places = ["Sinpo", "Unggi"]

``tipoff config`` shows and edits it, and ``tipoff keygen --configure`` fills in the encryption
part at once. The file holds no secret: recipients are public keys, and the identity is named
by its path, never copied in.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tipoff._atomic import write_bytes_atomic
from tipoff.errors import UsageError

__all__ = ["CONFIG_ENV", "Config", "config_path", "load_config", "save_config"]

#: Environment variable naming the settings file (overrides the XDG location).
CONFIG_ENV = "TIPOFF_CONFIG"


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The settings; every field has the default of an absent file."""

    recipients: tuple[str, ...] = ()
    recipients_file: str | None = None
    identity: str | None = None
    encrypt_by_default: bool = True
    places: tuple[str, ...] = field(default=())


def config_path() -> Path:
    """Where the settings file is (it need not exist)."""
    if env := os.environ.get(CONFIG_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "tipoff" / "config.toml"


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the settings (an absent file gives the defaults).

    Raises
    ------
    UsageError
        When the file is not valid TOML or a key has the wrong type (one line, with its position).
    """
    target = Path(path) if path is not None else config_path()
    try:
        st = target.stat()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise UsageError(f"{target}: cannot read the settings: {exc.strerror}") from None
    return _load_cached(str(target), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _load_cached(name: str, _mtime: int, _size: int) -> Config:
    try:
        with open(name, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the settings: {exc.strerror}") from None
    enc = _table(doc, "encryption", name)
    priv = _table(doc, "privacy", name)
    unknown = (set(doc) - {"encryption", "privacy"}) | {
        f"encryption.{k}"
        for k in set(enc) - {"recipients", "recipients_file", "identity", "encrypt_by_default"}
    }
    unknown |= {f"privacy.{k}" for k in set(priv) - {"places"}}
    if unknown:
        raise UsageError(f"{name}: unknown setting(s): {', '.join(sorted(unknown))}")
    return Config(
        recipients=_strings(enc, "recipients", name),
        recipients_file=_string(enc, "recipients_file", name),
        identity=_string(enc, "identity", name),
        encrypt_by_default=_bool(enc, "encrypt_by_default", name),
        places=_strings(priv, "places", name),
    )


def _table(doc: dict[str, object], key: str, name: str) -> dict[str, object]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{name}: [{key}] must be a table")
    return value


def _strings(table: dict[str, object], key: str, name: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{name}: {key} must be a list of strings")
    return tuple(value)


def _string(table: dict[str, object], key: str, name: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{name}: {key} must be a string")
    return value


def _bool(table: dict[str, object], key: str, name: str) -> bool:
    value = table.get(key, True)
    if not isinstance(value, bool):
        raise UsageError(f"{name}: {key} must be true or false")
    return value


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def save_config(config: Config, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the settings (mode 0600, replaced whole); returns the path written."""
    target = Path(path) if path is not None else config_path()
    lines = ["# tipoff settings (see docs/security.md)", "[encryption]"]
    lines.append(f"recipients = [{', '.join(_toml_str(r) for r in config.recipients)}]")
    if config.recipients_file is not None:
        lines.append(f"recipients_file = {_toml_str(config.recipients_file)}")
    if config.identity is not None:
        lines.append(f"identity = {_toml_str(config.identity)}")
    lines.append(f"encrypt_by_default = {'true' if config.encrypt_by_default else 'false'}")
    lines += ["", "[privacy]", f"places = [{', '.join(_toml_str(p) for p in config.places)}]", ""]
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_bytes_atomic(target, "\n".join(lines).encode("utf-8"))
    return target
