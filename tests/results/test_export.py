"""Export of season summaries to CSV and Parquet (the optional ``export`` extra)."""

from __future__ import annotations

import pytest

from tipoff.engines import simulate_season
from tipoff.errors import UsageError
from tipoff.model import compile_scenario
from tipoff.results import daily_frame, summarize, totals_frame, write_table
from tipoff.scenario import load_preset

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def summary():
    model = compile_scenario(load_preset("classroom"))
    return summarize(simulate_season(model, n_runs=30, seed=5, record_run=None))


def test_daily_frame_matches_the_summary(summary):
    frame = daily_frame(summary)
    horizon = summary.output.horizon_days
    assert len(frame) == horizon * len(summary.daily_mean)
    got = frame[frame.metric == "intercepted"].sort_values("day")["mean"].to_numpy()
    assert got == pytest.approx(summary.daily_mean["intercepted"])
    assert (frame["lo"] <= frame["mean"]).all() and (frame["mean"] <= frame["hi"]).all()


def test_totals_frame_matches_the_summary(summary):
    frame = totals_frame(summary).set_index("metric")
    assert frame.loc["delivered", "mean"] == pytest.approx(summary.totals["delivered"].mean)


def test_csv_and_parquet_round_trip(summary, tmp_path):
    frame = daily_frame(summary)
    write_table(frame, tmp_path / "daily.csv")
    back = pd.read_csv(tmp_path / "daily.csv")
    assert back["mean"].to_numpy() == pytest.approx(frame["mean"].to_numpy())
    pytest.importorskip("pyarrow")
    write_table(frame, tmp_path / "daily.parquet")
    assert pd.read_parquet(tmp_path / "daily.parquet").equals(frame)


def test_unknown_table_format_is_a_usage_error(summary, tmp_path):
    with pytest.raises(UsageError, match=r"csv or \.parquet"):
        write_table(daily_frame(summary), tmp_path / "daily.xlsx")
    assert not (tmp_path / "daily.xlsx").exists()
