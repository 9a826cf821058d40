"""Each package declares its public surface once, in ``__all__`` (httpx's test_exported_members).

Every name in ``__all__`` exists, and every public name a package ``__init__`` defines or imports
(not starting with ``_``, not a submodule) is listed in ``__all__``: nothing becomes public by
accident, nothing listed is missing.
"""

from __future__ import annotations
import __future__

import importlib
from types import ModuleType

import pytest

PACKAGES = [
    "tipoff",
    "tipoff.scenario",
    "tipoff.model",
    "tipoff.engines",
    "tipoff.engines.season",
    "tipoff.engines.exact",
    "tipoff.results",
    "tipoff.analysis",
    "tipoff.analysis.sweep",
    "tipoff.cli",
]


def _public_names(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)  # submodules become attributes when imported
        and not isinstance(value, __future__._Feature)  # from __future__ import annotations
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_declared(package: str) -> None:
    module = importlib.import_module(package)
    assert "__all__" in vars(module), f"{package} declares no __all__"
    exported = module.__all__
    assert isinstance(exported, list | tuple)
    assert all(isinstance(name, str) for name in exported)
    assert len(set(exported)) == len(exported), f"{package}.__all__ lists a name twice"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == [], f"{package}.__all__ lists names it does not define: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_exported(package: str) -> None:
    module = importlib.import_module(package)
    unlisted = sorted(_public_names(module) - set(module.__all__))
    assert unlisted == [], f"{package} defines public names missing from __all__: {unlisted}"


@pytest.mark.parametrize("package", PACKAGES)
def test_star_import_gives_exactly_all(package: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)
    namespace.pop("__builtins__", None)
    assert set(namespace) == set(importlib.import_module(package).__all__)


def test_the_season_engine_is_reexported_unchanged() -> None:
    from tipoff import engines
    from tipoff.engines import season

    for name in season.__all__:
        assert getattr(engines, name) is getattr(season, name)
