"""Countermeasures written in the scenario file (``countermeasures:``), turned into transforms.

A user-defined measure is applied in a fixed order: ``withhold`` rules, then ``cap_lead_days``
rules, then the ``tell`` steps are added, then the ``handover`` mode is set.
"""

from __future__ import annotations

from collections.abc import Callable

from tipoff.analysis.hardening._measures import (
    Cost,
    Countermeasure,
    cap_lead_days,
    expand_targets,
    withhold_items,
)
from tipoff.scenario import Mode, Scenario
from tipoff.scenario._schema import CountermeasureSpec

__all__ = ["from_spec", "scenario_measures"]


def _transform(spec: CountermeasureSpec) -> Callable[[Scenario], Scenario]:
    def transform(s: Scenario) -> Scenario:
        protocol = list(s.protocol)
        for rule in spec.withhold:
            protocol = withhold_items(protocol, rule.items, expand_targets(s, rule.targets))
        for cap in spec.cap_lead_days:
            targets = expand_targets(s, cap.targets) if cap.targets else None
            protocol = cap_lead_days(protocol, cap.items, cap.lead_days, targets)
        protocol.extend(spec.tell)
        update: dict[str, object] = {"protocol": protocol}
        if spec.handover is not None:
            mode = spec.handover
            update["handover"] = mode
            deliveries = [
                d.model_copy(update={"mode": mode}) if d.mode is not None else d
                for d in s.workload.deliveries
            ]
            update["workload"] = s.workload.model_copy(update={"deliveries": deliveries})
        return s.model_copy(update=update)

    return transform


def _describe(spec: CountermeasureSpec) -> str:
    parts = []
    for rule in spec.withhold:
        items = ", ".join(i.value for i in rule.items)
        parts.append(f"{items} no longer told to or by {', '.join(rule.targets)}")
    for cap in spec.cap_lead_days:
        items = ", ".join(i.value for i in cap.items)
        whom = f" to {', '.join(cap.targets)}" if cap.targets else ""
        parts.append(f"{items} told{whom} at most {cap.lead_days} day(s) ahead")
    for step in spec.tell:
        items = ", ".join(i.value for i in step.items)
        parts.append(f"{step.from_} tells {step.to} {items} {step.lead_days} day(s) ahead")
    if spec.handover is not None:
        parts.append(
            f"hand-over at {'the home' if spec.handover is Mode.home else 'a meeting point'}"
        )
    return "; ".join(parts)


def from_spec(spec: CountermeasureSpec, /) -> Countermeasure:
    """The :class:`Countermeasure` a scenario file's ``countermeasures`` entry defines."""
    c = spec.cost
    return Countermeasure(
        id=spec.name,
        title=spec.description or spec.name,
        changes=_describe(spec),
        rationale=spec.description or "defined in the scenario file",
        sources=tuple(spec.sources),
        status=spec.status,
        cost=Cost(fee=c.fee, days=c.days, contacts=c.contacts),
        cost_note="stated in the scenario file",
        transform=_transform(spec),
        origin="scenario",
    )


def scenario_measures(scenario: Scenario, /) -> tuple[Countermeasure, ...]:
    """The countermeasures defined in ``scenario``'s ``countermeasures`` field, in file order."""
    return tuple(from_spec(spec) for spec in scenario.countermeasures)
