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
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tipoff._atomic import write_bytes_atomic
from tipoff.errors import SettingsError

if TYPE_CHECKING:
    from tipoff._textfile import Problems

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
    SettingsError
        When the file cannot be read, is not valid TOML, or has unknown keys or keys of the wrong
        type: every problem at once, each at ``file:line:col`` (exit 3).
    """
    target = Path(path) if path is not None else config_path()
    try:
        st = target.stat()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        from tipoff._oserrors import describe
        from tipoff.errors import Problem

        message = f"cannot read the settings: {describe(exc, writing=False)}"
        raise SettingsError(Problem(source=str(target), message=message)) from None
    return _load_cached(str(target), st.st_mtime_ns, st.st_size)


#: The most bytes a settings file may hold.
SETTINGS_LIMIT = 64 * 1024
_KEYS = {
    "encryption": ("recipients", "recipients_file", "identity", "encrypt_by_default"),
    "privacy": ("places",),
}
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


@lru_cache(maxsize=8)
def _load_cached(name: str, _mtime: int, _size: int) -> Config:
    from tipoff._textfile import Problems, decode, read_bytes

    data = read_bytes(name, limit=SETTINGS_LIMIT, what="a settings file", error=SettingsError)
    text = decode(data, source=name, error=SettingsError)
    found = Problems(source=name, ordered=True)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        if at is None:
            line, col = 0, 0
        elif at[1]:
            line, col = int(at[1]), int(at[2])
        else:  # at the end of the document
            from tipoff._textfile import LineIndex

            line, col = LineIndex(text).position(len(text))
        found.add(line, col, f"not valid TOML: {_TOML_AT.sub('', message)}")
        raise found.error(SettingsError) from None
    except RecursionError:
        found.add(0, 0, "not valid TOML: values nested too deeply")
        raise found.error(SettingsError) from None
    tables = {key: _table(doc, key, text, found) for key in _KEYS}
    for key in set(doc) - set(_KEYS):
        found.add(*_line_of(text, key), "unknown setting", path=key)
    for key, table in tables.items():
        for sub in set(table) - set(_KEYS[key]):
            found.add(*_line_of(text, sub), "unknown setting", path=f"{key}.{sub}")
    enc, priv = tables["encryption"], tables["privacy"]
    strings, string = (_is_strings, "a list of strings"), (_is_str, "a string")
    config = Config(
        recipients=_typed(enc, "encryption.recipients", (), *strings, text, found),
        recipients_file=_typed(enc, "encryption.recipients_file", None, *string, text, found),
        identity=_typed(enc, "encryption.identity", None, *string, text, found),
        encrypt_by_default=_typed(
            enc, "encryption.encrypt_by_default", True, _is_bool, "true or false", text, found
        ),
        places=_typed(priv, "privacy.places", (), *strings, text, found),
    )
    if found:
        raise found.error(SettingsError)
    return config


def _line_of(text: str, key: str) -> tuple[int, int]:
    """``(line, col)`` where ``key`` is first set or opened as a table (0, 0 when not found)."""
    pattern = re.compile(rf"^[ \t]*(\[?[ \t]*){re.escape(key)}[ \t]*[=\].]", re.MULTILINE)
    m = pattern.search(text)
    if m is None:
        return 0, 0
    from tipoff._textfile import LineIndex

    return LineIndex(text).position(m.start() + len(m.group(0)) - len(m.group(0).lstrip()))


def _table(doc: dict[str, object], key: str, text: str, found: Problems) -> dict[str, object]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        found.add(*_line_of(text, key), "must be a table", path=key)
        return {}
    return value


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _typed(
    table: dict[str, object],
    path: str,
    default: object,
    ok: Callable[[object], bool],
    kind: str,
    text: str,
    found: Problems,
) -> Any:
    """The value at ``path`` (``table.key``) when present and of the right kind; else the
    default, with a problem noted."""
    key = path.rpartition(".")[2]
    if key not in table:
        return default
    value = table[key]
    if not ok(value):
        found.add(*_line_of(text, key), f"must be {kind}", path=path)
        return default
    return tuple(value) if isinstance(value, list) else value


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
