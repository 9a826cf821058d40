"""Tallies: counts by kind, place and day window, per run, as ``simulate_season(tallies=...)`` gives.

The recorded run is the hand count: its incident log says, delivery by delivery, the day, the
courier, the recipient and the outcome, and its ground truth which families were arrested; from
those and the homes of the model the tests count every tally themselves. Where the log says too
little (money, sweeps), tallies must agree with the engine's other outputs: arrests by place, the
per-run totals and the per-day sums.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from season_helpers import BUSY_YAML

from tipoff.engines.season import TALLY_KINDS, SeasonOutput, Tallies, simulate_season
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import load_preset, parse_scenario

COURIER, FAMILY, INTERCEPTIONS, MONEY = range(4)


def _busy(**replace: str) -> CompiledModel:
    text = BUSY_YAML
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return compile_scenario(parse_scenario(text, source="busy"))


def _at_handover_only() -> CompiledModel:
    """Every courier arrest at a hand-over: no identity catches, no background, no sweeps."""
    return _busy(
        **{
            "courier_identity: 0.2": "courier_identity: 0.0",
            "background: 0.01": "background: 0.0",
            "couriers: 0.6": "couriers: 0.0",
        }
    )


def _windows(T: int) -> list[tuple[int, int]]:
    return [(0, T - 1), (0, 9), (10, 29), (30, T - 1), (5, 5), (17, 17), (T - 1, T - 1)]


def every_tally(model: CompiledModel) -> Tallies:
    """Every kind x (where, by home) x (each single place, all places) x a few day windows."""
    P, T = len(model.place_names), model.horizon_days
    masks = [np.eye(P, dtype=bool)[p] for p in range(P)] + [np.ones(P, dtype=bool)]
    rows = [
        (kind, by_home, mask, a, b)
        for kind in range(len(TALLY_KINDS))
        for by_home in (False, True)
        for mask in masks
        for a, b in _windows(T)
    ]
    return Tallies(
        kind=np.array([r[0] for r in rows], dtype=np.int8),
        by_home=np.array([r[1] for r in rows], dtype=bool),
        places=np.array([r[2] for r in rows], dtype=bool),
        first_day=np.array([r[3] for r in rows], dtype=np.int32),
        last_day=np.array([r[4] for r in rows], dtype=np.int32),
    )


def _home_of(model: CompiledModel, party_id: str) -> int:
    return int(model.party_home[model.party_ids.index(party_id)])


def hand_count(model: CompiledModel, out: SeasonOutput, tallies: Tallies) -> np.ndarray:
    """Interceptions, family arrests and (all at hand-overs) courier arrests of the recorded run,
    counted from its incident log and ground truth."""
    assert out.record is not None
    # events: (kind, day, where, home)
    events: list[tuple[int, int, int, int]] = []
    family = {t["delivery"]: t.get("family_arrested", False) for t in out.record.truth}
    arrested_today: set[tuple[int, str]] = set()
    for d in out.record.deliveries:  # in day order, as the engine meets them
        if d["outcome"] != "intercepted":
            continue
        day, rec_home = d["day"], _home_of(model, d["recipient"])
        events.append((INTERCEPTIONS, day, rec_home, rec_home))
        if family[d["delivery"]]:
            events.append((FAMILY, day, rec_home, rec_home))
        slot = d["courier"].split(".new")[0]
        if (day, slot) not in arrested_today:  # one arrest per courier a day, at its first
            arrested_today.add((day, slot))
            events.append((COURIER, day, rec_home, _home_of(model, slot)))
    counts = np.zeros(tallies.size, dtype=np.int64)
    for j in range(tallies.size):
        for kind, day, where, home in events:
            place = home if tallies.by_home[j] else where
            if (
                kind == tallies.kind[j]
                and tallies.first_day[j] <= day <= tallies.last_day[j]
                and place >= 0
                and tallies.places[j, place]
            ):
                counts[j] += 1
    return counts


@pytest.mark.parametrize("record_run", [0, 3, 11])
def test_tallies_count_what_the_recorded_run_shows(record_run: int) -> None:
    model = _at_handover_only()
    tallies = every_tally(model)
    out = simulate_season(model, n_runs=12, seed=5, record_run=record_run, tallies=tallies)
    assert out.tally_counts.shape == (12, tallies.size)
    got = out.tally_counts[record_run]
    expected = hand_count(model, out, tallies)
    counted = tallies.kind != MONEY
    np.testing.assert_array_equal(got[counted], expected[counted])
    # the check has teeth: the run had interceptions, family and courier arrests
    for kind in (COURIER, FAMILY, INTERCEPTIONS):
        assert expected[(tallies.kind == kind) & tallies.places.all(axis=1)].max() > 0
    # money lost is counted where the interceptions are, at least 1 unit each
    for j in np.flatnonzero(tallies.kind == MONEY):
        twin = np.flatnonzero(
            (tallies.kind == INTERCEPTIONS)
            & (tallies.by_home == tallies.by_home[j])
            & (tallies.places == tallies.places[j]).all(axis=1)
            & (tallies.first_day == tallies.first_day[j])
            & (tallies.last_day == tallies.last_day[j])
        )[0]
        assert got[j] >= got[twin]
        assert (got[j] == 0) == (got[twin] == 0)


def test_courier_arrests_by_home_differ_from_where_they_happened() -> None:
    model = _at_handover_only()
    tallies = every_tally(model)
    out = simulate_season(model, n_runs=40, seed=8, record_run=None, tallies=tallies)
    single = tallies.places.sum(axis=1) == 1
    season = (tallies.first_day == 0) & (tallies.last_day == model.horizon_days - 1)
    for kind in range(len(TALLY_KINDS)):
        where = out.tally_counts[:, (tallies.kind == kind) & ~tallies.by_home & single & season]
        home = out.tally_counts[:, (tallies.kind == kind) & tallies.by_home & single & season]
        # every event is counted once either way (every party of the scenario has a home)
        np.testing.assert_array_equal(where.sum(axis=1), home.sum(axis=1))
        if kind == COURIER:  # couriers live in their towns, hand-overs are in the families'
            assert where.sum() > 0
            assert not np.array_equal(where, home)
        else:  # the arrested family, the intercepted money: the recipient's home either way
            np.testing.assert_array_equal(where, home)


def _agree_with_outputs(model: CompiledModel, out: SeasonOutput, tallies: Tallies) -> None:
    T = model.horizon_days
    metric = {
        COURIER: "couriers_arrested",
        FAMILY: "family_arrested",
        INTERCEPTIONS: "intercepted",
        MONEY: "money_lost",
    }
    everywhere = tallies.places.all(axis=1)
    for kind, name in metric.items():
        series = out.daily_sum[out.metrics.index(name)]
        for by_home in (False, True):
            for a, b in _windows(T):
                j = np.flatnonzero(
                    (tallies.kind == kind)
                    & (tallies.by_home == by_home)
                    & everywhere
                    & (tallies.first_day == a)
                    & (tallies.last_day == b)
                )[0]
                # every party of these scenarios has a home: all places see every event
                assert out.tally_counts[:, j].sum() == series[a : b + 1].sum(), (name, a, b)
                if (a, b) == (0, T - 1):
                    np.testing.assert_array_equal(out.tally_counts[:, j], out.total(name))
    # by place over the season, where it happened: the engine's arrests by place
    for kind, by_place in (
        (COURIER, out.courier_arrests_by_place),
        (FAMILY, out.family_arrests_by_place),
    ):
        for p in range(len(model.place_names)):
            j = np.flatnonzero(
                (tallies.kind == kind)
                & ~tallies.by_home
                & tallies.places[:, p]
                & ~everywhere
                & (tallies.first_day == 0)
                & (tallies.last_day == T - 1)
            )[0]
            np.testing.assert_array_equal(out.tally_counts[:, j], by_place[:, p])


@pytest.mark.parametrize(
    "factory",
    [_busy, lambda: compile_scenario(load_preset("classroom"))],
    ids=["busy-with-sweeps", "classroom"],
)
def test_tallies_agree_with_totals_days_and_places(factory: Callable[[], CompiledModel]) -> None:
    model = factory()
    tallies = every_tally(model)
    out = simulate_season(model, n_runs=60, seed=2, tallies=tallies)
    assert out.total("couriers_arrested").sum() > 0
    _agree_with_outputs(model, out, tallies)


@pytest.mark.parametrize(("chunk_size", "n_workers"), [(1, 1), (7, 1), (13, 2)])
def test_tallies_do_not_depend_on_chunks_or_workers(chunk_size: int, n_workers: int) -> None:
    model = _busy()
    tallies = every_tally(model)
    ref = simulate_season(model, n_runs=30, seed=4, tallies=tallies)
    out = simulate_season(
        model, n_runs=30, seed=4, tallies=tallies, chunk_size=chunk_size, n_workers=n_workers
    )
    np.testing.assert_array_equal(out.tally_counts, ref.tally_counts)
    assert out.tally_counts.dtype == np.int64


def test_no_tallies_gives_an_empty_column_block() -> None:
    out = simulate_season(_busy(), n_runs=3, seed=1)
    assert out.tally_counts.shape == (3, 0)


def _one(model: CompiledModel, **change: object) -> Tallies:
    P = len(model.place_names)
    fields: dict[str, object] = {
        "kind": np.array([0], np.int8),
        "by_home": np.array([False]),
        "places": np.ones((1, P), bool),
        "first_day": np.array([0], np.int32),
        "last_day": np.array([model.horizon_days - 1], np.int32),
    }
    fields.update(change)
    return Tallies(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": np.array([4], np.int8)}, "tallies.kind[0] is 4"),
        ({"places": np.ones((1, 2), bool)}, "tallies.places must have shape"),
        ({"first_day": np.array([3], np.int32), "last_day": np.array([2], np.int32)}, "window"),
        ({"last_day": np.array([60], np.int32)}, "window 0 is 0..60"),
        ({"by_home": np.array([False, True])}, "tallies.by_home must have shape"),
    ],
)
def test_bad_tallies_are_usage_errors(change: dict[str, object], words: str) -> None:
    model = _busy()
    with pytest.raises(UsageError, match=words.replace("[", r"\[").replace("]", r"\]")):
        simulate_season(model, n_runs=2, seed=1, tallies=_one(model, **change))
