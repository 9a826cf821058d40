"""calibrate() on a real scenario: reproducible whatever the workers; the posterior file."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tipoff.analysis.calibration import (
    calibrate,
    calibration_digest,
    current_values,
    summarize_posterior,
)
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
    assert prov["calibration_digest"] == calibration_digest(classroom, one.unknowns)
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


def _fake_result(moved: bool):
    from tipoff.analysis.calibration import SMCResult, Stage

    rng = np.random.default_rng(0)
    n = 400
    stages = [Stage(phi=0.4, ess=100.0, steps=3, acceptance=0.3)] if moved else []
    stages.append(Stage(phi=1.0, ess=300.0, steps=0, acceptance=float("nan")))
    return SMCResult(
        thetas=rng.random((n, 1)),
        weights=np.full(n, 1 / n),
        loglik=np.zeros(n),
        island=np.repeat(np.arange(4), n // 4),
        stages=tuple(stages),
        n_evaluations=n,
        log_evidence=0.0,
        island_means=np.full((4, 1), 0.5),
        mc_error=np.array([0.001]),
        ess=np.array([n * 1.0]),
        weight_ess=float(n),
    )


@pytest.mark.parametrize("moved", [False, True])
def test_noisy_estimates_fail_convergence_only_when_particles_moved(moved: bool) -> None:
    from tipoff.analysis.calibration import SMCOptions
    from tipoff.analysis.calibration._calibrate import _diagnostics

    opt = SMCOptions(n_particles=400)
    noisy = _diagnostics(_fake_result(moved), ("x",), (float("inf"), 5.0), 10, 12, opt)
    quiet = _diagnostics(_fake_result(moved), ("x",), (0.3, 0.3), 10, 12, opt)
    assert quiet["converged"]
    assert noisy["converged"] is not moved
    assert noisy["likelihood_cv"] == 5.0 and noisy["loglik_noise_sd"] is None
    if moved:
        assert "coefficient of variation" in noisy["not_converged_because"][0]
        # every repeated estimate zero: said in words, never "vary by inf"
        dead = _diagnostics(_fake_result(moved), ("x",), (math.inf, math.inf), 10, 12, opt)
        (why,) = dead["not_converged_because"]
        assert "reproduced the reports" in why and "inf" not in why


def test_harden_sentence_speaks_of_the_recommended_plan_when_another_does_better() -> None:
    """The plan `harden` recommends at the scenario's own values is named with how it fares;
    the sentence never lets a different plan's robustness pass for the recommendation's."""
    from tipoff.analysis.calibration._robust import PlanRobustness, _differs

    def plan(measures: tuple[str, ...], arrests: float, near: float) -> PlanRobustness:
        return PlanRobustness(
            measures=measures, within_budget=True, expected_arrests=arrests, stderr=0.1,
            share_best=near / 2, share_near_best=near, regret_p90=2.0,
        )  # fmt: skip

    best = plan(("a",), 4.0, 0.95)
    fragile = _differs(plan(("b", "c"), 6.0, 0.06), best)
    assert fragile.startswith("The plan recommended above at the scenario's own values, b + c,")
    assert "under only 6% of the draws" in fragile and fragile.endswith("prefer a.")
    sturdy = _differs(plan(("b",), 4.1, 0.92), best)
    assert "92% of the draws" in sturdy and sturdy.endswith("it holds.")
