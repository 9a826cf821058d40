"""The SMC sampler on simulators whose posterior is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tipoff.analysis.calibration import SMCOptions, run_smc
from tipoff.errors import UsageError
from tipoff.scenario import Beta, LogUniform, Uniform


def _kolmogorov(draws: np.ndarray, grid: np.ndarray, cdf: np.ndarray, weights=None) -> float:
    """Kolmogorov distance between weighted draws and a CDF tabulated on a grid."""
    w = np.full(len(draws), 1.0 / len(draws)) if weights is None else weights / weights.sum()
    order = np.argsort(draws, kind="stable")
    x, cum = draws[order], np.cumsum(w[order])
    f = np.interp(x, grid, cdf)
    return float(max(np.abs(cum - f).max(), np.abs(cum - w[order] - f).max()))


def _poisson_thinned(k: int, r: float, runs: int):
    """N ~ Poisson(lambda) per season; the source knows each event with probability r; Y == k."""

    def loglik(thetas: np.ndarray, keys) -> np.ndarray:
        out = np.empty(len(thetas))
        for i, (t, key) in enumerate(zip(thetas, keys, strict=True)):
            rng = np.random.default_rng(np.random.SeedSequence(key[0], spawn_key=tuple(key[1:])))
            n = rng.poisson(t[0], runs)
            p = stats.binom.pmf(k, n, r).mean()
            out[i] = np.log(p) if p > 0 else -np.inf
        return out

    return loglik


def test_one_parameter_matches_the_exact_posterior() -> None:
    # exact: Y ~ Poisson(r * lambda), so the posterior density is prior x Poisson pmf of k
    k, r = 4, 0.7
    prior = Uniform(low=0.5, high=12.0)
    result = run_smc(
        _poisson_thinned(k, r, runs=30), [prior], options=SMCOptions(n_particles=4096), seed=11
    )
    grid = np.linspace(0.5, 12.0, 20_001)
    dens = stats.poisson.pmf(k, r * grid)
    cdf = np.cumsum(dens) / dens.sum()
    assert _kolmogorov(result.thetas[:, 0], grid, cdf, result.weights) <= 0.03
    # the evidence estimate: p(Y = k) = mean over the prior of the pmf
    evidence = float(dens.mean())
    assert abs(result.log_evidence - np.log(evidence)) < 0.1
    assert result.stages[-1].phi == 1.0


def test_two_parameters_posterior_means_within_their_reported_error() -> None:
    # counts ~ Binomial(40, p) in each of two independent processes with rates p and q;
    # observed exactly 12 and 3: a Beta posterior for each (uniform priors)
    def loglik(thetas: np.ndarray, keys) -> np.ndarray:
        out = np.empty(len(thetas))
        for i, (t, key) in enumerate(zip(thetas, keys, strict=True)):
            rng = np.random.default_rng(np.random.SeedSequence(key[0], spawn_key=tuple(key[1:])))
            a = rng.binomial(40, t[0], 200) == 12
            b = rng.binomial(40, t[1], 200) == 3
            p = a.mean() * b.mean()  # unbiased: the two batches are independent
            out[i] = np.log(p) if p > 0 else -np.inf
        return out

    result = run_smc(
        loglik,
        [Uniform(low=0.0, high=1.0), Beta(a=1.0, b=1.0)],
        options=SMCOptions(n_particles=1024),
        seed=5,
    )
    exact = np.array([13 / 42, 4 / 42])
    mean = result.weights @ result.thetas
    sd = np.sqrt(result.weights @ (result.thetas - mean) ** 2)
    # the reported Monte Carlo error is honest: the truth lies within 4 of them (or 0.1 sd)
    assert (np.abs(mean - exact) <= np.maximum(4 * result.mc_error, 0.1 * sd)).all()
    assert (result.ess > 100).all()


def test_same_seed_same_draws_and_loguniform_support() -> None:
    prior = LogUniform(low=0.1, high=50.0)
    a = run_smc(_poisson_thinned(2, 0.5, 20), [prior], options=SMCOptions(n_particles=64), seed=3)
    b = run_smc(_poisson_thinned(2, 0.5, 20), [prior], options=SMCOptions(n_particles=64), seed=3)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert (a.thetas >= 0.1).all() and (a.thetas <= 50.0).all()
    c = run_smc(_poisson_thinned(2, 0.5, 20), [prior], options=SMCOptions(n_particles=64), seed=4)
    assert not np.array_equal(a.thetas, c.thetas)


def test_impossible_observation_is_a_clear_error() -> None:
    def never(thetas: np.ndarray, keys) -> np.ndarray:
        return np.full(len(thetas), -np.inf)

    with pytest.raises(UsageError, match="no prior draw reproduced"):
        run_smc(never, [Uniform(low=0, high=1)], options=SMCOptions(n_particles=16), seed=1)


def test_particles_must_fill_the_islands() -> None:
    with pytest.raises(UsageError, match="multiple of the islands"):
        run_smc(
            _poisson_thinned(1, 1.0, 5),
            [Uniform(low=0, high=1)],
            options=SMCOptions(n_particles=18),
            seed=1,
        )


def test_an_island_that_loses_every_particle_is_refilled_and_said() -> None:
    # only theta > 0.85 can reproduce the data: most islands of 4 particles start with none
    def loglik(thetas: np.ndarray, keys) -> np.ndarray:
        return np.where(thetas[:, 0] > 0.85, np.log(thetas[:, 0]), -np.inf)

    result = run_smc(
        loglik, [Uniform(low=0.0, high=1.0)], options=SMCOptions(n_particles=16), seed=2
    )
    assert (result.thetas[result.weights > 0, 0] > 0.85).all()
    assert np.isclose(result.weights.sum(), 1.0)
    assert any("island" in note for note in result.notes)


def test_weak_data_take_one_importance_step_from_the_prior() -> None:
    # L(theta) = theta^5 under a uniform prior: importance weights from the prior keep an ESS of
    # (2k + 1) / (k + 1)^2 = 11/36 of the particles, above direct_fraction (0.1) but under
    # ess_fraction (0.5); the posterior is Beta(6, 1) either way
    def loglik(thetas: np.ndarray, keys) -> np.ndarray:
        return 5 * np.log(thetas[:, 0])

    prior = [Uniform(low=0.0, high=1.0)]
    direct = run_smc(loglik, prior, options=SMCOptions(n_particles=4096), seed=1)
    assert [s.steps for s in direct.stages] == [0]
    assert direct.weight_ess == pytest.approx(4096 * 11 / 36, rel=0.1)
    tempered = run_smc(
        loglik, prior, options=SMCOptions(n_particles=4096, direct_fraction=0.5), seed=1
    )
    assert len(tempered.stages) > 1
    for res in (direct, tempered):
        mean = float(res.weights @ res.thetas[:, 0])
        sd = float(np.sqrt(res.weights @ (res.thetas[:, 0] - mean) ** 2))
        assert abs(mean - 6 / 7) <= 4 * sd / np.sqrt(res.weight_ess)
