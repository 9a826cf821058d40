"""Sweeps: --vary specs, designs, bit-identical points whatever runs them, Sobol indices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tipoff.analysis.sweep import (
    STATS,
    design_points,
    parse_axes,
    parse_axis,
    sobol_design,
    sobol_indices,
    sobol_words,
    sweep,
)
from tipoff.engines import METRICS, simulate_season
from tipoff.errors import ScenarioError, UsageError
from tipoff.model import compile_scenario
from tipoff.results import summarize
from tipoff.scenario import load_preset, with_params

SHARE = "operation.recruitment.initial"
DELAY = "operation.relay.delay_days"
CATCH = "operation.response.catch"


# --- specs -----------------------------------------------------------------------------------


def test_list_range_and_distribution_specs() -> None:
    assert parse_axis(f"{SHARE}=0.02,0.05,0.1").levels == (0.02, 0.05, 0.1)
    r = parse_axis(f"{SHARE}=0.02:0.4:10").levels
    assert r is not None and len(r) == 10 and r[0] == 0.02 and r[-1] == 0.4
    assert np.allclose(np.diff(r), (0.4 - 0.02) / 9)
    d = parse_axis(f"{SHARE}=uniform(0.02, 0.4)")
    assert d.levels is None and d.dist is not None and d.dist.bounds == (0.02, 0.4)
    # integers: a range is rounded (repeats dropped), a distribution's draws too
    assert parse_axis(f"{DELAY}=0:3:7").levels == (0.0, 1.0, 2.0, 3.0)
    assert set(parse_axis(f"{DELAY}=uniform(0,5)").at(np.linspace(0, 1, 50))) <= set(range(6))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("operation.recrutment.initial=0.1", "did you mean operation.recruitment.initial"),
        (f"{SHARE}", "expected PATH=SPEC"),
        (f"{SHARE}=", "expected PATH=SPEC"),
        (f"{SHARE}=0.1,abc", "expected a list"),
        (f"{SHARE}=0.1:1.5:4", "1.5 is above the largest allowed value 1"),
        (f"{SHARE}=-0.1,0.2", "-0.1 is below the smallest allowed value 0"),
        (f"{SHARE}=0:1:x", "step count 'x' must be a whole number"),
        (f"{SHARE}=0:1:0", "step count must be from 1"),
        (f"{SHARE}=normal(0,1)", "a distribution is one of"),
        (f"{SHARE}=uniform(0.5,0.1)", "low < high"),
        (f"{SHARE}=0.1,0.1", "listed twice"),
        (f"{DELAY}=1.5,2", "whole number"),
    ],
)
def test_bad_specs_say_what_is_wrong_in_one_line(text: str, words: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_axis(text)
    msg = str(info.value)
    assert words in msg and "\n" not in msg and msg.startswith("vary ")  # the API's word
    assert info.value.worded({"vary": "--vary"}).startswith("--vary ")  # the CLI's


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_axes([]),
        lambda: parse_axes(["operation.tracin=0.1", f"{SHARE}=x"]),
        lambda: design_points(parse_axes([f"{SHARE}=uniform(0,1)"]), design="grid", seed=1),
        lambda: design_points(parse_axes([f"{SHARE}=0.1"]), design="cube", seed=1),
        lambda: design_points(parse_axes([f"{SHARE}=0.1"]), design="lhs", seed=1),
        lambda: sobol_design(2, 1, seed=1),
        lambda: sweep(load_preset("classroom"), parse_axes([f"{SHARE}=0.1"]), n_runs=1),
    ],
    ids=["no-vary", "bad-vary", "grid-dist", "design", "points", "sobol", "runs"],
)
def test_library_errors_name_the_parameters_not_cli_options(call: Any) -> None:
    """A researcher calling the library read "--runs must be at least 2": the library's
    messages name its parameters (n_runs), and the CLI words them as options from one table."""
    from tipoff.cli._common import OPTION_NAMES

    with pytest.raises(UsageError) as info:
        call()
    api = str(info.value)
    assert "--" not in api, api
    cli = info.value.worded(OPTION_NAMES)
    assert any(option in cli for option in OPTION_NAMES.values()), cli
    assert "{" not in cli and "{" not in api


def test_every_bad_vary_is_reported_at_once() -> None:
    with pytest.raises(UsageError) as info:
        parse_axes(["operation.tracin=0.1", f"{SHARE}=0.1", f"{SHARE}=0.2", f"{DELAY}=x"])
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert "did you mean operation.tracing" in lines[0]
    assert "given twice" in lines[1] and "expected a list" in lines[2]


# --- designs ---------------------------------------------------------------------------------


def test_grid_is_every_combination() -> None:
    axes = parse_axes([f"{SHARE}=0.1,0.2,0.3", f"{DELAY}=0,2"])
    pts = design_points(axes, design="grid", seed=1)
    assert pts.shape == (6, 2)
    assert {tuple(p) for p in pts} == {(a, b) for a in (0.1, 0.2, 0.3) for b in (0.0, 2.0)}


def test_grid_refuses_a_distribution_and_space_filling_needs_points() -> None:
    axes = parse_axes([f"{SHARE}=uniform(0,0.5)"])
    with pytest.raises(UsageError, match="lhs or sobol"):
        design_points(axes, design="grid", seed=1)
    with pytest.raises(UsageError, match="needs n_points from 1"):
        design_points(axes, design="lhs", seed=1)


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_space_filling_designs_fill_each_axis(design: str) -> None:
    axes = parse_axes([f"{SHARE}=uniform(0.1,0.5)", "operation.tracing=0,0.2,0.4,0.6"])
    pts = design_points(axes, design=design, n_points=64, seed=3)
    assert pts.shape == (64, 2)
    assert pts[:, 0].min() >= 0.1 and pts[:, 0].max() <= 0.5
    # 64 points over 4 equal bins of [0.1, 0.5]: 16 in each for both designs (stratified)
    assert (
        np.bincount(((pts[:, 0] - 0.1) / 0.1).astype(int).clip(0, 3), minlength=4).tolist()
        == [16] * 4
    )
    assert np.bincount((pts[:, 1] / 0.2).round().astype(int)).tolist() == [16] * 4
    assert np.array_equal(pts, design_points(axes, design=design, n_points=64, seed=3))


# --- simulating the points -------------------------------------------------------------------


def test_each_point_is_the_season_simulator_at_that_point() -> None:
    s = load_preset("classroom")
    r = sweep(s, parse_axes([f"{SHARE}=0,0.8"]), n_runs=30, seed=4)
    assert r.stats.shape == (2, len(METRICS), len(STATS))
    for i, share in enumerate((0.0, 0.8)):
        out = simulate_season(
            compile_scenario(with_params(s, {SHARE: share})),
            n_runs=30,
            seed=int(r.seeds[i]),
            record_run=None,
        )
        iv = summarize(out).totals["intercepted"]
        assert r.stat("intercepted", "mean")[i] == iv.mean
        assert r.stat("intercepted", "hi")[i] == iv.hi
    assert r.seeds[0] != r.seeds[1]  # independent seeds per point
    # more informants at the start: more interceptions (30 seasons each, far apart)
    m, se = r.stat("intercepted"), r.stat("intercepted", "stderr")
    assert m[1] - m[0] > 3 * np.hypot(se[0], se[1])


def test_points_are_bit_identical_whatever_runs_them() -> None:
    s = load_preset("classroom")
    axes = parse_axes([f"{SHARE}=0.05:0.3:4", "operation.tracing=0,0.3"])
    one = sweep(s, axes, n_runs=20, seed=9)
    two = sweep(s, axes, n_runs=20, seed=9, n_workers=2)
    assert np.array_equal(one.stats, two.stats) and np.array_equal(one.seeds, two.seeds)
    again = sweep(s, axes, n_runs=20, seed=10)
    assert not np.array_equal(one.stats, again.stats)


@pytest.mark.parametrize(
    ("n", "per_point", "slots", "target"),
    [(23, 0.11, 2, 0.25), (23, 0.11, 2, 0.5), (23, 0.11, 64, 0.5), (1000, 0.001, 4, 0.25),
     (5, 2.0, 2, 0.25), (7, 0.01, 3, 0.5), (1, 0.1, 2, 0.25)],
)  # fmt: skip
def test_tasks_share_the_points_evenly_among_the_workers(
    n: int, per_point: float, slots: int, target: float
) -> None:
    from tipoff.analysis.sweep._sweep import _task_sizes

    sizes = _task_sizes(n, per_point, slots, target)
    assert sum(sizes) == n and min(sizes) >= 1
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    # as many tasks for every worker, unless there are fewer points than workers
    assert len(sizes) % slots == 0 or len(sizes) == n
    # tasks about as long as the target, and never fewer than the workers could take
    assert len(sizes) >= min(n, slots)
    if n * per_point >= 2 * slots * target:
        assert target - per_point <= min(sizes) * per_point <= max(sizes) * per_point
        assert max(sizes) * per_point <= 2 * target + per_point


@pytest.mark.parametrize("sizes", [[3, 2], [5], [1, 1, 1], [4, 4, 3, 3], [2, 1]])
def test_tasks_take_points_from_the_whole_design(sizes: list[int]) -> None:
    from tipoff.analysis.sweep._sweep import _task_points

    groups = _task_points(sizes)
    assert [len(g) for g in groups] == sizes
    assert sorted(i for g in groups for i in g) == list(range(sum(sizes)))
    m = len(sizes)
    if max(sizes) - min(sizes) <= 1:  # dealt in turn: task j has points j, j + m, j + 2m...
        assert all(g == list(range(j, sum(sizes), m)) for j, g in enumerate(groups))


def test_points_are_bit_identical_however_they_are_grouped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tipoff.analysis.sweep import _sweep

    s = load_preset("classroom")
    axes = parse_axes([f"{SHARE}=0.05:0.3:5"])
    one = sweep(s, axes, n_runs=20, seed=3)
    for split in ([5], [2, 2, 1], [1, 1, 1, 1, 1], [3, 2]):
        monkeypatch.setattr(_sweep, "_task_sizes", lambda *a, split=split: split)
        got = sweep(s, axes, n_runs=20, seed=3, n_workers=2)
        assert np.array_equal(one.stats, got.stats), split


def test_progress_reaches_every_point() -> None:
    seen: list[tuple[int, int]] = []
    sweep(
        load_preset("classroom"),
        parse_axes([f"{SHARE}=0.1,0.2,0.3"]),
        n_runs=5,
        seed=1,
        progress=lambda d, n: seen.append((d, n)),
    )
    assert seen[0] == (1, 3) and seen[-1] == (3, 3)


def test_a_point_that_breaks_the_scenario_is_named() -> None:
    s = load_preset("classroom")
    with pytest.raises(ScenarioError) as info:
        sweep(s, parse_axes([f"{CATCH}.address_only=0,1"]), n_runs=5, seed=1)
    assert f"{CATCH}.address_only=1" in str(info.value)
    assert "must not exceed address_and_schedule" in str(info.value)


def test_frame_is_one_row_per_point() -> None:
    r = sweep(load_preset("classroom"), parse_axes([f"{SHARE}=0.1,0.2"]), n_runs=5, seed=1)
    f = r.frame()
    assert len(f) == 2 and SHARE in f.columns and "intercepted_mean" in f.columns
    assert {"money_lost_stderr", "family_arrested_lo", "family_arrested_hi"} <= set(f.columns)


# --- Sobol indices ---------------------------------------------------------------------------

#: The Ishigami function's indices (a = 7, b = 0.1; Ishigami and Homma 1990), as in SALib's tests.
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_of_the_ishigami_function() -> None:
    from SALib.test_functions import Ishigami

    u = sobol_design(3, 1024, seed=5)
    y = Ishigami.evaluate(-np.pi + 2 * np.pi * u)
    r = sobol_indices(y, ["x1", "x2", "x3"], seed=5)
    # within two of the bootstrap's 95% half-widths (about four standard errors)
    assert np.all(np.abs(r.s1 - ISHIGAMI_S1) <= 2 * r.s1_conf)
    assert np.all(np.abs(r.st - ISHIGAMI_ST) <= 2 * r.st_conf)
    assert np.all(r.st_conf < 0.1)


def test_a_switched_off_mechanism_has_no_effect() -> None:
    # with no tip ever relayed (relay.success = 0) the relay delay cannot change anything
    s = with_params(load_preset("classroom"), {"operation.relay.success": 0.0})
    axes = parse_axes(["operation.background=uniform(0,0.3)", f"{DELAY}=0:10:11", f"{SHARE}=0,0.5"])
    r = sweep(s, axes, sobol=32, n_runs=20, seed=3)
    assert r.sobol is not None and r.n_points == 32 * 5
    assert len(set(r.seeds.tolist())) == 1  # common random numbers
    for m in ("intercepted", "couriers_arrested", "money_lost"):
        ix = r.sobol[m]
        assert not ix.constant
        assert ix.st[1] == 0.0  # exactly: the totals do not depend on it
        assert abs(ix.s1[1]) <= ix.s1_conf[1] + 1e-12
    words = sobol_words("intercepted", r.sobol["intercepted"])
    assert f"{DELAY} 0% " in words and "no measurable difference" in words  # exactly 0: no interval
    assert "comes with operation.background" in words


def test_sobol_words_hedge_when_the_base_points_are_few() -> None:
    """With 4 base points a user read "0% ± 0%" and a confident ranking: now the words say the
    evidence is too thin to rank, give each estimate with its interval, and suggest 4 N."""
    u = sobol_design(2, 4, seed=1)
    r = sobol_indices(u[:, 0] * 10 + u[:, 1], ["a", "b"], seed=1)
    assert r.n_base == 4
    words = sobol_words("intercepted", r)
    assert "too thin to rank" in words and "only 4 base points" in words
    assert "sobol=16" in words and "most of its variation" not in words
    assert "± 0%" not in words
    assert "--sobol 16" in sobol_words("intercepted", r, rerun="--sobol {n}")


def test_sobol_words_hedge_when_an_interval_is_wide() -> None:
    """Enough base points, but an interval wider than half the scale: no ranking either."""
    from tipoff.analysis.sweep import SobolIndices

    r = SobolIndices(
        names=("a", "b"),
        s1=np.array([0.4, 0.1]),
        s1_conf=np.array([0.3, 0.1]),
        st=np.array([0.5, 0.1]),
        st_conf=np.array([0.3, 0.02]),
        conf_level=0.95,
        n_base=64,
    )
    words = sobol_words("arrests", r)
    assert "too thin to rank" in words and "60 percentage points" in words
    assert "a 50% (20% to 80%)" in words and "sobol=256" in words


@pytest.mark.parametrize(
    ("st", "conf", "shown"),
    [
        (0.0, 0.0, "0%"),
        (0.0, 0.003, "0.0% (0.0% to 0.3%)"),  # not "0% ± 0%": the interval has a width
        (0.0002, 0.0001, "0.02% (0.01% to 0.03%)"),
        (0.9, 0.3, "90% (60% to 100%)"),  # clipped to [0, 100%], where the index lives
        (-0.05, 0.1, "0% (0% to 5%)"),
    ],
)
def test_an_interval_is_never_shown_as_zero_wide_unless_it_is(
    st: float, conf: float, shown: str
) -> None:
    from tipoff.analysis.sweep._sobol import interval_words

    assert interval_words(st, conf) == shown


def test_sobol_words_for_a_constant_output() -> None:
    r = sobol_indices(np.ones(2 * 4), ["a", "b"], seed=1)
    assert r.constant and "no input changes it" in sobol_words("stalled", r)
