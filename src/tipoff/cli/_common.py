"""What every command shares: consoles, loading a scenario argument, and printing problems."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from tipoff.model import CompiledModel
    from tipoff.scenario import Scenario

__all__ = ["DEFAULT_SCENARIO", "err", "load_model", "load_scenario_arg", "out", "print_json"]

#: The scenario a command runs when none is named.
DEFAULT_SCENARIO = "north-hamgyong-spring"

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)


def load_scenario_arg(arg: str | None) -> Scenario:
    """A scenario from a file path or a preset name (the seed preset when ``arg`` is None)."""
    from tipoff.errors import UsageError
    from tipoff.scenario import resolve_scenario

    if arg == "-":
        raise UsageError("a scenario is not read from standard input ('-'): name a file or preset")
    return resolve_scenario(arg or DEFAULT_SCENARIO)


def load_model(arg: str | None) -> CompiledModel:
    """Load and compile a scenario argument."""
    from tipoff.model import compile_scenario

    return compile_scenario(load_scenario_arg(arg))


def print_json(obj: Any) -> None:
    """Write one JSON document to stdout (no Rich formatting, so it stays machine-readable)."""
    sys.stdout.write(json.dumps(obj, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()
