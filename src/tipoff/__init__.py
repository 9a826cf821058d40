"""tipoff: model how informants expose remittances to North Korea, and harden the procedure.

The verbs a researcher needs are here, each taking a scenario (or a file path or preset name)
first, options by keyword, and ``seed``:

>>> import tipoff
>>> s = tipoff.load("classroom")
>>> s = s.with_params({"operation.recruitment.initial": 0.2})
>>> summary = tipoff.simulate(s, n_runs=100, seed=1)
>>> round(summary.totals["intercepted"].mean, 2) >= 0
True

``load``, ``with_params``, ``simulate``, ``exposure``, ``attribute`` and ``harden`` are documented
in :mod:`tipoff._api`. Underneath, data flows one way: ``scenario`` (what users write) -> ``model``
(compiled arrays) -> ``engines`` (season simulator, exact exposure) -> ``results`` -> ``analysis``
-> ``report``/``cli``; each package is public for what the verbs leave out.

Nothing heavy is imported with ``tipoff`` itself: each name is imported when first used, so
``import tipoff`` and ``tipoff --help`` stay fast.
"""

from __future__ import annotations

import importlib as _importlib

TYPE_CHECKING = False  # not typing's: importing typing would cost more than tipoff itself
if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from tipoff._api import (
        ScenarioLike,
        attribute,
        calibrate,
        exposure,
        harden,
        load,
        simulate,
        sweep,
        with_params,
    )
    from tipoff._version import __version__
    from tipoff.errors import InputError, ScenarioError, TipoffError, UsageError
    from tipoff.scenario import Scenario, list_presets, param_paths
del TYPE_CHECKING

__all__ = [
    "InputError",
    "Scenario",
    "ScenarioError",
    "ScenarioLike",
    "TipoffError",
    "UsageError",
    "__version__",
    "attribute",
    "calibrate",
    "exposure",
    "harden",
    "list_presets",
    "load",
    "param_paths",
    "simulate",
    "sweep",
    "with_params",
]

# Each public name and the module it comes from, imported on first use (PEP 562).
_API: dict[str, str] = {
    "ScenarioLike": "tipoff._api",
    "attribute": "tipoff._api",
    "calibrate": "tipoff._api",
    "exposure": "tipoff._api",
    "harden": "tipoff._api",
    "load": "tipoff._api",
    "simulate": "tipoff._api",
    "sweep": "tipoff._api",
    "with_params": "tipoff._api",
    "__version__": "tipoff._version",
    "InputError": "tipoff.errors",
    "ScenarioError": "tipoff.errors",
    "TipoffError": "tipoff.errors",
    "UsageError": "tipoff.errors",
    "Scenario": "tipoff.scenario",
    "list_presets": "tipoff.scenario",
    "param_paths": "tipoff.scenario",
}


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'tipoff' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
