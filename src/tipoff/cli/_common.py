"""What every command shares: consoles, loading a scenario argument, and printing problems."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tipoff.cli._safe import safe

if TYPE_CHECKING:
    from tipoff.model import CompiledModel
    from tipoff.scenario import Scenario

__all__ = [
    "CLUSTER_HELP",
    "DEFAULT_SCENARIO",
    "OPTION_NAMES",
    "add_id_column",
    "err",
    "exit_codes",
    "load_model",
    "load_scenario_arg",
    "new_table",
    "out",
    "print_json",
    "print_table",
    "say",
    "say_items",
]

#: The help of every command's --cluster option.
CLUSTER_HELP = (
    "Run on this Dask scheduler (tcp://HOST:8786; needs pip install 'tipoff[dask]'); default: "
    "$TIPOFF_CLUSTER, else this machine. The same numbers either way."
)
#: What each exit code means (tipoff.errors), as every command's help says it.
_EXIT_WORDS = {
    0: "ok",
    1: "internal error (a bug: re-run with --debug and report it)",
    2: "usage error",
    3: "invalid input",
    4: "an output file could not be written",
    130: "interrupted",
}


def exit_codes(**details: str) -> str:
    """The sentence on exit codes that ends every command's help, from one table.

    ``details`` adds a command's own words to a code, keyed ``c2``, ``c3``...: what makes that
    command exit so (``exit_codes(c3="(the scenario)")``).

    Examples
    --------
    >>> exit_codes(c2="(a bad --vary)").split("; ")[2]
    '2 usage error (a bad --vary)'
    """
    from tipoff.errors import (
        EXIT_BUG,
        EXIT_INPUT,
        EXIT_INTERRUPTED,
        EXIT_OK,
        EXIT_OUTPUT,
        EXIT_USAGE,
    )

    codes = (EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT, EXIT_INTERRUPTED)
    unknown = set(details) - {f"c{c}" for c in codes}
    if unknown:  # pragma: no cover - a programming error
        raise ValueError(f"no such exit codes: {sorted(unknown)}")
    parts = [" ".join(filter(None, (str(c), _EXIT_WORDS[c], details.get(f"c{c}")))) for c in codes]
    return "Exit codes: " + "; ".join(parts) + "."


#: The command line's name for each library parameter a message may name: a
#: :class:`~tipoff.errors.UsageError` from the library says ``n_runs``, the CLI says ``--runs``.
OPTION_NAMES = {
    "vary": "--vary",
    "design": "--design",
    "n_points": "--points",
    "sobol": "--sobol",
    "n_runs": "--runs",
    "n_workers": "--workers",
    "runs_per_particle": "--runs-per-particle",
    "seed": "--seed",
    "season_start": "--season-start",
    "columns": "--columns",
    "identity": "--identity FILE",
}

#: The scenario a command runs when none is named.
DEFAULT_SCENARIO = "north-hamgyong-spring"

# emoji=False: ":100:" in "file:100:3" must not become an emoji (nor ":smile:" in a file's text)
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


def say(text: str) -> None:
    """Print a sentence as plain text, wrapped at spaces to the terminal's width (control
    characters from files shown escaped)."""
    out.print(safe(text), markup=False, highlight=False)


def say_items(items: list[str], /, *, bullet: str = "-") -> None:
    """Print sentences as an indented list, each wrapped to the terminal's width under its own
    first word (a hanging indent), control characters shown escaped."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row(f"  {bullet}", Text(safe(item)))
    out.print(grid)


def new_table(title: str | None = None, **kwargs: Any) -> Table:
    """A table for an 80-column terminal: a rule under the header and no vertical borders.

    Columns are one space apart (plus one of padding), so a table of ten short columns still fits
    in 80 characters; cells wrap at spaces, never inside a word (see :func:`add_id_column`).
    """
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        **kwargs,
    )


def add_id_column(table: Table, header: str, ids: list[str], **kwargs: Any) -> None:
    """A column of pseudonyms (or other ids): never narrower than the longest, so no id is split.

    A cell may hold several ids, one per line. The header may wrap at its spaces.
    """
    longest = max((len(line) for i in ids for line in i.splitlines()), default=0)
    table.add_column(header, min_width=max(longest, 1), **kwargs)


#: Width between two columns of :func:`new_table`: a blank divider and one space of padding.
_GAP = 2


def _plain(cell: object) -> str:
    return Text.from_markup(cell).plain if isinstance(cell, str) else str(cell)


def _share(spare: int, wants: list[int]) -> list[int]:
    """Split ``spare`` columns in proportion to ``wants`` (whole numbers, none over its want)."""
    total = sum(wants)
    if total <= spare:
        return list(wants)
    given = [spare * w // total for w in wants]
    for k in sorted(range(len(wants)), key=lambda k: -wants[k])[: spare - sum(given)]:
        given[k] += 1
    return given


def _fit_widths(table: Table, width: int) -> bool:
    """Give every column a width so the table fits ``width``; False when it cannot.

    A column's narrowest is its longest word (an id column's: its longest id, see
    :func:`add_id_column`), so text wraps at spaces and no word or id is ever split. Columns start
    at their narrowest, grow first until their cells need not wrap, then until their headers
    need not, each step shared in proportion to what the columns could still use.
    """
    lows, cells, highs = [], [], []
    for column in table.columns:
        body = [line for c in column.cells for line in _plain(c).splitlines()] or [""]
        head = str(column.header).splitlines() or [""]
        words = [w for line in body + head for w in line.split()] or [""]
        low = max(max(len(w) for w in words), column.min_width or 0)
        if column.no_wrap:
            low = max(len(line) for line in body + head)
        lows.append(low)
        cells.append(max(low, max(len(line) for line in body)))
        highs.append(max(cells[-1], max(len(line) for line in head)))
    room = width - _GAP * (len(lows) - 1)
    if sum(highs) <= room:
        return True
    if sum(lows) > room:
        return False
    widths = list(lows)
    for target in (cells, highs):
        wants = [t - w for t, w in zip(target, widths, strict=True)]
        widths = [w + g for w, g in zip(widths, _share(room - sum(widths), wants), strict=True)]
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    return True


def print_table(table: Table) -> None:
    """Print a table within the terminal's width; when it cannot fit, print it as records.

    Columns wrap at spaces, never inside a word or an id (see :func:`_fit_widths`). A record is
    one row: its first cell, then ``header: value`` for each other cell, each line wrapped at
    spaces. So nothing is truncated and no id is split, whatever the width.
    """
    # cells and title hold Rich markup (user strings already escaped): print them as such; the
    # title is wrapped to the terminal, not to the table
    if table.title:
        out.print(str(table.title), highlight=False)
        table.title = None
    if _fit_widths(table, out.width):
        out.print(table)
        return
    headers = [" ".join(str(c.header).split()) for c in table.columns]
    cells = [list(c.cells) for c in table.columns]
    for r in range(table.row_count):
        values = [" ".join(str(col[r]).split()) for col in cells]
        out.print(f"{headers[0]} {values[0]}", highlight=False)
        for head, value in zip(headers[1:], values[1:], strict=True):
            if value:
                out.print(f"  {head}: {value}", highlight=False)


def check_share(option: str, value: float | None, /) -> None:
    """A share given on the command line (``--max-fee``, ``--threshold``) lies in [0, 1]; one
    that looks like a percentage gets a hint.

    Raises
    ------
    UsageError
        Outside [0, 1] (or not a number).
    """
    from tipoff.errors import UsageError

    if value is None or 0.0 <= value <= 1.0:
        return
    hint = f" (did you mean {value / 100:g}? a share, not a percentage)" if 1 < value <= 100 else ""
    raise UsageError(f"{option} must be a share between 0 and 1, got {value:g}{hint}")
