"""``sweep``: simulate seasons at every point of a design over scenario parameters.

Each point is the scenario with the varied parameters set (:func:`tipoff.scenario.with_params`,
validated like a file), simulated for ``n_runs`` seasons. Points are grouped into tasks and sent
through :func:`tipoff.engines.run_tasks` (in this process, a local pool or a Dask cluster): as
many tasks for each worker, of about :data:`TASK_SECONDS` each (:data:`CLUSTER_TASK_SECONDS` on
a cluster, where a task costs more), their length estimated from a short pilot run of the first
point, and the points dealt to them in turn (each task takes points from the whole design).
Each point's seed comes from ``SeedSequence(seed).spawn``, so the table is bit-identical
whatever ran it, and however the points were grouped. In a Sobol analysis every point uses the same seeds
(common random numbers): the totals are then a deterministic function of the parameters, and a
parameter with no effect gets indices of exactly 0 instead of indices made of simulation noise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed
from tipoff._version import __version__
from tipoff.analysis.sweep._design import design_points, sobol_design
from tipoff.analysis.sweep._sobol import SobolIndices, sobol_indices
from tipoff.analysis.sweep._spec import Axis
from tipoff.engines import METRICS, parallel_slots, run_tasks, simulate_season
from tipoff.engines._executor import resolve_cluster
from tipoff.errors import Problem, ScenarioError, UsageError
from tipoff.model import compile_scenario
from tipoff.results import summarize
from tipoff.scenario import Scenario, param_info, scenario_digest, with_params

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CLUSTER_TASK_SECONDS", "STATS", "TASK_SECONDS", "SweepResult", "sweep"]

#: What each point reports for each season total: the mean over seasons, its standard error, and
#: the range holding 95% of seasons (2.5th and 97.5th percentiles).
STATS = ("mean", "stderr", "lo", "hi")
#: Target length of one task on local workers: long enough that scheduling is a small share of it.
TASK_SECONDS = 0.25
#: Target length of one task on a Dask cluster, where a task costs about ten times more to
#: schedule than on the local pool (about 2.5 ms of CPU against 0.25; docs/scaling.md).
CLUSTER_TASK_SECONDS = 0.5
#: The pilot run that times a point simulates this share of its seasons (at least 2).
PILOT_SHARE = 1 / 16

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """A sweep's points and, for each, every season total's mean, standard error and range.

    Attributes
    ----------
    params : tuple of str
        The varied parameters' dotted paths (columns of ``values``).
    values : array (n_points, n_params)
        The parameters at each point.
    metrics : tuple of str
        The season totals (``tipoff.engines.METRICS``).
    stats : array (n_points, n_metrics, 4)
        ``STATS`` of each total at each point.
    seeds : array (n_points,)
        Each point's seed (``simulate_season``'s ``seed``).
    sobol : dict of str to SobolIndices, or None
        Sobol indices of each total, in a Sobol analysis.
    provenance : dict
        Method, seed, scenario and its digest, version, design and options.
    """

    params: tuple[str, ...]
    specs: tuple[str, ...]
    values: FloatArray
    metrics: tuple[str, ...]
    stats: FloatArray
    seeds: npt.NDArray[np.int64]
    n_runs: int
    design: str
    sobol: dict[str, SobolIndices] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        return int(self.values.shape[0])

    def stat(self, metric: str, stat: str = "mean") -> FloatArray:
        """One statistic of one total, one value per point."""
        return self.stats[:, self.metrics.index(metric), STATS.index(stat)]

    def columns(self) -> dict[str, Any]:
        """The tidy table's columns: ``point``, ``seed``, each parameter (whole numbers for a
        whole-number parameter), ``<total>_<stat>``."""
        cols: dict[str, Any] = {"point": np.arange(self.n_points), "seed": self.seeds}
        for j, p in enumerate(self.params):
            whole = param_info(p).kind is int
            cols[p] = self.values[:, j].astype(np.int64) if whole else self.values[:, j]
        for m in self.metrics:
            for s in STATS:
                cols[f"{m}_{s}"] = self.stat(m, s)
        return cols

    def frame(self) -> pd.DataFrame:
        """The tidy table as a pandas DataFrame: one row per point."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise UsageError("tables need pandas: pip install 'tipoff[export]'") from None
        return pd.DataFrame(self.columns())


def _point_seeds(seed: int, n: int, common: bool) -> npt.NDArray[np.int64]:
    """One seed per point from ``SeedSequence(seed)``'s children (all the first one if common)."""
    children = np.random.SeedSequence(seed).spawn(1 if common else n)
    seeds = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    return np.asarray(seeds * n if common else seeds, dtype=np.int64)


def _simulate_points(
    scenario: Scenario,
    params: tuple[str, ...],
    rows: list[tuple[float, ...]],
    seeds: list[int],
    n_runs: int,
) -> FloatArray:
    """The task: ``STATS`` of every total at each of a few points, shape (points, metrics, 4)."""
    out = np.empty((len(rows), len(METRICS), len(STATS)))
    for i, (row, seed) in enumerate(zip(rows, seeds, strict=True)):
        model = compile_scenario(with_params(scenario, dict(zip(params, row, strict=True))))
        s = summarize(simulate_season(model, n_runs=n_runs, seed=seed, record_run=None))
        for k, m in enumerate(METRICS):
            iv = s.totals[m]
            out[i, k] = (iv.mean, iv.stderr, iv.lo, iv.hi)
    return out


def _pilot_seconds(
    scenario: Scenario, params: tuple[str, ...], row: tuple[float, ...], seed: int, n_runs: int
) -> float:
    """Estimated seconds of one point: its scenario compiled, and :data:`PILOT_SHARE` of its
    seasons simulated and scaled up (the pilot's result is not used)."""
    t0 = time.perf_counter()
    model = compile_scenario(with_params(scenario, dict(zip(params, row, strict=True))))
    t1 = time.perf_counter()
    n_pilot = min(n_runs, max(2, math.ceil(n_runs * PILOT_SHARE)))
    simulate_season(model, n_runs=n_pilot, seed=seed, record_run=None)
    t2 = time.perf_counter()
    return max(t1 - t0 + (t2 - t1) * n_runs / n_pilot, 1e-4)


def _task_sizes(n: int, per_point: float, slots: int, target: float) -> list[int]:
    """Points per task: the same number of tasks for each of ``slots`` workers, each of about
    ``target`` seconds (at least one task per worker while there are points for it), sizes
    differing by at most one point, the larger first; every worker then finishes about when the
    others do, instead of one of them running the last long task alone."""
    per_slot = max(1, math.floor(n * per_point / (slots * target)))
    m = min(n, slots * per_slot)
    return [n // m + (1 if i < n % m else 0) for i in range(m)]


def _task_points(sizes: list[int]) -> list[list[int]]:
    """The points of each task: dealt in turn, ``sizes[j]`` of them to task ``j`` (points ``j``,
    ``j + m``, ``j + 2m``... of ``m`` tasks of sizes differing by at most one). Every task then
    takes points from the whole design, not one end of it: where points at one end cost more
    (more arrests, more interrogations), the tasks stay as long as each other."""
    groups: list[list[int]] = [[] for _ in sizes]
    i, n = 0, sum(sizes)
    while i < n:
        for g, size in zip(groups, sizes, strict=True):
            if len(g) < size and i < n:
                g.append(i)
                i += 1
    return groups


def _validate_points(scenario: Scenario, params: tuple[str, ...], values: FloatArray) -> None:
    """Every distinct point must make a valid scenario: one problem per bad point (first 20)."""
    problems: list[Problem] = []
    for row in dict.fromkeys(map(tuple, values.tolist())):
        point = dict(zip(params, row, strict=True))
        try:
            with_params(scenario, point)
        except ScenarioError as exc:
            where = ", ".join(f"{p}={v:g}" for p, v in point.items())
            problems.extend(
                Problem(source=f"sweep point {where}", path=q.path, message=q.message)
                for q in exc.problems
            )
            if len(problems) >= 20:
                break
    if problems:
        raise ScenarioError(problems)


def sweep(
    scenario: Scenario,
    axes: Sequence[Axis],
    /,
    *,
    design: str = "grid",
    n_points: int | None = None,
    sobol: int | None = None,
    n_runs: int = 200,
    seed: int | None = None,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Simulate ``n_runs`` seasons at each point of a design over the ``axes``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the points change.
    axes : sequence of Axis
        What to vary (:func:`~tipoff.analysis.sweep.parse_axes`).
    design : {"grid", "lhs", "sobol"}
        See :func:`~tipoff.analysis.sweep.design_points`. Ignored when ``sobol`` is given.
    n_points : int or None
        Points of a space-filling design.
    sobol : int or None
        Base points ``N`` of a Sobol analysis: ``N * (d + 2)`` points (SALib's design), every
        point with the same seeds, and the first-order and total indices of every total.
    n_runs : int
        Seasons per point.
    seed : int or None
        Seed of the whole sweep (design and seasons); None draws one (recorded).
    n_workers, cluster
        Where the points run (see :func:`tipoff.engines.run_tasks`); results do not depend on it.
    progress : callable or None
        Called as ``progress(points_done, n_points)``.

    Returns
    -------
    SweepResult

    Raises
    ------
    UsageError
        A bad design, point count or cluster.
    ScenarioError
        A point that breaks the scenario's rules (one problem per point).

    Examples
    --------
    >>> from tipoff.analysis.sweep import parse_axes
    >>> from tipoff.scenario import load_preset
    >>> axes = parse_axes(["operation.tracing=0,0.5"])
    >>> r = sweep(load_preset("classroom"), axes, n_runs=20, seed=1)
    >>> r.values[:, 0].tolist(), r.stats.shape
    ([0.0, 0.5], (2, 10, 4))
    """
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 2:
        raise UsageError(
            f"{{n_runs}} must be at least 2 (for standard errors), got {n_runs!r}",
            params=["n_runs"],
        )
    seed = make_seed(seed)
    design_seq, seasons_seq = np.random.SeedSequence(seed).spawn(2)
    design_seed = int(design_seq.generate_state(1, np.uint64)[0] >> np.uint64(1))
    seasons_seed = int(seasons_seq.generate_state(1, np.uint64)[0] >> np.uint64(1))
    params = tuple(a.path for a in axes)
    if sobol is not None:
        u = sobol_design(len(axes), sobol, seed=design_seed)
        values = np.stack([a.at(u[:, j]) for j, a in enumerate(axes)], axis=1)
        design = "sobol-indices"
    else:
        values = design_points(axes, design=design, n_points=n_points, seed=design_seed)
    _validate_points(scenario, params, values)
    n = values.shape[0]
    seeds = _point_seeds(seasons_seed, n, common=sobol is not None)
    rows = [tuple(r) for r in values.tolist()]

    slots = parallel_slots(n_workers=n_workers, cluster=cluster)
    if slots > 1 and n > 1:  # time a short pilot of the first point to size the tasks
        per_point = _pilot_seconds(scenario, params, rows[0], int(seeds[0]), n_runs)
        target = TASK_SECONDS if resolve_cluster(cluster) is None else CLUSTER_TASK_SECONDS
        sizes = _task_sizes(n, per_point, slots, target)
    else:  # in this process: a task per point (for the progress bar; nothing to schedule)
        sizes = [1] * n
    groups = _task_points(sizes)
    tasks = [(scenario, params, [rows[i] for i in g], seeds[g].tolist(), n_runs) for g in groups]
    done_by_count = np.concatenate([[0], np.cumsum(sorted(sizes))])

    def on_task(k: int) -> None:
        if progress:
            progress(int(done_by_count[min(k, len(sizes))]), n)

    parts = run_tasks(
        _simulate_points, tasks, n_workers=n_workers, cluster=cluster, progress=on_task
    )
    stats = np.empty((n, len(METRICS), len(STATS)))
    stats[np.concatenate(groups)] = np.concatenate(parts)

    indices = None
    if sobol is not None:
        indices = {
            m: sobol_indices(stats[:, k, 0], params, seed=design_seed)
            for k, m in enumerate(METRICS)
        }
    return SweepResult(
        params=params,
        specs=tuple(a.spec for a in axes),
        values=values,
        metrics=METRICS,
        stats=stats,
        seeds=seeds,
        n_runs=n_runs,
        design=design,
        sobol=indices,
        provenance={
            "method": "sweep",
            "seed": seed,
            "scenario": scenario.name,
            "scenario_digest": scenario_digest(scenario),
            "version": __version__,
            "options": {
                "design": design,
                "points": int(n),
                "n_points": n_points,
                "sobol": sobol,
                "n_runs": n_runs,
                "vary": {a.path: a.spec for a in axes},
            },
        },
    )
