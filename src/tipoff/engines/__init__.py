"""Engines: the season simulator (dynamic) and, as they land, exact and Monte Carlo exposure."""

from tipoff.engines._provenance import Provenance
from tipoff.engines.season import CAUSES, METRICS, RunRecord, SeasonOutput, simulate_season

__all__ = ["CAUSES", "METRICS", "Provenance", "RunRecord", "SeasonOutput", "simulate_season"]
