"""Progress bars on standard error: while a large input file is read, and during long work."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from tipoff.cli._common import err

__all__ = ["reading_progress", "work_progress"]

#: Files smaller than this are read without a bar (a moment).
BAR_FROM_BYTES = 4 * 1024 * 1024


@contextlib.contextmanager
def reading_progress(
    path: str | os.PathLike[str], what: str = "reading"
) -> Iterator[Callable[[int, int], None] | None]:
    """``progress(done, total)`` for a reader, shown as a bar for large files (else None)."""
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError):
        size = 0
    if size < BAR_FROM_BYTES:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


#: ``progress(what, done, total)``: ``what`` names the stage, ``total`` is None when not known.
StageProgress = Callable[[str, int, "int | None"], None]


@contextlib.contextmanager
def work_progress(*, enabled: bool = True) -> Iterator[StageProgress | None]:
    """``progress(what, done, total)`` for long work of several stages, as a bar on standard error.

    The bar shows only when ``enabled`` (callers pass ``not json_out``) and standard error is a
    terminal: a pipe, a file or a CI log gets nothing, not even the empty line that a finished
    transient bar leaves there. A new ``what`` starts the bar again for that stage; ``total``
    None shows a count without an end.
    """
    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "left",
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("working", total=None)

        def update(what: str, done: int, total: int | None) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield update
