"""Diagnostics (split R-hat, ESS) and evaluation scores (AUC, ECE, Brier) against known values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tipoff.analysis.attribution import (
    brier_score,
    effective_sample_size,
    expected_calibration_error,
    roc_auc,
    split_rhat,
)


def test_rhat_and_ess_of_independent_draws() -> None:
    x = np.random.default_rng(1).normal(size=(8, 2000))
    assert split_rhat(x) == pytest.approx(1.0, abs=0.01)
    assert effective_sample_size(x) == pytest.approx(16000, rel=0.1)


def test_ess_of_an_ar1_chain() -> None:
    rng = np.random.default_rng(2)
    phi, n, m = 0.8, 20000, 4
    x = np.zeros((m, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=m)
    expected = m * n * (1 - phi) / (1 + phi)
    assert effective_sample_size(x) == pytest.approx(expected, rel=0.15)


def test_rhat_flags_chains_that_disagree_and_handles_constants() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 500)) + np.arange(4)[:, None]
    assert split_rhat(x) > 1.5
    const = np.zeros((4, 100, 2))
    assert np.all(split_rhat(const) == 1.0)
    assert np.all(effective_sample_size(const) == 400)


def test_auc_matches_pair_counting() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(60) < 0.3
    s = np.round(rng.random(60), 1)  # ties
    pos, neg = s[y], s[~y]
    pairs = [(a > b) + 0.5 * (a == b) for a, b in itertools.product(pos, neg)]
    assert roc_auc(y, s) == pytest.approx(np.mean(pairs))
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_calibration_and_brier() -> None:
    assert expected_calibration_error([0, 0, 1, 1], [0.05, 0.05, 0.95, 0.95]) == pytest.approx(0.05)
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)
    assert brier_score([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)
