"""The engine's random numbers are numpy's, number for number (``_pcg``), and in a fixed order.

``_pcg`` computes ``Generator(PCG64(SeedSequence(seed, spawn_key=(run,))))``'s streams inside
compiled code; these tests compare every part a run uses with numpy's own ``Generator``, and a
whole run's draws (``_kernel.draw_run``) with numpy's calls in the documented order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from season_helpers import BUSY_YAML

from tipoff._rng import run_generators
from tipoff.model import CompiledModel, compile_scenario
from tipoff.scenario import load_preset, parse_scenario


@pytest.fixture(scope="module")
def rng_kernels() -> Any:
    import numba

    from tipoff.engines.season import _pcg as k

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
        st = k.new_stream()
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


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1, 2**32, 2**40 + 5, 2**63 - 1])
@pytest.mark.parametrize("run", [0, 1, 99, 2**32 - 1, 2**32 + 3])
def test_seed_sequence_and_pcg64_are_numpys(rng_kernels: Any, seed: int, run: int) -> None:
    st, gen = rng_kernels["stream"](seed, run)
    state = gen.bit_generator.state["state"]
    assert (int(st[0]) << 64) | int(st[1]) == state["state"]
    assert (int(st[2]) << 64) | int(st[3]) == state["inc"]
    np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1000), gen.random(1000))


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


def test_uniform_blocks_are_numpys(rng_kernels: Any) -> None:
    """``fill_doubles`` (four interleaved LCG chains) gives numpy's ``random(n)``, then the stream
    goes on where numpy's does."""
    st, gen = rng_kernels["stream"](99, 12)
    for n in [*range(0, 21), 38, 1001, 4564]:
        np.testing.assert_array_equal(rng_kernels["filled"](st, n), gen.random(n), err_msg=f"{n}")
        np.testing.assert_array_equal(rng_kernels["uniforms"](st, 1), gen.random(1))


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


# ------------------------------------------------------- a run's draws: numpy's calls, in order --


def _heavy() -> CompiledModel:
    """Many deliveries per sender (Poisson means of 10 and more), a hazard of 1/2 (numpy's
    geometric by search), courier reveals, replacements and explicit deliveries."""
    text = BUSY_YAML.replace("per_sender_per_year: 20", "per_sender_per_year: 120")
    text = text.replace("daily_hazard: 0.01", "daily_hazard: 0.5")
    return compile_scenario(parse_scenario(text, source="heavy"))


@pytest.mark.parametrize(
    "factory",
    [
        lambda: compile_scenario(parse_scenario(BUSY_YAML, source="busy")),
        _heavy,
        lambda: compile_scenario(load_preset("north-hamgyong-spring")),
    ],
    ids=["busy", "heavy", "north-hamgyong-spring"],
)
def test_a_runs_draws_are_numpys_calls_in_the_documented_order(factory: Any) -> None:
    from tipoff.engines.season import _kernel
    from tipoff.engines.season._pcg import seed_words
    from tipoff.engines.season._state import new_deliveries, new_work
    from tipoff.engines.season._tables import build_tables

    model = factory()
    tb = build_tables(model)
    work = new_work(tb, model.n_parties, model.n_couriers)
    dl = new_deliveries(tb, 20_000)
    sz, wl, rc, ig = tb.sizes, tb.workload, tb.recruitment, tb.interrogation
    groups = (sz, wl, rc, ig, tb.explicit, *work[:3], work.scratch, dl.drawn, dl.known)
    coercible = np.flatnonzero(model.party_coercible)
    n_ex = model.explicit_day.size
    for run in (0, 1, 17):
        n = _kernel.draw_run(*groups, seed_words(2024), run)
        gen = run_generators(2024, run, run + 1)[0]
        u0 = gen.random(coercible.size)
        informant = np.where(u0 < model.party_rho0[coercible], 0, _kernel.NEVER)
        if rc.hazard > 0:
            turned = gen.geometric(rc.hazard, coercible.size)
            informant = np.where(informant == 0, 0, np.minimum(turned, _kernel.NEVER))
        np.testing.assert_array_equal(work.parties.informant_day[coercible], informant)
        counts = gen.poisson(wl.lam_deliveries, model.n_senders)
        n_gen = int(counts.sum())
        assert n == n_gen + n_ex
        np.testing.assert_array_equal(work.scratch.counts[: model.n_senders], counts)
        days = gen.integers(0, model.horizon_days, n_gen, dtype=np.int32)
        np.testing.assert_array_equal(dl.drawn.day[:n], np.r_[days, model.explicit_day])
        np.testing.assert_array_equal(
            dl.drawn.sender[:n_gen], np.repeat(np.arange(counts.size), counts)
        )
        z = gen.standard_normal(n)
        np.testing.assert_array_equal(dl.drawn.z[:n], z)
        amount = model.amount_median * np.exp(model.amount_spread * z)
        given = np.r_[np.full(n_gen, np.nan), model.explicit_amount]
        amount = np.maximum(1, np.rint(np.where(np.isnan(given), amount, given)))
        np.testing.assert_array_equal(dl.drawn.amount[:n], amount.astype(np.int64))
        np.testing.assert_array_equal(dl.known.uniforms[:n], gen.random((n, sz.n_cols)))
        if wl.lam_replace > 0:
            np.testing.assert_array_equal(
                work.days.replacements, gen.poisson(wl.lam_replace, model.horizon_days)
            )
        if ig.reveal_couriers > 0:
            np.testing.assert_array_equal(work.couriers.pair_reveal, gen.random(sz.n_pairs))
        # nothing else was drawn: the run's stream is where numpy's is
        st = work.scratch.stream
        assert _kernel.rng.next_double(st) == gen.random()
