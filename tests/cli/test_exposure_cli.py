"""``tipoff exposure`` through the CLI entry point: tables, advice, the JSON contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_invoke import invoke
from tipoff.cli import main

MARKUP = """\
name: markup
horizon_days: 30
parties:
  - {id: s1, role: sender}
  - {id: r1, role: relay, community: "[red]yanji"}
  - {id: r2, role: relay, community: "[red]yanji"}
  - {id: c1, role: courier}
  - {id: f1, role: recipient}
links:
  sender_relays: {s1: [r1]}
  relay_couriers: {r1: [c1], r2: [c1]}
  sender_recipients: {s1: [f1]}
protocol:
  - {from: sender, to: relay, items: [recipient_address, schedule], lead_days: 5}
operation:
  recruitment: {initial: 0.3}
  harvest: {community: 0.5}
  relay: {success: 0.9, delay_days: 1}
  response:
    catch: {address_and_schedule: 0.9, address_only: 0.4}
"""


def test_human_output_names_the_step_to_change(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["exposure", "classroom"], capsys)
    assert code == 0, err
    assert "P(intercepted)" in out
    assert "Procedure steps" in out
    assert "Tell the relays less" in out
    assert "expected interceptions" in out


def test_human_output_speaks_the_reports_words(capsys: pytest.CaptureFixture[str]) -> None:
    # a user read "sender tells relay recipient_identity, recipient_address" in the terminal
    # while the report said "who the family is, the family's address"
    from tipoff.analysis import exposure_report
    from tipoff.report._words import exposure_advice, step_sentence
    from tipoff.scenario import load_preset

    code, out, err = invoke(["exposure", "north-hamgyong-spring"], capsys)
    assert code == 0, err
    scenario = load_preset("north-hamgyong-spring")
    report = exposure_report(scenario)
    advice = exposure_advice(report, scenario.protocol, scenario.operation.relay.delay_days)
    flat = " ".join(out.split())
    assert " ".join(advice.split()) in flat
    assert step_sentence(scenario.protocol[0]).split(",")[0] in flat
    assert "recipient_address" not in out and "recipient_identity" not in out


def test_default_is_the_seed_preset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["exposure", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["provenance"]["scenario"] == "north-hamgyong-spring"


def test_json_contract_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["exposure", "classroom", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["method"] == "exact"
    d = doc["deliveries"][0]
    assert {"id", "sender", "relays", "courier", "recipient", "mode", "day", "p_intercept"} <= set(
        d
    )
    assert "stderr" not in d
    assert isinstance(d["relays"], list) and d["mode"] in ("home", "meeting_point")
    assert all(0.0 <= x["p_intercept"] <= 1.0 for x in doc["deliveries"])
    roles = {p["role"] for p in doc["parties"]}
    assert roles <= {"sender", "relay", "courier", "recipient"}
    assert all({"id", "role", "risk_reduction_if_withheld"} <= set(p) for p in doc["parties"])
    reductions = [p["risk_reduction_if_withheld"] for p in doc["parties"]]
    assert reductions == sorted(reductions, reverse=True)
    assert [s["step"] for s in doc["steps"]] == [0, 1]
    assert all(isinstance(s["attributable"], float) for s in doc["steps"])
    assert doc["provenance"]["method"] == "exact" and doc["provenance"]["seed"] is None
    assert doc["provenance"]["scenario"] == "classroom"


def test_json_contract_montecarlo(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "exposure",
        "classroom",
        "--method",
        "montecarlo",
        "--samples",
        "500",
        "--seed",
        "7",
        "--json",
    ]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["method"] == "montecarlo"
    assert all("stderr" in d and d["stderr"] >= 0 for d in doc["deliveries"])
    assert doc["provenance"]["seed"] == 7
    assert doc["provenance"]["options"]["n_samples"] == 500
    code, again, _ = invoke(argv, capsys)
    assert code == 0 and again == out


def test_montecarlo_human_output_shows_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(
        ["exposure", "classroom", "--method", "montecarlo", "--samples", "200", "--seed", "3"],
        capsys,
    )
    assert code == 0, err
    assert "seed 3" in out and "±" in out


def test_user_strings_are_not_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "markup.yaml"
    path.write_text(MARKUP, encoding="utf-8")
    code, out, err = invoke(["exposure", str(path), "--threshold", "0.1"], capsys)
    assert code == 0, err
    flat = out.replace("\n", "").replace("│", "").replace(" ", "")
    assert "community:[red]yanji" in flat


def test_routes_break_lines_without_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    # a route is shown one party a line; those line breaks are the table's own and must not be
    # escaped as if they came from a file (a user saw "s001 >\\x0ayanji-r1")
    code, out, err = invoke(["exposure", "north-hamgyong-spring"], capsys)
    assert code == 0, err
    assert "\\x0a" not in out
    assert "s001 >" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["exposure", "classroom", "--method", "bayes"],
        ["exposure", "classroom", "--samples", "100"],
        ["exposure", "classroom", "--seed", "1"],
        ["exposure", "classroom", "--method", "montecarlo", "--samples", "1"],
        ["exposure", "classroom", "--threshold", "2"],
        ["exposure", "classroom", "--top", "0"],
    ],
)
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(argv, capsys)
    assert code == 2
    assert "Traceback" not in err


def test_unknown_scenario_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["exposure", "no-such-preset-or-file"], capsys)
    assert code == 3
    assert "Traceback" not in err


def test_json_is_the_reports_to_dict_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    # --json gave "relay tells courier recipient_identity, recipient_address (3 days ahead)"
    # where the terminal said "who the family is, the family's address"
    from tipoff.analysis import exposure_report
    from tipoff.analysis._step_words import ITEM_WORDS
    from tipoff.scenario import load_preset

    code, out, err = invoke(["exposure", "north-hamgyong-spring", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    report = exposure_report(load_preset("north-hamgyong-spring"))
    assert doc == json.loads(json.dumps(report.to_dict(), allow_nan=False))  # one place
    code, human, _ = invoke(["exposure", "north-hamgyong-spring"], capsys)
    assert " ".join(doc["advice"].split()) in " ".join(human.split())
    sentences = [doc["advice"], *(s["label"] for s in doc["steps"])]
    for key in [k for k in ITEM_WORDS if "_" in k]:  # "amount" is a word too
        assert all(key not in text for text in sentences), key
    # the scenario's keys stay, as data, beside the words
    assert any("recipient_address" in s["items"] for s in doc["steps"])
    assert all(" tells " in s["label"] for s in doc["steps"])


def test_the_columns_that_name_parties_are_explained_on_the_terminal(capsys) -> None:  # type: ignore[no-untyped-def]
    from tipoff.report import glossary

    with pytest.raises(SystemExit) as info:
        main(["exposure", "classroom"])
    assert info.value.code in (0, None)
    said = " ".join(capsys.readouterr().out.split())
    assert "one position enough: " + glossary("one position enough") in said
    assert "not a suspect" in said and "main step:" in said
