"""Where the work runs never changes the numbers: run and harden with 1 and 2 local workers."""

from __future__ import annotations

import json

import pytest

from tipoff.cli import main


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "north-hamgyong-spring", "--runs", "6000", "--seed", "4", "--json"],  # 2 chunks
        ["harden", "classroom", "--runs", "40", "--seed", "4", "--max-fee", "0.1", "--json"],
    ],
)
def test_two_workers_give_the_same_json(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    one = _json(argv, capsys)
    two = _json([*argv, "--workers", "2"], capsys)
    assert one == two
