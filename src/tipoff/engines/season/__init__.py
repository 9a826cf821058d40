"""The season simulator: docs/model.md's dynamic semantics, many runs at once."""

from tipoff.engines.season._record import RunRecord
from tipoff.engines.season._simulate import SeasonOutput, simulate_season
from tipoff.engines.season._state import CAUSES, METRICS

__all__ = ["CAUSES", "METRICS", "RunRecord", "SeasonOutput", "simulate_season"]
