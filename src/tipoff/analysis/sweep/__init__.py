"""Sweeps over scenario parameters and their global sensitivity (Sobol indices). No I/O.

>>> from tipoff.analysis.sweep import parse_axes, sweep
"""

from tipoff.analysis.sweep._design import DESIGNS, MAX_POINTS, design_points, sobol_design
from tipoff.analysis.sweep._sobol import SobolIndices, sobol_indices, sobol_words
from tipoff.analysis.sweep._spec import MAX_LEVELS, Axis, parse_axes, parse_axis
from tipoff.analysis.sweep._sweep import (
    CLUSTER_TASK_SECONDS,
    STATS,
    TASK_SECONDS,
    SweepResult,
    sweep,
)

__all__ = [
    "CLUSTER_TASK_SECONDS",
    "DESIGNS",
    "MAX_LEVELS",
    "MAX_POINTS",
    "STATS",
    "TASK_SECONDS",
    "Axis",
    "SobolIndices",
    "SweepResult",
    "design_points",
    "parse_axes",
    "parse_axis",
    "sobol_design",
    "sobol_indices",
    "sobol_words",
    "sweep",
]
