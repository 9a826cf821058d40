"""``exposure``: how exposed each delivery is, and whose knowledge exposes it (exact or Monte Carlo)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff._rng import make_seed
from tipoff.engines._provenance import Provenance
from tipoff.engines.exact._closed_form import catch_table, expected_catch, state_probabilities
from tipoff.engines.exact._deliveries import (
    Deliveries,
    Layout,
    layout,
    model_deliveries,
    with_tips,
)
from tipoff.engines.exact._montecarlo import sample
from tipoff.errors import UsageError
from tipoff.model import ROLE_CODE, CompiledModel

__all__ = ["EXPOSURE_METHODS", "ExposureOutput", "exposure"]

#: The values of ``exposure(method=...)``.
EXPOSURE_METHODS = ("exact", "montecarlo")
ROLES: tuple[str, ...] = tuple(ROLE_CODE)

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]


def _ro(a: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureOutput:
    """P(intercepted) per delivery row and what the defender can act on (read-only arrays).

    Rows are those of ``deliveries``; slots (columns of the ``(n, S)`` arrays) are the parties
    told something about the row, ``slot_party`` (-1: empty).

    Attributes
    ----------
    provenance : Provenance
        Method, seed (None for ``exact``), scenario digest, options.
    deliveries : Deliveries
        The rows scored.
    p_intercept : (n,) float
        P(intercepted) under docs/model.md's static semantics.
    stderr : (n,) float
        Standard error of ``p_intercept`` (0 for ``exact``).
    states : (n, 8) float
        Distribution of what the service knows of (address, schedule, courier identity), state
        bits 1, 2, 4.
    slot_party : (n, S) int
        Parties told something about each row.
    withheld_reduction : (n, S) float
        How much P(intercepted) falls if that slot's party learned nothing about the row (D_i = ∅,
        which also takes its items out of its community peers' G).
    party_reduction : (n_parties,) float
        ``withheld_reduction`` summed over rows (weighted by ``deliveries.weight``): expected
        interceptions avoided if the party learned nothing about any delivery.
    role_reduction : (4,) float
        Expected interceptions avoided (weighted sum over rows) if every party of a role (sender,
        relay, courier, recipient) learned nothing.
    alone_catch : (n, S) float
        The catch if that slot's party were an informant for sure and nobody else (pi and sigma
        as given; background excluded). Computed exactly by both methods.
    peer_catch : (n, S) float
        At the first slot of each community on the row: the catch if one community member not on
        the row were an informant for sure and nobody else; NaN elsewhere.
    single_point : (n, S) bool
        Coercible parties whose ``alone_catch`` reaches ``threshold``.
    threshold : float
        The catch above which one compromised party counts as a single point of exposure.
    """

    provenance: Provenance
    deliveries: Deliveries
    p_intercept: F64
    stderr: F64
    states: F64
    slot_party: I32
    withheld_reduction: F64
    party_reduction: F64
    role_reduction: F64
    alone_catch: F64
    peer_catch: F64
    single_point: B
    threshold: float

    @property
    def method(self) -> str:
        return self.provenance.method

    @property
    def expected_interceptions(self) -> float:
        """Weighted sum of ``p_intercept``: each source delivery counted once."""
        return float((self.deliveries.weight * self.p_intercept).sum())


def _check(method: str, n_samples: int, threshold: float) -> None:
    if method not in EXPOSURE_METHODS:
        raise UsageError(f"method must be one of {', '.join(EXPOSURE_METHODS)}, got {method!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise UsageError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if not 0.0 <= threshold <= 1.0:
        raise UsageError(f"threshold must be in [0, 1], got {threshold!r}")


def _variants(model: CompiledModel, lay: Layout) -> tuple[list[int], list[U8], list[U8]]:
    """Tips with one slot withheld (slots told something relevant), then with each role withheld."""
    slots = [k for k in range(lay.tip.shape[1]) if (lay.tip[:, k] != 0).any()]
    tips: list[U8] = []
    for k in slots:
        t = lay.tip.copy()
        t[:, k] = 0
        tips.append(t)
    role = np.where(lay.party >= 0, model.party_role[np.maximum(lay.party, 0)], -1)
    role_tips = [np.where(role == code, 0, lay.tip).astype(np.uint8) for code in range(len(ROLES))]
    return slots, tips, role_tips


def _alone(model: CompiledModel, lay: Layout, table: F64, threshold: float) -> tuple[F64, F64, B]:
    op = model.operation
    pi, sigma = op.relay_success, op.harvest
    by_mode = table[lay.mode.astype(np.intp)]
    c_tip = np.take_along_axis(by_mode, lay.tip.astype(np.intp), axis=1)
    c_union = np.take_along_axis(by_mode, lay.union.astype(np.intp), axis=1)
    in_comm = lay.community >= 0
    alone = np.where(
        lay.party >= 0,
        np.where(in_comm, pi * (1 - sigma) * c_tip + pi * sigma * c_union, pi * c_tip),
        0.0,
    )
    peer = np.where(lay.rep & (lay.off_count > 0), pi * sigma * c_union, np.nan)
    coercible = (lay.party >= 0) & model.party_coercible[np.maximum(lay.party, 0)]
    return alone, peer, coercible & (alone >= threshold)


def exposure(
    model: CompiledModel,
    /,
    *,
    method: str = "exact",
    n_samples: int = 20_000,
    seed: int | None = None,
    threshold: float = 0.5,
    deliveries: Deliveries | None = None,
) -> ExposureOutput:
    """P(intercepted) of each delivery under docs/model.md's static semantics, and who drives it.

    Party i is an informant with probability rho_i(t) = 1 - (1 - rho0_i)(1 - h)^max(0, t - delta);
    an informant relays D_i (what it was told at least delta days ahead), plus, with probability
    sigma, G_i (what its community was told), with probability pi. K is the union of what was
    relayed and P(intercepted) = 1 - (1 - eps)(1 - E[c(K)]). ``method="exact"`` computes it in closed
    form (see :mod:`tipoff.engines.exact._closed_form`); ``method="montecarlo"`` samples it.

    Parameters
    ----------
    model : CompiledModel
        From :func:`tipoff.model.compile_scenario`.
    method : {"exact", "montecarlo"}
        Closed form, or static Monte Carlo of the same semantics (with standard errors).
    n_samples : int
        Samples per delivery row (``montecarlo`` only).
    seed : int or None
        Seed (``montecarlo`` only; None draws one, recorded in the provenance).
    threshold : float
        Catch at or above which one party's compromise is a single point of exposure.
    deliveries : Deliveries or None
        Rows to score; None scores :func:`model_deliveries` (the explicit deliveries, or one row
        per sender, route and recipient on day ``horizon_days // 2``).

    Returns
    -------
    ExposureOutput

    Raises
    ------
    UsageError
        For an unknown method, ``n_samples < 2``, a threshold outside [0, 1] or a bad seed.

    Examples
    --------
    >>> from tipoff.model import compile_scenario
    >>> from tipoff.scenario import load_preset
    >>> out = exposure(compile_scenario(load_preset("classroom")))
    >>> bool(((out.p_intercept >= 0) & (out.p_intercept <= 1)).all())
    True
    """
    _check(method, n_samples, threshold)
    rows = model_deliveries(model) if deliveries is None else deliveries
    lay = layout(model, rows)
    op = model.operation
    table = catch_table(op)
    slots, slot_tips, role_tips = _variants(model, lay)
    variants = [with_tips(lay, t) for t in (*slot_tips, *role_tips)]
    options: dict[str, object] = {"threshold": threshold, "n_rows": len(rows)}
    if method == "exact":
        if seed is not None:
            make_seed(seed)  # unused by the exact method, but a bad one is still refused
        used_seed = None

        def p_of(lay_v: Layout) -> F64:
            e = expected_catch(state_probabilities(lay_v, op), lay_v.mode, table)
            return 1.0 - (1.0 - op.background) * (1.0 - e)

        states = state_probabilities(lay, op)
        e = expected_catch(states, lay.mode, table)
        p = 1.0 - (1.0 - op.background) * (1.0 - e)
        stderr = np.zeros_like(p)
        p_var = np.array([p_of(v) for v in variants]).reshape(len(variants), len(rows))
    else:
        used_seed = make_seed(seed)
        options["n_samples"] = n_samples
        est = sample(
            lay,
            relay_success=op.relay_success,
            harvest=op.harvest,
            score=1.0 - (1.0 - op.background) * (1.0 - table),
            variants=[(v.tip, v.union) for v in variants],
            n_samples=n_samples,
            seed=used_seed,
        )
        p, stderr, states, p_var = est.p, est.stderr, est.states, est.variants

    withheld = np.zeros(lay.tip.shape)
    for j, k in enumerate(slots):
        withheld[:, k] = p - p_var[j]
    withheld[lay.party < 0] = 0.0
    weighted = rows.weight[:, None] * withheld
    present = lay.party >= 0
    party_reduction = np.bincount(
        lay.party[present], weights=weighted[present], minlength=model.n_parties
    )
    role_reduction = (rows.weight * (p - p_var[len(slots) :])).sum(axis=1)
    alone, peer, single = _alone(model, lay, table, threshold)
    return ExposureOutput(
        provenance=Provenance(
            method=method,
            seed=used_seed,
            scenario=model.name,
            scenario_digest=model.digest,
            options=options,
        ),
        deliveries=rows,
        p_intercept=_ro(p),
        stderr=_ro(stderr),
        states=_ro(states),
        slot_party=_ro(lay.party, np.int32),
        withheld_reduction=_ro(withheld),
        party_reduction=_ro(party_reduction),
        role_reduction=_ro(role_reduction),
        alone_catch=_ro(alone),
        peer_catch=_ro(peer),
        single_point=_ro(single, np.bool_),
        threshold=float(threshold),
    )
