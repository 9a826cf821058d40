"""Fuzz the other files users give tipoff: observations, posterior files, column maps, settings.

Each is mutated from a valid file and run through the command that reads it. Observations files
(YAML, checked with ``calibrate --check``) keep the scenario reader's contract
(:func:`harness.check_contract`): exit 0 or 3, no traceback, every problem at ``line:col`` or
about the whole file, within the CPU budget. Posterior files (JSON that tipoff writes) name the
field at fault instead of a line, a column map can make the *log* it maps fail, and a settings file
(TOML, read by ``tipoff config``) names its keys, so for those every problem line must start with
the name of one of the files given. The same
derandomized budget as the other fuzz tests (``TIPOFF_FUZZ_EXAMPLES``, 25 by default).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import BUDGET, LIMIT_S, check_contract, run_cli
from hypothesis import given
from mutations import MUTATIONS, mutate

from tipoff._config import CONFIG_ENV, _load_cached
from tipoff.scenario import observations_preset_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "docs" / "sample-spreadsheet-log.csv"
COLUMNS = (
    "delivery=No.\ndate=Date\nsender=Sender\nrelays=Broker(s)\ncourier=Carrier\n"
    "recipient=Family\nmode=Hand-over\noutcome=Result\nfamily_arrested=Family arrested?\n"
    "notes=Notes\n"
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, Callable]]:
    """For each kind: a valid file, and the command that reads a file of that kind."""
    folder = tmp_path_factory.mktemp("fuzz-other")
    post = folder / "post.json"
    made = run_cli(
        ["calibrate", "classroom", str(_observations(folder)), "--particles", "16",
         "--runs-per-particle", "2", "--seed", "1", "-o", str(post)]
    )  # fmt: skip
    assert made.code == 0, made.err
    return {
        "observations": (
            observations_preset_text("north-hamgyong-spring").encode(),
            lambda f: ["calibrate", "north-hamgyong-spring", str(f), "--check"],
        ),
        "posterior": (
            post.read_bytes(),
            lambda f: ["run", "classroom", "--posterior", str(f), "--runs", "4", "--seed", "1"],
        ),
        "columns": (
            COLUMNS.encode(),
            lambda f: [
                "attribute",
                str(SAMPLE),
                "-s",
                "classroom",
                "--season-start",
                "2025-03-01",
                "--columns",
                str(f),
            ],
        ),
        "settings": (
            b"[encryption]\nrecipients = []\nencrypt_by_default = true\n"
            b'[privacy]\nplaces = ["Sinpo", "Unggi"]\n',
            lambda f: ["config"],
        ),
    }


def _observations(folder: Path) -> Path:
    path = folder / "obs.yaml"
    path.write_text(
        "unknowns:\n"
        "  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}\n"
        "observations:\n"
        "  - {id: a, source: a test, count: arrests, roles: couriers, places: [Hamhung],\n"
        "     placed_by: where, reported: '>= 1', reporting: 0.8}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("kind", ["observations", "posterior", "columns", "settings"])
@BUDGET
@given(edits=MUTATIONS)
def test_mutated_inputs(
    inputs: dict[str, tuple[bytes, Callable]], tmp_path_factory: pytest.TempPathFactory,
    kind: str, edits: list,
) -> None:  # fmt: skip
    data, argv = inputs[kind]
    target = tmp_path_factory.getbasetemp() / f"mutated-{kind}.txt"
    target.write_bytes(mutate(data, edits))
    before = os.environ.get(CONFIG_ENV)
    if kind == "settings":
        os.environ[CONFIG_ENV] = str(target)
        _load_cached.cache_clear()  # a file rewritten within one clock tick looks unchanged
    try:
        result = run_cli(argv(target))
    finally:
        if before is None:
            os.environ.pop(CONFIG_ENV, None)
        else:
            os.environ[CONFIG_ENV] = before
    if kind == "observations":
        check_contract(result, str(target))
        return
    assert result.code in (0, 3), f"exit {result.code}:\n{result.err[-2000:]}"
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert result.seconds < LIMIT_S, f"took {result.seconds:.2f} s"
    if result.code == 3:
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert lines and all(line.startswith((f"{target}:", f"{SAMPLE}:")) for line in lines)
