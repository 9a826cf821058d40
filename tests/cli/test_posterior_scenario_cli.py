"""A posterior fitted to another scenario is refused (exit 3) unless the user says to use it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_invoke import invoke
from tipoff.analysis.calibration import calibration_digest, network_digest
from tipoff.results import Posterior, write_posterior
from tipoff.scenario import Scenario, Uniform, load_preset, preset_text, scenario_digest

FLAG = "--posterior-from-other-scenario"
UNKNOWNS = ("operation.recruitment.initial",)
CLASSROOM = load_preset("classroom")


def posterior_of(scenario: Scenario, *, calibration: bool = True) -> Posterior:
    """A two-draw posterior whose provenance says it was fitted to ``scenario`` (without the
    calibration digest, as files written before it was recorded)."""
    prov = {"scenario": scenario.name, "scenario_digest": scenario_digest(scenario)}
    if calibration:
        prov["calibration_digest"] = calibration_digest(scenario, UNKNOWNS)
        prov["network_digest"] = network_digest(scenario, UNKNOWNS)
    return Posterior(
        unknowns=UNKNOWNS,
        priors=(Uniform(low=0.01, high=0.6),),
        draws=np.array([[0.1], [0.2]]),
        weights=np.array([0.5, 0.5]),
        provenance=prov,
    )


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A posterior of the classroom; the classroom over 90 days instead of 60 (another
    scenario); and the classroom with only its description changed (the same one)."""
    post = tmp_path / "post.json"
    write_posterior(post, posterior_of(CLASSROOM))
    text = preset_text("classroom")
    assert "horizon_days: 60 " in text
    longer = tmp_path / "longer.yaml"
    longer.write_text(text.replace("horizon_days: 60 ", "horizon_days: 90 "), encoding="utf-8")
    reworded = tmp_path / "reworded.yaml"
    reworded.write_text(text.replace("A small teaching network", "A teaching network"))
    return {"post": post, "longer": longer, "reworded": reworded}


@pytest.mark.parametrize(
    "command",
    [
        ["harden", "--runs", "0"],
        ["exposure"],
        ["run", "--runs", "10"],
        ["report", "--runs", "10", "-o", "{tmp}/r.html"],
    ],
)
def test_every_command_refuses_a_posterior_of_another_scenario(
    command: list[str], files: dict[str, Path], tmp_path: Path, capsys
) -> None:
    argv = [command[0], str(files["longer"]), *command[1:], "--posterior", str(files["post"])]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = invoke(argv, capsys)
    assert code == 3, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(
        f"{files['post']}: the posterior was fitted to this scenario as it was when calibrated"
    )
    assert "operation (or horizon, or currency) differs" in lines[0] and FLAG in lines[0]
    assert out == "" and not (tmp_path / "r.html").exists()


def test_the_flag_uses_it_anyway_with_a_note(files: dict[str, Path], capsys) -> None:
    argv = ["exposure", str(files["longer"]), "--posterior", str(files["post"]), "--json"]
    code, out, err = invoke([*argv, FLAG], capsys)
    assert code == 0, err
    assert "Note: the posterior was fitted to this scenario as it was" in " ".join(err.split())
    assert json.loads(out)["posterior"]["n_draws"] > 0


def test_a_network_changed_as_harden_does_gets_a_note_not_a_refusal(
    files: dict[str, Path], tmp_path: Path, capsys
) -> None:
    text = preset_text("classroom")
    assert "per_sender_per_year: " in text
    fewer = tmp_path / "lie-low.yaml"  # fewer deliveries a year, as harden's lie-low measure
    fewer.write_text(
        text.replace("per_sender_per_year: ", "per_sender_per_year: 0.5 #", 1), encoding="utf-8"
    )
    argv = ["exposure", str(fewer), "--posterior", str(files["post"]), "--json"]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    assert "network or workload differs" in " ".join(err.split())
    json.loads(out)


def test_the_same_scenario_reworded_is_accepted_without_a_note(
    files: dict[str, Path], capsys
) -> None:
    argv = ["exposure", str(files["reworded"]), "--posterior", str(files["post"]), "--json"]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    assert "Note" not in err
    json.loads(out)


def test_an_old_posterior_file_gets_a_note_not_a_refusal(
    files: dict[str, Path], tmp_path: Path, capsys
) -> None:
    old = tmp_path / "old.json"
    write_posterior(old, posterior_of(CLASSROOM, calibration=False))
    argv = ["exposure", str(files["longer"]), "--posterior", str(old), "--json"]
    code, out, err = invoke(argv, capsys)
    assert code == 0, err
    said = " ".join(err.split())  # the note wraps to the terminal
    assert "Note: the posterior was fitted to scenario classroom" in said
    assert "older than the check" in said
    json.loads(out)


def test_the_flag_without_a_posterior_is_a_usage_error(capsys) -> None:
    code, _, err = invoke(["harden", "classroom", "--runs", "0", FLAG], capsys)
    assert code == 2 and "applies only with --posterior" in err
