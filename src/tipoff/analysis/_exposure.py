"""What the defender acts on: which procedure step, role or combination of parties exposes deliveries.

Everything here answers "which step or role should be told less"; a party listed in a cut set is
one whose position would be enough to expose a delivery if it were compromised, never a suspect.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff.analysis._step_words import advice_sentence, step_words
from tipoff.engines.exact import (
    PARTY,
    PEER,
    RELEVANT,
    ExposureOutput,
    compromise_catch,
    exposure,
    layout,
    model_deliveries,
)
from tipoff.errors import UsageError
from tipoff.model import ITEM_BIT, CompiledModel, compile_scenario
from tipoff.scenario import Scenario

__all__ = [
    "CutSet",
    "ExposureReport",
    "StepAttribution",
    "cut_sets",
    "exposure_report",
    "route_count",
    "step_attribution",
]

F64 = npt.NDArray[np.float64]
_RELEVANT_NAMES = tuple(name for name, bit in ITEM_BIT.items() if bit in RELEVANT)
#: ``model.party_role`` and ``deliveries.mode`` as words (the scenario format's values).
ROLE_NAMES = ("sender", "relay", "courier", "recipient")
MODE_NAMES = ("home", "meeting_point")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepAttribution:
    """Interceptions attributable to one disclosure step: what dropping it would avoid.

    ``attributable`` is the weighted sum over delivery rows of P(intercepted) minus P(intercepted)
    with the step removed from the protocol (masks recompiled without it); ``per_delivery`` is the
    same drop row by row. Steps overlap (two steps may tell the same party the same item), so the
    drops need not add up to the total.
    """

    step: int  # index into the scenario's protocol (0-based, as in ``protocol.<k>`` paths)
    source: str
    target: str
    items: tuple[str, ...]
    lead_days: int
    attributable: float
    per_delivery: F64

    @property
    def label(self) -> str:
        """The step in plain words ("The sender tells every relay on the path the family's
        address, 10 days before the hand-over."); ``items`` keeps the scenario's keys."""
        return step_words(self.source, self.target, self.items, self.lead_days)

    @property
    def relevant_items(self) -> tuple[str, ...]:
        """The step's items that move the catch (address, schedule, courier identity)."""
        return tuple(i for i in self.items if i in _RELEVANT_NAMES)


@dataclass(frozen=True, slots=True, kw_only=True)
class CutSet:
    """A minimal set of positions whose joint compromise alone gives a catch at the threshold.

    ``parties`` holds party ids; a member written ``community:<name>`` stands for any one member of
    that community who is not on the delivery (they overhear it with probability sigma).
    """

    row: int
    parties: tuple[str, ...]
    catch: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureReport:
    """Exposure, with the steps, roles and cut sets behind it, and one sentence of advice.

    ``advice`` is in plain words (the same sentence the CLI prints and the report shows); the
    scenario's item keys stay in the steps' ``items``.
    """

    output: ExposureOutput
    steps: tuple[StepAttribution, ...]
    roles: dict[str, float]
    top: tuple[int, ...]  # rows, most exposed first
    cut_sets: tuple[CutSet, ...]  # for the ``top`` rows
    advice: str
    model: CompiledModel  # what ``output`` was computed from: party ids and routes

    def to_dict(self) -> dict[str, Any]:
        """The report as one JSON-serialisable document (``tipoff exposure --json``).

        Every delivery row with its route and ``p_intercept`` (``stderr`` for Monte Carlo), the
        parties and roles with the risk avoided if withheld from them, the steps (``label`` in
        words, ``items`` as the scenario's keys), the cut sets of the most exposed rows, the
        advice in words, and the provenance.
        """
        o, model = self.output, self.model
        rows = o.deliveries
        montecarlo = o.method == "montecarlo"
        deliveries = []
        for r in range(len(rows)):
            chain = int(rows.chain[r])
            d: dict[str, Any] = {
                "id": rows.ids[r],
                "sender": model.party_ids[model.sender_party[rows.sender[r]]],
                "relays": [model.party_ids[p] for p in model.chain_relays[chain] if p >= 0],
                "courier": model.party_ids[model.courier_party[model.chain_courier[chain]]],
                "recipient": model.party_ids[rows.recipient[r]],
                "mode": MODE_NAMES[int(rows.mode[r])],
                "day": int(rows.day[r]),
                "weight": float(rows.weight[r]),
                "p_intercept": float(o.p_intercept[r]),
            }
            if montecarlo:
                d["stderr"] = float(o.stderr[r])
            deliveries.append(d)
        told = sorted({int(p) for p in o.slot_party.ravel() if p >= 0})
        total = float(rows.weight.sum())
        return {
            "method": o.method,
            "p_intercepted_per_delivery": o.expected_interceptions / total if total > 0 else 0.0,
            "routes": route_count(model),
            "expected_interceptions": o.expected_interceptions,
            "deliveries": deliveries,
            "parties": [
                {
                    "id": model.party_ids[p],
                    "role": ROLE_NAMES[int(model.party_role[p])],
                    "risk_reduction_if_withheld": float(o.party_reduction[p]),
                }
                for p in sorted(told, key=lambda p: (-o.party_reduction[p], p))
            ],
            "roles": [{"role": k, "risk_reduction_if_withheld": v} for k, v in self.roles.items()],
            "steps": [
                {
                    "step": s.step,
                    "label": s.label,
                    "from": s.source,
                    "to": s.target,
                    "items": list(s.items),
                    "lead_days": s.lead_days,
                    "attributable": s.attributable,
                }
                for s in self.steps
            ],
            "cut_sets": [
                {"delivery": rows.ids[c.row], "parties": list(c.parties), "catch": c.catch}
                for c in self.cut_sets
            ],
            "threshold": o.threshold,
            "advice": self.advice,
            "provenance": o.provenance.to_dict(),
        }


def route_count(model: CompiledModel, /) -> int:
    """Routes a delivery may take: distinct (sender, relays, courier, recipient) paths."""
    rows = model_deliveries(model)
    return len(
        set(zip(rows.sender.tolist(), rows.chain.tolist(), rows.recipient.tolist(), strict=True))
    )


def _without_step(scenario: Scenario, k: int) -> Scenario:
    # model_copy skips validation: a protocol left empty is allowed here (nothing is told)
    protocol = [s for j, s in enumerate(scenario.protocol) if j != k]
    return scenario.model_copy(update={"protocol": protocol})


def step_attribution(scenario: Scenario, output: ExposureOutput, /) -> tuple[StepAttribution, ...]:
    """For each protocol step, the interceptions avoided if the step were dropped.

    The scenario is recompiled without the step and the same delivery rows are scored with the
    same method (and seed, so Monte Carlo differences use common random numbers where the layout
    allows).

    Parameters
    ----------
    scenario : Scenario
        The scenario ``output`` was computed from.
    output : ExposureOutput
        From :func:`tipoff.engines.exact.exposure`.
    """
    opts = output.provenance.options
    result = []
    for k, step in enumerate(scenario.protocol):
        model_k = compile_scenario(_without_step(scenario, k))
        out_k = exposure(
            model_k,
            method=output.method,
            n_samples=int(opts.get("n_samples", 20_000)),
            seed=output.provenance.seed,
            threshold=output.threshold,
            deliveries=output.deliveries,
        )
        drop = output.p_intercept - out_k.p_intercept
        drop.setflags(write=False)
        result.append(
            StepAttribution(
                step=k,
                source=step.from_,
                target=step.to,
                items=tuple(i.value for i in step.items),
                lead_days=step.lead_days,
                attributable=float((output.deliveries.weight * drop).sum()),
                per_delivery=drop,
            )
        )
    return tuple(result)


def cut_sets(
    model: CompiledModel,
    output: ExposureOutput,
    /,
    *,
    rows: tuple[int, ...] | None = None,
    max_size: int = 3,
) -> tuple[CutSet, ...]:
    """Minimal sets of up to ``max_size`` positions whose compromise alone reaches the threshold.

    For delivery row r, the candidates are the coercible parties told something about it, and, per
    community on the row, one member not on it. A set A is a cut set when the catch with every
    member of A an informant for sure and nobody else (pi and sigma as given, background excluded)
    is at least ``output.threshold``; it is minimal when no smaller cut set lies inside it. The
    catch only grows with A, so sets are enumerated by size and supersets of cut sets skipped.

    Parameters
    ----------
    model : CompiledModel
        The model ``output`` was computed from.
    output : ExposureOutput
        From :func:`tipoff.engines.exact.exposure`.
    rows : tuple of int or None
        Rows to analyse; None: the 10 most exposed.
    max_size : int
        Largest set considered (1 to 3 keeps it bounded: at most a few hundred sets per row).
    """
    if not 1 <= max_size <= 3:
        raise UsageError(f"max_size must be 1, 2 or 3, got {max_size}")
    if rows is None:
        rows = tuple(int(r) for r in np.argsort(-output.p_intercept, kind="stable")[:10])
    lay = layout(model, output.deliveries)
    found: list[CutSet] = []
    for r in rows:
        party = lay.party[r]
        cands = [
            (PARTY, int(k)) for k in np.flatnonzero(party >= 0) if model.party_coercible[party[k]]
        ]
        cands += [(PEER, int(k)) for k in np.flatnonzero(lay.rep[r] & (lay.off_count[r] > 0))]
        subsets = [
            a for size in range(1, max_size + 1) for a in itertools.combinations(cands, size)
        ]
        if not subsets:
            continue
        catch = compromise_catch(lay, model.operation, r, subsets)
        minimal: list[frozenset[tuple[str, int]]] = []
        for j, a in enumerate(subsets):
            members = frozenset(a)
            if catch[j] < output.threshold or any(c <= members for c in minimal):
                continue
            minimal.append(members)
            names = tuple(
                model.party_ids[party[k]]
                if kind == PARTY
                else f"community:{model.community_names[lay.community[r, k]]}"
                for kind, k in a
            )
            found.append(CutSet(row=int(r), parties=names, catch=float(catch[j])))
    return tuple(found)


def exposure_report(
    scenario: Scenario,
    /,
    *,
    model: CompiledModel | None = None,
    method: str = "exact",
    n_samples: int = 20_000,
    seed: int | None = None,
    threshold: float = 0.5,
    top: int = 10,
) -> ExposureReport:
    """Exposure of a scenario's deliveries with the steps, roles and cut sets that drive it.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its protocol steps are what :func:`step_attribution` removes one by one).
    model : CompiledModel or None
        ``compile_scenario(scenario)``, when the caller already has it.
    method, n_samples, seed, threshold
        As for :func:`tipoff.engines.exact.exposure`.
    top : int
        How many of the most exposed rows get cut sets.

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> report = exposure_report(load_preset("classroom"))
    >>> len(report.steps) == len(load_preset("classroom").protocol)
    True
    """
    if top < 0:
        raise UsageError(f"top must be >= 0, got {top}")
    if model is None:
        model = compile_scenario(scenario)
    out = exposure(model, method=method, n_samples=n_samples, seed=seed, threshold=threshold)
    steps = step_attribution(scenario, out)
    rows = tuple(int(r) for r in np.argsort(-out.p_intercept, kind="stable")[:top])
    roles = {"sender": 0.0, "relay": 0.0, "courier": 0.0, "recipient": 0.0}
    for name, value in zip(roles, out.role_reduction, strict=True):
        roles[name] = float(value)
    return ExposureReport(
        output=out,
        steps=steps,
        roles=roles,
        top=rows,
        cut_sets=cut_sets(model, out, rows=rows),
        advice=advice_sentence(steps, out.expected_interceptions, model.operation.delay_days),
        model=model,
    )
