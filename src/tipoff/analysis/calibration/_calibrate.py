"""``calibrate``: the posterior of a scenario's unknowns given an observations file.

Every likelihood estimate simulates ``runs_per_particle`` seasons of the scenario with the particle's
parameter values (:func:`tipoff.scenario.with_params`), counting the tallies the observations need,
and applies the observation model (:mod:`._likelihood`). The particles are mapped over in batches
by :func:`simulate_batches`, each particle with its own seed derived from the calibration's seed
(``SeedSequence(seed, spawn_key=(1, call, particle))``), so the posterior is the same whatever the
number of workers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed
from tipoff._version import __version__
from tipoff.analysis.calibration._across import calibration_digest, network_digest
from tipoff.analysis.calibration._likelihood import (
    ObservationModel,
    TallyRequest,
    observation_model,
)
from tipoff.analysis.calibration._smc import SMCOptions, SMCResult, run_smc
from tipoff.engines import run_tasks
from tipoff.engines._executor import resolve_cluster
from tipoff.engines.season import Tallies, simulate_season
from tipoff.errors import UsageError
from tipoff.model import compile_scenario, recompile_operation
from tipoff.results import Posterior
from tipoff.scenario import (
    Observations,
    Scenario,
    observations_digest,
    scenario_digest,
    with_params,
)

__all__ = [
    "METHOD",
    "calibrate",
    "current_values",
    "default_runs_per_particle",
    "simulate_batches",
    "simulate_counts",
]

METHOD = "smc-pseudo-marginal"
#: The likelihood estimate (:mod:`._likelihood`): the mean over every set of K seasons.
ESTIMATOR = "u-statistic"
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Likelihood estimates of the predictive check, per observation and jointly, from this many draws.
PREDICTIVE_DRAWS = 64
#: Seasons simulated at the preset's hand-set values for the predictive check.
PREDICTIVE_HAND_SET_RUNS = 4000
#: Repeated likelihood estimates at the posterior median, to measure their noise.
NOISE_REPEATS = 32
#: Largest coefficient of variation of the likelihood estimates when particles were moved.
MAX_MOVE_CV = 3.0


def simulate_counts(
    scenario: Scenario,
    paths: tuple[str, ...],
    thetas: FloatArray,
    n_runs: int,
    seeds: Sequence[int],
    request: TallyRequest,
) -> IntArray:
    """``(n, n_runs, k)`` tallies of ``n_runs`` seasons at each row of ``thetas`` (one seed each).

    Module-level and picklable: the unit of work a process pool or cluster runs.
    """
    out = np.empty((len(thetas), n_runs, request.size), dtype=np.int64)
    # only the operation changes: compile the network once (recompile_operation is exact)
    base = compile_scenario(scenario) if all(p.startswith("operation.") for p in paths) else None
    for i, (theta, s) in enumerate(zip(thetas, seeds, strict=True)):
        values = {p: float(v) for p, v in zip(paths, theta, strict=True)}
        variant = with_params(scenario, values) if values else scenario
        if base is not None:
            model = recompile_operation(base, variant)
        else:
            model = compile_scenario(variant)
        tallies = Tallies(
            kind=np.asarray(request.kind, dtype=np.int8),
            by_home=np.asarray(request.by_home, dtype=np.bool_),
            places=request.places_mask(model.place_names),
            first_day=np.asarray(request.first_day, dtype=np.int32),
            last_day=np.asarray(request.last_day, dtype=np.int32),
        )
        res = simulate_season(model, n_runs=n_runs, seed=int(s), record_run=None, tallies=tallies)
        out[i] = res.tally_counts
    return out


def simulate_batches(
    scenario: Scenario,
    paths: tuple[str, ...],
    thetas: FloatArray,
    n_runs: int,
    seeds: Sequence[int],
    request: TallyRequest,
    *,
    n_workers: int = 1,
    cluster: str | None = None,
    n_batches: int = 1,
) -> IntArray:
    """:func:`simulate_counts` over the rows of ``thetas``, split in ``n_batches`` tasks run by
    :func:`tipoff.engines.run_tasks` (in this process, a local pool or a Dask cluster); results
    in row order, independent of the split and of where the tasks ran."""
    n = len(thetas)
    if n_batches <= 1 or n < 2:
        return simulate_counts(scenario, paths, thetas, n_runs, seeds, request)
    edges = np.linspace(0, n, min(n_batches, n) + 1).astype(int)
    tasks = [
        (scenario, paths, thetas[a:b], n_runs, list(seeds[a:b]), request)
        for a, b in itertools.pairwise(edges)
        if b > a
    ]
    parts = run_tasks(simulate_counts, tasks, n_workers=n_workers, cluster=cluster)
    return np.concatenate(parts)


def _sim_seed(key: tuple[int, ...]) -> int:
    ss = np.random.SeedSequence(key[0], spawn_key=(1, *key[1:]))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def default_runs_per_particle(obs_model: ObservationModel, /) -> int:
    """Seasons per likelihood estimate: 5 draws of the reported population, at least 8.

    Few seasons per particle and many particles is the cheaper way to a given effective sample
    size: for importance weights made of unbiased estimates, the seasons spent per unit of
    effective sample size are about ``A R + C1 + C2 / R`` for ``R`` seasons per particle (``A``
    the prior's inefficiency for the posterior, ``C1`` a floor set by how much one season's
    counts vary, ``C2 / R`` the noise of averaging over few sets of seasons). On the seed pair
    (``A`` about 1.6, ``C1`` about 32, ``C2`` about 68) this is lowest at 4-8 seasons (about 53)
    and 55 at 10, against about 195 at 100 (``benchmarks/calibration_seasons.py``); 10 keeps
    more estimates above zero, which moves need when the reports are strong.
    """
    return max(8, 5 * obs_model.group_size)


def current_values(scenario: Scenario, paths: Sequence[str], /) -> dict[str, float]:
    """The scenario's own values at dotted ``paths`` (its hand-set values)."""
    data = scenario.model_dump(by_alias=True)
    out: dict[str, float] = {}
    for path in paths:
        node: Any = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[path] = float(node) if isinstance(node, int | float) else math.nan
    return out


class _Evaluator:
    """The likelihood function the sampler calls: simulate, then apply the observation model."""

    def __init__(
        self,
        scenario: Scenario,
        observations: Observations,
        obs_model: ObservationModel,
        n_runs: int,
        n_workers: int,
        cluster: str | None,
        n_batches: int,
    ) -> None:
        self.scenario, self.obs_model, self.n_runs = scenario, obs_model, n_runs
        self.paths = observations.parameter_paths()
        self.n_params = len(self.paths)
        self.n_workers, self.cluster, self.n_batches = n_workers, cluster, n_batches
        self.seasons = 0

    def counts(self, thetas: FloatArray, keys: Sequence[tuple[int, ...]], n_runs: int) -> IntArray:
        self.seasons += len(thetas) * n_runs
        return simulate_batches(
            self.scenario,
            self.paths,
            np.ascontiguousarray(thetas[:, : self.n_params]),
            n_runs,
            [_sim_seed(k) for k in keys],
            self.obs_model.request,
            n_workers=self.n_workers,
            cluster=self.cluster,
            n_batches=self.n_batches,
        )

    def __call__(self, thetas: FloatArray, keys: Sequence[tuple[int, ...]]) -> FloatArray:
        counts = self.counts(thetas, keys, self.n_runs)
        lik = self.obs_model.likelihoods(counts, thetas[:, self.n_params :])
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(lik), dtype=float)


def calibrate(
    scenario: Scenario,
    observations: Observations,
    /,
    *,
    n_particles: int = 4096,
    runs_per_particle: int | None = None,
    seed: int | None = None,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[float, int], None] | None = None,
    options: SMCOptions | None = None,
) -> Posterior:
    """The posterior of the observations' unknowns, by SMC with pseudo-marginal likelihoods.

    Parameters
    ----------
    scenario
        The scenario whose parameters are unknown.
    observations
        What was reported, and the unknowns with their priors.
    n_particles
        Particles of the sampler (a multiple of 4: four independent islands).
    runs_per_particle
        Seasons simulated for each likelihood estimate; None: :func:`default_runs_per_particle`.
    seed
        Seeds everything; the same seed gives the same posterior whatever ``n_workers``.
    n_workers
        Worker processes for the simulations (1: in this process).
    cluster
        Address of a Dask scheduler for the simulations (None: ``$TIPOFF_CLUSTER`` if set, else
        this machine); the posterior is the same bit for bit.
    progress
        Called with the tempering exponent (0 to 1) and the seasons simulated so far.

    Returns
    -------
    Posterior
        Equally weighted draws, with diagnostics (ESS, Monte Carlo errors, whether it converged),
        the posterior predictive check and provenance.
    """
    seed = make_seed(seed)
    if n_workers < 1:
        raise UsageError(f"{{n_workers}} must be at least 1, got {n_workers}", params=["n_workers"])
    obs_model = observation_model(observations, horizon_days=scenario.horizon_days)
    n_runs = runs_per_particle or default_runs_per_particle(obs_model)
    if n_runs < obs_model.group_size:
        raise UsageError(
            f"{{runs_per_particle}} must be at least {obs_model.group_size} (one draw of the "
            "reported population)",
            params=["runs_per_particle"],
        )
    opt = options or SMCOptions(n_particles=n_particles)
    unknowns = tuple(observations.unknowns)
    priors = tuple(observations.unknowns.values())
    # rows carry their own seeds, so the split never changes a number: one batch when serial
    on_cluster = resolve_cluster(cluster) is not None
    n_batches = 1 if n_workers == 1 and not on_cluster else 16
    ev = _Evaluator(
        scenario, observations, obs_model, n_runs, n_workers, cluster, n_batches=n_batches
    )

    def report(phi: float, _: int) -> None:
        if progress:
            progress(phi, ev.seasons)

    result = run_smc(ev, priors, options=opt, seed=seed, progress=report)
    smc_seasons = ev.seasons
    noise = _likelihood_noise(ev, result, seed)
    predictive = _predictive(ev, scenario, observations, result, seed)
    diagnostics = _diagnostics(result, unknowns, noise, smc_seasons, ev.seasons, opt)
    return Posterior(
        unknowns=unknowns,
        priors=priors,
        draws=np.array(result.thetas),
        weights=np.array(result.weights),
        provenance={
            "method": METHOD,
            "seed": seed,
            "scenario": scenario.name,
            "scenario_digest": scenario_digest(scenario),
            "calibration_digest": calibration_digest(scenario, unknowns),
            "network_digest": network_digest(scenario, unknowns),
            "observations_digest": observations_digest(observations),
            "version": __version__,
            "options": {
                "n_particles": opt.n_particles,
                "n_islands": opt.n_islands,
                "runs_per_particle": n_runs,
                "estimator": ESTIMATOR,
                "ess_fraction": opt.ess_fraction,
                "direct_fraction": opt.direct_fraction,
                "moves_per_stage": opt.moves_per_stage,
                "final_moves": opt.final_moves,
            },
        },
        diagnostics=diagnostics,
        predictive=tuple(predictive),
    )


def _median_theta(result: SMCResult) -> FloatArray:
    out = np.empty(result.thetas.shape[1])
    for j in range(len(out)):
        order = np.argsort(result.thetas[:, j], kind="stable")
        cum = np.cumsum(result.weights[order])
        out[j] = result.thetas[order[min(int(np.searchsorted(cum, 0.5)), len(order) - 1)], j]
    return out


def _pick(result: SMCResult, n: int, seed: int) -> npt.NDArray[np.int64]:
    """``n`` particle indices taken by weight (systematic)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3,)))
    cum = np.cumsum(result.weights)
    cum[-1] = 1.0
    return np.searchsorted(cum, (rng.random() + np.arange(n)) / n).astype(np.int64)


def _likelihood_noise(ev: _Evaluator, result: SMCResult, seed: int) -> tuple[float, float]:
    """Noise of the likelihood estimates repeated at the posterior median: the standard deviation
    of their logarithm (inf when one is zero) and their coefficient of variation."""
    theta = np.repeat(_median_theta(result)[None, :], NOISE_REPEATS, axis=0)
    ll = ev(theta, [(seed, 10**6, i) for i in range(NOISE_REPEATS)])
    lik = np.exp(ll)
    cv = float(lik.std(ddof=1) / lik.mean()) if lik.mean() > 0 else math.inf
    if not np.isfinite(ll).all():
        return math.inf, cv
    return float(np.std(ll, ddof=1)), cv


def _per_observation(ev: _Evaluator, counts: IntArray, thetas: FloatArray) -> FloatArray:
    """``(n, J + 1)``: estimated probability of each report, and of all together, per row."""
    om = ev.obs_model
    values = np.stack([om.observed_values(c) for c in counts])
    r = np.stack([om.reporting_values(t) for t in thetas[:, ev.n_params :]])
    p = om.factors(values, r)  # (n, B, J)
    return np.column_stack([p.mean(axis=1), np.prod(p, axis=2).mean(axis=1)])


def _predictive(
    ev: _Evaluator,
    scenario: Scenario,
    observations: Observations,
    result: SMCResult,
    seed: int,
) -> list[dict[str, Any]]:
    """The probability of each report (and all together) under the posterior and the hand-set values."""
    thetas = result.thetas[_pick(result, PREDICTIVE_DRAWS, seed)]
    keys = [(seed, 2 * 10**6, i) for i in range(len(thetas))]
    post = _per_observation(ev, ev.counts(thetas, keys, ev.n_runs), thetas).mean(axis=0)
    hand = current_values(scenario, ev.paths)
    reporting = [
        float(prior.ppf(0.5))
        for u, prior in observations.unknowns.items()
        if u.startswith("reporting.")
    ]
    theta0 = np.array([[*hand.values(), *reporting]])
    key0 = [(seed, 3 * 10**6, 0)]
    counts0 = ev.counts(theta0, key0, PREDICTIVE_HAND_SET_RUNS)
    handset = _per_observation(ev, counts0, theta0)[0]
    rows = []
    for j, o in enumerate(observations.observations):
        rows.append(
            {
                "id": o.id,
                "reported": o.relation.text,
                "posterior": float(post[j]),
                "hand_set": float(handset[j]),
            }
        )
    rows.append(
        {
            "id": "all together",
            "reported": "",
            "posterior": float(post[-1]),
            "hand_set": float(handset[-1]),
        }
    )
    return rows


def _finite(x: float) -> float | None:
    """A number for the posterior file's JSON, or None where it is not finite (too few particles
    on an island for a spread, an evidence of zero)."""
    return float(x) if math.isfinite(x) else None


def _diagnostics(
    result: SMCResult,
    unknowns: tuple[str, ...],
    noise: tuple[float, float],
    smc_seasons: int,
    seasons: int,
    opt: SMCOptions,
) -> dict[str, Any]:
    mean = result.weights @ result.thetas
    sd = np.sqrt(result.weights @ (result.thetas - mean) ** 2)
    moved = [s for s in result.stages if s.steps > 0]
    reasons: list[str] = list(result.notes)
    for j, u in enumerate(unknowns):
        if not (result.mc_error[j] <= 0.1 * sd[j]):
            reasons.append(
                f"the Monte Carlo error of the mean of {u} is more than a tenth of its "
                "posterior spread: use more particles"
            )
    if moved and moved[-1].acceptance < 0.05:
        reasons.append(
            f"moves were accepted only {moved[-1].acceptance:.0%} of the time: simulate "
            "more seasons per particle"
        )
    if result.weight_ess < 0.1 * opt.n_particles:
        reasons.append(
            f"the final weights have an effective sample size of {result.weight_ess:.0f} of "
            f"{opt.n_particles} particles: use more particles"
        )
    log_sd, cv = noise
    if moved and not cv <= MAX_MOVE_CV:
        # importance weights only lose effective sample size to noisy estimates (checked
        # above); moves of noisy particles get stuck, which the acceptance may not show
        reasons.append(
            (
                f"the likelihood estimates vary by {cv:.2g} times their mean (coefficient of "
                f"variation) at the posterior median, more than {MAX_MOVE_CV:g}"
                if math.isfinite(cv)
                else "no repeated likelihood estimate at the posterior median reproduced the "
                "reports in its simulated seasons"
            )
            + ", and the particles were moved: simulate more seasons per particle"
        )
    return {
        "converged": not reasons,
        "not_converged_because": reasons,
        "ess": [_finite(x) for x in result.ess],
        "mc_error": [_finite(x) for x in result.mc_error],
        "island_means": [[_finite(x) for x in row] for row in result.island_means],
        "loglik_noise_sd": _finite(log_sd),
        "likelihood_cv": _finite(cv),
        "log_evidence": _finite(result.log_evidence),
        "stages": [
            {
                "phi": s.phi,
                "ess": s.ess,
                "steps": s.steps,
                "acceptance": None if s.steps == 0 else s.acceptance,
            }
            for s in result.stages
        ],
        "weight_ess": result.weight_ess,
        "likelihood_estimates": result.n_evaluations,
        "seasons_smc": smc_seasons,
        "seasons_total": seasons,
        "n_particles": opt.n_particles,
    }
