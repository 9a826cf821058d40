"""A Mesa 3 model of tipoff's season semantics: the reference the season simulator is timed against.

Benchmark-only (the ``bench`` extra): ``src/`` never imports it. Put ``benchmarks/`` on
``sys.path`` and ``import mesa_reference``.
"""

from mesa_reference.model import MesaSeasonOutput, SeasonModel, run_mesa_season

__all__ = ["MESA_VERSION", "MesaSeasonOutput", "SeasonModel", "run_mesa_season"]


def _mesa_version() -> str:
    import mesa

    return str(mesa.__version__)


MESA_VERSION = _mesa_version()
