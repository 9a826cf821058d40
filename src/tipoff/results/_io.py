"""Crash-safe, optionally encrypted writing: a file the user names is left as it was or replaced whole.

Every file tipoff writes that describes a network goes through :func:`write_bytes_atomic` or
:func:`write_text_atomic`. With ``encryption`` the bytes are encrypted (age) in memory first, so no
plaintext ever reaches the disk, and ``.age`` is added to the name when it lacks it. The mechanics
(locked temporary file, fsync, rename, cleanup on every exit path, stale temporary files removed
by the next write) are in :mod:`tipoff._atomic`.
"""

from __future__ import annotations

import os
from pathlib import Path

from tipoff._atomic import TEMP_PREFIX, remove_stale_temp_files
from tipoff._atomic import write_bytes_atomic as _write
from tipoff._crypto import AGE_SUFFIX, Encryption

__all__ = [
    "TEMP_PREFIX",
    "Encryption",
    "encrypted_path",
    "remove_stale_temp_files",
    "write_bytes_atomic",
    "write_text_atomic",
]


def encrypted_path(path: str | os.PathLike[str], encryption: Encryption | None, /) -> Path:
    """The name an output gets: ``path``, with ``.age`` added when encrypted and missing."""
    target = Path(path)
    if encryption is not None and not target.name.endswith(AGE_SUFFIX):
        target = target.with_name(target.name + AGE_SUFFIX)
    return target


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, /, *, encryption: Encryption | None = None
) -> Path:
    """Write ``data`` to ``path`` atomically, encrypted when ``encryption`` is given.

    Returns
    -------
    Path
        The file written (``path``, or ``path`` + ``.age`` when encrypted).

    Raises
    ------
    OSError
        When the folder cannot be written, the disk is full, or fsync, close or rename fails;
        ``path`` is then left as it was.
    """
    target = encrypted_path(path, encryption)
    _write(target, data if encryption is None else encryption.encrypt(data))
    return target


def write_text_atomic(
    path: str | os.PathLike[str], text: str, /, *, encryption: Encryption | None = None
) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"), encryption=encryption)
