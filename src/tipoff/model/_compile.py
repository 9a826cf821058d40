"""Compile a validated scenario into the read-only arrays the engines use."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from tipoff.errors import Problem, ScenarioError
from tipoff.model._compiled import (
    ITEM_BIT,
    MODE_HOME,
    MODE_MEETING_POINT,
    ROLE_CODE,
    SIDE_CODE,
    CompiledModel,
    OperationParams,
)
from tipoff.scenario import Network, Scenario, expand, scenario_digest
from tipoff.scenario._network import MAX_RELAY_HOPS, reference_problems

__all__ = ["compile_scenario", "recompile_operation"]

_ROLE_TARGETS = ("sender", "relay", "first_relay", "last_relay", "courier", "recipient")


def _frozen(a: npt.ArrayLike, dtype: npt.DTypeLike) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.zeros(len(lists) + 1, dtype=np.int32)
    indptr[1:] = np.cumsum([len(x) for x in lists])
    flat = [v for x in lists for v in x]
    return _frozen(indptr, np.int32), _frozen(flat, np.int32)


def _operation(s: Scenario) -> OperationParams:
    op = s.operation
    cap = op.response.capacity_per_day
    return OperationParams(
        initial=op.recruitment.initial,
        daily_hazard=op.recruitment.daily_hazard,
        harvest=op.harvest.community,
        relay_success=op.relay.success,
        delay_days=op.relay.delay_days,
        catch_address_and_schedule=op.response.catch.address_and_schedule,
        catch_address_only=op.response.catch.address_only,
        catch_courier_identity=op.response.catch.courier_identity,
        meeting_point_factor=op.response.meeting_point_factor,
        capacity_per_day=-1 if cap is None else cap,
        background=op.background,
        family_arrest=op.family_arrest,
        reveal_recipients=op.interrogation.recipients,
        reveal_couriers=op.interrogation.couriers,
        watch_days=op.interrogation.watch_days,
        sweep_delay_days=op.interrogation.sweep_delay_days,
        tracing=op.tracing,
        replacements_per_day=op.replacement_couriers_per_month * 12.0 / 365.0,
    )


def _masks(s: Scenario) -> dict[str, tuple[int, int]]:
    """For each protocol target, (items told at least delay_days ahead, all items told)."""
    delta = s.operation.relay.delay_days
    out: dict[str, tuple[int, int]] = {}
    for step in s.protocol:
        bits = 0
        for item in step.items:
            bits |= ITEM_BIT[item.value]
        tip, every = out.get(step.to, (0, 0))
        out[step.to] = (tip | (bits if step.lead_days >= delta else 0), every | bits)
    return out


def _chains(net: Network) -> list[tuple[tuple[str, ...], str]]:
    """Every (relay path, courier) reachable from a sender's first relay, in a stable order."""
    firsts = sorted({r for rs in net.sender_relays.values() for r in rs})
    seen: set[tuple[tuple[str, ...], str]] = set()
    out: list[tuple[tuple[str, ...], str]] = []

    def walk(path: tuple[str, ...]) -> None:
        for c in net.relay_couriers.get(path[-1], ()):
            if (path, c) not in seen:
                seen.add((path, c))
                out.append((path, c))
        if len(path) < MAX_RELAY_HOPS:
            for nxt in net.relay_relays.get(path[-1], ()):
                if nxt not in path:
                    walk((*path, nxt))

    for r in firsts:
        walk((r,))
    return out


def compile_scenario(scenario: Scenario, /) -> CompiledModel:
    """Compile a validated scenario into a :class:`CompiledModel`.

    Parameters
    ----------
    scenario : Scenario
        A scenario as loaded by :func:`tipoff.scenario.load_scenario`.

    Returns
    -------
    CompiledModel
        Indices and read-only arrays with every default resolved.

    Raises
    ------
    ScenarioError
        When the scenario's cross-references do not resolve (a scenario built in Python without
        the loader can still be wrong).

    Examples
    --------
    >>> from tipoff.scenario import load_preset
    >>> model = compile_scenario(load_preset("classroom"))
    >>> model.horizon_days > 0
    True
    """
    net = expand(scenario)
    problems = reference_problems(scenario, net)
    if problems:
        raise ScenarioError(
            [
                Problem(source=scenario.name, path=".".join(map(str, loc)), message=msg)
                for loc, msg in problems
            ]
        )
    op = _operation(scenario)
    parties = net.parties
    index = {p.id: k for k, p in enumerate(parties)}
    communities = sorted({p.community for p in parties if p.community is not None})
    places = sorted({p.home for p in parties if p.home is not None})
    comm_index = {c: k for k, c in enumerate(communities)}
    place_index = {c: k for k, c in enumerate(places)}
    rho0 = [
        (p.informant if p.informant is not None else op.initial) if p.coercible else 0.0
        for p in parties
    ]

    masks = _masks(scenario)
    chains = _chains(net)
    named = [t for t in masks if t not in _ROLE_TARGETS]  # parties named by id in the protocol
    n_slots = MAX_RELAY_HOPS + 1 + len(named)
    slot_party = np.full((len(chains), n_slots), -1, dtype=np.int32)
    slot_tip = np.zeros((len(chains), n_slots), dtype=np.uint8)
    slot_all = np.zeros((len(chains), n_slots), dtype=np.uint8)
    chain_relays = np.full((len(chains), MAX_RELAY_HOPS), -1, dtype=np.int32)
    couriers = sorted({c for _, c in chains} | {p.id for p in parties if p.role.value == "courier"})
    courier_index = {c: k for k, c in enumerate(couriers)}
    chain_courier = np.zeros(len(chains), dtype=np.int32)
    for k, (path, courier) in enumerate(chains):
        chain_relays[k, : len(path)] = [index[r] for r in path]
        chain_courier[k] = courier_index[courier]
        slots: dict[int, tuple[int, int]] = {}

        def tell(pid: str, target: str, slots: dict[int, tuple[int, int]] = slots) -> None:
            tip, every = masks.get(target, (0, 0))
            old = slots.get(index[pid], (0, 0))
            slots[index[pid]] = (old[0] | tip, old[1] | every)

        for j, r in enumerate(path):
            tell(r, "relay")
            if j == 0:
                tell(r, "first_relay")
            if j == len(path) - 1:
                tell(r, "last_relay")
        tell(courier, "courier")
        for target in named:
            tell(target, target)
        for j, (party, (tip, every)) in enumerate(slots.items()):
            slot_party[k, j], slot_tip[k, j], slot_all[k, j] = party, tip, every

    senders = [p for p in parties if p.role.value == "sender"]
    by_first: dict[str, list[int]] = {}
    for k, (path, _) in enumerate(chains):
        by_first.setdefault(path[0], []).append(k)
    sender_chains = [
        sorted({k for r in net.sender_relays[s.id] for k in by_first.get(r, ())}) for s in senders
    ]
    sender_recipients = [[index[r] for r in net.sender_recipients[s.id]] for s in senders]
    pairs = sorted(
        {
            (courier_index[a], courier_index[b])
            for cs in net.relay_couriers.values()
            for a in cs
            for b in cs
            if a != b
        }
    )

    sender_of = {s.id: k for k, s in enumerate(senders)}
    ex = scenario.workload.deliveries
    ex_chains: list[list[int]] = []
    for d in ex:
        allowed = sender_chains[sender_of[d.sender]]
        if d.relays is not None:
            allowed = [c for c in allowed if chains[c][0] == tuple(d.relays)]
        if d.courier is not None:
            allowed = [c for c in allowed if chains[c][1] == d.courier]
        ex_chains.append(allowed)
    for i, allowed in enumerate(ex_chains):
        if not allowed:
            raise ScenarioError(
                Problem(
                    source=scenario.name,
                    path=f"workload.deliveries.{i}",
                    message="no route through the network matches this delivery",
                )
            )
    ex_ptr, ex_idx = _csr(ex_chains)
    s_ptr, s_idx = _csr(sender_chains)
    r_ptr, r_idx = _csr(sender_recipients)
    mode_code = {"home": MODE_HOME, "meeting_point": MODE_MEETING_POINT}

    return CompiledModel(
        name=scenario.name,
        digest=scenario_digest(scenario),
        horizon_days=scenario.horizon_days,
        currency=scenario.currency,
        handover_mode=mode_code[scenario.handover.value],
        operation=op,
        party_ids=tuple(p.id for p in parties),
        party_role=_frozen([ROLE_CODE[p.role.value] for p in parties], np.int8),
        party_side=_frozen([SIDE_CODE[p.side.value] for p in parties], np.int8),
        party_community=_frozen(
            [comm_index[p.community] if p.community is not None else -1 for p in parties],
            np.int32,
        ),
        party_home=_frozen(
            [place_index[p.home] if p.home is not None else -1 for p in parties], np.int32
        ),
        party_rho0=_frozen(rho0, np.float64),
        party_coercible=_frozen([p.coercible for p in parties], np.bool_),
        community_names=tuple(communities),
        place_names=tuple(places),
        sender_party=_frozen([index[s.id] for s in senders], np.int32),
        sender_chain_indptr=s_ptr,
        sender_chain_indices=s_idx,
        sender_recipient_indptr=r_ptr,
        sender_recipient_indices=r_idx,
        sender_mask_tip=masks.get("sender", (0, 0))[0],
        sender_mask_all=masks.get("sender", (0, 0))[1],
        recipient_mask_tip=masks.get("recipient", (0, 0))[0],
        recipient_mask_all=masks.get("recipient", (0, 0))[1],
        chain_relays=_frozen(chain_relays, np.int32),
        chain_courier=_frozen(chain_courier, np.int32),
        chain_slot_party=_frozen(slot_party, np.int32),
        chain_slot_tip=_frozen(slot_tip, np.uint8),
        chain_slot_all=_frozen(slot_all, np.uint8),
        courier_party=_frozen([index[c] for c in couriers], np.int32),
        courier_pairs=_frozen(np.array(pairs, dtype=np.int32).reshape(-1, 2), np.int32),
        rate_per_sender_per_day=scenario.workload.per_sender_per_year / 365.0,
        amount_median=scenario.workload.amount.median,
        amount_spread=scenario.workload.amount.spread,
        explicit_ids=tuple(d.id or f"x{i + 1}" for i, d in enumerate(ex)),
        explicit_day=_frozen([d.day for d in ex], np.int32),
        explicit_sender=_frozen([sender_of[d.sender] for d in ex], np.int32),
        explicit_recipient=_frozen(
            [index[d.recipient] if d.recipient is not None else -1 for d in ex], np.int32
        ),
        explicit_chain_indptr=ex_ptr,
        explicit_chain_indices=ex_idx,
        explicit_amount=_frozen(
            [d.amount if d.amount is not None else math.nan for d in ex], np.float64
        ),
        explicit_mode=_frozen(
            [mode_code[(d.mode or scenario.handover).value] for d in ex],
            np.int8,
        ),
    )


def recompile_operation(model: CompiledModel, scenario: Scenario, /) -> CompiledModel:
    """``compile_scenario(scenario)`` when ``scenario`` differs from the one ``model`` was compiled
    from only under ``operation``: the network's arrays are reused, the operation recompiled.

    A calibration or a sweep compiles thousands of such variants; expanding the network each time
    would cost more than simulating them. The caller guarantees that only ``operation.*`` changed.

    Examples
    --------
    >>> from tipoff.scenario import load_preset, with_params
    >>> base = load_preset("classroom")
    >>> new = with_params(base, {"operation.recruitment.initial": 0.3})
    >>> recompile_operation(compile_scenario(base), new).operation.initial
    0.3
    """
    op = _operation(scenario)
    rho0 = np.where(model.party_coercible, op.initial, 0.0)
    index = {pid: k for k, pid in enumerate(model.party_ids)}
    for p in scenario.parties:
        k = index.get(p.id)
        if p.informant is not None and k is not None and model.party_coercible[k]:
            rho0[k] = p.informant
    return replace(
        model,
        digest=scenario_digest(scenario),
        operation=op,
        party_rho0=_frozen(rho0, np.float64),
    )
