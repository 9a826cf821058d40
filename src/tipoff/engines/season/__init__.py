"""The season simulator: MODEL.md's dynamic semantics, many runs at once."""

from tipoff.engines.season._record import RunRecord
from tipoff.engines.season._simulate import SeasonOutput, simulate_season
from tipoff.engines.season._state import CAUSES, METRICS
from tipoff.engines.season._tallies import TALLY_KINDS, Tallies

__all__ = [
    "CAUSES",
    "METRICS",
    "TALLY_KINDS",
    "RunRecord",
    "SeasonOutput",
    "Tallies",
    "simulate_season",
]
