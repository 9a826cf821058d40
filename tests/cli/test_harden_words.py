"""``tipoff harden`` says the report's sentences, not a copy of them that could drift."""

from __future__ import annotations

import pytest

from tipoff.analysis import harden
from tipoff.cli import main
from tipoff.report import hardening_baseline, hardening_recommendation
from tipoff.scenario import load_preset


@pytest.mark.parametrize(
    ("budget", "runs"), [({"max_fee": 0.05, "max_days": 3.0}, 20), ({"max_fee": 0.0}, 0)]
)
def test_the_command_prints_the_reports_sentences(
    budget: dict[str, float], runs: int, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load_preset("classroom")
    result = harden(scenario, n_runs=runs, seed=3, **budget)  # type: ignore[arg-type]
    argv = ["harden", "classroom", "--runs", str(runs), "--seed", "3"]
    argv += [f"--{k.replace('_', '-')}={v}" for k, v in budget.items()]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code in (0, None)
    # sentences are wrapped to the terminal's width: compare them with their spacing unified
    printed = " ".join(capsys.readouterr().out.split())
    sentences = [
        hardening_baseline(result, scenario.currency),
        *hardening_recommendation(result, scenario.currency),
    ]
    for sentence in sentences:
        assert " ".join(sentence.split()) in printed


def test_a_change_that_rounds_to_nothing_is_not_negative(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # courier-rotation lowers the seed preset's chance by less than half a percent: "(-0%)" read
    # as a gain
    with pytest.raises(SystemExit) as exit_info:
        main(["harden", "north-hamgyong-spring", "--runs", "0"])
    assert exit_info.value.code in (0, None)
    printed = capsys.readouterr().out
    assert "courier-rotation" in printed and "(+0%)" in printed
    assert "(-0%)" not in printed
