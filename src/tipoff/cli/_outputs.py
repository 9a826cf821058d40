"""Where commands write: a file the user names (atomically, failures explained), or ``-``.

``-`` means standard output for text outputs that make sense in a pipe (an incident log, a
ground truth, a CSV table, the JSON Schema); elsewhere it is refused in one line. At most one
output may claim standard output, and not together with ``--json``; when one does, the human
summary goes to standard error so that standard output carries only the data.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tipoff._oserrors import output_error
from tipoff.errors import UsageError

if TYPE_CHECKING:
    from tipoff._crypto import Encryption

__all__ = [
    "STDOUT",
    "check_targets",
    "claim_stdout",
    "is_stdout",
    "refuse_stdout",
    "write_output",
]

STDOUT = "-"


def is_stdout(path: object) -> bool:
    """Whether an output option names standard output (``-``)."""
    return path is not None and os.fspath(path) == STDOUT  # type: ignore[call-overload]


def claim_stdout(*, json_out: bool = False, **options: object) -> bool:
    """Check that at most one output (or ``--json``) writes to standard output.

    ``options`` maps option names (``log_out``) to their values. Returns whether one does.
    """
    claimed = [name for name, value in options.items() if is_stdout(value)]
    if json_out:
        claimed.append("json")
    if len(claimed) > 1:
        names = " and ".join("--" + n.replace("_", "-") for n in claimed)
        both = "both" if len(claimed) == 2 else "all"
        raise UsageError(
            f"{names} would {both} write to standard output: give a file to all but one of them"
        )
    return bool(claimed) and not json_out


def refuse_stdout(option: str, path: object, why: str) -> None:
    """A usage error when ``path`` is ``-`` for an option that cannot write to standard output."""
    if is_stdout(path):
        raise UsageError(f"{option} -: {why}; name a file")


def check_targets(*paths: str | os.PathLike[str] | None) -> None:
    """Refuse, before any work, an output whose folder is missing or not writable, or that names
    a folder: every command checks its output files here, so the refusal reads the same everywhere.

    Without it a command would simulate (for minutes), then fail to write; or write its first
    file, then fail on the second: some outputs new, some not. The message and exit code (4) are
    those a failed write gives (:func:`tipoff._oserrors.output_error`).

    Raises
    ------
    OutputError
        For the first target that cannot be written.
    """
    for path in paths:
        if path is None or is_stdout(path):
            continue
        target = Path(path)
        folder = target.parent
        if target.is_dir():
            code = errno.EISDIR
        elif not folder.is_dir():
            code = errno.ENOTDIR if folder.exists() else errno.ENOENT
        elif not os.access(folder, os.W_OK | os.X_OK):
            code = errno.EACCES
        else:
            continue
        raise output_error(OSError(code, os.strerror(code), os.fspath(path)), path)


def write_output(
    path: str | os.PathLike[str], data: str | bytes, *, encryption: Encryption | None = None
) -> Path | None:
    """Write ``data`` to ``path`` atomically, or to standard output for ``-``.

    With ``encryption`` the data are age-encrypted in memory first (a file gets ``.age`` added to
    its name). Returns the file written, or None for standard output.

    Raises
    ------
    OutputError
        When the operating system refuses or fails (exit code 4), in one line.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if is_stdout(path):
        if encryption is None and isinstance(data, str):
            sys.stdout.write(data)
            sys.stdout.flush()
            return None
        sys.stdout.flush()
        sys.stdout.buffer.write(raw if encryption is None else encryption.encrypt(raw))
        sys.stdout.buffer.flush()
        return None
    from tipoff.results import write_bytes_atomic

    try:
        return write_bytes_atomic(path, raw, encryption=encryption)
    except OSError as exc:
        raise output_error(exc, path) from None
