"""The compiled engine's plumbing: buffers that grow, the recorded run, the retired ``engine=``,
the first compilation's note."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from season_helpers import BUSY_YAML

from tipoff.engines import simulate_season
from tipoff.engines.season import _warmup
from tipoff.engines.season._chunk import ChunkResult, simulate_chunk
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import load_preset, parse_scenario


def _busy() -> CompiledModel:
    return compile_scenario(parse_scenario(BUSY_YAML, source="busy"))


def _same(a: ChunkResult, b: ChunkResult) -> None:
    for field in ("totals", "daily_sum", "daily_sumsq", "causes", "courier_places"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    np.testing.assert_array_equal(a.family_places, b.family_places)
    assert (a.record is None) == (b.record is None)
    if a.record is not None and b.record is not None:
        assert a.record.deliveries == b.record.deliveries
        assert a.record.truth == b.record.truth
        assert a.record.informants == b.record.informants
        assert a.record.traced_relays == b.record.traced_relays


@pytest.mark.parametrize("capacity", [1, 3, 50])
def test_buffers_that_grow_give_the_same(capacity: int) -> None:
    model = _busy()
    ref = simulate_chunk(model, 3, 10, 30, 14)
    _same(simulate_chunk(model, 3, 10, 30, 14, capacity=capacity), ref)
    assert ref.record is not None and len(ref.record.deliveries) > 10


@pytest.mark.parametrize("record_run", [0, 5, 39])
def test_a_recorded_run_does_not_depend_on_chunks_or_workers(record_run: int) -> None:
    model = _busy()
    ref = simulate_season(model, n_runs=40, seed=9, record_run=record_run)
    for chunk_size, n_workers in ((1, 1), (7, 1), (16, 2)):
        out = simulate_season(
            model,
            n_runs=40,
            seed=9,
            record_run=record_run,
            chunk_size=chunk_size,
            n_workers=n_workers,
        )
        assert out.record is not None and ref.record is not None
        assert out.record.run == record_run
        assert json.dumps(out.record.truth) == json.dumps(ref.record.truth)
        assert out.record.deliveries == ref.record.deliveries
        np.testing.assert_array_equal(out.totals, ref.totals)


def test_engine_is_deprecated_and_numpy_retired() -> None:
    model = compile_scenario(load_preset("classroom"))
    with pytest.warns(DeprecationWarning, match="deprecated"):
        out = simulate_season(model, n_runs=2, seed=1, engine="numba")
    assert out.provenance.options["engine"] == "numba"
    with pytest.warns(DeprecationWarning), pytest.raises(UsageError, match="only season engine"):
        simulate_season(model, n_runs=2, seed=1, engine="numpy")


def test_the_first_compilation_is_announced_once(monkeypatch: pytest.MonkeyPatch) -> None:
    model = compile_scenario(load_preset("classroom"))
    simulate_season(model, n_runs=1, seed=1)  # compiled or loaded
    stream = io.StringIO()
    _warmup.ensure_compiled(model, stream)
    assert stream.getvalue() == ""  # ready: nothing to say
    # a fresh process with a cold cache: the note, then the time it took
    monkeypatch.setattr(_warmup, "_ready", False)
    monkeypatch.setattr(_warmup, "cache_is_warm", lambda: False)
    monkeypatch.setattr(_warmup, "_loaded", lambda: False)
    _warmup.ensure_compiled(model, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("compiling the season engine, once: about ")
    assert lines[1].startswith("season engine compiled in ")
