"""A progress bar on standard error while a large input file is read."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from tipoff.cli._common import err

__all__ = ["reading_progress"]

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
