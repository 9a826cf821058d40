"""Attribution: from the defender's incident log to each intermediary's probability of leaking, by cause.

Evidence, not accusation (docs/model.md): the probabilities say whom to tell less, never whom to blame.
See docs/attribution.md for the model, the maths and the caveats.
"""

from tipoff._renamed import renamed as _renamed
from tipoff.analysis.attribution._attribute import METHODS as ATTRIBUTION_METHODS
from tipoff.analysis.attribution._attribute import AttributionWarning, attribute
from tipoff.analysis.attribution._diagnostics import effective_sample_size, split_rhat
from tipoff.analysis.attribution._result import AttributionResult, PartyAttribution, RateEstimate
from tipoff.analysis.attribution._scores import (
    brier_score,
    expected_calibration_error,
    roc_auc,
    score_attribution,
)

__all__ = [
    "ATTRIBUTION_METHODS",
    "AttributionResult",
    "AttributionWarning",
    "PartyAttribution",
    "RateEstimate",
    "attribute",
    "brier_score",
    "effective_sample_size",
    "expected_calibration_error",
    "roc_auc",
    "score_attribution",
    "split_rhat",
]


__getattr__ = _renamed(__name__, {"METHODS": "ATTRIBUTION_METHODS"}, globals())
