"""calibrate() on a real scenario: reproducible whatever the workers; the posterior file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tipoff.analysis.calibration import calibrate, current_values, summarize_posterior
from tipoff.errors import InputError
from tipoff.results import read_posterior, write_posterior
from tipoff.scenario import load_preset, parse_observations

OBS = """\
unknowns:
  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}
  reporting.src: {dist: uniform, low: 0.3, high: 1}
observations:
  - id: arrests
    source: a test report
    count: arrests
    roles: both
    places: [Hamhung, Kaechon, Pyongyang, Hoeryong, Musan]
    placed_by: where
    reported: ">= 2"
    reporting: src
    coverage: 0.5
"""


@pytest.fixture(scope="module")
def classroom():
    return load_preset("classroom")


def _run(scenario, workers: int):
    return calibrate(
        scenario,
        parse_observations(OBS, scenario=scenario),
        n_particles=16,
        runs_per_particle=20,
        seed=7,
        n_workers=workers,
    )


def test_same_seed_same_posterior_whatever_the_workers(classroom) -> None:
    one = _run(classroom, 1)
    two = _run(classroom, 2)
    np.testing.assert_array_equal(one.draws, two.draws)
    assert one.predictive == two.predictive
    assert one.diagnostics == two.diagnostics
    prov = one.provenance
    assert prov["seed"] == 7 and prov["method"] == "smc-pseudo-marginal"
    assert len(prov["scenario_digest"]) == 16 and len(prov["observations_digest"]) == 16
    assert (one.draws[:, 0] >= 0.01).all() and (one.draws[:, 0] <= 0.6).all()
    assert [p["id"] for p in one.predictive] == ["arrests", "all together"]
    assert 0.0 <= one.predictive[0]["posterior"] <= 1.0
    summary = summarize_posterior(one)
    assert summary.unknowns[0].label == "informant share on day 0"
    # 16 particles do not converge: the sentence says so instead of reading the posterior
    assert summary.converged == one.diagnostics["converged"]
    lead = "The reports" if summary.converged else "The sampler has not converged"
    assert summary.sentence.startswith(lead)


def test_posterior_file_round_trip_and_errors(classroom, tmp_path) -> None:
    post = _run(classroom, 1)
    path = tmp_path / "post.json"
    write_posterior(path, post)
    back = read_posterior(path)
    np.testing.assert_array_equal(back.draws, post.draws)
    assert back.unknowns == post.unknowns and back.provenance == post.provenance
    assert back.scenario_values(0) == {"operation.recruitment.initial": post.draws[0, 0]}
    doc = json.loads(path.read_text())
    doc["draws"][0][0] = 5.0  # outside the prior's support
    doc["weights"] = doc["weights"][:-1]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        read_posterior(bad)
    assert any("weights" in str(p) for p in info.value.problems)
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(InputError, match=r"x.json:1:2: not JSON"):
        read_posterior(tmp_path / "x.json")
    # hostile JSON: one line each, never an internal error
    for text, says in (
        ("[" * 100_000, "nested too deeply"),
        ('{"draws": ' + "9" * 5000 + "}", "too many digits"),
        ('{"draws": NaN}', "NaN is not a number JSON allows"),
    ):
        (tmp_path / "h.json").write_text(text)
        with pytest.raises(InputError, match=says):
            read_posterior(tmp_path / "h.json")


def test_current_values(classroom) -> None:
    assert current_values(classroom, ["operation.recruitment.initial"]) == {
        "operation.recruitment.initial": 0.2
    }
