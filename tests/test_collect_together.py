"""Test folders named together on the command line collect together (no clashing conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_report_and_security_tests_collect_in_one_run() -> None:
    # a user ran `pytest tests/report tests/security` and got "import file mismatch": both folders
    # have a conftest.py, which --doctest-modules imported as the same module "conftest"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "tests/report", "tests/security"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "error" not in done.stdout.lower().splitlines()[-1], done.stdout[-2000:]
