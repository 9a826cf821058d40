"""tipoff: model how informants expose remittances to North Korea, and harden the procedure.

Data flows one way: ``scenario`` (what users write) -> ``model`` (compiled arrays) -> ``engines``
(season simulator, exact exposure) -> ``results`` -> ``analysis`` -> ``report``/``cli``.
"""

from tipoff._version import __version__

__all__ = ["__version__"]
