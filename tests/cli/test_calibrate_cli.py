"""``tipoff calibrate`` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cli_invoke import invoke
from tipoff.results import read_posterior

OBS = """\
unknowns:
  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}
observations:
  - id: arrests
    source: a test report
    count: arrests
    roles: couriers
    places: [Hamhung, Kaechon, Pyongyang]
    placed_by: where
    reported: ">= 1"
    reporting: 0.8
"""


def _posterior_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A small posterior of the classroom scenario (16 particles, seed 2), written to a file."""
    obs = tmp_path / "obs.yaml"
    obs.write_text(OBS)
    post = tmp_path / "post.json"
    argv = ["calibrate", "classroom", str(obs), "--particles", "16", "--runs-per-particle", "10"]
    assert invoke([*argv, "--seed", "2", "-o", str(post)], capsys)[0] == 0
    return post


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["calibrate", "--schema"], capsys)
    assert code == 0
    Draft202012Validator.check_schema(json.loads(out))


def test_json_and_posterior_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    obs = tmp_path / "obs.yaml"
    obs.write_text(OBS)
    post = tmp_path / "post.json"
    argv = ["calibrate", "classroom", str(obs), "--particles", "16", "--runs-per-particle", "10"]
    code, out, err = invoke([*argv, "--seed", "2", "--json", "-o", str(post)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["unknowns"][0]["unknown"] == "operation.recruitment.initial"
    assert doc["provenance"]["seed"] == 2 and doc["provenance"]["observations"] == str(obs)
    assert isinstance(doc["converged"], bool) and doc["sentence"]
    assert read_posterior(post).n_draws == 16
    code, out, _ = invoke([*argv, "--seed", "2"], capsys)
    assert code == 0
    assert "Prior and posterior" in out and "Predictive check" in out


def test_input_problems_exit_3_and_usage_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(OBS.replace("Hamhung", "Atlantis").replace("    placed_by: where\n", ""))
    code, _, err = invoke(["calibrate", "classroom", str(bad)], capsys)
    assert code == 3
    assert f"{bad}:4:5: observations[0].placed_by: Field required" in err
    code, _, err = invoke(["calibrate", "classroom"], capsys)
    assert code == 2 and "no built-in observations" in err
    code, _, err = invoke(["calibrate", "--particles", "18"], capsys)
    assert code == 2 and "multiple of 4" in err
    # a missing output folder: exit 4, as for every command (tests/cli/test_outputs_cli.py)


def test_run_across_the_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = _posterior_file(tmp_path, capsys)
    run = ["run", "classroom", "--posterior", str(post), "--runs", "40", "--seed", "1", "--json"]
    code, out, err = invoke(run, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["provenance"]["options"]["posterior"]) == 16
    code, out2, _ = invoke([*run, "--workers", "2"], capsys)
    assert code == 0 and json.loads(out2) == doc
    code, _, err = invoke(["run", "--posterior", str(tmp_path / "none.json")], capsys)
    assert code == 3 and "no such file" in err


def test_harden_across_the_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = _posterior_file(tmp_path, capsys)
    harden = ["harden", "classroom", "--posterior", str(post), "--runs", "20", "--seed", "3"]
    code, out, err = invoke([*harden, "--max-fee", "0.05", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    robust = doc["posterior"]
    plans = robust["plans"]
    chosen = doc["recommended"]["countermeasures"]
    says_chosen = robust["sentence"].startswith("The plan recommended above")
    assert says_chosen == (chosen != robust["recommended"])
    assert plans[0]["countermeasures"] == robust["recommended"]
    arrests = [p["expected_arrests"] for p in plans]
    assert arrests == sorted(arrests)
    for p in plans:
        assert 0.0 <= p["share_best"] <= p["share_within_5pct"] <= 1.0
        assert p["regret_p90"] >= 0.0
    # shares of "best" add up to at least 1 (ties count for every plan tied)
    assert sum(p["share_best"] for p in plans) >= 1.0 - 1e-9
    code, out, _ = invoke(harden, capsys)
    assert code == 0 and "Across the posterior" in out


def test_exposure_across_the_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = _posterior_file(tmp_path, capsys)
    code, out, err = invoke(["exposure", "classroom", "--posterior", str(post), "--json"], capsys)
    assert code == 0, err
    bands = json.loads(out)["posterior"]
    p = bands["p_intercept"]
    assert 0.0 <= p["lo"] <= p["mean"] <= p["hi"] <= 1.0
    rows = bands["rows"]
    assert all(
        lo <= m <= hi for lo, m, hi in zip(rows["lo"], rows["mean"], rows["hi"], strict=True)
    )


def test_report_gains_a_calibration_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    post = _posterior_file(tmp_path, capsys)
    html = tmp_path / "r.html"
    report = ["report", "classroom", "--runs", "5", "--seed", "1", "-o", str(html)]
    code, _, err = invoke([*report, "--posterior", str(post)], capsys)
    assert code == 0, err
    page = html.read_text()
    assert 'id="calibration"' in page and "informant share on day 0" in page
    assert invoke(report, capsys)[0] == 0
    assert 'id="calibration"' not in html.read_text()


def test_a_degenerate_run_is_written_and_says_it_has_not_converged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Too few particles and seasons: islands die and one particle takes every weight. The
    posterior file is still written (undefined spreads as null), nothing is claimed as pinned
    down, and numpy's warnings do not reach the user."""
    post = tmp_path / "post.json"
    argv = ["calibrate", "--particles", "16", "--runs-per-particle", "2", "--seed", "1"]
    code, out, err = invoke([*argv, "-o", str(post)], capsys)
    assert code == 0, err
    assert "NOT CONVERGED" in out and "has not converged" in out
    assert "The reports pin down" not in out and "Warning" not in err
    doc = json.loads(post.read_text())
    assert None in doc["diagnostics"]["mc_error"]
    assert read_posterior(post).n_draws == 16
    code, out, err = invoke([*argv, "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["converged"] is False
    assert None in [x for row in summary["correlation"] for x in row]
    code, out, err = invoke(["run", "--posterior", str(post), "--runs", "8", "--seed", "1"], capsys)
    assert code == 0 and "did not converge" in err


def test_check_reads_both_files_and_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = tmp_path / "obs.yaml"
    obs.write_text(OBS)
    code, out, err = invoke(["calibrate", "classroom", str(obs), "--check"], capsys)
    assert code == 0, err
    said = " ".join(out.split())
    assert said.startswith(f"OK {obs}: 1 unknown (operation.recruitment.initial), 1 observation")
    assert "Prior and posterior" not in out
    obs.write_text(OBS.replace("count: arrests", "count: arests").replace("0.8", "8"))
    code, _, err = invoke(["calibrate", "classroom", str(obs), "--check"], capsys)
    assert code == 3
    assert [line.split(":")[:2] for line in err.splitlines()] == [[str(obs), "6"], [str(obs), "11"]]


OBS_TWO = """\
unknowns:
  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}
  operation.tracing: {dist: uniform, low: 0.0, high: 0.6}
observations:
  - id: couriers-arrested-in-northern-towns
    source: a test report
    count: arrests
    roles: couriers
    places: [Hamhung, Kaechon, Pyongyang]
    placed_by: where
    reported: ">= 1"
    reporting: 0.8
"""


@pytest.mark.parametrize("width", [60, 80])
def test_the_summary_fits_the_terminal_and_cuts_no_number(
    width: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every number of the --json summary appears whole in the human one (no interval cut with
    an ellipsis), no line is wider than the terminal, and the sentences wrap to it."""
    from tipoff.cli._common import out as console

    monkeypatch.setattr(console, "width", width)
    obs = tmp_path / "obs.yaml"
    obs.write_text(OBS_TWO)
    argv = ["calibrate", "classroom", str(obs), "--particles", "16", "--runs-per-particle", "2"]
    code, text, err = invoke([*argv, "--seed", "1"], capsys)
    assert code == 0, err
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width, text
    assert "…" not in text and "NOT CONVERGED" in text
    code, doc, err = invoke([*argv, "--seed", "1", "--json"], capsys)
    summary = json.loads(doc)
    words = set(text.replace("(", " ").replace(")", " ").split())
    for u in summary["unknowns"]:
        for part in ("prior", "posterior"):
            for key in ("median", "lo", "hi"):
                shown = _num(u[part][key])
                assert shown in words, (part, key, shown, text)
    assert "couriers-arrested-in-northern-towns" in words
    # a not-converged reason wraps with its indent instead of running past the edge
    assert any(line.startswith("    ") for line in lines), text


def _num(x: float) -> str:
    from tipoff.cli._calibrate_cmd import _num as shown

    return shown(x)
