"""The front door for Python users: one verb per task, each taking a scenario first.

Every verb takes the same first argument, a :class:`~tipoff.scenario.Scenario` or a string naming
one (a YAML file's path, or a built-in preset such as ``"north-hamgyong-spring"``), compiles it
where the engines need it, and returns the result object of the layer it calls. Options are
keyword-only; the verbs that draw random numbers take ``seed: int | None = None`` (None draws one
and records it in the result's provenance).

| verb          | what it does                                      | wraps                       |
| ------------- | ------------------------------------------------- | --------------------------- |
| `load`        | a validated scenario from a file or a preset      | `scenario.resolve_scenario` |
| `with_params` | a validated copy with numbers changed             | `scenario.with_params`      |
| `simulate`    | simulated seasons, summarised                     | `engines.simulate_season`   |
| `exposure`    | each delivery's exposure and the steps behind it  | `analysis.exposure_report`  |
| `attribute`   | whom an incident log suggests telling less        | `analysis.attribute`        |
| `harden`      | changes to the procedure within a budget          | `analysis.harden`           |
| `sweep`       | totals across a design of parameter values        | `analysis.sweep.sweep`      |
| `calibrate`   | the unknowns' posterior, from reported counts     | `analysis.calibration`      |

The layers underneath (``tipoff.scenario``, ``tipoff.model``, ``tipoff.engines``,
``tipoff.analysis``) stay available for everything the verbs leave out.

>>> import tipoff
>>> s = tipoff.load("classroom").with_params({"operation.recruitment.initial": 0.2})
>>> tipoff.simulate(s, n_runs=50, seed=1).totals["intercepted"].mean >= 0
True
"""

# Adding a verb (calibration and sweeps are on their way): write it here as
# ``def verb(scenario: ScenarioLike, /, *, ..., seed: int | None = None) -> ExistingResult``, with
# the first line ``spec = load(scenario)``, imports of the layers inside the function (so that
# ``import tipoff`` stays fast), a numpydoc docstring with an example that runs in well under a
# second, and defaults equal to those of the function it wraps (tests/test_api.py checks them);
# then add its name to ``_API`` and ``__all__`` in ``tipoff/__init__.py`` and to docs/api/index.md.

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from tipoff.scenario import Scenario

if TYPE_CHECKING:
    from tipoff.analysis import AttributionResult, ExposureReport, HardeningResult
    from tipoff.analysis.hardening import Countermeasure
    from tipoff.analysis.sweep import SweepResult
    from tipoff.results import IncidentLog, Posterior, SeasonSummary
    from tipoff.scenario import Observations

__all__ = [
    "ScenarioLike",
    "attribute",
    "calibrate",
    "exposure",
    "harden",
    "load",
    "simulate",
    "sweep",
    "with_params",
]

#: What every verb accepts as its first argument: a scenario, or a file path or preset name.
ScenarioLike = Scenario | str | os.PathLike[str]


def load(scenario: ScenarioLike, /) -> Scenario:
    """A validated scenario from a YAML file or a built-in preset (a scenario is returned as is).

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        A path to a scenario file, or the name of a built-in preset
        (:func:`tipoff.scenario.list_presets`). A string that holds a path separator, ends in
        ``.yaml``/``.yml`` or names an existing file is read as a file.

    Returns
    -------
    Scenario
        Frozen and validated; change it with :meth:`Scenario.with_params
        <tipoff.scenario.Scenario.with_params>`.

    Raises
    ------
    ScenarioError
        With every problem in the file at once, each at ``file:line:col``; or when there is no
        such file or preset.
    TypeError
        When ``scenario`` is none of the above.

    Examples
    --------
    >>> import tipoff
    >>> tipoff.load("classroom").name
    'classroom'
    """
    from tipoff.scenario import load_scenario, resolve_scenario

    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        return resolve_scenario(scenario)
    if isinstance(scenario, os.PathLike):
        return load_scenario(scenario)
    raise TypeError(
        f"expected a Scenario, a file path or a preset name, got {type(scenario).__name__}"
    )


def with_params(scenario: ScenarioLike, values: Mapping[str, float], /) -> Scenario:
    """A validated copy of ``scenario`` with the numbers at the dotted paths of ``values`` changed.

    The same as :meth:`Scenario.with_params <tipoff.scenario.Scenario.with_params>` and
    :func:`tipoff.scenario.with_params`, for a scenario given by path or preset name too. The copy
    is checked like a loaded file: a share of 5.0 is refused, not simulated.
    :func:`tipoff.scenario.param_paths` lists the paths.

    Raises
    ------
    UsageError
        When a path names no numeric parameter (with the closest valid paths).
    ScenarioError
        When a value breaks the schema (one problem per value).

    Examples
    --------
    >>> import tipoff
    >>> s = tipoff.with_params("classroom", {"operation.relay.delay_days": 3})
    >>> s.operation.relay.delay_days
    3
    """
    from tipoff.scenario import with_params as _with_params

    return _with_params(load(scenario), values)


def simulate(
    scenario: ScenarioLike,
    /,
    *,
    n_runs: int = 1000,
    n_workers: int = 1,
    record_run: int | None = 0,
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
) -> SeasonSummary:
    """Simulate ``n_runs`` seasons of the operation against the scenario, and summarise them.

    Compiles the scenario and calls :func:`tipoff.engines.simulate_season`, then
    :func:`tipoff.results.summarize`.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`.
    n_runs : int
        Independent seasons.
    n_workers : int
        Worker processes (1: in this process); results do not depend on it.
    record_run : int or None
        The run whose deliveries and ground truth are kept (``summary.output.record``, the source
        of an incident log); None keeps none.
    progress : callable or None
        Called with the number of runs finished, as they finish.
    seed : int or None
        The same seed gives the same numbers; None draws one (``summary.output.provenance.seed``).

    Returns
    -------
    SeasonSummary
        Each season total as a mean with the range holding 95% of seasons (``totals``), the share
        of interceptions by true cause (``causes``), arrests by place, daily series, and the raw
        per-run arrays in ``output``.

    Examples
    --------
    >>> import tipoff
    >>> summary = tipoff.simulate("classroom", n_runs=100, seed=1)
    >>> summary.n_runs, summary.output.provenance.seed
    (100, 1)
    >>> t = summary.totals["intercepted"]
    >>> t.lo <= t.mean <= t.hi
    True
    """
    from tipoff.engines import simulate_season
    from tipoff.model import compile_scenario
    from tipoff.results import summarize

    output = simulate_season(
        compile_scenario(load(scenario)),
        n_runs=n_runs,
        seed=seed,
        n_workers=n_workers,
        record_run=record_run,
        progress=progress,
    )
    return summarize(output)


def exposure(
    scenario: ScenarioLike,
    /,
    *,
    method: str = "exact",
    n_samples: int = 20_000,
    threshold: float = 0.5,
    top: int = 10,
    seed: int | None = None,
) -> ExposureReport:
    """Each delivery's chance of interception, and the steps, roles and parties that drive it.

    Calls :func:`tipoff.analysis.exposure_report` (which scores with
    :func:`tipoff.engines.exposure`).

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`.
    method : {"exact", "montecarlo"}
        Closed form, or a static Monte Carlo of the same model (with standard errors).
    n_samples : int
        Samples per delivery (``montecarlo`` only).
    threshold : float
        The catch at or above which one party's compromise is a single point of exposure.
    top : int
        How many of the most exposed deliveries get their minimal cut sets.
    seed : int or None
        Seed of ``montecarlo`` (``exact`` draws nothing).

    Returns
    -------
    ExposureReport
        ``output.p_intercept`` per delivery, ``steps`` (what dropping each disclosure step would
        avoid), ``roles``, ``cut_sets`` and one sentence of ``advice``.

    Examples
    --------
    >>> import tipoff
    >>> report = tipoff.exposure("classroom")
    >>> bool((report.output.p_intercept <= 1).all()), len(report.steps) > 0
    (True, True)
    """
    from tipoff.analysis import exposure_report

    return exposure_report(
        load(scenario),
        method=method,
        n_samples=n_samples,
        seed=seed,
        threshold=threshold,
        top=top,
    )


def attribute(
    scenario: ScenarioLike,
    log: IncidentLog | str | os.PathLike[str],
    /,
    *,
    method: str = "auto",
    effectiveness: float | None = None,
    background: float | None = None,
    effectiveness_prior: tuple[float, float] | None = None,
    background_prior: tuple[float, float] | None = None,
    n_chains: int | None = None,
    n_warmup: int = 200,
    n_draws: int = 500,
    turnover: bool | None = None,
    watched_homes: bool | None = None,
    stop_early: bool = True,
    seed: int | None = None,
) -> AttributionResult:
    """Each intermediary's probability of being an informant, given the defender's incident log.

    Evidence, not accusation: a probability says whom to tell less and whom to route around,
    never whom to confront. Reads the log against the compiled scenario and calls
    :func:`tipoff.analysis.attribute`, whose documentation gives the model and every option.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`: the network and procedure the log belongs to.
    log : IncidentLog, str or os.PathLike
        The incident log, or the path of one (CSV, or JSON lines) read with
        :func:`tipoff.results.read_incident_log`; either way its parties and routes are checked
        against the scenario.
    method : {"auto", "exact", "gibbs"}
        Enumeration (the reference), Gibbs sampling for large groups, or exact unless too large.
    effectiveness, background : float or None
        Fix the informants' effectiveness or the background rate instead of learning it.
    effectiveness_prior, background_prior : (float, float) or None
        ``(mean, strength)`` of a Beta prior, replacing the scenario's.
    n_chains : int or None
        Gibbs chains (None: chosen by the size of the problem).
    n_warmup : int
        The most Gibbs warm-up iterations.
    n_draws : int
        The most Gibbs iterations kept.
    turnover : bool or None
        Whether informants may be turned during the log (None: when the scenario's hazard is
        above zero).
    watched_homes : bool or None
        Whether homes watched after an arrest explain interceptions too (None: when the
        scenario's interrogation reveals recipients).
    stop_early : bool
        Gibbs: stop once the convergence diagnostics are good enough.
    seed : int or None
        Seed of the sampler (recorded; None draws one).

    Returns
    -------
    AttributionResult
        Parties ranked by ``p_compromised`` with intervals, the learned rates, warnings.

    Raises
    ------
    LogError
        With every problem in the log, each at ``file:row:column`` (for a log given parsed, the
        row is the delivery's number in it).

    Examples
    --------
    >>> import tipoff
    >>> from tipoff.results import parse_incident_log
    >>> log = parse_incident_log(
    ...     "delivery,day,sender,relays,courier,recipient,mode,outcome\\n"
    ...     "d1,5,s001,r1,c1,s001.f1,home,intercepted\\n"
    ...     "d2,6,s003,r3,c2,s003.f1,home,delivered\\n"
    ... )
    >>> result = tipoff.attribute("classroom", log, method="exact", seed=1)
    >>> result.parties[0].id
    'r1'
    """
    from tipoff.analysis import attribute as _attribute
    from tipoff.model import compile_scenario
    from tipoff.results import parse_incident_log, read_incident_log

    model = compile_scenario(load(scenario))
    if isinstance(log, str | os.PathLike):
        log = read_incident_log(log, model=model)
    else:  # parsed on its own, perhaps: check its parties and routes against this scenario
        rows = "".join(json.dumps(d.to_row()) + "\n" for d in log.deliveries)
        log = parse_incident_log(rows, model=model, source=log.source, fmt="jsonl")
    return _attribute(
        log,
        model,
        method=method,
        seed=seed,
        effectiveness=effectiveness,
        background=background,
        effectiveness_prior=effectiveness_prior,
        background_prior=background_prior,
        n_chains=n_chains,
        n_warmup=n_warmup,
        n_draws=n_draws,
        turnover=turnover,
        watched_homes=watched_homes,
        stop_early=stop_early,
    )


def harden(
    scenario: ScenarioLike,
    /,
    *,
    max_fee: float | None = None,
    max_days: float | None = None,
    n_runs: int = 200,
    method: str = "auto",
    measures: Sequence[Countermeasure] | None = None,
    contact_risk: float = 0.002,
    base_fee: float = 0.30,
    n_confirm: int = 3,
    beam_width: int = 4,
    seed: int | None = None,
) -> HardeningResult:
    """The changes to the procedure that cut interceptions most within a budget of fees and days.

    Calls :func:`tipoff.analysis.harden`: plans of countermeasures are scored exactly, searched
    within the budget, and the best ones confirmed with simulated seasons.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`: today's procedure and the operation against it.
    max_fee : float or None
        Most added fee, as a share of the amount (0.1: ten percentage points); None: no limit.
    max_days : float or None
        Most added days until the family has the money; None: no limit.
    n_runs : int
        Seasons simulated per option to confirm it (0: exact scores only).
    method : {"auto", "exhaustive", "beam", "greedy"}
        The search.
    measures : sequence of Countermeasure or None
        Candidates; None: the library and the scenario's ``countermeasures``.
    contact_risk : float
        Interception probability per added phone contact (an assumption).
    base_fee : float
        Today's fee share, for money that reaches families (an assumption).
    n_confirm : int
        How many of the best plans within the budget are simulated before recommending.
    beam_width : int
        Plans kept per size by the beam search.
    seed : int or None
        Seed of the seasons, the same for every plan (recorded; None draws one).

    Returns
    -------
    HardeningResult
        ``baseline``, ``options``, ``recommended`` (with what it buys and costs), ``confirmed``.

    Examples
    --------
    >>> import tipoff
    >>> r = tipoff.harden("classroom", max_fee=0.0, max_days=2, n_runs=0)
    >>> r.recommended.p_intercept < r.baseline.p_intercept
    True
    """
    from tipoff.analysis import harden as _harden

    return _harden(
        load(scenario),
        max_fee=max_fee,
        max_days=max_days,
        n_runs=n_runs,
        seed=seed,
        method=method,
        measures=measures,
        contact_risk=contact_risk,
        base_fee=base_fee,
        n_confirm=n_confirm,
        beam_width=beam_width,
    )


def sweep(
    scenario: ScenarioLike,
    vary: Sequence[str] | Mapping[str, str | Sequence[float]] | str,
    /,
    *,
    design: str = "grid",
    n_points: int | None = None,
    sobol: int | None = None,
    n_runs: int = 200,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    seed: int | None = None,
) -> SweepResult:
    """Vary parameters of the scenario and simulate seasons at every point of a design.

    Parses ``vary`` (``PATH=SPEC`` texts, as ``tipoff sweep --vary``: a list ``0.02,0.1``, a
    range ``0.02:0.4:5`` or a distribution ``uniform(0.02,0.4)``) with
    :func:`tipoff.analysis.sweep.parse_axes`, then calls :func:`tipoff.analysis.sweep.sweep`.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`.
    vary : sequence of str, str or mapping
        What to vary, one ``PATH=SPEC`` each; or one such text; or a mapping from each path to
        its values (``{"operation.recruitment.initial": [0.05, 0.3]}``) or to its SPEC text.
    design, n_points, sobol, n_runs, n_workers, cluster, progress
        As for :func:`tipoff.analysis.sweep.sweep`; results do not depend on where they run.
    seed : int or None
        The same seed gives the same table; None draws one (recorded).

    Returns
    -------
    SweepResult
        One row per point: the varied values and every season total's mean and interval (and,
        with ``sobol``, the Sobol indices).

    Examples
    --------
    >>> import tipoff
    >>> r = tipoff.sweep("classroom", ["operation.recruitment.initial=0.05,0.3"], n_runs=20, seed=1)
    >>> r.values.shape
    (2, 1)
    """
    from tipoff.analysis.sweep import parse_axes
    from tipoff.analysis.sweep import sweep as sweep_points

    if isinstance(vary, str):
        texts = [vary]
    elif isinstance(vary, Mapping):
        texts = [
            f"{path}={spec if isinstance(spec, str) else ','.join(str(v) for v in spec)}"
            for path, spec in vary.items()
        ]
    else:
        texts = list(vary)
    return sweep_points(
        load(scenario),
        parse_axes(texts),
        design=design,
        n_points=n_points,
        sobol=sobol,
        n_runs=n_runs,
        seed=seed,
        n_workers=n_workers,
        cluster=cluster,
        progress=progress,
    )


def calibrate(
    scenario: ScenarioLike,
    observations: Observations | str | os.PathLike[str],
    /,
    *,
    n_particles: int = 4096,
    runs_per_particle: int | None = None,
    n_workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[float, int], None] | None = None,
    seed: int | None = None,
) -> Posterior:
    """The posterior of the operation's unknown parameters, from what has been reported.

    Reads the observations (an :class:`~tipoff.scenario.Observations`, a file, or a built-in
    name such as ``"north-hamgyong-spring"``) against the scenario, then calls
    :func:`tipoff.analysis.calibration.calibrate`.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        As for :func:`load`.
    observations : Observations, str or os.PathLike
        What was reported, and the unknowns with their priors.
    n_particles, runs_per_particle, n_workers, cluster, progress
        As for :func:`tipoff.analysis.calibration.calibrate`.
    seed : int or None
        The same seed gives the same posterior, wherever it runs; None draws one (recorded).

    Returns
    -------
    Posterior
        Weighted draws of the unknowns, diagnostics, the predictive check and provenance.
    """
    from tipoff.analysis.calibration import calibrate as run_calibration
    from tipoff.scenario import Observations, resolve_observations

    spec = load(scenario)
    obs = (
        observations
        if isinstance(observations, Observations)
        else resolve_observations(os.fspath(observations), scenario=spec)
    )
    return run_calibration(
        spec,
        obs,
        n_particles=n_particles,
        runs_per_particle=runs_per_particle,
        seed=seed,
        n_workers=n_workers,
        cluster=cluster,
        progress=progress,
    )
