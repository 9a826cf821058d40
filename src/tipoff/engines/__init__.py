"""Engines: the season simulator (dynamic) and, as they land, exact and Monte Carlo exposure."""

from tipoff.engines._executor import run_tasks
from tipoff.engines._provenance import Provenance
from tipoff.engines.exact import ExposureOutput, exposure
from tipoff.engines.season import CAUSES, METRICS, RunRecord, SeasonOutput, simulate_season

__all__ = [
    "CAUSES",
    "METRICS",
    "ExposureOutput",
    "Provenance",
    "RunRecord",
    "SeasonOutput",
    "exposure",
    "run_tasks",
    "simulate_season",
]
