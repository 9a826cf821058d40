"""Crash-safe writes that leave nothing behind: the target is replaced whole or not at all.

A write goes to a temporary file in the target's folder, named ``.tipoff-tmp.<target>.<random>``,
which is flushed, fsynced and then renamed over the target (``os.replace``, atomic on POSIX and
on one Windows volume). While it is being written the temporary file is

* locked (``flock``), so a later run can tell a live write from one whose process died;
* listed in a registry of this process, removed on every exit path the process controls: an
  exception (``finally``), Ctrl-C (``KeyboardInterrupt``), SIGTERM and SIGHUP (the CLI turns them
  into an exception with :func:`install_signal_handlers`), and ``atexit``.

Only SIGKILL or a power cut can leave one behind; the next write into the same folder removes
every such stale file it can lock (:func:`remove_stale_temp_files`). Encrypted outputs are
encrypted in memory before this module sees them, so a temporary file never holds plaintext of an
encrypted output. Errors of ``write``, ``fsync``, ``close`` and ``rename`` propagate as
:class:`OSError` (a full disk is never a silent success).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

__all__ = [
    "TEMP_PREFIX",
    "Terminated",
    "install_signal_handlers",
    "remove_stale_temp_files",
    "write_bytes_atomic",
]

#: Every temporary file tipoff writes starts with this (and only tipoff's start with it).
TEMP_PREFIX = ".tipoff-tmp."

_live: set[str] = set()
_lock = threading.Lock()

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale files are judged by age only
    fcntl = None  # type: ignore[assignment]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP.

    A subclass of :class:`KeyboardInterrupt`, so it unwinds like Ctrl-C: every ``finally`` runs,
    every temporary file is removed, and the CLI exits with the interrupted code (130).
    """


def _cleanup_registered() -> None:
    with _lock:
        names = list(_live)
        _live.clear()
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(name)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` in the main thread (the CLI calls this).

    Also removes, at exit, any temporary file a thread left registered. Worker processes forked
    from this one keep the default behaviour (they die on SIGTERM as before).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    atexit.unregister(_cleanup_registered)  # once, however often the CLI is entered
    atexit.register(_cleanup_registered)
    owner = os.getpid()

    def handler(signum: int, _frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked worker: die as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, handler)


@contextlib.contextmanager
def _registered(name: str) -> Iterator[None]:
    with _lock:
        _live.add(name)
    try:
        yield
    finally:
        with _lock:
            _live.discard(name)


def remove_stale_temp_files(folder: str | os.PathLike[str]) -> int:
    """Remove tipoff's temporary files in ``folder`` left by processes that died mid-write.

    A file is stale when nobody holds its lock (its writer is gone); without ``flock``
    (Windows) when it is older than a day. Files of this process's own live writes are kept.

    Returns
    -------
    int
        How many files were removed.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    with _lock:
        live = set(_live)
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX) or entry.path in live:
            continue
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            if _is_stale(entry.path):
                os.unlink(entry.path)
                removed += 1
    return removed


def _is_stale(name: str) -> bool:
    if fcntl is None:  # pragma: no cover
        import time

        return time.time() - os.stat(name).st_mtime > 86_400
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer holds it
        return True
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a locked temporary file and ``os.replace``.

    An interrupted write never leaves ``path`` half-written: readers see the old file or the new.
    The file gets mode 0600 (only its owner can read it).

    Raises
    ------
    OSError
        When the folder cannot be written, the disk is full, or fsync, close or rename fails.
    """
    target = Path(path)
    if _is_special(target):
        _write_special(target, data)
        return
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temp_files(folder)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name[:80]}.", dir=folder)
    try:
        with _registered(tmp):
            try:
                with os.fdopen(fd, "wb") as f:
                    fd = -1  # closed by the file object from here on
                    if fcntl is not None:
                        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                    if fcntl is not None:  # renamed while still locked: no cleaner can take it
                        os.replace(tmp, target)
                        tmp = ""
                if tmp:  # pragma: no cover - Windows cannot rename an open file
                    os.replace(tmp, target)
                    tmp = ""
            finally:
                if fd >= 0:
                    os.close(fd)
                if tmp:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
    except BaseException:
        if tmp:  # a signal between the two finally blocks
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _is_special(target: Path) -> bool:
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_special(target: Path, data: bytes) -> None:
    """A device or pipe (``/dev/stdout``, ``/dev/full``): written in place, never replaced."""
    with open(target, "ab") as f:  # append: never truncates; errors (ENOSPC...) propagate
        f.write(data)
        f.flush()


def _fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - no directory fsync on Windows
        return
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError as exc:
        # some file systems cannot fsync a folder; a real I/O error still propagates
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EROFS):
            raise
    finally:
        os.close(dfd)
