"""``tipoff attribute`` through the CLI entry point: ranking, plain words, JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_invoke import invoke
from tipoff.cli import main


@pytest.fixture(scope="module")
def season_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attr")
    log = folder / "log.csv"
    try:
        main(["run", "--runs", "2", "--seed", "11", "--log-out", str(log)])
    except SystemExit as exc:
        assert not exc.code
    return log


def test_human_output_ranks_and_advises(
    season_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = invoke(["attribute", str(season_log), "--seed", "1"], capsys)
    assert code == 0, err
    assert "Risk of telling them" in out
    assert "helong-r2" in out.split("\n", 6)[-1]  # the top row: the seed-11 season's informant
    assert "route around" in out and "Do not confront" in out
    assert "false alarms" in out
    assert ".f1" not in out  # never families


def test_json_output(season_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, out, err = invoke(
        [
            "attribute",
            str(season_log),
            "--json",
            "--method",
            "gibbs",
            "--seed",
            "2",
            "--threshold",
            "0.4",
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["method"] == "gibbs" and doc["threshold"] == 0.4
    assert doc["provenance"]["seed"] == 2
    assert {"max_rhat", "min_ess"} <= set(doc["diagnostics"])
    first = doc["parties"][0]
    assert set(first) >= {"id", "role", "p_compromised", "lo", "hi", "attributable_interceptions"}
    assert all(p["role"] == "relay" for p in doc["parties"])


def test_thin_evidence_is_said_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "quiet.csv"
    log.write_text(
        "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
        "d1,3,s001,r1,c1,s001.f1,home,delivered\n",
        encoding="utf-8",
    )
    code, out, _ = invoke(["attribute", str(log), "-s", "classroom"], capsys)
    assert code == 0
    assert "too thin to separate" in out and "No party reaches 50%" in out


def test_bad_log_exits_3_with_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.csv"
    log.write_text(
        "delivery,day,sender,relays,courier,recipient,mode,outcome,cause\n"
        "d1,x,s001,r1,c1,s001.f1,home,delivered,informant\n",
        encoding="utf-8",
    )
    code, out, err = invoke(["attribute", str(log), "-s", "classroom"], capsys)
    assert code == 3 and out == ""
    assert err.strip() == (
        f"{log}:1:9: cause: is ground truth, which a defender cannot know: an incident log "
        "holds only what the defender sees (remove the column)"
    )
    code, _, err = invoke(["attribute", str(tmp_path / "none.csv")], capsys)
    assert code == 3 and "no such file" in err


def test_a_missing_log_points_at_its_encrypted_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `run --log-out log.csv` writes log.csv.age once a key is configured; a user then types log.csv
    (tmp_path / "log.csv.age").write_bytes(b"age-encryption.org/v1\n")
    code, out, err = invoke(["attribute", str(tmp_path / "log.csv"), "-s", "classroom"], capsys)
    assert code == 3 and out == ""
    assert "no such file (there is log.csv.age, its encrypted copy: name that)" in err


def test_bad_method_is_a_usage_error(season_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["attribute", str(season_log), "--method", "mcmc"], capsys)
    assert code == 2 and "--method" in err


def test_four_rows_one_interception_says_thin_first(
    season_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: a 4-row log with one interception gets the plain sentence at the top,
    in the JSON too, and every probability printed carries its interval."""
    lines = season_log.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    hit = next(r for r in rows if ",intercepted," in r)
    safe = [r for r in rows if ",delivered," in r][:3]
    log = tmp_path / "four.csv"
    log.write_text("\n".join([header, *safe, hit]) + "\n", encoding="utf-8")
    code, out, err = invoke(["attribute", str(log), "--seed", "1"], capsys)
    assert code == 0, err
    assert out.startswith("Thin evidence. The evidence ")
    for line in out.splitlines():
        if line.startswith("- "):  # a party's sentence: each probability with its interval
            assert line.count("%") >= 2 * line.count("% (") > 0
    code, out, _ = invoke(["attribute", str(log), "--seed", "1", "--json"], capsys)
    doc = json.loads(out)
    assert doc["thin_evidence"] is True and "thin" in doc["evidence_note"]
    for p in doc["parties"]:
        assert p["lo"] <= p["p_compromised"] <= p["hi"]
        assert p["informant"]["lo"] <= p["informant"]["p"] <= p["informant"]["hi"]


def test_a_likely_traced_relay_is_to_be_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A relay whose losses start right after a family arrest on its delivery: the CLI says to
    warn it, and never calls its probability of leaking the probability of being an informant."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
    from test_attribution_causes import TRACING, traced_log

    from tipoff.model import compile_scenario
    from tipoff.scenario import parse_scenario

    scenario = tmp_path / "tracing.yaml"
    scenario.write_text(TRACING, encoding="utf-8")
    model = compile_scenario(parse_scenario(TRACING))
    log = tmp_path / "traced.csv"
    log.write_text(traced_log(model), encoding="utf-8")
    code, out, err = invoke(["attribute", str(log), "-s", str(scenario)], capsys)
    assert code == 0, err
    out = " ".join(out.split())  # sentences are wrapped to the terminal's width
    assert "warn it: its channel is known to the service" in out
    assert "a1 is more likely traced than an informant: in danger itself. Warn it" in out
    assert "probability of being an informant" not in out


def test_nobody_flagged_means_nobody_to_route_around(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "safe.csv"
    log.write_text(
        "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
        "d1,1,s001,r1,c1,s001.f1,home,delivered\n"
        "d2,2,s002,r2,c1,s002.f1,home,delivered\n",
        encoding="utf-8",
    )
    code, out, err = invoke(["attribute", str(log), "-s", "classroom"], capsys)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "No party reaches 50%" in flat
    assert "no party stands out, so there is nobody in particular to route around" in flat
    assert "top of this list" not in flat and "false-alarm estimate" not in flat
    assert "Do not confront" in flat


def test_a_log_named_after_a_person_is_not_named(
    season_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    named = tmp_path / "kim.minsu@example.com.csv"
    named.write_bytes(season_log.read_bytes())
    code, out, err = invoke(["attribute", str(named)], capsys)
    assert code == 0, err
    assert "example.com" not in out + err and "not shown" in out
    code, out, err = invoke(
        ["report", "--log", str(named), "--runs", "2", "-o", str(tmp_path / "r.html")], capsys
    )
    assert code == 0, err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "example.com" not in page + out + err and "not shown" in page
