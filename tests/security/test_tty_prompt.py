"""The passphrase prompt on a real terminal (a pseudo-terminal): hidden, read from the TTY, never
echoed; and without a terminal, one clear line and exit code 2 instead of a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyrage
import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
CLASSROOM = Path(SRC) / "tipoff/scenario/presets/classroom.yaml"
SECRET = "tangerine-volcano-ledger"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")


def _run_on_tty(args: list[str], answer: str, tmp_path: Path) -> tuple[int, str]:
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def controlling_tty() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {**os.environ, "PYTHONPATH": SRC, "TIPOFF_CONFIG": str(tmp_path / "c.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tipoff", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=controlling_tty,
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if not answered and b"Passphrase for" in out:
            os.write(master, answer.encode() + b"\n")
            answered = True
    os.close(master)
    return proc.wait(timeout=60), out.decode("utf-8", "replace")


def test_passphrase_is_typed_hidden_on_the_terminal(tmp_path: Path) -> None:
    enc = tmp_path / "s.yaml.age"
    enc.write_bytes(pyrage.passphrase.encrypt(CLASSROOM.read_bytes(), SECRET))
    code, out = _run_on_tty(["scenario", "validate", str(enc)], SECRET, tmp_path)
    assert code == 0, out
    assert "Passphrase for s.yaml.age" in out
    assert SECRET not in out  # echo off: the shoulder surfer sees nothing


def test_wrong_passphrase_on_the_terminal(tmp_path: Path) -> None:
    enc = tmp_path / "s.yaml.age"
    enc.write_bytes(pyrage.passphrase.encrypt(CLASSROOM.read_bytes(), SECRET))
    code, out = _run_on_tty(["scenario", "validate", str(enc)], "guess", tmp_path)
    assert code == 3 and "cannot decrypt" in out and "Traceback" not in out


def test_without_a_terminal_one_line_and_no_hang(tmp_path: Path) -> None:
    enc = tmp_path / "s.yaml.age"
    enc.write_bytes(pyrage.passphrase.encrypt(CLASSROOM.read_bytes(), SECRET))
    env = {**os.environ, "PYTHONPATH": SRC, "TIPOFF_CONFIG": str(tmp_path / "c.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "tipoff", "scenario", "validate", str(enc)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 2
    assert "no terminal" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (["report", "classroom", "--runs", "2", "--passphrase", "-o", "r.html"], "(--encrypt-to)"),
        (
            ["run", "classroom", "-n", "2", "--log-out", "l.csv", "--encrypt-passphrase"],
            "(--encrypt-to)",
        ),
        (["keygen", "--passphrase", "-o", "k.txt"], "leave out --passphrase"),
    ],
)
def test_writing_without_a_terminal_suggests_what_works(
    argv: list[str],
    instead: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # an identity file opens files; it does not help write one: the advice follows the command
    from tipoff.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIPOFF_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "no terminal" in err and instead in err and "--identity" not in err
    assert not [p for p in tmp_path.iterdir() if p.name != "c.toml"]  # nothing written
