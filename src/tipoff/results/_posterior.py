"""A calibration's posterior: weighted draws of the unknowns, with provenance; the posterior file.

The posterior file is one JSON document (UTF-8), documented in ``docs/calibration.md``::

    {
      "format": "tipoff-posterior", "format_version": 1,
      "unknowns": ["operation.recruitment.initial", ...],      # dotted paths, or reporting.NAME
      "priors": [{"dist": "uniform", "low": 0.01, "high": 0.4}, ...],
      "draws": [[0.08, 0.0012, 0.21], ...],                    # one row per draw
      "weights": [0.0039, ...],                                # sum to 1
      "provenance": {"method": ..., "seed": ..., "scenario": ..., "scenario_digest": ...,
                     "observations": ..., "observations_digest": ..., "version": ...,
                     "options": {...}},
      "diagnostics": {...},                                    # ESS, Monte Carlo errors, stages
      "predictive": [...]                                      # the posterior predictive check
    }
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError

from tipoff.errors import InputError, Problem
from tipoff.results._io import write_text_atomic
from tipoff.scenario import Distribution

__all__ = [
    "POSTERIOR_FORMAT",
    "Posterior",
    "posterior_document",
    "read_posterior",
    "write_posterior",
]

POSTERIOR_FORMAT = "tipoff-posterior"
_VERSION = 1
_MAX_BYTES = 64 * 1024 * 1024
_PRIOR: TypeAdapter[Any] = TypeAdapter(Distribution)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Posterior:
    """Weighted draws of the unknowns of a calibration (``draws[i]`` has weight ``weights[i]``)."""

    unknowns: tuple[str, ...]
    priors: tuple[Any, ...]  # Distribution per unknown
    draws: FloatArray  # (n, d)
    weights: FloatArray  # (n,), summing to 1
    provenance: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    predictive: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        for a in (self.draws, self.weights):
            a.setflags(write=False)

    @property
    def n_draws(self) -> int:
        return int(self.draws.shape[0])

    @property
    def parameter_paths(self) -> tuple[str, ...]:
        """The unknowns that are scenario parameters (not reporting probabilities)."""
        return tuple(u for u in self.unknowns if not u.startswith("reporting."))

    def scenario_values(self, i: int, /) -> dict[str, float]:
        """Draw ``i``'s values of the scenario parameters, by dotted path."""
        return {
            u: float(self.draws[i, j])
            for j, u in enumerate(self.unknowns)
            if not u.startswith("reporting.")
        }

    def sample(self, rng: np.random.Generator, n: int, /) -> npt.NDArray[np.int64]:
        """Indices of ``n`` draws taken by weight (systematic, so every draw of weight w
        appears about ``n * w`` times)."""
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        u = (rng.random() + np.arange(n)) / n
        return np.searchsorted(cum, u, side="left").astype(np.int64)

    def quantile(self, q: float, /) -> FloatArray:
        """The weighted ``q``-quantile of each unknown."""
        out = np.empty(len(self.unknowns))
        for j in range(len(self.unknowns)):
            order = np.argsort(self.draws[:, j], kind="stable")
            cum = np.cumsum(self.weights[order])
            k = int(np.searchsorted(cum, q * cum[-1], side="left"))
            out[j] = self.draws[order[min(k, len(order) - 1)], j]
        return out

    def mean(self) -> FloatArray:
        return np.asarray(self.weights @ self.draws, dtype=float)

    def correlation(self) -> FloatArray:
        """Weighted correlation matrix of the unknowns (NaN for an unknown that does not vary)."""
        w = self.weights / self.weights.sum()
        d = self.draws - w @ self.draws
        c = (d * w[:, None]).T @ d
        sd = np.sqrt(np.diag(c))
        with np.errstate(divide="ignore", invalid="ignore"):
            # NaN where an unknown does not vary (one particle holds all the weight)
            r = c / np.outer(sd, sd)
        return np.asarray(np.where(np.outer(sd, sd) > 0, r, np.nan), dtype=float)


def posterior_document(posterior: Posterior, /) -> dict[str, Any]:
    """The posterior as the JSON-serialisable document of the posterior file."""
    return {
        "format": POSTERIOR_FORMAT,
        "format_version": _VERSION,
        "unknowns": list(posterior.unknowns),
        "priors": [p.model_dump() for p in posterior.priors],
        "draws": posterior.draws.tolist(),
        "weights": posterior.weights.tolist(),
        "provenance": posterior.provenance,
        "diagnostics": posterior.diagnostics,
        "predictive": list(posterior.predictive),
    }


def write_posterior(path: str | os.PathLike[str], posterior: Posterior, /) -> None:
    """Write the posterior file atomically (see the module docstring for its format)."""
    text = json.dumps(posterior_document(posterior), indent=1, allow_nan=False)
    write_text_atomic(path, text + "\n")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_posterior(path: str | os.PathLike[str], /) -> Posterior:
    """Read a posterior file, checking its format; every problem is reported at once.

    Raises
    ------
    InputError
        When the file is missing, not JSON, or not a tipoff posterior.
    """
    name = os.fspath(path)

    def fail(message: str, line: int = 0, col: int = 0) -> InputError:
        return InputError(Problem(source=name, line=line, col=col, message=message))

    from tipoff._textfile import read_text

    text = read_text(name, limit=_MAX_BYTES, what="a posterior file")  # .age files too
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise fail(f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError as exc:  # NaN/Infinity, or a number too long to read
        why = str(exc) if "JSON allows" in str(exc) else "a number has too many digits"
        raise fail(f"not valid: {why}") from None
    except RecursionError:
        raise fail("not valid: values nested too deeply") from None
    return _from_document(doc, name)


def _from_document(doc: Any, name: str) -> Posterior:
    problems: list[Problem] = []

    def bad(path: str, message: str) -> None:
        problems.append(Problem(source=name, path=path, message=message))

    if not isinstance(doc, dict) or doc.get("format") != POSTERIOR_FORMAT:
        raise InputError(Problem(source=name, message="not a tipoff posterior file"))
    if doc.get("format_version") != _VERSION:
        bad("format_version", f"this tipoff reads version {_VERSION} of the format")
    unknowns = doc.get("unknowns")
    if not (isinstance(unknowns, list) and unknowns and all(isinstance(u, str) for u in unknowns)):
        bad("unknowns", "must be a non-empty list of dotted paths")
        unknowns = []
    priors: list[Any] = []
    for i, prior in enumerate(doc.get("priors") or []):
        try:
            priors.append(_PRIOR.validate_python(prior))
        except ValidationError:
            bad(f"priors[{i}]", "not a distribution (uniform, loguniform or beta)")
    if len(priors) != len(unknowns):
        bad("priors", "must hold one prior per unknown")
    try:
        draws = np.asarray(doc.get("draws"), dtype=float)
        weights = np.asarray(doc.get("weights"), dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            [*problems, Problem(source=name, path="draws", message="not numbers")]
        ) from None
    d = len(unknowns)
    if draws.ndim != 2 or draws.shape[1] != d or draws.shape[0] < 1:
        bad("draws", f"must be a list of rows of {d} numbers")
    elif not np.isfinite(draws).all():
        bad("draws", "must be finite numbers")
    if weights.shape != (draws.shape[0] if draws.ndim == 2 else -1,):
        bad("weights", "must hold one weight per draw")
    elif not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        bad("weights", "must be non-negative numbers with a positive sum")
    if not problems and priors:
        for j, (u, prior) in enumerate(zip(unknowns, priors, strict=True)):
            lo, hi = prior.bounds
            if (draws[:, j] < lo - 1e-12).any() or (draws[:, j] > hi + 1e-12).any():
                bad(f"draws[:, {j}]", f"values of {u} lie outside its prior's support")
    prov = doc.get("provenance")
    if not isinstance(prov, dict):
        bad("provenance", "must be a mapping")
        prov = {}
    if problems:
        raise InputError(problems)
    weights = weights / weights.sum()
    if not math.isclose(float(weights.sum()), 1.0):
        raise InputError(Problem(source=name, path="weights", message="cannot be normalised"))
    return Posterior(
        unknowns=tuple(unknowns),
        priors=tuple(priors),
        draws=np.array(draws, dtype=float),
        weights=np.array(weights, dtype=float),
        provenance=dict(prov),
        diagnostics=dict(doc.get("diagnostics") or {}),
        predictive=tuple(doc.get("predictive") or ()),
    )
