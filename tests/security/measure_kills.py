"""Kill writes with strace fault injection and count what is left: torn targets, temporary files.

Run from the repository root (needs strace): ``python tests/security/measure_kills.py``. Each case
kills the writer with SIGKILL on entering a syscall (the file's fsync, the folder's fsync, the
rename, the first write), for a plaintext and an age-encrypted output, four times; then a second
write into the same folder runs, as the next tipoff run would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, "src")

from tipoff._atomic import TEMP_PREFIX, write_bytes_atomic
from tipoff._crypto import generate_identity

CHILD = """
import sys
from tipoff._atomic import install_signal_handlers
from tipoff._crypto import Encryption
from tipoff.results._io import write_bytes_atomic
install_signal_handlers()
enc = Encryption(recipients=(sys.argv[2],)) if sys.argv[2] != "-" else None
write_bytes_atomic(sys.argv[1], b"PLAINTEXT-MARKER new\\n" * 50000, encryption=enc)
"""
CASES = {
    "file fsync": "fsync:signal=SIGKILL:when=1",
    "folder fsync": "fsync:signal=SIGKILL:when=2",
    "rename": "rename,renameat,renameat2:signal=SIGKILL",
    "first write": "write:signal=SIGKILL:when=1",
}
OLD = b"OLD\n" * 1000
NEW = b"PLAINTEXT-MARKER new\n" * 50000


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="tipoff-kills-"))
    child = base / "child.py"
    child.write_text(CHILD)
    _, public = generate_identity()
    env = {**os.environ, "PYTHONPATH": os.path.abspath("src")}
    total = dict.fromkeys(("kills", "torn", "temps", "plaintext temps", "after next run"), 0)
    for label, inject in CASES.items():
        for recipient in ("-", public):
            for _ in range(4):
                folder = base / "out"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                target = folder / ("log.csv.age" if recipient != "-" else "log.csv")
                target.write_bytes(OLD)
                cmd = ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"inject={inject}"]
                cmd += [sys.executable, str(child), str(target), recipient]
                done = subprocess.run(cmd, env=env, capture_output=True, check=False)
                data = target.read_bytes()
                new = data.startswith(b"age-encryption.org/v1") if recipient != "-" else data == NEW
                temps = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
                total["kills"] += done.returncode != 0
                total["torn"] += not (data == OLD or new)
                total["temps"] += len(temps)
                total["plaintext temps"] += sum(
                    b"PLAINTEXT-MARKER" in p.read_bytes() for p in temps
                )
                write_bytes_atomic(folder / "next.txt", b"x")
                total["after next run"] += sum(
                    p.name.startswith(TEMP_PREFIX) for p in folder.iterdir()
                )
        print(label, total)
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
