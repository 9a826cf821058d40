"""Incident-log options shared by the commands that read a log (``attribute``, ``report --log``).

``--columns`` maps tipoff's columns to a spreadsheet's headers (inline ``day=Date,...`` or a file
with one ``column=Header`` per line); ``--season-start YYYY-MM-DD`` is the date of day 0, for a
log with a ``date`` column. Both commands read the log through :func:`read_log`, so a log one of
them reads, the other reads the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tipoff.model import CompiledModel
    from tipoff.results import IncidentLog

__all__ = ["LogColumns", "SeasonStart", "log_option_words", "log_options_given", "read_log"]

LogColumns = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Read a spreadsheet export as is: tipoff's columns and the headers that hold "
        "them, e.g. 'day=Date,courier=Carrier,outcome=Result', or a file with one "
        "column=Header per line.",
    ),
]
SeasonStart = Annotated[
    str | None,
    typer.Option(
        "--season-start",
        help="The date of day 0 (YYYY-MM-DD), for a log with a date column instead of days.",
    ),
]


def log_options_given(columns: str | None, season_start: str | None) -> list[str]:
    """The log options given, by name (for "these need --log")."""
    return [
        name
        for name, value in (("--columns", columns), ("--season-start", season_start))
        if value is not None
    ]


def log_option_words(columns: str | None, season_start: str | None) -> tuple[str, ...]:
    """The log options given, with placeholders for their values (``--columns COLUMNS``,
    ``--season-start DATE``): for a command line that names the log ``LOG``."""
    words: list[str] = []
    if columns is not None:
        words.append("--columns COLUMNS")
    if season_start is not None:
        words.append("--season-start DATE")
    return tuple(words)


def read_log(
    path: Path, model: CompiledModel, columns: str | None, season_start: str | None
) -> IncidentLog:
    """Read and check the incident log at ``path`` with the log options (exit 3 on a bad cell,
    2 on a bad option), with a progress bar for a large file."""
    from tipoff.cli._progress import reading_progress
    from tipoff.results import (
        parse_column_map,
        parse_season_start,
        read_column_map,
        read_incident_log,
    )

    column_map = None
    if columns:
        # COLUMN=HEADER entries inline, else the name of a file that holds them
        column_map = parse_column_map(columns) if "=" in columns else read_column_map(columns)
    start = parse_season_start(season_start) if season_start else None
    with reading_progress(path, "reading the incident log") as progress:
        return read_incident_log(
            path, model=model, columns=column_map, season_start=start, progress=progress
        )
