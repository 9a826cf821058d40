"""The parts of a scenario that validate, when the whole does not, for the cross-reference checks.

A file with a type error in one place and an unknown party in another gets both reported in
one pass: each part (every listed party, step, delivery and countermeasure, each generator,
each link table) is validated on its own, and what validated is checked for references. What
did not validate leaves a gap (:class:`~tipoff.scenario._network.Gaps`) so that no problem is
reported that only follows from another (a link to a party whose own entry is broken is not
"unknown").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from tipoff.scenario._network import Gaps
from tipoff.scenario._schema import (
    CountermeasureSpec,
    DeliverySpec,
    Generate,
    Links,
    Party,
    Scenario,
    Step,
    Workload,
)

__all__ = ["partial_scenario"]


def _one(model: type[BaseModel], value: object) -> Any:
    try:
        return model.model_validate(value)
    except (ValidationError, TypeError, ValueError):
        return None


def _items(model: type[BaseModel], value: object) -> tuple[list[Any], bool]:
    """Each item validated on its own (None where it fails), and whether all passed."""
    if value is None:
        return [], True
    if not isinstance(value, list):
        return [], False
    items = [_one(model, v) for v in value]
    return items, all(v is not None for v in items)


def partial_scenario(doc: object) -> tuple[Scenario, Gaps] | None:
    """A scenario built from the parts of ``doc`` that validate, and the gaps the rest leave.

    Items that fail stay in their lists as None, so positions still point at the right entry;
    :func:`~tipoff.scenario._network.expand` and ``reference_problems`` skip them.
    """
    if not isinstance(doc, dict):
        return None
    uncertain: set[str] = set()
    ids_complete = network_complete = True

    raw_parties = doc.get("parties")
    parties, ok = _items(Party, raw_parties)
    if not ok:
        network_complete = False
        for item in raw_parties if isinstance(raw_parties, list) else []:
            pid = item.get("id") if isinstance(item, dict) else None
            if isinstance(pid, str):
                uncertain.add(pid)
            elif _one(Party, item) is None:
                ids_complete = False
        if not isinstance(raw_parties, list):
            ids_complete = False

    if "parties" not in doc and "generate" not in doc:
        network_complete = False  # nothing to say about a network not yet written
    generate = _one(Generate, doc.get("generate", {}))
    if generate is None:
        generate, ids_complete, network_complete = Generate(), False, False

    links = _one(Links, doc.get("links", {}))
    if links is None:
        network_complete = False
        raw = doc.get("links")
        tables = {}
        for name in Links.model_fields:
            if not isinstance(raw, dict) or name not in raw:
                continue
            table = _one(Links, {name: raw[name]})
            if table is not None:
                tables[name] = getattr(table, name)
        links = Links.model_construct(**tables)

    protocol, _ = _items(Step, doc.get("protocol"))
    countermeasures, _ = _items(CountermeasureSpec, doc.get("countermeasures"))
    raw_workload = doc.get("workload")
    deliveries, _ = _items(
        DeliverySpec, raw_workload.get("deliveries") if isinstance(raw_workload, dict) else None
    )
    horizon = doc.get("horizon_days")
    horizon_known = (
        isinstance(horizon, int) and not isinstance(horizon, bool) and 1 <= horizon <= 3650
    )
    scenario = Scenario.model_construct(  # type: ignore[call-arg]
        parties=parties,
        generate=generate,
        links=links,
        workload=Workload.model_construct(deliveries=deliveries),
        protocol=protocol,
        countermeasures=countermeasures,
        horizon_days=int(horizon) if horizon_known else 0,  # type: ignore[arg-type]
    )
    gaps = Gaps(
        uncertain=frozenset(uncertain),
        ids_complete=ids_complete,
        network_complete=network_complete,
        horizon_known=horizon_known,
    )
    return scenario, gaps
