"""Engines: the season simulator (dynamic) and, as they land, exact and Monte Carlo exposure."""

from tipoff.engines._executor import parallel_slots, run_tasks
from tipoff.engines._provenance import Provenance
from tipoff.engines.exact import ExposureOutput, exposure
from tipoff.engines.season import (
    CAUSES,
    METRICS,
    TALLY_KINDS,
    RunRecord,
    SeasonOutput,
    Tallies,
    simulate_season,
)

__all__ = [
    "CAUSES",
    "METRICS",
    "TALLY_KINDS",
    "ExposureOutput",
    "Provenance",
    "RunRecord",
    "SeasonOutput",
    "Tallies",
    "exposure",
    "parallel_slots",
    "run_tasks",
    "simulate_season",
]
