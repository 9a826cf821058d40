"""Analysis on top of engine results: exposure contributions, attribution, hardening. No I/O."""

from tipoff.analysis._exposure import (
    CutSet,
    ExposureReport,
    StepAttribution,
    cut_sets,
    exposure_report,
    step_attribution,
)

__all__: list[str] = [
    # exposure (issue 3)
    "CutSet",
    "ExposureReport",
    "StepAttribution",
    "cut_sets",
    "exposure_report",
    "step_attribution",
]
