"""The one exception tree of tipoff, and the exit codes the CLI maps it to.

::

    TipoffError                     base of every error tipoff raises on purpose
    ├── InputError                  bad user input: exit code 3
    │   ├── ScenarioError           a scenario file (or preset) that does not validate
    │   └── PrivacyError            a value that looks like real personal data (also a ScenarioError)
    ├── UsageError                  a bad combination of options: exit code 2
    └── OutputError                 a file that cannot be written (folder missing, read-only,
                                    permission denied, disk full...): exit code 4

An ``InputError`` carries a list of :class:`Problem` (one per problem, all found at once), each with
a position ``file:line:col``, a dotted path into the document and a message. Anything else that
escapes is a bug: the CLI prints one line and exits 1 (``--debug`` shows the traceback), except
an ``OSError``, which the CLI explains in one line (:mod:`tipoff._oserrors`) and exits 4.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_USAGE",
    "InputError",
    "OutputError",
    "PrivacyError",
    "Problem",
    "ScenarioError",
    "SettingsError",
    "TipoffError",
    "UsageError",
]

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
#: An output file could not be written (the operating system refused or failed).
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One problem in an input file: where it is and what is wrong.

    ``line`` and ``col`` are 1-based; 0 means unknown (the whole file).
    """

    source: str
    line: int = 0
    col: int = 0
    path: str = ""
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line:
            where = f"{where}:{self.line}:{self.col or 1}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class TipoffError(Exception):
    """Base of every error tipoff raises on purpose."""

    exit_code = EXIT_BUG


class InputError(TipoffError):
    """User input that cannot be used; carries every problem found."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | Problem) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputError):
    """A scenario file or preset that does not validate."""


class PrivacyError(ScenarioError):
    """A value that looks like a real phone number, address or e-mail: tipoff holds pseudonyms only."""


class SettingsError(InputError):
    """The user's settings file (``tipoff config``) that cannot be used."""


class UsageError(TipoffError):
    """A bad combination of command-line options or function arguments.

    One message serves the library and the command line: it names the function parameters it
    is about as ``{name}`` placeholders, listed in ``params``. ``str()`` shows the parameters'
    own names (``n_runs must be at least 2``), or the library's words for a placeholder when
    ``params`` maps it to them (``{"identity": "$TIPOFF_IDENTITY"}``); the CLI shows its options
    instead (``--runs must be at least 2``) through :meth:`worded` and its one table of option
    names.

    Examples
    --------
    >>> exc = UsageError("{n_runs} must be at least 2, got 1", params=["n_runs"])
    >>> str(exc)
    'n_runs must be at least 2, got 1'
    >>> exc.worded({"n_runs": "--runs"})
    '--runs must be at least 2, got 1'
    """

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str = "", /, *, params: Iterable[str] | Mapping[str, str] = ()
    ) -> None:
        self.template = message
        self.params = dict(params) if isinstance(params, Mapping) else {p: p for p in params}
        super().__init__(self.worded({}))

    def worded(self, names: Mapping[str, str], /) -> str:
        """The message with each parameter named by ``names`` (the library's words when not
        there); text put in with :meth:`quote` comes out as it was written."""

        def one(m: re.Match[str]) -> str:
            if m.group(0) in ("{{", "}}"):
                return m.group(0)[0]
            p = m.group(1)
            return names.get(p, self.params[p]) if p in self.params else m.group(0)

        return re.sub(r"\{\{|\}\}|\{(\w+)\}", one, self.template)

    @staticmethod
    def quote(text: str, /) -> str:
        """``text`` (the user's own words, a value's repr) to put in a message as it is: its
        braces are never read as a parameter's placeholder.

        Examples
        --------
        >>> str(UsageError("{vary} " + UsageError.quote("a{vary}=1") + ": bad", params=["vary"]))
        'vary a{vary}=1: bad'
        """
        return text.replace("{", "{{").replace("}", "}}")

    def __reduce__(self) -> tuple[Any, ...]:  # across processes, with its placeholders
        return (_usage_error, (type(self), self.template, self.params))


def _usage_error(cls: type[UsageError], template: str, params: dict[str, str]) -> UsageError:
    return cls(template, params=params)


class OutputError(TipoffError):
    """A file tipoff was asked to write could not be written (nothing half-written is left)."""

    exit_code = EXIT_OUTPUT
