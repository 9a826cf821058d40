"""The season simulator and the Mesa reference model (benchmarks/mesa_reference) agree in law.

Both read the same compiled model; their random streams differ, so each season total's mean (and
each cause's) must agree within 3 combined standard errors. Seeds are fixed, so the test is
deterministic. Slow (about 1.5 minutes) and skipped where Mesa is not installed (the ``bench``
extra).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from tipoff.engines import simulate_season
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import load_preset, parse_scenario

pytest.importorskip("mesa")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
mesa_reference = importlib.import_module("mesa_reference")

pytestmark = pytest.mark.slow

#: A small network that switches every mechanism on, with a binding daily capacity (one stake-out
#: for about 1.7 deliveries a day), meeting-point hand-overs, two-relay routes, a hub named by id,
#: a coercible sender who is also named by id (told twice about its own deliveries), an informant
#: community member who is never on a route, explicit deliveries and sweeps after one day.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engines" / "season"))
BUSY_YAML = importlib.import_module("season_helpers").BUSY_YAML
MESA_CHECK_YAML = BUSY_YAML.replace(
    "name: busy\n",
    "name: mesa-check\n"
    "description: Small network exercising every mechanism, for the Mesa equivalence test.\n",
    1,
)

TIPOFF_RUNS = 20_000


def _model(name: str) -> CompiledModel:
    if name == "mesa-check":
        return compile_scenario(parse_scenario(MESA_CHECK_YAML, source="mesa-check"))
    return compile_scenario(load_preset(name))


def _disagreements(label: str, a: np.ndarray, b: np.ndarray, bound: float = 3.0) -> list[str]:
    """Columns whose means differ by more than ``bound`` combined standard errors."""
    out = []
    for j in range(a.shape[1]):
        x, y = a[:, j].astype(float), b[:, j].astype(float)
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        if abs(x.mean() - y.mean()) > bound * se:
            out.append(f"{label}[{j}]: mesa {x.mean():.4f} tipoff {y.mean():.4f} se {se:.4f}")
    return out


@pytest.mark.parametrize(
    ("name", "mesa_runs"),
    [("north-hamgyong-spring", 600), ("classroom", 1500), ("mesa-check", 1500)],
)
def test_mesa_and_tipoff_season_totals_agree(name: str, mesa_runs: int) -> None:
    model = _model(name)
    mesa_out = mesa_reference.run_mesa_season(model, n_runs=mesa_runs, seed=20260101)
    out = simulate_season(model, n_runs=TIPOFF_RUNS, seed=20260102, record_run=None)
    assert mesa_out.metrics == out.metrics
    assert mesa_out.causes == out.causes

    problems = [
        *_disagreements("totals", mesa_out.totals, out.totals),
        *_disagreements("causes", mesa_out.cause_counts, out.cause_counts),
    ]
    names = [*out.metrics, *(f"cause {c}" for c in out.causes)]
    assert not problems, f"{name}: {problems} (columns: {names})"

    # the comparison is only meaningful if the mechanisms are at work
    assert out.total("intercepted").mean() > 0.5
    assert out.total("couriers_arrested").mean() > 0.5
    assert out.total("sweep_arrests").mean() > 0.1
    assert (out.cause_counts.mean(axis=0) > 0).all()


def test_mesa_check_scenario_binds_capacity() -> None:
    model = _model("mesa-check")
    unstaffed = 0
    for k in range(20):
        season = mesa_reference.SeasonModel(model, rng=np.random.default_rng(k))
        for _ in range(model.horizon_days):
            season.step()
        unstaffed += season.unstaffed
    assert unstaffed > 20  # tipped deliveries left without a stake-out: capacity binds
