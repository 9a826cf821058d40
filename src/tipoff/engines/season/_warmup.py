"""The compiled engine's first run: say on stderr that it is being compiled, once.

numba compiles the engine the first time it runs after an install and keeps the machine code in
its on-disk cache (next to the sources, or numba's user-wide cache directory when that is not
writable), so later runs, and worker processes, load it in a fraction of a second. The engine has
a single signature for every model: it compiles once, whatever the command.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tipoff.model import CompiledModel

__all__ = ["COMPILE_SECONDS", "cache_is_warm", "ensure_compiled"]

#: Rough cost of the one compilation: 17-23 s on this 2-core machine lightly loaded, more under load
#: (benchmarks/cold_start.py); said as "about".
COMPILE_SECONDS = 20

_ready = False


def cache_is_warm() -> bool | None:
    """Whether numba's on-disk cache holds the engine for this version of its sources (None:
    cannot tell)."""
    from tipoff.engines.season import _kernel

    try:
        cache: Any = _kernel.simulate_runs._cache
        return bool(cache._cache_file._load_index())
    except Exception:  # numba's private layout changed: cannot tell
        return None


def ensure_compiled(model: CompiledModel, stream: Any = None) -> None:
    """Load the engine from the cache, or compile it, saying so on ``stream`` (stderr) when that
    takes a while: before worker processes start, so that they find it in the cache."""
    global _ready
    if _ready:
        return
    if _loaded():
        _ready = True
        return
    out = sys.stderr if stream is None else stream
    cold = cache_is_warm() is False
    if cold:
        print(
            f"compiling the season engine, once: about {COMPILE_SECONDS} s "
            "(later runs start at once)",
            file=out,
            flush=True,
        )
    t0 = time.perf_counter()
    _compile(model)
    if cold:
        print(f"season engine compiled in {time.perf_counter() - t0:.0f} s", file=out, flush=True)
    _ready = True


def _loaded() -> bool:
    """The engine is compiled (or loaded) in this process."""
    from tipoff.engines.season import _kernel

    return bool(_kernel.simulate_runs.signatures)


def _compile(model: CompiledModel) -> None:
    """Run the engine on no runs of ``model``: compiles (or loads) its one signature."""
    from tipoff.engines.season._chunk import simulate_chunk

    simulate_chunk(model, 0, 0, 0)
