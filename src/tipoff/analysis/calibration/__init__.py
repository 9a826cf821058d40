"""Calibration: the posterior of a scenario's unknown parameters given reported counts."""

from tipoff.analysis.calibration._likelihood import (
    ObservationModel,
    TallyRequest,
    observation_model,
)
from tipoff.analysis.calibration._smc import LogLikelihood, SMCOptions, SMCResult, Stage, run_smc

__all__ = [
    "LogLikelihood",
    "ObservationModel",
    "SMCOptions",
    "SMCResult",
    "Stage",
    "TallyRequest",
    "observation_model",
    "run_smc",
]
