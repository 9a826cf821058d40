"""Each package declares its public surface once, in ``__all__`` (httpx's test_exported_members).

Every name in ``__all__`` exists, and every public name a package ``__init__`` defines or imports
(not starting with ``_``, not a submodule) is listed in ``__all__``: nothing becomes public by
accident, nothing listed is missing. And a name means one thing: no two packages export the same
name for different objects. Every public package is found by walking ``tipoff``.
"""

from __future__ import annotations
import __future__

import importlib
from types import ModuleType

import pytest


def _public_packages() -> list[str]:
    """``tipoff`` and every package under it whose dotted name has no ``_`` part (found, not listed,
    so that a new package is checked from its first commit)."""
    import pkgutil

    import tipoff

    found = [
        info.name
        for info in pkgutil.walk_packages(tipoff.__path__, "tipoff.")
        if info.ispkg and not any(part.startswith("_") for part in info.name.split("."))
    ]
    return ["tipoff", *sorted(found)]


PACKAGES = _public_packages()
KNOWN = {
    "tipoff.scenario",
    "tipoff.model",
    "tipoff.engines",
    "tipoff.engines.season",
    "tipoff.engines.exact",
    "tipoff.results",
    "tipoff.analysis",
    "tipoff.analysis.attribution",
    "tipoff.analysis.hardening",
    "tipoff.report",
    "tipoff.analysis.sweep",
    "tipoff.cli",
}


def test_the_packages_are_found() -> None:
    assert set(PACKAGES) >= KNOWN


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


def test_no_two_packages_export_one_name_for_different_things() -> None:
    """A name means one thing wherever it is exported (``from a import *; from b import *`` safe).

    The top-level verbs are the exception by design: ``tipoff.exposure`` takes a scenario where
    ``tipoff.engines.exposure`` takes a compiled model; each says in its docstring what it wraps.
    """
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for package in PACKAGES[1:]:
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            first = seen.setdefault(name, (package, value))
            if first[1] is not value:
                clashes.append(f"{name}: {first[0]} and {package}")
    assert clashes == [], f"one name, different objects: {clashes}"


def test_top_level_verbs_that_share_a_name_say_what_they_wrap() -> None:
    import tipoff

    for name in tipoff.__all__:
        value = getattr(tipoff, name)
        others = [
            package
            for package in PACKAGES[1:]
            if name in importlib.import_module(package).__all__
            and getattr(importlib.import_module(package), name) is not value
        ]
        if others:
            doc = value.__doc__ or ""
            assert any(f"{p}.{name}" in doc for p in others), (name, others)


@pytest.mark.parametrize(
    ("package", "old", "new"),
    [
        ("tipoff.engines.exact", "METHODS", "EXPOSURE_METHODS"),
        ("tipoff.analysis.attribution", "METHODS", "ATTRIBUTION_METHODS"),
        ("tipoff.analysis.hardening", "expected_deliveries", "scenario_expected_deliveries"),
    ],
)
def test_renamed_names_still_work_with_a_deprecation_warning(
    package: str, old: str, new: str
) -> None:
    module = importlib.import_module(package)
    with pytest.warns(DeprecationWarning, match=new):
        assert getattr(module, old) is getattr(module, new)
    assert old not in module.__all__
    with pytest.raises(AttributeError):
        getattr(module, old + "_nope")
