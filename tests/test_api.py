"""The top-level verbs: one first-argument kind, keyword-only options, seeds, lazy imports."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tipoff
from tipoff import _api
from tipoff.errors import ScenarioError, UsageError
from tipoff.scenario import Scenario, load_preset, preset_text

VERBS = ("simulate", "exposure", "attribute", "harden", "sweep", "calibrate")

# the function each verb wraps, and the parameters the verb fills itself
WRAPPED = {
    "simulate": ("tipoff.engines", "simulate_season"),
    "exposure": ("tipoff.analysis", "exposure_report"),
    "attribute": ("tipoff.analysis", "attribute"),
    "harden": ("tipoff.analysis", "harden"),
    "sweep": ("tipoff.analysis.sweep", "sweep"),
    "calibrate": ("tipoff.analysis.calibration", "calibrate"),
}

LOG = (
    "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
    "d1,5,s001,r1,c1,s001.f1,home,intercepted\n"
    "d2,6,s003,r3,c2,s003.f1,home,delivered\n"
)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_the_uniform_signature(verb: str) -> None:
    params = list(inspect.signature(getattr(tipoff, verb)).parameters.values())
    assert params[0].name == "scenario"
    assert params[0].kind is inspect.Parameter.POSITIONAL_ONLY
    options = [p for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in options)
    seed = inspect.signature(getattr(tipoff, verb)).parameters["seed"]
    assert seed.default is None and seed.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("verb", VERBS)
def test_defaults_are_those_of_the_wrapped_function(verb: str) -> None:
    import importlib

    module, name = WRAPPED[verb]
    inner = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    outer = inspect.signature(getattr(tipoff, verb)).parameters
    shared = [p for p in outer if p in inner and outer[p].kind is inspect.Parameter.KEYWORD_ONLY]
    assert "seed" in shared
    for p in shared:
        assert outer[p].default == inner[p].default, f"{verb}({p}=...) drifted from {name}"


def test_load_takes_a_scenario_a_preset_name_or_a_path(tmp_path: Path) -> None:
    preset = load_preset("classroom")
    assert tipoff.load(preset) is preset
    assert tipoff.load("classroom") == preset
    path = tmp_path / "mine.yaml"
    path.write_text(preset_text("classroom"), encoding="utf-8")
    assert tipoff.load(path) == preset
    assert tipoff.load(str(path)) == preset
    with pytest.raises(ScenarioError, match="no such file or preset"):
        tipoff.load("no-such-preset")
    with pytest.raises(TypeError, match="got int"):
        tipoff.load(3)  # type: ignore[arg-type]


def test_with_params_is_validated_as_a_method_and_a_verb() -> None:
    base = tipoff.load("classroom")
    changed = base.with_params({"operation.recruitment.initial": 0.35})
    assert isinstance(changed, Scenario)
    assert changed.operation.recruitment.initial == 0.35
    assert base.operation.recruitment.initial != 0.35  # the original is untouched
    assert tipoff.with_params("classroom", {"operation.recruitment.initial": 0.35}) == changed
    with pytest.raises(ScenarioError, match=r"operation\.recruitment\.initial"):
        base.with_params({"operation.recruitment.initial": 5.0})
    with pytest.raises(UsageError, match="did you mean"):
        tipoff.with_params(base, {"operation.recruitment.intial": 0.2})


def test_simulate_is_reproducible_from_the_seed_whatever_the_first_argument() -> None:
    a = tipoff.simulate("classroom", n_runs=40, seed=7)
    b = tipoff.simulate(load_preset("classroom"), n_runs=40, seed=7)
    assert a.output.provenance.seed == 7 and a.n_runs == 40
    np.testing.assert_array_equal(a.output.totals, b.output.totals)
    c = tipoff.simulate("classroom", n_runs=40, seed=8)
    assert not np.array_equal(a.output.totals, c.output.totals)
    assert a.output.record is not None
    assert tipoff.simulate("classroom", n_runs=5, seed=1, record_run=None).output.record is None


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("seed", [-1, "7", 1.5, True])
def test_a_bad_seed_is_a_usage_error_in_every_verb(verb: str, seed: object) -> None:
    from tipoff.results import parse_incident_log

    extra: dict[str, tuple[object, ...]] = {
        "attribute": (parse_incident_log(LOG),),
        "sweep": (["operation.tracing=0,0.5"],),
        "calibrate": ("north-hamgyong-spring",),
    }
    scenario = "north-hamgyong-spring" if verb == "calibrate" else "classroom"
    with pytest.raises(UsageError, match="seed must be a non-negative integer"):
        getattr(tipoff, verb)(scenario, *extra.get(verb, ()), seed=seed)


def test_a_changed_parameter_changes_the_simulation() -> None:
    base = tipoff.load("classroom")
    none = base.with_params({"operation.recruitment.initial": 0.0, "operation.background": 0.0})
    none = none.with_params({"operation.recruitment.daily_hazard": 0.0})
    assert tipoff.simulate(none, n_runs=30, seed=1).totals["intercepted"].mean == 0.0
    assert tipoff.simulate(base, n_runs=30, seed=1).totals["intercepted"].mean > 0.0


def test_exposure_matches_the_analysis_layer() -> None:
    from tipoff.analysis import exposure_report

    report = tipoff.exposure("classroom", method="montecarlo", n_samples=200, seed=3)
    again = exposure_report(load_preset("classroom"), method="montecarlo", n_samples=200, seed=3)
    np.testing.assert_array_equal(report.output.p_intercept, again.output.p_intercept)
    assert report.output.provenance.seed == 3


def test_attribute_reads_a_log_from_a_path_or_takes_a_parsed_one(tmp_path: Path) -> None:
    from tipoff.results import parse_incident_log

    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    from_path = tipoff.attribute("classroom", path, method="exact", seed=1)
    parsed = tipoff.attribute("classroom", parse_incident_log(LOG), method="exact", seed=1)
    assert [p.id for p in from_path.parties] == [p.id for p in parsed.parties]
    assert from_path.parties[0].id == "r1"


def test_harden_passes_the_budget() -> None:
    r = tipoff.harden("classroom", max_fee=0.0, max_days=2, n_runs=0, method="greedy")
    assert r.max_fee == 0.0 and r.max_days == 2 and r.search == "greedy"
    assert r.recommended.cost.fee <= 0.0 and r.recommended.cost.days <= 2


def test_import_tipoff_imports_nothing_heavy() -> None:
    code = (
        "import sys, tipoff; "
        "heavy = [m for m in ('pydantic', 'numpy', 'tipoff.scenario', 'tipoff._api', "
        "'importlib.metadata') if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'simulte'"):
        _ = tipoff.simulte  # type: ignore[attr-defined]
    assert set(_api.__all__) - {"ScenarioLike"} <= set(tipoff.__all__)


def test_summary_numbers_are_plain_floats() -> None:
    t = tipoff.simulate("classroom", n_runs=20, seed=2).totals["intercepted"]
    assert all(type(v) is float for v in (t.mean, t.lo, t.hi, t.stderr)), repr(t)


def test_attribute_checks_a_parsed_log_against_the_scenario() -> None:
    from tipoff.results import LogError, parse_incident_log

    stranger = LOG.replace("s001,r1,c1", "s001,zz9,c1")
    with pytest.raises(LogError, match="zz9"):
        tipoff.attribute("classroom", parse_incident_log(stranger), method="exact", seed=1)


def test_a_simulated_log_gives_the_same_evidence_parsed_or_from_its_file(tmp_path: Path) -> None:
    from tipoff.results import incident_log_text, parse_incident_log

    record = tipoff.simulate("classroom", n_runs=2, seed=4).output.record
    assert record is not None
    text = incident_log_text(record)
    path = tmp_path / "season.csv"
    path.write_text(text, encoding="utf-8")
    a = tipoff.attribute("classroom", path, method="exact", seed=1)
    b = tipoff.attribute("classroom", parse_incident_log(text), method="exact", seed=1)
    assert [(p.id, p.p_compromised) for p in a.parties] == [
        (p.id, p.p_compromised) for p in b.parties
    ]


def test_sweep_takes_a_mapping_or_one_text_as_well_as_texts() -> None:
    # a researcher wrote tipoff.sweep("classroom", {"operation.recruitment.initial": [0.1, 0.3]})
    # and got "--vary operation.recruitment.initial: expected PATH=SPEC"
    path = "operation.recruitment.initial"
    texts = tipoff.sweep("classroom", [f"{path}=0.1,0.3"], n_runs=4, seed=2)
    mapping = tipoff.sweep("classroom", {path: [0.1, 0.3]}, n_runs=4, seed=2)
    spec = tipoff.sweep("classroom", {path: "0.1:0.3:2"}, n_runs=4, seed=2)
    one = tipoff.sweep("classroom", f"{path}=0.1,0.3", n_runs=4, seed=2)
    for other in (mapping, spec, one):
        np.testing.assert_array_equal(other.values, texts.values)
        np.testing.assert_array_equal(other.stats, texts.stats)
        assert other.params == texts.params
