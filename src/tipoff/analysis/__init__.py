"""Analysis on top of engine results: exposure contributions, attribution, hardening. No I/O."""

from tipoff.analysis._exposure import (
    CutSet,
    ExposureReport,
    StepAttribution,
    cut_sets,
    exposure_report,
    step_attribution,
)
from tipoff.analysis.attribution import (
    AttributionResult,
    AttributionWarning,
    PartyAttribution,
    attribute,
)

__all__: list[str] = [
    # attribution (issue 4)
    "AttributionResult",
    "AttributionWarning",
    # exposure (issue 3)
    "CutSet",
    "ExposureReport",
    "PartyAttribution",
    "StepAttribution",
    "attribute",
    "cut_sets",
    "exposure_report",
    "step_attribution",
]
