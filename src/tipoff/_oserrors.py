"""Operating-system errors in one clear line: what went wrong with which file, and what to do.

Every place that reads or writes a file the user names goes through :func:`describe`, so the same
failure reads the same everywhere. Reading a file that cannot be read is invalid input (exit code
3, see :mod:`tipoff._textfile`); a file that cannot be written is an :class:`~tipoff.errors.OutputError`
(exit code 4, :data:`~tipoff.errors.EXIT_OUTPUT`). The CLI maps any ``OSError`` that still escapes
a command through :func:`output_error`, never to "internal error".

=====================  ===========================================================
errno                  one line
=====================  ===========================================================
ENOENT (writing)       the folder does not exist
ENOENT (reading)       no such file
EISDIR                 is a folder, not a file
ENOTDIR                a part of the path is not a folder
EACCES, EPERM          permission denied
EROFS                  the file system is read-only
ENOSPC, EDQUOT         no space left on the device (disk full)
EFBIG                  too large for the file system
ENAMETOOLONG           the name is too long
EIO                    input/output error: the device failed
other                  the system's own words (``strerror``)
=====================  ===========================================================
"""

from __future__ import annotations

import errno
import os
import re

from tipoff.errors import OutputError

__all__ = ["describe", "output_error", "target_of"]

_WRITE_WORDS = {
    errno.ENOENT: "the folder does not exist",
    errno.EISDIR: "is a folder; name a file to write",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied (operation not permitted)",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device (disk full); nothing was written",
    errno.EFBIG: "too large for the file system; nothing was written",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error: the device failed",
    errno.EEXIST: "already exists",
    errno.EBUSY: "the file is busy",
    errno.ETXTBSY: "the file is busy",
    errno.EXDEV: "cannot move a file across devices",
}
if hasattr(errno, "EDQUOT"):
    _WRITE_WORDS[errno.EDQUOT] = "disk quota exceeded; nothing was written"
_READ_WORDS = {
    **_WRITE_WORDS,
    errno.ENOENT: "no such file",
    errno.EISDIR: "is a folder, not a file",
}
# the atomic writer's temporary file: ".NAME.<random>.tmp" next to NAME
_TEMP = re.compile(r"^\.(?P<name>.+)\.[^.]+\.tmp$")


def target_of(filename: object) -> str:
    """The file the user named, given the ``filename`` of an ``OSError`` (temporary files mapped back).

    Examples
    --------
    >>> target_of("out/.log.csv.k2j3.tmp")
    'out/log.csv'
    """
    if filename is None:
        return ""
    name = os.fsdecode(filename) if isinstance(filename, str | bytes) else str(filename)
    head, tail = os.path.split(name)
    m = _TEMP.match(tail)
    return os.path.join(head, m["name"]) if m else name


def describe(exc: OSError, /, *, writing: bool = True) -> str:
    """One line for an ``OSError``: ``errno`` in plain words (see the module's table).

    Parameters
    ----------
    exc
        The error.
    writing
        Whether the file was being written (``ENOENT`` then means the folder is missing).

    Returns
    -------
    str
        The words, without the file name.

    Examples
    --------
    >>> import errno
    >>> describe(OSError(errno.ENOSPC, "No space left on device"))
    'no space left on the device (disk full); nothing was written'
    """
    words = (_WRITE_WORDS if writing else _READ_WORDS).get(exc.errno or -1)
    if words is not None:
        return words
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return _WRITE_WORDS[errno.EISDIR] if writing else _READ_WORDS[errno.EISDIR]
    if isinstance(exc, FileNotFoundError):
        return _WRITE_WORDS[errno.ENOENT] if writing else _READ_WORDS[errno.ENOENT]
    return (exc.strerror or type(exc).__name__).lower()


def output_error(exc: OSError, /, path: str | os.PathLike[str] | None = None) -> OutputError:
    """An :class:`~tipoff.errors.OutputError` (exit code 4) naming the file and the failure.

    Parameters
    ----------
    exc
        What the operating system raised.
    path
        The file being written, when the caller knows it (else the error's own file names).
    """
    if path is not None:
        name = os.fspath(path)
    else:
        # os.replace(tmp, target) fails with both names: the user named the second
        name = target_of(exc.filename2) or target_of(exc.filename)
    message = describe(exc, writing=True)
    if exc.errno == errno.ENOENT and name:
        folder = os.path.dirname(name) or "."
        message = f"the folder {folder} does not exist"
    return OutputError(f"cannot write {name}: {message}" if name else f"cannot write: {message}")
