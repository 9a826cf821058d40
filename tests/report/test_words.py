"""The report's sentences, shared with the terminal: words that say no more than the numbers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tipoff.report import _words as w


@pytest.mark.parametrize(
    ("lo", "hi", "text"),
    [(0.001, 0.004, "<1%"), (0.996, 0.999, ">99%"), (0.12, 0.121, "about 12%"),
     (0.12, 0.41, "12-41%"), (0.97, 0.999, "97% to >99%")],
)  # fmt: skip
def test_an_interval_of_probabilities_never_reads_about_less_than(
    lo: float, hi: float, text: str
) -> None:
    assert w.pct_range(lo, hi) == text


@pytest.mark.parametrize(
    ("causes", "expected"),
    [
        ({"informant": 0.64, "background": 0.36}, "Most interceptions (64%) come from"),
        ({"informant": 0.39, "background": 0.38, "harvest": 0.23},
         "The largest share of interceptions (39%) comes from"),
    ],
)  # fmt: skip
def test_most_is_said_of_a_majority_only(causes: dict[str, float], expected: str) -> None:
    text = w._lead_cause(causes, max(causes, key=lambda c: causes[c]))
    assert text.startswith(expected)
    assert ("about as many as from" in text) == (expected.startswith("The largest"))


def _plan(mean: float, stderr: float) -> SimpleNamespace:
    d = SimpleNamespace(mean=mean, stderr=stderr, significant=abs(mean) > 2 * stderr)
    season = SimpleNamespace(
        totals={"arrests": SimpleNamespace(mean=12.8)}, versus_baseline={"arrests": d}
    )
    return SimpleNamespace(season=season)


@pytest.mark.parametrize(
    ("mean", "stderr", "cell"),
    [(0.0, 0.0, "12.8 (no change)"), (0.2, 0.026, "12.8 (+0.2 ± 0.03 more)"),
     (-8.2, 0.18, "12.8 (-8.2 ± 0.2 fewer)"), (0.05, 0.04, "12.8 (+0.1 ± 0.04)")],
)  # fmt: skip
def test_the_arrests_cell_never_shows_a_zero_error_it_does_not_have(
    mean: float, stderr: float, cell: str
) -> None:
    assert w.arrests_cell(_plan(mean, stderr)) == cell  # type: ignore[arg-type]
