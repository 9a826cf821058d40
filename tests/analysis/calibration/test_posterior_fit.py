"""Whether a posterior was fitted to the scenario it is applied to: the calibration digest."""

from __future__ import annotations

import numpy as np
import pytest

from tipoff.analysis.calibration import calibration_digest, network_digest, posterior_fit
from tipoff.results import Posterior
from tipoff.scenario import Scenario, Uniform, load_preset, scenario_digest

UNKNOWNS = ("operation.recruitment.initial", "reporting.src")
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
        priors=(Uniform(low=0.01, high=0.6), Uniform(low=0.3, high=1.0)),
        draws=np.array([[0.1, 0.5], [0.2, 0.6]]),
        weights=np.array([0.5, 0.5]),
        provenance=prov,
    )


def _edited(scenario: Scenario, **update: object) -> Scenario:
    return Scenario.model_validate({**scenario.model_dump(by_alias=True), **update})


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s, id="itself"),
        pytest.param(lambda s: _edited(s, name="renamed", description="edited"), id="words"),
        pytest.param(lambda s: s.with_params({UNKNOWNS[0]: 0.33}), id="an-unknowns-value"),
        pytest.param(lambda s: _edited(s, handover="meeting_point"), id="the-procedure"),
        pytest.param(lambda s: _edited(s, protocol=s.protocol[:1]), id="fewer-steps"),
    ],
)
def test_same_meaning_is_accepted_without_a_word(change) -> None:
    fit = posterior_fit(change(CLASSROOM), posterior_of(CLASSROOM))
    assert fit.verdict == "same" and fit.sentence is None


@pytest.mark.parametrize(
    "values",
    [
        {"horizon_days": 90},  # the window the reports were counted over
        {"operation.recruitment.daily_hazard": 0.002},  # a parameter held fixed, not an unknown
    ],
)
def test_another_operation_is_other(values: dict[str, float]) -> None:
    other = CLASSROOM.with_params(values)
    fit = posterior_fit(other, posterior_of(CLASSROOM))
    assert fit.verdict == "other"
    assert (
        fit.sentence is not None and "operation (or horizon, or currency) differs" in fit.sentence
    )
    assert "classroom" not in fit.sentence  # the same name is not repeated as if another
    assert "this scenario as it was when calibrated" in fit.sentence


@pytest.mark.parametrize(
    "values",
    [
        {"generate.senders.count": 30},  # the network
        {"workload.per_sender_per_year": 3.0},  # as harden's lie-low changes it
    ],
)
def test_another_network_or_workload_is_said_not_refused(values: dict[str, float]) -> None:
    fit = posterior_fit(CLASSROOM.with_params(values), posterior_of(CLASSROOM))
    assert fit.verdict == "network"
    assert fit.sentence is not None and "network or workload differs" in fit.sentence


def test_every_measure_harden_can_recommend_keeps_the_posterior() -> None:
    from tipoff.analysis.hardening import candidates

    seed = load_preset("north-hamgyong-spring")
    post = posterior_of(seed)
    measures, _ = candidates(seed)
    assert len(measures) >= 5
    for m in measures:
        assert posterior_fit(m.apply(seed), post).verdict in ("same", "network"), m.id


def test_a_damaged_digest_is_not_called_an_old_file() -> None:
    post = posterior_of(CLASSROOM)
    damaged = Posterior(
        unknowns=post.unknowns,
        priors=post.priors,
        draws=post.draws,
        weights=post.weights,
        provenance={**post.provenance, "calibration_digest": 12345},
    )
    fit = posterior_fit(_edited(CLASSROOM, description="edited"), damaged)
    assert fit.verdict == "unproven"
    assert fit.sentence is not None and "cannot be read" in fit.sentence
    assert "older" not in fit.sentence


def test_an_old_file_that_cannot_say_what_differs_is_unproven() -> None:
    old = posterior_of(CLASSROOM, calibration=False)
    assert posterior_fit(CLASSROOM, old).verdict == "same"
    renamed = _edited(CLASSROOM, description="edited")  # the whole-scenario digest changes
    fit = posterior_fit(renamed, old)
    assert fit.verdict == "unproven"
    assert fit.sentence is not None and "older than the check" in fit.sentence


def test_a_name_from_the_file_that_looks_personal_is_not_shown() -> None:
    post = posterior_of(CLASSROOM)
    prov = {**post.provenance, "scenario": "call +82 10 1234 5678", "calibration_digest": "0" * 16}
    fit = posterior_fit(CLASSROOM, Posterior(**{**_fields(post), "provenance": prov}))
    assert fit.verdict == "other" and fit.sentence is not None
    assert "1234" not in fit.sentence and "(not shown)" in fit.sentence


def _fields(post: Posterior) -> dict[str, object]:
    return {k: getattr(post, k) for k in ("unknowns", "priors", "draws", "weights", "provenance")}
