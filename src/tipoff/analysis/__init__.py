"""Analysis on top of engine results: exposure contributions, attribution, hardening. No I/O."""

from tipoff.analysis._exposure import (
    CutSet,
    ExposureReport,
    StepAttribution,
    cut_sets,
    exposure_report,
    route_count,
    step_attribution,
)
from tipoff.analysis.attribution import (
    AttributionResult,
    AttributionWarning,
    PartyAttribution,
    attribute,
)
from tipoff.analysis.hardening import Countermeasure, HardeningResult, harden

__all__: list[str] = [
    # attribution (issue 4)
    "AttributionResult",
    "AttributionWarning",
    "Countermeasure",
    # exposure (issue 3)
    "CutSet",
    "ExposureReport",
    "HardeningResult",
    "PartyAttribution",
    "StepAttribution",
    "attribute",
    "cut_sets",
    "exposure_report",
    "harden",
    "route_count",
    "step_attribution",
]
