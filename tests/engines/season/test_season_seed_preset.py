"""The seed preset with its defaults lands where the seed report does.

The seed (NK Insider, citing NK Times) reports more than ten arrests at the North Hamgyong border
since February, and stake-out arrests deep in the interior (Pyongyang, Hamhung, Kaechon) of
couriers from the border towns. Over the preset's 90 days the simulator must give, on average,
more than ten arrests (couriers and family members), and courier arrests in interior towns that
are no courier's home.
"""

from __future__ import annotations

import numpy as np
import pytest

from tipoff.engines import SeasonOutput, simulate_season
from tipoff.model import compile_scenario
from tipoff.results import summarize
from tipoff.scenario import load_preset

PRESET = "north-hamgyong-spring"
INTERIOR = ("Hamhung", "Pyongyang", "Kaechon", "Chongjin")
N_RUNS = 400


@pytest.fixture(scope="module")
def season() -> SeasonOutput:
    model = compile_scenario(load_preset(PRESET))
    return simulate_season(model, n_runs=N_RUNS, seed=2024, record_run=None)


def test_the_preset_runs_over_the_seed_season(season: SeasonOutput) -> None:
    assert season.horizon_days == 90
    assert season.provenance.scenario == PRESET


def test_more_than_ten_arrests_in_the_season(season: SeasonOutput) -> None:
    arrests = season.total("couriers_arrested") + season.total("family_arrested")
    mean = float(arrests.mean())
    se = float(arrests.std(ddof=1)) / np.sqrt(arrests.size)
    s = summarize(season)
    detail = (
        f"mean arrests {mean:.2f} (SE {se:.2f}): couriers {s.totals['couriers_arrested'].mean:.2f}"
        f" (sweeps {s.totals['sweep_arrests'].mean:.2f}), family "
        f"{s.totals['family_arrested'].mean:.2f}; intercepted {s.totals['intercepted'].mean:.2f} of "
        f"{s.totals['attempted'].mean:.2f} attempted ({s.totals['stalled'].mean:.2f} stalled)"
    )
    assert mean > 10, detail


def test_stake_out_arrests_far_from_the_border(season: SeasonOutput) -> None:
    """Couriers come from Hoeryong, Musan and Onsong; arrests in interior towns are stake-outs at
    the families' homes."""
    model = compile_scenario(load_preset(PRESET))
    courier_homes = {season.place_names[model.party_home[p]] for p in model.courier_party}
    assert courier_homes == {"Hoeryong", "Musan", "Onsong"}
    assert not courier_homes & set(INTERIOR)
    for town in INTERIOR:
        arrests = season.courier_arrests_by_place[:, season.place_names.index(town)]
        assert arrests.mean() > 0, town
    interior = sum(
        season.courier_arrests_by_place[:, season.place_names.index(town)] for town in INTERIOR
    )
    assert interior.mean() > 1.0, f"interior courier arrests per season: {interior.mean():.2f}"
