"""Calibration: the posterior of a scenario's unknown parameters given reported counts."""

from tipoff.analysis.calibration._across import (
    FITTED_PARTS,
    NETWORK_PARTS,
    ExposureBands,
    PosteriorFit,
    calibration_digest,
    exposure_across_posterior,
    network_digest,
    posterior_digest,
    posterior_draw_indices,
    posterior_fit,
    posterior_models,
    posterior_scenarios,
    simulate_over_posterior,
)
from tipoff.analysis.calibration._calibrate import (
    METHOD,
    calibrate,
    current_values,
    default_runs_per_particle,
    simulate_batches,
    simulate_counts,
)
from tipoff.analysis.calibration._likelihood import (
    ObservationModel,
    TallyRequest,
    observation_model,
)
from tipoff.analysis.calibration._robust import (
    PlanRobustness,
    Robustness,
    harden_across_posterior,
    plan_name,
)
from tipoff.analysis.calibration._smc import LogLikelihood, SMCOptions, SMCResult, Stage, run_smc
from tipoff.analysis.calibration._summary import (
    CalibrationSummary,
    UnknownSummary,
    label,
    summarize_posterior,
)

__all__ = [
    "FITTED_PARTS",
    "METHOD",
    "NETWORK_PARTS",
    "CalibrationSummary",
    "ExposureBands",
    "LogLikelihood",
    "ObservationModel",
    "PlanRobustness",
    "PosteriorFit",
    "Robustness",
    "SMCOptions",
    "SMCResult",
    "Stage",
    "TallyRequest",
    "UnknownSummary",
    "calibrate",
    "calibration_digest",
    "current_values",
    "default_runs_per_particle",
    "exposure_across_posterior",
    "harden_across_posterior",
    "label",
    "network_digest",
    "observation_model",
    "plan_name",
    "posterior_digest",
    "posterior_draw_indices",
    "posterior_fit",
    "posterior_models",
    "posterior_scenarios",
    "run_smc",
    "simulate_batches",
    "simulate_counts",
    "simulate_over_posterior",
    "summarize_posterior",
]
