"""One headline unit and one meaning of "route" across the commands and the report.

The headline is P(intercepted) per delivery: ``exposure`` and ``harden`` give the same number for
the same procedure, ``run`` gives the pooled share of attempted deliveries, and every human output
names the unit. A route is sender > relays > courier > recipient: ``scenario validate``,
``exposure`` and the report count the same routes.
"""

from __future__ import annotations

import json
import re

import pytest

from cli_invoke import invoke as run_cli
from tipoff.report import build_report
from tipoff.scenario import load_preset


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("preset", ["classroom"])
def test_exposure_and_harden_give_the_same_per_delivery_figure(
    preset: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exposure = json.loads(invoke(["exposure", preset, "--json"], capsys))
    harden = json.loads(invoke(["harden", preset, "--runs", "0", "--json"], capsys))
    assert exposure["p_intercepted_per_delivery"] == pytest.approx(
        harden["baseline"]["p_intercept"], rel=1e-9
    )
    p = exposure["p_intercepted_per_delivery"]
    assert f"P(intercepted) per delivery {p:.3f}" in _flat(invoke(["exposure", preset], capsys))
    text = _flat(invoke(["harden", preset, "--runs", "0"], capsys))
    assert f"each delivery is intercepted with probability {p:.3f}" in text


def test_run_names_its_units(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(invoke(["run", "classroom", "--runs", "40", "--seed", "2", "--json"], capsys))
    t = doc["totals"]
    pooled = doc["p_intercepted_per_delivery"]
    assert pooled["pooled"] == pytest.approx(t["intercepted"]["mean"] / t["attempted"]["mean"])
    assert 0 <= pooled["lo"] <= pooled["hi"] <= 1
    text = _flat(invoke(["run", "classroom", "--runs", "40", "--seed", "2"], capsys))
    assert f"P(intercepted) per delivery {pooled['pooled']:.3f}" in text
    assert "per season" in text and "(mean per season)" in text


@pytest.mark.parametrize("preset", ["classroom", "north-hamgyong-spring"])
def test_every_output_counts_the_same_routes(
    preset: str, capsys: pytest.CaptureFixture[str]
) -> None:
    validated = _flat(invoke(["scenario", "validate", preset], capsys))
    found = re.search(r"(\d+) routes \(sender > relays > courier > recipient\)", validated)
    assert found, validated
    routes = int(found.group(1))
    assert json.loads(invoke(["exposure", preset, "--json"], capsys))["routes"] == routes
    assert f"over {routes} routes" in _flat(invoke(["exposure", preset], capsys))
    if preset == "classroom":  # the report's glance counts routes the same way
        counts = dict(build_report(load_preset(preset), n_runs=2, seed=1).glance.counts)
        assert counts["routes (sender, relays, courier, family)"] == routes
