"""Answers across the posterior: seasons and evaluations whose parameters come from posterior draws.

Draws are taken by weight with a systematic scheme, so a draw of weight ``w`` serves about
``n * w`` of ``n`` seasons (or evaluations), and everything is reproducible from the seed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed
from tipoff.engines import SeasonOutput, exposure, run_tasks, simulate_season
from tipoff.errors import UsageError
from tipoff.model import CompiledModel, compile_scenario, recompile_operation
from tipoff.results import Posterior
from tipoff.scenario import Scenario, scenario_digest, with_params
from tipoff.scenario._privacy import privacy_problem

__all__ = [
    "FITTED_PARTS",
    "NETWORK_PARTS",
    "ExposureBands",
    "PosteriorFit",
    "calibration_digest",
    "exposure_across_posterior",
    "network_digest",
    "posterior_digest",
    "posterior_draw_indices",
    "posterior_fit",
    "posterior_models",
    "posterior_scenarios",
    "simulate_over_posterior",
]


def posterior_digest(posterior: Posterior, /) -> str:
    """First 16 hex digits of the SHA-256 of the unknowns, draws and weights."""
    h = hashlib.sha256("\n".join(posterior.unknowns).encode())
    h.update(np.ascontiguousarray(posterior.draws, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(posterior.weights, dtype="<f8").tobytes())
    return h.hexdigest()[:16]


#: The parts of a scenario a calibration's posterior means something only under: the horizon and
#: currency the reports were counted in, and the operation's parameters other than the unknowns.
#: A posterior applied where these differ would mean something else: refused by the CLI.
FITTED_PARTS = ("horizon_days", "currency", "operation")
#: The network and its workload: the reports were produced by them too, but ``harden``'s own
#: measures change them (lie-low and split transfers the workload, courier rotation the parties
#: and links), so a difference here is said, not refused. Left out of both: the name and
#: description (words), the procedure (``protocol``, ``handover``, ``countermeasures``) and the
#: unknowns' own values (the posterior's draws replace them).
NETWORK_PARTS = ("parties", "generate", "links", "workload")


def _digest_of(scenario: Scenario, parts: Sequence[str], unknowns: Sequence[str]) -> str:
    doc: dict[str, Any] = scenario.model_dump(mode="json", by_alias=True, include=set(parts))
    for path in unknowns:
        node: Any = doc
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node:
            node[leaf] = None
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def calibration_digest(scenario: Scenario, unknowns: Sequence[str], /) -> str:
    """First 16 hex digits of the SHA-256 of the parts of ``scenario`` a posterior over
    ``unknowns`` means something only under (:data:`FITTED_PARTS`, the unknowns' values blanked).

    Recorded by :func:`calibrate` and checked by :func:`posterior_fit`.
    """
    return _digest_of(scenario, FITTED_PARTS, unknowns)


def network_digest(scenario: Scenario, unknowns: Sequence[str], /) -> str:
    """First 16 hex digits of the SHA-256 of the network and workload (:data:`NETWORK_PARTS`,
    the unknowns' values blanked): recorded by :func:`calibrate`; a difference is noted by
    :func:`posterior_fit`, not refused."""
    return _digest_of(scenario, NETWORK_PARTS, unknowns)


@dataclass(frozen=True, slots=True, kw_only=True)
class PosteriorFit:
    """Whether a posterior was fitted to this scenario, as far as its provenance can tell.

    Attributes
    ----------
    verdict : {"same", "network", "other", "unproven"}
        ``same``: fitted to this scenario, or to one that differs only in parts the posterior
        does not depend on (name, description, procedure, the unknowns' values); ``network``:
        the operation is the same but the network or workload differs (as ``harden``'s measures
        change them: said, not refused); ``other``: fitted to a scenario whose operation,
        horizon or currency differs (the posterior would mean something else here);
        ``unproven``: the scenario digest differs but the file, written before calibration
        digests were recorded, cannot say in which part.
    sentence : str or None
        What to tell the user (None for ``same``).
    """

    verdict: Literal["same", "network", "other", "unproven"]
    sentence: str | None = None


def posterior_fit(scenario: Scenario, posterior: Posterior, /) -> PosteriorFit:
    """Compare the scenario a posterior was fitted to (its provenance's digests) with ``scenario``.

    Examples
    --------
    >>> from tipoff.results import Posterior
    >>> from tipoff.scenario import load_preset
    >>> s = load_preset("classroom")
    >>> unknowns = ("operation.recruitment.initial",)
    >>> prov = {"scenario": s.name, "calibration_digest": calibration_digest(s, unknowns)}
    >>> post = Posterior(unknowns=unknowns, priors=(None,), draws=np.zeros((1, 1)),
    ...                  weights=np.ones(1), provenance=prov)
    >>> posterior_fit(s, post).verdict
    'same'
    >>> posterior_fit(s.with_params({"horizon_days": 90}), post).verdict
    'other'
    """
    prov = posterior.provenance
    fitted_to = _shown_name(prov.get("scenario"))
    whom = (
        "this scenario as it was when calibrated"
        if fitted_to == scenario.name
        else f"scenario {fitted_to}"
    )
    fitted = prov.get("calibration_digest")
    if isinstance(fitted, str) and fitted:
        if fitted != calibration_digest(scenario, posterior.unknowns):
            return PosteriorFit(
                verdict="other",
                sentence=(
                    f"the posterior was fitted to {whom}, whose operation (or horizon, or "
                    "currency) differs from this one's: its draws would mean something else here"
                ),
            )
        network = prov.get("network_digest")
        if isinstance(network, str) and network != network_digest(scenario, posterior.unknowns):
            return PosteriorFit(
                verdict="network",
                sentence=(
                    f"the posterior was fitted to {whom}, whose network or workload differs from "
                    "this one's (as harden's measures such as lying low or rotating couriers "
                    "change them); its draws are used as they are, which assumes the operation "
                    "against this network is the same"
                ),
            )
        return PosteriorFit(verdict="same")
    if "calibration_digest" in prov:  # there, but not a digest: the file was damaged or edited
        return PosteriorFit(
            verdict="unproven",
            sentence=(
                "the posterior file's record of the scenario it was fitted to cannot be read "
                "(its calibration digest is not one), so check that the operation and the "
                "network are the same, or calibrate again"
            ),
        )
    digest = prov.get("scenario_digest")
    if not digest or digest == scenario_digest(scenario):
        return PosteriorFit(verdict="same")
    return PosteriorFit(
        verdict="unproven",
        sentence=(
            f"the posterior was fitted to scenario {fitted_to} (digest {_shown_name(digest)}), "
            f"not to {scenario.name} as it is now (digest {scenario_digest(scenario)}); the file "
            "is older than the check of which parts differ, so check that the network and the "
            "operation are the same, or calibrate again"
        ),
    )


def _shown_name(value: object) -> str:
    """A name from a posterior file, shown only when it is a short plain name (the file may hold
    anything)."""
    text = str(value) if isinstance(value, str | int) else ""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", text) and privacy_problem(text) is None:
        return text
    return "(not shown)"


def posterior_draw_indices(posterior: Posterior, n: int, /, *, seed: int) -> npt.NDArray[np.int64]:
    """``n`` draw indices taken by weight (sorted), reproducible from ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    return np.sort(posterior.sample(rng, n))


def posterior_scenarios(
    scenario: Scenario, posterior: Posterior, indices: npt.ArrayLike, /
) -> list[Scenario]:
    """``scenario`` with the unknowns set from each draw in ``indices``."""
    return [with_params(scenario, posterior.scenario_values(int(i))) for i in np.asarray(indices)]


def posterior_models(
    scenario: Scenario, posterior: Posterior, draws: npt.ArrayLike, /
) -> list[CompiledModel]:
    """The compiled model of ``scenario`` at each draw (the network compiled once when only
    operation parameters are unknown)."""
    ops = all(p.startswith("operation.") for p in posterior.parameter_paths)
    base = compile_scenario(scenario) if ops else None
    out = []
    for i in np.asarray(draws):
        variant = with_params(scenario, posterior.scenario_values(int(i)))
        out.append(
            recompile_operation(base, variant) if base is not None else compile_scenario(variant)
        )
    return out


def _group(model: CompiledModel, n_runs: int, seed: int, record: bool) -> SeasonOutput:
    return simulate_season(model, n_runs=n_runs, seed=seed, record_run=0 if record else None)


def simulate_over_posterior(
    scenario: Scenario,
    posterior: Posterior,
    /,
    *,
    n_runs: int = 1000,
    seed: int | None = None,
    n_workers: int = 1,
    record_run: int | None = 0,
    cluster: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeasonOutput:
    """``n_runs`` seasons, each with its parameters from a posterior draw.

    Runs are ordered by draw: the draws taken (:func:`posterior_draw_indices`) are grouped, and
    each group of ``c`` runs is one batch of ``c`` seasons seeded from ``(seed, group)``. Totals
    per run, causes, arrests by place and daily sums are concatenated or added as in one batch.
    ``record_run`` keeps run 0 (the first run of the first group) when not None.

    Returns
    -------
    SeasonOutput
        As :func:`tipoff.engines.simulate_season`; the provenance records the posterior's digest.
    """
    seed = make_seed(seed)
    idx = posterior_draw_indices(posterior, n_runs, seed=seed)
    draws, counts = np.unique(idx, return_counts=True)
    seeds = [
        int(np.random.SeedSequence(seed, spawn_key=(8, g)).generate_state(1, np.uint64)[0] >> 1)
        for g in range(len(draws))
    ]
    models = posterior_models(scenario, posterior, draws)
    if any(m.place_names != models[0].place_names for m in models):
        raise UsageError("the posterior's draws change the scenario's towns: cannot pool seasons")
    tasks = [
        (m, int(c), s, g == 0 and record_run is not None)
        for g, (m, c, s) in enumerate(zip(models, counts, seeds, strict=True))
    ]
    ends = np.cumsum(counts)
    on_task = None if progress is None else (lambda k: progress(int(ends[k - 1])))
    outs: list[SeasonOutput] = run_tasks(
        _group, tasks, n_workers=n_workers, cluster=cluster, progress=on_task
    )
    first = outs[0]
    prov = first.provenance
    options = dict(prov.options)
    options.update(
        {
            "n_runs": n_runs,
            "record_run": record_run,
            "posterior": posterior_digest(posterior),
            "posterior_draws_used": len(draws),
        }
    )
    return replace(
        first,
        provenance=replace(
            prov,
            seed=seed,
            scenario=scenario.name,
            scenario_digest=scenario_digest(scenario),
            options=options,
        ),
        n_runs=n_runs,
        totals=np.concatenate([o.totals for o in outs]),
        cause_counts=np.concatenate([o.cause_counts for o in outs]),
        courier_arrests_by_place=np.concatenate([o.courier_arrests_by_place for o in outs]),
        family_arrests_by_place=np.concatenate([o.family_arrests_by_place for o in outs]),
        daily_sum=np.sum([o.daily_sum for o in outs], axis=0),
        daily_sumsq=np.sum([o.daily_sumsq for o in outs], axis=0),
        tally_counts=np.concatenate([o.tally_counts for o in outs]),
        record=first.record if record_run is not None else None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureBands:
    """Exact P(intercepted) of each delivery row across posterior draws."""

    n_draws: int
    p_mean: npt.NDArray[np.float64]  # (n_rows,)
    p_lo: npt.NDArray[np.float64]  # 5% across draws
    p_hi: npt.NDArray[np.float64]  # 95%
    overall_mean: float  # weighted mean over rows, averaged over draws
    overall_lo: float
    overall_hi: float
    posterior: str

    def to_dict(self) -> dict[str, object]:
        return {
            "n_draws": self.n_draws,
            "posterior": self.posterior,
            "p_intercept": {
                "mean": self.overall_mean,
                "lo": self.overall_lo,
                "hi": self.overall_hi,
            },
            "rows": {
                "mean": self.p_mean.tolist(),
                "lo": self.p_lo.tolist(),
                "hi": self.p_hi.tolist(),
            },
        }


def exposure_across_posterior(
    scenario: Scenario, posterior: Posterior, /, *, n_draws: int = 64, seed: int = 0
) -> ExposureBands:
    """The exact engine's P(intercepted) of every delivery row, under ``n_draws`` posterior draws.

    The rows are those of ``exposure(compile_scenario(scenario))`` (the unknowns of a calibration
    change the operation, not the deliveries); each draw gives one exact evaluation.
    """
    idx = posterior_draw_indices(posterior, n_draws, seed=seed)
    models = posterior_models(scenario, posterior, idx)
    ps = []
    overall = []
    for m in models:
        out = exposure(m, method="exact")
        ps.append(out.p_intercept)
        w = out.deliveries.weight
        overall.append(float((w * out.p_intercept).sum() / w.sum()) if w.sum() > 0 else 0.0)
    if len({len(p) for p in ps}) != 1:
        raise UsageError("the posterior's draws change the deliveries: cannot compare rows")
    p = np.array(ps)
    return ExposureBands(
        n_draws=n_draws,
        p_mean=p.mean(axis=0),
        p_lo=np.quantile(p, 0.05, axis=0),
        p_hi=np.quantile(p, 0.95, axis=0),
        overall_mean=float(np.mean(overall)),
        overall_lo=float(np.quantile(overall, 0.05)),
        overall_hi=float(np.quantile(overall, 0.95)),
        posterior=posterior_digest(posterior),
    )
