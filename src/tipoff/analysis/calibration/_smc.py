r"""Sequential Monte Carlo over parameters with pseudo-marginal likelihoods (tempering, islands).

The target is the posterior :math:`\pi(\theta) \propto p(\theta)\, L(\theta)`, where the likelihood
:math:`L` is known only through a non-negative unbiased estimate :math:`\hat L(\theta, U)` made from
simulation with random numbers :math:`U`. Each particle carries :math:`(\theta, \hat L)`; the
sequence of targets on the extended space

.. math:: \pi_\phi(\theta, u) \propto p(\theta)\, q(u)\, \hat L(\theta, u)^{\phi},
   \qquad 0 = \phi_0 < \phi_1 < \dots < \phi_T = 1,

has, at :math:`\phi = 1`, the exact posterior as its :math:`\theta`-marginal, because
:math:`E_U[\hat L(\theta, U)] = L(\theta)` (Andrieu and Roberts 2009; Duan and Fulop 2015 for
density-tempered SMC). Each stage

1. picks the next :math:`\phi` by bisection so that the incremental weights
   :math:`\hat L_i^{\phi_t - \phi_{t-1}}` keep an effective sample size of ``ess_fraction`` of the
   particles with a non-zero estimate (Jasra et al. 2011), except that the first stage goes
   straight to 1 when that keeps an effective sample size of ``direct_fraction`` of all the
   particles (0.1: what the convergence check asks of the final weights). Every later stage
   simulates every particle again, and with cheap, noisy estimates (few seasons each) part of the
   weights' spread is noise that moves cannot remove, so one importance step from the prior is
   the cheapest route when the data are weak;
2. resamples (systematic) within each island;
3. moves every particle with pseudo-marginal Metropolis-Hastings: a Gaussian random walk in the
   transformed space (logit or log of each coordinate), with covariance ``(2.38^2 / d)`` times the
   particles' covariance, scaled towards an acceptance rate of about 0.25; the likelihood estimate
   travels with the particle and is never recomputed for the current point. Moves are repeated until
   the particles have accepted ``moves_per_stage`` moves on average (at most ``max_steps``).

When the exponent reaches 1 the weighted particles are the posterior, returned as they are (no
final resampling, which would only add noise), unless ``final_moves`` asks for equally weighted,
moved particles. When the data are weak the first stage already reaches 1, and the sampler is
importance sampling from the prior with unbiased likelihood estimates as weights.

The population is split into ``n_islands`` independent sub-populations that share only the
temperature schedule and the proposal scale; the spread of their posterior means gives the Monte
Carlo error of each posterior mean, and from it an effective sample size.

The result is exact in the limit of many particles, for any number of simulated seasons per
likelihood estimate: more seasons make the estimate less noisy, and the moves more efficient, but
never change the target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tipoff.analysis.calibration._transform import bijections
from tipoff.errors import UsageError
from tipoff.scenario import Distribution

__all__ = ["LogLikelihood", "SMCOptions", "SMCResult", "Stage", "run_smc"]

FloatArray = npt.NDArray[np.float64]
#: ``loglik(thetas, keys)``: log of an unbiased likelihood estimate for each row of ``thetas``
#: (``-inf`` for an estimate of zero), each made with random numbers from its key (a tuple of ints
#: that no other evaluation uses), so results never depend on where they were computed.
LogLikelihood = Callable[[FloatArray, Sequence[tuple[int, ...]]], FloatArray]


@dataclass(frozen=True, slots=True, kw_only=True)
class SMCOptions:
    """Settings of :func:`run_smc`."""

    n_particles: int = 256
    n_islands: int = 4
    ess_fraction: float = 0.5
    direct_fraction: float = 0.1
    moves_per_stage: float = 1.0
    final_moves: float = 0.0
    max_steps: int = 12
    max_stages: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One tempering stage: its exponent, the ESS of its reweighting, and its moves."""

    phi: float
    ess: float
    steps: int
    acceptance: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SMCResult:
    """Equally weighted draws from the posterior, with diagnostics."""

    thetas: FloatArray  # (n, d)
    weights: FloatArray  # (n,) summing to 1 (each island to 1 / n_islands)
    loglik: FloatArray  # (n,) the log likelihood estimate each draw carries
    island: npt.NDArray[np.int64]  # (n,) which island each draw belongs to
    stages: tuple[Stage, ...]
    n_evaluations: int  # likelihood estimates made
    log_evidence: float  # log of the estimated marginal likelihood p(data)
    island_means: FloatArray  # (n_islands, d)
    mc_error: FloatArray  # (d,) Monte Carlo standard error of each posterior mean
    ess: FloatArray  # (d,) effective sample size of each posterior mean
    weight_ess: float  # effective sample size of the final weights (summed over islands)
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ess(logw: FloatArray) -> float:
    finite = np.isfinite(logw)
    if not finite.any():
        return 0.0
    w = np.exp(logw - logw[finite].max())
    w[~finite] = 0.0
    return float(w.sum() ** 2 / (w * w).sum())


def _normalised(logw: FloatArray) -> FloatArray:
    """Weights from log weights (``-inf``: zero), summing to 1."""
    finite = np.isfinite(logw)
    w = np.zeros(len(logw))
    w[finite] = np.exp(logw[finite] - logw[finite].max())
    return w / w.sum()


def _systematic(rng: np.random.Generator, w: FloatArray, n: int) -> npt.NDArray[np.int64]:
    cum = np.cumsum(w / w.sum())
    cum[-1] = 1.0
    u = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cum, u, side="left").astype(np.int64)


def run_smc(
    loglik: LogLikelihood,
    priors: Sequence[Distribution],
    /,
    *,
    options: SMCOptions | None = None,
    seed: int = 0,
    progress: Callable[[float, int], None] | None = None,
) -> SMCResult:
    """Sample the posterior of ``priors`` given a pseudo-marginal likelihood ``loglik``.

    Parameters
    ----------
    loglik
        See :data:`LogLikelihood`.
    priors
        One distribution per coordinate of theta.
    options
        Population size, islands, and how far each stage moves (:class:`SMCOptions`).
    seed
        Seeds every random choice of the sampler, and (through the keys) every likelihood estimate.
    progress
        Called with the current exponent phi and the number of likelihood estimates so far.

    Returns
    -------
    SMCResult
        Equally weighted posterior draws and diagnostics.
    """
    opt = options or SMCOptions()
    n, n_isl, d = opt.n_particles, opt.n_islands, len(priors)
    if n_isl < 1 or n % n_isl or n // n_isl < 4:
        raise UsageError(
            f"particles ({n}) must be a multiple of the islands ({n_isl}), at least 4 per island"
        )
    per = n // n_isl
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    maps = bijections([p.bounds for p in priors])
    calls = 0
    n_eval = 0

    def evaluate(thetas: FloatArray) -> FloatArray:
        nonlocal calls, n_eval
        keys = [(seed, calls, i) for i in range(len(thetas))]
        calls += 1
        n_eval += len(thetas)
        return np.asarray(loglik(thetas, keys), dtype=float)

    def log_prior(th: FloatArray) -> FloatArray:
        return np.sum([np.asarray(p.logpdf(th[:, j])) for j, p in enumerate(priors)], axis=0)

    def to_z(th: FloatArray) -> FloatArray:
        return np.column_stack([m.to_real(th[:, j]) for j, m in enumerate(maps)])

    def from_z(z: FloatArray) -> FloatArray:
        return np.column_stack([m.from_real(z[:, j]) for j, m in enumerate(maps)])

    def log_jac(z: FloatArray) -> FloatArray:
        return np.sum([m.log_jacobian(z[:, j]) for j, m in enumerate(maps)], axis=0)

    island = np.repeat(np.arange(n_isl), per)
    theta = np.column_stack([p.sample(rng, n) for p in priors])
    ll = evaluate(theta)
    if progress:
        progress(0.0, n_eval)
    if not np.isfinite(ll).any():
        raise UsageError(
            "no prior draw reproduced the observations in its simulated seasons: widen the priors, "
            "check the observations, or simulate more seasons per particle"
        )
    phi = 0.0
    log_z = np.zeros(n_isl)
    scale = 1.0
    stages: list[Stage] = []
    notes: list[str] = []
    for _ in range(opt.max_stages):
        direct = phi == 0.0 and (
            sum(_ess(ll[island == k]) for k in range(n_isl)) >= opt.direct_fraction * n
        )
        if direct:  # importance sampling from the prior is enough
            delta = 1.0
            ess = float(np.mean([_ess(ll[island == k]) for k in range(n_isl)]))
        else:
            delta, ess = _next_delta(ll, island, n_isl, phi, opt.ess_fraction)
        logw = delta * ll
        for k in range(n_isl):
            lw = logw[island == k]
            if not np.isfinite(lw).any():
                if np.isfinite(log_z[k]):
                    notes.append(
                        f"island {k + 1} lost every particle (all estimates zero) and was "
                        "refilled from the others: Monte Carlo errors are optimistic; use more "
                        "particles or seasons"
                    )
                log_z[k] = -math.inf
                continue
            m = lw[np.isfinite(lw)].max()
            log_z[k] += m + math.log(np.mean(np.exp(lw - m)))
        phi = min(1.0, phi + delta)
        final = phi >= 1.0
        if final and opt.final_moves <= 0:
            # the weighted particles are the posterior: no resampling, no moves
            stages.append(Stage(phi=phi, ess=ess, steps=0, acceptance=float("nan")))
            if progress:
                progress(phi, n_eval)
            break
        # resample within each island
        idx = np.empty(n, dtype=np.int64)
        for k in range(n_isl):
            sel = np.flatnonzero(island == k)
            # a dead island (every weight zero) is refilled from the whole population
            sel_from = sel if np.isfinite(logw[sel]).any() else np.arange(n)
            idx[sel] = sel_from[_systematic(rng, _normalised(logw[sel_from]), per)]
        theta, ll = theta[idx], ll[idx]
        logw = np.zeros(n)
        target = opt.final_moves if final else opt.moves_per_stage
        theta, ll, steps, acc, scale = _move(
            rng, theta, ll, phi, target, opt.max_steps, scale, evaluate, log_prior,
            to_z, from_z, log_jac,
        )  # fmt: skip
        stages.append(Stage(phi=phi, ess=ess, steps=steps, acceptance=acc))
        if progress:
            progress(phi, n_eval)
        if final:
            break
    else:
        notes.append(f"stopped after {opt.max_stages} stages before reaching the posterior")
        logw = np.zeros(n)
    weights = np.zeros(n)
    alive = [k for k in range(n_isl) if np.isfinite(logw[island == k]).any()]
    if len(alive) < n_isl:
        notes.append(
            f"{n_isl - len(alive)} of {n_isl} islands end with every weight zero: use more "
            "particles or seasons per particle"
        )
    for k in alive:
        sel = island == k
        weights[sel] = _normalised(logw[sel]) / len(alive)
    island_means = np.array([len(alive) * weights[island == k] @ theta[island == k] for k in alive])
    n_isl_alive = len(alive)
    if n_isl_alive > 1:
        mc_error = island_means.std(axis=0, ddof=1) / math.sqrt(n_isl_alive)
    else:
        mc_error = np.full(d, np.nan)
    mean = weights @ theta
    var = weights @ (theta - mean) ** 2
    with np.errstate(divide="ignore"):
        weight_ess = float(sum(_ess(np.log(weights[island == k])) for k in alive))
    with np.errstate(divide="ignore", invalid="ignore"):
        ess_mean = np.where(mc_error > 0, var / mc_error**2, weight_ess)
    ess_mean = np.minimum(ess_mean, weight_ess)
    return SMCResult(
        thetas=theta,
        weights=weights,
        loglik=ll,
        island=island,
        stages=tuple(stages),
        n_evaluations=n_eval,
        log_evidence=float(np.logaddexp.reduce(log_z) - math.log(n_isl)),  # dead islands: 0
        island_means=island_means,
        mc_error=mc_error,
        ess=ess_mean,
        weight_ess=weight_ess,
        notes=tuple(notes),
    )


def _next_delta(
    ll: FloatArray, island: npt.NDArray[np.int64], n_isl: int, phi: float, fraction: float
) -> tuple[float, float]:
    """The exponent step keeping the islands' mean ESS at ``fraction`` of what it can be."""

    def mean_ess(delta: float) -> float:
        return float(np.mean([_ess(delta * ll[island == k]) for k in range(n_isl)]))

    ceiling = mean_ess(1e-12)  # zero-likelihood particles are lost whatever the step
    target = fraction * ceiling
    rest = 1.0 - phi
    if mean_ess(rest) >= target:
        return rest, mean_ess(rest)
    lo, hi = 0.0, rest
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if mean_ess(mid) >= target:
            lo = mid
        else:
            hi = mid
    delta = max(lo, 1e-9)
    return delta, mean_ess(delta)


def _move(
    rng: np.random.Generator,
    theta: FloatArray,
    ll: FloatArray,
    phi: float,
    target: float,
    max_steps: int,
    scale: float,
    evaluate: Callable[[FloatArray], FloatArray],
    log_prior: Callable[[FloatArray], FloatArray],
    to_z: Callable[[FloatArray], FloatArray],
    from_z: Callable[[FloatArray], FloatArray],
    log_jac: Callable[[FloatArray], FloatArray],
) -> tuple[FloatArray, FloatArray, int, float, float]:
    """Pseudo-marginal random-walk moves until ``target`` acceptances per particle on average."""
    n, d = theta.shape
    z = to_z(theta)
    cov = np.atleast_2d(np.cov(z, rowvar=False)) + 1e-10 * np.eye(d)
    try:
        chol = np.linalg.cholesky(cov * (2.38**2 / d))
    except np.linalg.LinAlgError:
        chol = np.diag(np.sqrt(np.maximum(np.diag(cov), 1e-10)) * 2.38 / math.sqrt(d))
    cur = log_prior(theta) + log_jac(z) + phi * ll
    accepted = 0
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007
        prop_z = z + scale * (rng.standard_normal((n, d)) @ chol.T)
        prop = from_z(prop_z)
        lp = log_prior(prop) + log_jac(prop_z)
        ok = np.isfinite(lp)
        prop_ll = np.full(n, -np.inf)
        if ok.any():
            prop_ll[ok] = evaluate(prop[ok])
        new = lp + phi * prop_ll
        with np.errstate(invalid="ignore"):
            accept = np.log(rng.random(n)) < new - cur
        accept &= np.isfinite(new)
        z[accept], theta[accept], ll[accept], cur[accept] = (
            prop_z[accept], prop[accept], prop_ll[accept], new[accept],
        )  # fmt: skip
        rate = float(accept.mean())
        accepted += int(accept.sum())
        # Robbins-Monro style nudge towards an acceptance of about 0.25
        scale = float(np.clip(scale * math.exp(rate - 0.25), 0.1, 3.0))
        if accepted >= target * n:
            break
    return theta, ll, steps, accepted / (n * steps), scale
