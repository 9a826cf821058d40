"""``tipoff harden`` through the CLI entry point: plain words, the JSON contract, --list, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hardening_examples import TWO_HOP, USER_C1

from cli_invoke import invoke
from tipoff.errors import EXIT_USAGE


def test_human_output_says_what_to_change_what_it_buys_and_costs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["harden", "classroom", "--runs", "30", "--seed", "1", "--max-fee", "0.05"]
    code, out, err = invoke([*argv, "--max-days", "3"], capsys)
    assert code == 0, err
    assert "Today's procedure: each delivery is intercepted with probability" in out
    assert "Recommended plan (at most +5 fee points and at most +3 days)" in out
    assert "Keep the family's name and address away from everyone on the China side" in out
    assert "What it buys" in out and "What it costs" in out
    assert "Search: exhaustive" in out
    assert "Not applicable here" in out


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(
        ["harden", "classroom", "--runs", "10", "--seed", "2", "--json"], capsys
    )
    assert code == 0, err
    doc = json.loads(out)
    assert {"baseline", "options", "recommended", "provenance"} <= set(doc)
    assert {"p_intercept", "arrests"} <= set(doc["baseline"])
    assert doc["options"], "at least each measure alone"
    for o in doc["options"]:
        assert {"countermeasures", "p_intercept", "arrests", "fee", "days"} <= set(o)
    assert doc["provenance"]["seed"] == 2
    assert doc["provenance"]["scenario"] == "classroom"


def test_default_is_the_seed_preset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["harden", "--runs", "0", "--method", "greedy", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["provenance"]["scenario"] == "north-hamgyong-spring"
    assert doc["baseline"]["arrests"] is None  # no seasons simulated
    assert doc["search"]["method"] == "greedy"


def test_list_shows_each_measure_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["harden", "--list"], capsys)
    assert code == 0, err
    for text in ("withhold-recipient-china  [C1; I hypothesis]", "meeting-point  [C2; R", "C13"):
        assert text in out
    code, out, err = invoke(["harden", "classroom", "--list", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    ids = [m["id"] for m in doc["countermeasures"]]
    assert ids[0] == "withhold-recipient-china" and len(ids) == 10
    assert all(m["sources"] and m["status"] in ("R", "Rec", "I") for m in doc["countermeasures"])


def test_list_includes_the_scenario_file_measures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(TWO_HOP + USER_C1, encoding="utf-8")
    code, out, err = invoke(["harden", str(path), "--list"], capsys)
    assert code == 0, err
    assert "family-tells-courier  [C1; I hypothesis]  (defined in the scenario file)" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-fee", "1.5"],
        ["--max-days", "-1"],
        ["--runs", "1"],
        ["--runs", "-2"],
        ["--seed", "-1"],
        ["--method", "random"],
        ["--contact-risk", "3"],
        ["--list", "--max-fee", "0.1"],
        ["--list", "--runs", "5"],
    ],
)
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["harden", "classroom", *argv], capsys)
    assert code == EXIT_USAGE, err
    assert "error:" in err


def _terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Standard error as a terminal (the bar draws only there), captured."""
    from rich.console import Console

    import tipoff.cli._progress as progress_module

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, highlight=False, emoji=False)
    monkeypatch.setattr(progress_module, "err", console)
    return screen


def test_a_progress_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = _terminal(monkeypatch)
    code, out, err = invoke(["harden", "classroom", "--runs", "4", "--seed", "1"], capsys)
    assert code == 0, err
    drawn = screen.getvalue()
    assert "simulating seasons" in drawn  # the last stage, drawn when the bar stops
    assert "Recommended plan" in out and "simulating seasons" not in out


def test_no_bar_with_json_even_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = _terminal(monkeypatch)
    code, out, err = invoke(["harden", "classroom", "--runs", "4", "--json"], capsys)
    assert code == 0, err
    assert screen.getvalue() == ""
    json.loads(out)  # stdout is the JSON document alone


def test_no_bar_when_standard_error_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = invoke(["harden", "classroom", "--runs", "4"], capsys)
    assert code == 0 and "Recommended plan" in out
    assert err == ""  # not even the empty line a finished bar leaves
