"""How good an attribution is against a known truth: ROC-AUC, calibration error, Brier score.

For evaluation on simulated logs only (the simulator's ground truth): a real defender never has
the truth, which is why attribution reports probabilities and false-alarm rates instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tipoff.analysis.attribution._result import AttributionResult

__all__ = ["brier_score", "expected_calibration_error", "roc_auc", "score_attribution"]


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike, /) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting 1/2.

    Returns NaN when there are no positives or no negatives.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size)
    sorted_s = s[order]
    # average ranks of ties (1-based)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], s.size]
    for a, b in zip(starts, ends, strict=True):
        ranks[order[a:b]] = (a + b + 1) / 2.0
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def expected_calibration_error(
    labels: npt.ArrayLike, probs: npt.ArrayLike, /, *, n_bins: int = 10
) -> float:
    """Expected calibration error: sum over equal-width bins of ``|mean p - frequency|`` x share.

    Examples
    --------
    >>> expected_calibration_error([0, 1], [0.0, 1.0])
    0.0
    """
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    if p.size == 0:
        return float("nan")
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        m = bins == b
        total += m.sum() / p.size * abs(p[m].mean() - y[m].mean())
    return float(total)


def brier_score(labels: npt.ArrayLike, probs: npt.ArrayLike, /) -> float:
    """Mean squared difference between probabilities and outcomes (0 is perfect).

    Examples
    --------
    >>> brier_score([0, 1], [0.5, 0.5])
    0.25
    """
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


def score_attribution(result: AttributionResult, informants: Iterable[str], /) -> dict[str, float]:
    """AUC, calibration error and Brier score of the parties' ``p_informant`` against the true
    informants' ids (a traced relay is no informant: its ``p_traced`` is scored apart)."""
    truth = set(informants)
    y = [p.id in truth for p in result.parties]
    s = [p.p_informant for p in result.parties]
    return {
        "auc": roc_auc(y, s),
        "ece": expected_calibration_error(y, s),
        "brier": brier_score(y, s),
        "n": float(len(y)),
        "positives": float(sum(y)),
    }
