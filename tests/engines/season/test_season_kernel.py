"""The numba engine gives the numpy engine's results, bit for bit, and draws numpy's numbers.

``simulate_season(..., engine="numba")`` runs a compiled loop per run (``_kernel.py``) instead of the
numpy engine's vectorised day loop, and draws each run's numbers itself (numpy's ``SeedSequence``,
``PCG64`` and distributions, reproduced). These tests compare the two engines on the presets and on
the scenarios of this directory's tests, several seeds each: season summaries, per-run totals,
causes, arrests by place, daily sums and the recorded run's incident log and ground truth must be
equal. They also compare the draws themselves (the kernel's against numpy's ``Generator``; the
chunk-level post-processing of ``draw_chunk`` against the original per-run ``draw_run``).

The whole season suite can be run with either engine: ``TIPOFF_SEASON_ENGINE=numpy`` (or
``numba``) makes ``engine="auto"``, the default, mean that engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import test_season_duplicate_slots as duplicate_tests
import test_season_mechanisms as mechanism_tests
import test_season_static as static_tests
from season_helpers import BUSY_YAML, NEUTRAL_OPERATION, compile_doc, lanes_doc, merged

from tipoff._rng import run_generators
from tipoff.engines import SeasonOutput, simulate_season
from tipoff.engines.season import _simulate
from tipoff.engines.season._draws import NEVER, RunDraws, draw_chunk, draw_run, n_columns
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario
from tipoff.results import summarize
from tipoff.scenario import load_preset, parse_scenario

HAVE_NUMBA = _simulate._numba_available()
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed (the fast extra)")


def _busy() -> CompiledModel:
    return compile_scenario(parse_scenario(BUSY_YAML, source="busy"))


def _heavy() -> CompiledModel:
    """Many deliveries per sender (a Poisson mean of 10 and more) and a hazard of 1/2 (numpy's
    geometric by search): the rarer paths of the draws."""
    text = BUSY_YAML.replace("per_sender_per_year: 20", "per_sender_per_year: 120")
    text = text.replace("daily_hazard: 0.01", "daily_hazard: 0.5")
    return compile_scenario(parse_scenario(text, source="heavy"))


def _one_day() -> CompiledModel:
    doc = lanes_doc(
        [0, 0, 0],
        horizon=1,
        operation={"recruitment": {"initial": 0.5}, "background": 0.2, "family_arrest": 1.0},
    )
    doc["workload"]["per_sender_per_year"] = 365
    return compile_doc(doc)


def _everything() -> CompiledModel:
    op = {
        "recruitment": {"initial": 0.3, "daily_hazard": 0.05},
        "harvest": {"community": 0.6},
        "response": {
            "catch": {"address_only": 0.5, "courier_identity": 0.4},
            "capacity_per_day": 1,
        },
        "background": 0.05,
        "family_arrest": 0.7,
        "tracing": 0.6,
        "interrogation": {
            "recipients": 0.7,
            "couriers": 0.7,
            "watch_days": 4,
            "sweep_delay_days": 1,
        },
        "replacement_couriers_per_month": 20.0,
    }
    days = [1, 2, 2, 3, 3, 3, 5, 8, 8, 9, 12, 15]
    return compile_doc(lanes_doc(days, operation=op, relay={"community": "k"}))


#: name -> (model factory, runs, seeds)
SCENARIOS: dict[str, tuple[Callable[[], CompiledModel], int, tuple[int, ...]]] = {
    "north-hamgyong-spring": (
        lambda: compile_scenario(load_preset("north-hamgyong-spring")),
        120,
        (1, 2024),
    ),
    "classroom": (lambda: compile_scenario(load_preset("classroom")), 300, (1, 7, 3)),
    "busy": (_busy, 300, (1, 2)),
    "heavy": (_heavy, 40, (5,)),
    "one-day": (_one_day, 200, (3,)),
    "everything": (_everything, 300, (1, 2)),
    "sweep": (lambda: compile_doc(mechanism_tests._sweep_doc(2, couriers=0.3)), 300, (12,)),
    "watch": (lambda: compile_doc(mechanism_tests._watch_doc(5, 7, reveal=0.5)), 100, (15,)),
    "tracing": (lambda: compile_doc(mechanism_tests._tracing_doc(0.5, 0.6)), 200, (16,)),
    "replacement": (lambda: compile_doc(mechanism_tests._replacement_doc(3.0, 40)), 200, (21,)),
    "harvest": (lambda: compile_doc(mechanism_tests._harvest_doc(2, 0.5, 0.6)), 200, (22,)),
    "duplicate-slot": (lambda: compile_doc(duplicate_tests._doc()), 300, (11,)),
    **{
        f"static-{name}": (lambda f=f: compile_doc(f()[0]), 300, (5,))
        for name, f in static_tests.CASES.items()
    },
    "capacity-meeting-point": (
        lambda: compile_doc(
            lanes_doc(
                [5] * 5,
                operation=merged(
                    NEUTRAL_OPERATION,
                    {
                        "recruitment": {"initial": 0.5},
                        "response": {"capacity_per_day": 2, "catch": {"address_only": 0.5}},
                    },
                ),
                modes=["meeting_point", None, "home", None, "meeting_point"],
            )
        ),
        300,
        (6,),
    ),
}

_models: dict[str, CompiledModel] = {}


def model_of(name: str) -> CompiledModel:
    if name not in _models:
        _models[name] = SCENARIOS[name][0]()
    return _models[name]


CASES = [(name, seed) for name, (_, _, seeds) in SCENARIOS.items() for seed in seeds]


def summary(out: SeasonOutput) -> str:
    doc = summarize(out).to_dict()
    doc["provenance"]["options"].pop("engine")
    return json.dumps(doc, sort_keys=True, allow_nan=False)


def record(out: SeasonOutput) -> str:
    assert out.record is not None
    r = out.record
    doc = {
        "run": r.run,
        "deliveries": r.deliveries,
        "truth": r.truth,
        "informants": r.informants,
        "traced": r.traced_relays,
        "sweeps": r.sweep_arrests,
    }
    return json.dumps(doc, sort_keys=True)


ARRAYS = (
    "totals",
    "cause_counts",
    "courier_arrests_by_place",
    "family_arrests_by_place",
    "daily_sum",
    "daily_sumsq",
)


def assert_same(a: SeasonOutput, b: SeasonOutput) -> None:
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert summary(a) == summary(b)
    assert record(a) == record(b)


# ---------------------------------------------------------------- the engines agree bit for bit --


@needs_numba
@pytest.mark.parametrize(("name", "seed"), CASES)
def test_numba_engine_gives_the_numpy_engines_results(name: str, seed: int) -> None:
    model = model_of(name)
    n_runs = SCENARIOS[name][1]
    rec = n_runs // 3
    ref = simulate_season(model, n_runs=n_runs, seed=seed, record_run=rec, engine="numpy")
    out = simulate_season(model, n_runs=n_runs, seed=seed, record_run=rec, engine="numba")
    assert ref.provenance.options["engine"] == "numpy"
    assert out.provenance.options["engine"] == "numba"
    assert_same(ref, out)
    # something happened, so the comparison means something
    assert ref.total("deliveries").sum() > 0


@needs_numba
@pytest.mark.parametrize("record_run", [0, 5, 39])
def test_every_recorded_run_is_the_same(record_run: int) -> None:
    model = model_of("busy")
    ref = simulate_season(model, n_runs=40, seed=9, record_run=record_run, engine="numpy")
    out = simulate_season(model, n_runs=40, seed=9, record_run=record_run, engine="numba")
    assert record(ref) == record(out)
    assert any(row["outcome"] == "intercepted" for row in ref.record.truth)  # type: ignore[union-attr]


@needs_numba
@pytest.mark.parametrize(
    ("chunk_size", "n_workers"), [(1, 1), (7, 1), (None, 1), (7, 2), (None, 2)]
)
def test_numba_chunking_and_workers_do_not_change_results(
    chunk_size: int | None, n_workers: int
) -> None:
    model = model_of("classroom")
    ref = simulate_season(model, n_runs=30, seed=4, record_run=11, engine="numpy")
    out = simulate_season(
        model,
        n_runs=30,
        seed=4,
        record_run=11,
        engine="numba",
        chunk_size=chunk_size,
        n_workers=n_workers,
    )
    assert_same(ref, out)


@needs_numba
@pytest.mark.parametrize("name", ["classroom", "busy", "heavy", "everything"])
def test_kernel_reading_numpys_draws_gives_the_same(name: str) -> None:
    """The kernel on numpy's draws (``draw_chunk``) and on its own draws: the same results."""
    model = model_of(name)
    gens = run_generators(3, 10, 30)
    own = _simulate._simulate_chunk_numba(model, 3, 10, 30, 4)
    given = _simulate._simulate_chunk_numba(model, 3, 10, 30, 4, draws=draw_chunk(model, gens))
    ref = _simulate._simulate_chunk(model, 3, 10, 30, 14, engine="numpy")
    for a in (own, given):
        for field in ("totals", "daily_sum", "daily_sumsq", "causes", "courier_places"):
            np.testing.assert_array_equal(getattr(a, field), getattr(ref, field), err_msg=field)
        assert a.record is not None and ref.record is not None
        assert a.record.truth == ref.record.truth
        assert a.record.deliveries == ref.record.deliveries


@needs_numba
@pytest.mark.parametrize("capacity", [1, 3, 50])
def test_buffers_that_grow_give_the_same(capacity: int) -> None:
    from tipoff.engines.season import _kernel
    from tipoff.engines.season._state import build_tables

    model = model_of("busy")
    kt = _kernel.build_kernel_tables(model, build_tables(model))
    ref = _kernel.run_chunk(model, kt, seed=2, start=0, stop=25, record_local=17)
    out = _kernel.run_chunk(model, kt, seed=2, start=0, stop=25, record_local=17, capacity=capacity)
    for field in ref.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(out, field), getattr(ref, field), err_msg=field)


# ------------------------------------------------------------------- engine choice, provenance --


def test_unknown_engines_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        simulate_season(model_of("classroom"), n_runs=2, seed=1, engine="fortran")


def test_auto_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    model = model_of("classroom")
    monkeypatch.setenv("TIPOFF_SEASON_ENGINE", "numpy")
    assert simulate_season(model, n_runs=2, seed=1).provenance.options["engine"] == "numpy"
    monkeypatch.setenv("TIPOFF_SEASON_ENGINE", "cobol")
    with pytest.raises(UsageError):
        simulate_season(model, n_runs=2, seed=1)
    monkeypatch.delenv("TIPOFF_SEASON_ENGINE")
    expected = "numba" if HAVE_NUMBA else "numpy"
    assert simulate_season(model, n_runs=2, seed=1).provenance.options["engine"] == expected


def test_without_numba_auto_is_numpy_and_numba_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_simulate, "_NUMBA_OK", False)
    monkeypatch.delenv("TIPOFF_SEASON_ENGINE", raising=False)
    model = model_of("classroom")
    assert simulate_season(model, n_runs=2, seed=1).provenance.options["engine"] == "numpy"
    with pytest.raises(UsageError, match="numba"):
        simulate_season(model, n_runs=2, seed=1, engine="numba")


# --------------------------------------------------------- the draws: numpy's numbers, in order --


def _reference_draw_run(model: CompiledModel, gen: np.random.Generator) -> RunDraws:
    """The per-run ``draw_run`` as it was before the draws were post-processed per chunk."""
    op = model.operation
    T = model.horizon_days
    P = model.n_parties
    informant_day = np.full(P, NEVER, dtype=np.int32)
    coercible = np.flatnonzero(model.party_coercible)
    u0 = gen.random(coercible.size)
    informant_day[coercible[u0 < model.party_rho0[coercible]]] = 0
    if op.daily_hazard > 0:
        turned = gen.geometric(op.daily_hazard, coercible.size)
        later = informant_day[coercible] != 0
        informant_day[coercible[later]] = np.minimum(turned[later], NEVER).astype(np.int32)
    n_s = model.n_senders
    counts = (
        gen.poisson(model.rate_per_sender_per_day * T, n_s)
        if model.rate_per_sender_per_day > 0
        else np.zeros(n_s, dtype=np.int64)
    )
    g_sender = np.repeat(np.arange(n_s, dtype=np.int32), counts)
    g_day = gen.integers(0, T, g_sender.size, dtype=np.int32)
    n_ex = model.explicit_day.size
    z = gen.standard_normal(g_sender.size + n_ex)
    raw = model.amount_median * np.exp(model.amount_spread * z)
    ex_amount = np.where(
        np.isnan(model.explicit_amount), raw[g_sender.size :], model.explicit_amount
    )
    amount = np.maximum(1, np.rint(np.concatenate([raw[: g_sender.size], ex_amount]))).astype(
        np.int64
    )
    day = np.concatenate([g_day, model.explicit_day]).astype(np.int32)
    sender = np.concatenate([g_sender, model.explicit_sender]).astype(np.int32)
    candidates = np.concatenate([g_sender, n_s + np.arange(n_ex, dtype=np.int32)]).astype(np.int32)
    mode = np.concatenate(
        [np.full(g_sender.size, model.handover_mode, dtype=np.int8), model.explicit_mode]
    )
    label = np.concatenate([np.full(g_sender.size, -1, np.int32), np.arange(n_ex, dtype=np.int32)])
    order = np.lexsort((label, sender, day))
    uniforms = gen.random((day.size, n_columns(model)))
    ptr = model.sender_recipient_indptr
    s_sorted = sender[order]
    n_rec = ptr[s_sorted + 1] - ptr[s_sorted]
    pick = ptr[s_sorted] + np.minimum((uniforms[:, 0] * n_rec).astype(np.int64), n_rec - 1)
    recipient = model.sender_recipient_indices[pick]
    ex_rec = np.concatenate([np.full(g_sender.size, -1, np.int32), model.explicit_recipient])[order]
    recipient = np.where(ex_rec >= 0, ex_rec, recipient).astype(np.int32)
    replacements = (
        gen.poisson(op.replacements_per_day, T)
        if op.replacements_per_day > 0
        else np.zeros(T, dtype=np.int64)
    )
    n_pairs = model.courier_pairs.shape[0]
    pair_reveal: np.ndarray = np.ones(n_pairs, dtype=np.float64)
    if op.reveal_couriers > 0:
        pair_reveal = np.asarray(gen.random(n_pairs), dtype=np.float64)
    return RunDraws(
        informant_day=informant_day,
        day=day[order],
        sender=s_sorted,
        recipient=recipient,
        candidates=candidates[order],
        amount=amount[order],
        mode=mode[order],
        label=label[order],
        uniforms=uniforms,
        replacements=replacements,
        pair_reveal=pair_reveal,
    )


@pytest.mark.parametrize("name", ["north-hamgyong-spring", "busy", "heavy", "one-day", "sweep"])
def test_draws_per_chunk_are_the_per_run_draws(name: str) -> None:
    model = model_of(name)
    for k, (a, b) in enumerate(
        zip(run_generators(8, 0, 12), run_generators(8, 0, 12), strict=True)
    ):
        ref = _reference_draw_run(model, a)
        new = draw_run(model, b)
        for field in RunDraws.__dataclass_fields__:
            np.testing.assert_array_equal(
                getattr(new, field), getattr(ref, field), err_msg=f"run {k}: {field}"
            )
        assert a.random() == b.random()  # both streams left at the same place


# ------------------------------------------------------ the kernel's RNG against numpy's, directly --


@pytest.fixture(scope="module")
def rng_kernels() -> Any:
    pytest.importorskip("numba")
    import numba

    from tipoff.engines.season import _kernel as k

    @numba.njit
    def uniforms(st: Any, n: int) -> Any:
        out = np.empty(n)
        for i in range(n):
            out[i] = k.next_double(st)
        return out

    @numba.njit
    def normals(st: Any, n: int) -> Any:
        out = np.empty(n)
        for i in range(n):
            out[i] = k.random_standard_normal(st)
        return out

    @numba.njit
    def poissons(st: Any, lam: float, n: int) -> Any:
        out = np.empty(n, dtype=np.int64)
        e = np.exp(-lam)
        for i in range(n):
            out[i] = k.random_poisson(st, lam, e)
        return out

    @numba.njit
    def geometrics(st: Any, p: float, n: int) -> Any:
        out = np.empty(n, dtype=np.int64)
        lg = np.log1p(-p)
        for i in range(n):
            out[i] = k.random_geometric(st, p, lg)
        return out

    @numba.njit
    def integers(st: Any, high: int, n: int) -> Any:
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            out[i] = np.int64(k.bounded_uint32(st, np.uint64(high - 1)))
        return out

    def filled(st: np.ndarray, n: int) -> np.ndarray:
        out = np.full(n + 2, -1.0)
        k.fill_doubles(st, out, n)
        assert (out[n:] == -1.0).all()
        return out[:n]

    def poisson_filled(st: np.ndarray, lam: float, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.int64)
        k.fill_poisson(st, lam, np.exp(-lam), out, n, np.zeros(max(n, 1), np.uint64))
        return out

    def normals_filled(st: np.ndarray, n: int) -> np.ndarray:
        out = np.zeros(n)
        k.fill_normals(st, out, n, np.zeros(max(n, 1), np.uint64))
        return out

    def stream(seed: int, run: int) -> tuple[np.ndarray, np.random.Generator]:
        st = np.zeros(6, dtype=np.uint64)
        k.seed_stream(st, k.seed_words(seed), run)
        return st, run_generators(seed, run, run + 1)[0]

    return {
        "uniforms": uniforms,
        "normals": normals,
        "poissons": poissons,
        "geometrics": geometrics,
        "integers": integers,
        "filled": filled,
        "poisson_filled": poisson_filled,
        "normals_filled": normals_filled,
        "stream": stream,
    }


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1, 2**32, 2**40 + 5, 2**63 - 1])
@pytest.mark.parametrize("run", [0, 1, 99, 2**32 - 1, 2**32 + 3])
def test_seed_sequence_and_pcg64_are_numpys(rng_kernels: Any, seed: int, run: int) -> None:
    st, gen = rng_kernels["stream"](seed, run)
    state = gen.bit_generator.state["state"]
    assert (int(st[0]) << 64) | int(st[1]) == state["state"]
    assert (int(st[2]) << 64) | int(st[3]) == state["inc"]
    np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1000), gen.random(1000))


@needs_numba
def test_distributions_are_numpys(rng_kernels: Any) -> None:
    """Enough draws to go through the ziggurats' tails, Poisson's PTRS branch, both geometric
    algorithms and Lemire's rejection; an odd count of 32-bit draws keeps PCG64's buffered half."""
    st, gen = rng_kernels["stream"](20260101, 3)
    n = 100_000
    np.testing.assert_array_equal(rng_kernels["normals"](st, n), gen.standard_normal(n))
    for lam in (0.0, 0.36, 3.0, 9.99, 10.0, 25.5, 1e4):
        np.testing.assert_array_equal(
            rng_kernels["poissons"](st, lam, n), gen.poisson(lam, n), err_msg=f"lam={lam}"
        )
    for p in (0.001, 0.05, 0.3, 1 / 3, 0.5, 0.99, 1.0):
        np.testing.assert_array_equal(
            rng_kernels["geometrics"](st, p, n), gen.geometric(p, n), err_msg=f"p={p}"
        )
    for high in (1, 2, 90, 365, 2**20 + 7, 2**31 - 1):
        np.testing.assert_array_equal(
            rng_kernels["integers"](st, high, n - 1),
            gen.integers(0, high, n - 1, dtype=np.int32),
            err_msg=f"high={high}",
        )
        np.testing.assert_array_equal(rng_kernels["uniforms"](st, 3), gen.random(3))


@needs_numba
def test_uniform_blocks_are_numpys(rng_kernels: Any) -> None:
    """``fill_doubles`` (four interleaved LCG chains) gives numpy's ``random(n)``, then the stream
    goes on where numpy's does."""
    st, gen = rng_kernels["stream"](99, 12)
    for n in [*range(0, 21), 38, 1001, 4564]:
        np.testing.assert_array_equal(rng_kernels["filled"](st, n), gen.random(n), err_msg=f"{n}")
        np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1), gen.random(1))


@needs_numba
def test_buffered_poisson_and_normal_draws_are_numpys(rng_kernels: Any) -> None:
    """Drawn many at a time through a buffer of raw outputs, then the stream goes on where
    numpy's does (the buffer never runs ahead)."""
    st, gen = rng_kernels["stream"](31, 4)
    for n in (0, 1, 2, 5, 90, 300, 3000, 50_000):
        for lam in (0.0, 0.0329, 0.36, 4.0, 12.5):
            np.testing.assert_array_equal(
                rng_kernels["poisson_filled"](st, lam, n), gen.poisson(lam, n), err_msg=f"{lam}"
            )
            np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1), gen.random(1))
        np.testing.assert_array_equal(rng_kernels["normals_filled"](st, n), gen.standard_normal(n))
        np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1), gen.random(1))
