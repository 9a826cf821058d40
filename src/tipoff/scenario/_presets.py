"""Built-in scenarios shipped as package data (``tipoff/scenario/presets/*.yaml``), by name."""

from __future__ import annotations

import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tipoff.errors import Problem, ScenarioError
from tipoff.scenario._load import load_scenario, parse_scenario
from tipoff.scenario._schema import Scenario

__all__ = ["list_presets", "load_preset", "preset_text", "resolve_scenario"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


def _folder() -> Traversable:
    return resources.files("tipoff.scenario").joinpath("presets")


def list_presets() -> list[str]:
    """Names of the built-in scenarios.

    Returns
    -------
    list of str
        File stems of ``presets/*.yaml``, sorted; empty when none are installed.
    """
    folder = _folder()
    if not folder.is_dir():
        return []
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".yaml") and _NAME.match(entry.name[:-5])
    )


def _available() -> str:
    return ", ".join(list_presets()) or "none installed"


def preset_text(name: str, /) -> str:
    """The YAML text of a built-in scenario.

    Parameters
    ----------
    name
        A name from :func:`list_presets`.

    Returns
    -------
    str
        The preset file's text.

    Raises
    ------
    ScenarioError
        When there is no preset of that name (the message lists those there are).
    """
    if _NAME.match(name) and name in list_presets():
        return _folder().joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    raise ScenarioError(
        Problem(source=f"preset:{name}", message=f"no such preset (presets: {_available()})")
    )


def load_preset(name: str, /) -> Scenario:
    """Load and validate a built-in scenario; problems are reported at ``preset:NAME:line:col``.

    Parameters
    ----------
    name
        A name from :func:`list_presets`.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        When there is no such preset, or it does not validate.
    """
    return parse_scenario(preset_text(name), source=f"preset:{name}")


def _looks_like_path(arg: str) -> bool:
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return any(s in arg for s in seps) or arg.lower().endswith((".yaml", ".yml"))


def resolve_scenario(arg: str, /) -> Scenario:
    """Load a scenario named on the command line: a file path, or else a preset name.

    Anything that exists as a file, holds a path separator or ends in ``.yaml``/``.yml`` is read
    as a file; anything else is looked up among the presets.

    Parameters
    ----------
    arg
        A path or a preset name.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        When the file or preset does not validate, or there is neither.
    """
    if _looks_like_path(arg) or Path(arg).exists():
        return load_scenario(arg)
    if arg in list_presets():
        return load_preset(arg)
    raise ScenarioError(
        Problem(source=arg, message=f"no such file or preset '{arg}' (presets: {_available()})")
    )
