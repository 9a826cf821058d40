"""The library's errors speak of its own parameters, not of command-line options.

A researcher calling ``tipoff.sweep(..., n_runs=1)`` read "--runs must be at least 2". Every
error raised outside ``tipoff.cli`` is checked here: a string in a ``raise`` that names an option
(``--runs``) must either be a placeholder the CLI words (``{n_runs}``, see
:class:`tipoff.errors.UsageError`) or name the command it belongs to (``tipoff config --place``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tipoff"
OPTION = re.compile(r"(?<![\w`-])--[a-z][\w-]*")
COMMAND = re.compile(r"tipoff [a-z]+(?: [a-z]+)? --[a-z]")
#: Functions that exist to read the command line's own options (their docstrings say so).
CLI_BOUND = {("_crypto.py", "encryption_for")}
#: Known exceptions (file, option): none left.
KNOWN: set[tuple[str, str]] = set()


def _leaks() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {
            id(node)
            for func in ast.walk(tree)
            if isinstance(func, ast.FunctionDef) and (path.name, func.name) in CLI_BOUND
            for node in ast.walk(func)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or node.exc is None or id(node) in skip:
                continue
            for const in ast.walk(node.exc):
                if not (isinstance(const, ast.Constant) and isinstance(const.value, str)):
                    continue
                text = COMMAND.sub("", const.value)
                for option in OPTION.findall(text):
                    if (rel, option) not in KNOWN:
                        found.append(f"{rel}:{const.lineno}: {option} in {const.value!r}")
    return sorted(set(found))


def test_no_library_error_names_a_command_line_option() -> None:
    assert _leaks() == []


def test_the_check_finds_a_leak() -> None:
    # the check itself: the message a user saw would be caught
    tree = ast.parse('raise UsageError("--runs must be at least 2")')
    const = next(n for n in ast.walk(tree) if isinstance(n, ast.Constant))
    assert OPTION.findall(COMMAND.sub("", const.value)) == ["--runs"]
    assert OPTION.findall(COMMAND.sub("", "see `tipoff config --place NAME`")) == []


def test_the_users_own_braces_are_never_read_as_a_placeholder() -> None:
    import pytest

    from tipoff.analysis.sweep import parse_axes
    from tipoff.cli._common import OPTION_NAMES
    from tipoff.errors import UsageError

    with pytest.raises(UsageError) as info:
        parse_axes(["operation.tracing{vary}=0.1"])
    assert "'operation.tracing{vary}'" in info.value.worded(OPTION_NAMES)
    assert "--vary operation.tracing{vary}=0.1" in info.value.worded(OPTION_NAMES)
