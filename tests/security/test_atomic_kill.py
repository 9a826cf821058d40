"""Writes killed at fsync and at rename (strace fault injection): never a torn target, never a
plaintext temporary file left after the next run; SIGTERM and SIGINT leave no temporary file at all.

``strace -f -e inject=fsync:signal=SIGKILL`` makes the kernel deliver SIGKILL to the writer when it
enters ``fsync`` (its data written, not yet durable); ``inject=rename:signal=SIGKILL`` when it enters
the rename that would publish the file.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tipoff._atomic import TEMP_PREFIX, remove_stale_temp_files, write_bytes_atomic
from tipoff._crypto import Encryption, generate_identity
from tipoff.results._io import write_text_atomic

STRACE = shutil.which("strace")
SRC = str(Path(__file__).resolve().parents[2] / "src")
OLD = b"OLD-CONTENT\n" * 1000
NEW = b"PLAINTEXT-MARKER new content\n" * 4000

CHILD = """
import sys
from pathlib import Path
from tipoff._atomic import install_signal_handlers
from tipoff._crypto import Encryption
from tipoff.results._io import write_bytes_atomic
install_signal_handlers()
target, recipient = sys.argv[1], sys.argv[2]
enc = Encryption(recipients=(recipient,)) if recipient != "-" else None
data = b"PLAINTEXT-MARKER new content\\n" * 4000
write_bytes_atomic(target, data, encryption=enc)
"""

needs_strace = pytest.mark.skipif(
    STRACE is None or not sys.platform.startswith("linux"),
    reason="needs strace on Linux (apt-get install strace)",
)


def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def _child(folder: Path, inject: str, recipient: str, target: str) -> int:
    script = folder.parent / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [str(STRACE), "-f", "-qq", "-o", os.devnull, "-e", f"inject={inject}"]
    cmd += [sys.executable, str(script), str(folder / target), recipient]
    return subprocess.run(cmd, env=env, capture_output=True, timeout=120).returncode


@needs_strace
@pytest.mark.parametrize("syscall", ["fsync", "rename"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "encrypted"])
def test_kill_at_fsync_or_rename(tmp_path: Path, syscall: str, encrypted: bool) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    _, public = generate_identity()
    name = "log.csv.age" if encrypted else "log.csv"
    target = folder / name
    target.write_bytes(OLD)
    inject = (
        f"{syscall}:signal=SIGKILL"
        if syscall == "fsync"
        else "rename,renameat,renameat2:signal=SIGKILL"
    )
    code = _child(folder, inject, public if encrypted else "-", name)
    assert code != 0  # killed (strace reports the signal as its exit status)
    assert target.read_bytes() == OLD  # never torn: the old file whole
    left = _temps(folder)
    assert len(left) == 1  # SIGKILL cannot be caught: one stale temporary file
    if encrypted:
        assert b"PLAINTEXT-MARKER" not in left[0].read_bytes()  # ciphertext only
    # the next run writing into the folder removes it
    write_bytes_atomic(folder / "other.txt", b"x")
    assert _temps(folder) == []
    assert target.read_bytes() == OLD


@needs_strace
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_catchable_signals_leave_no_temporary_file(tmp_path: Path, sig: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "log.csv"
    target.write_bytes(OLD)
    code = _child(folder, f"fsync:signal={sig}:when=1", "-", "log.csv")
    assert code != 0
    assert target.read_bytes() == OLD
    assert _temps(folder) == []  # removed by the writer itself, before the next run


def test_live_writers_file_is_not_removed(tmp_path: Path) -> None:
    import fcntl

    live = tmp_path / f"{TEMP_PREFIX}x.abc"
    live.write_bytes(b"in progress")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert remove_stale_temp_files(tmp_path) == 0 and live.exists()
    finally:
        os.close(fd)
    assert remove_stale_temp_files(tmp_path) == 1 and not live.exists()


def test_other_files_are_never_removed(tmp_path: Path) -> None:
    keep = [tmp_path / ".log.csv.abc.tmp", tmp_path / "tipoff-tmp.x", tmp_path / "report.html"]
    for p in keep:
        p.write_text("x")
    remove_stale_temp_files(tmp_path)
    assert all(p.exists() for p in keep)


def test_exception_during_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "t.json"
    target.write_bytes(OLD)

    def boom(_fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="I/O error"):
        write_text_atomic(target, "new")
    assert target.read_bytes() == OLD and _temps(tmp_path) == []


def test_keyboard_interrupt_during_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(tmp_path / "t", b"x")
    assert _temps(tmp_path) == []


def test_full_disk_is_an_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(OSError):
        write_bytes_atomic("/dev/full", b"x" * 10)


def test_encrypted_write_never_writes_plaintext(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, public = generate_identity()
    seen: list[bytes] = []
    real_write = os.write

    def spy(fd: int, data: bytes) -> int:  # what reaches any file descriptor
        seen.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", spy)
    path = write_text_atomic(
        tmp_path / "log.csv", "PLAINTEXT-MARKER", encryption=Encryption(recipients=(public,))
    )
    assert b"PLAINTEXT-MARKER" not in path.read_bytes()
    assert not any(b"PLAINTEXT-MARKER" in chunk for chunk in seen)
