"""A season of the operation as an idiomatic Mesa 3 model: parties are agents, a day is ``step()``.

It reads tipoff's :class:`~tipoff.model.CompiledModel` for the parameters and the network and makes
the choices of ``docs/modelling-choices.md``, written the way a Mesa user would write them: a Python
object per party, per-day loops over the day's deliveries and their parties, one scalar draw from
the model's own ``numpy.random.Generator`` per decision. Its random numbers do not follow tipoff's
stream; the two agree in law (``tests/benchmarks/test_mesa_equivalence.py``).

Day ``t`` (``SeasonModel.step``), in tipoff's order:

1. coercible parties are turned with the daily hazard; senders plan the day's deliveries (a
   Poisson process per sender);
2. sweep: couriers revealed in an interrogation and due today are arrested and interrogated;
3. replacement: a Poisson number of recruits fills the slots vacant longest;
4. route: each delivery takes a chain uniformly among those whose courier is free (else stalled);
5. knowledge: informants on the route pass on what they were told in time (probability pi) and
   overhear their community (sigma); every informant of a touched community off the route
   overhears (sigma) and passes on (pi); traced relays report like informants without overhearing;
6. stake-outs: tipped deliveries ranked by a(K), ties at random, up to the daily capacity;
7. hand-overs: stake-out or watched home (one draw against the larger catch), else the
   courier-identity catch, else background;
8. arrests: couriers, families (at the hand-over), tracing of the last relay (from ``t + 1``),
   interrogation (watched homes; sweeps after ``max(1, sweep_delay_days)`` days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np
import numpy.typing as npt

from mesa_reference.agents import NEVER, Courier, Delivery, Party, Recipient, Relay, Sender
from tipoff.engines import CAUSES, METRICS
from tipoff.model import ADDRESS, COURIER_IDENTITY, MODE_MEETING_POINT, SCHEDULE, CompiledModel

__all__ = ["MesaSeasonOutput", "SeasonModel", "run_mesa_season"]

INFORMANT, HARVEST, INTERROGATION, TRACING, BACKGROUND = range(5)
_ROLE_CLASS = {1: Relay, 2: Courier, 3: Recipient}


class SeasonModel(mesa.Model):
    """One season of one run. ``model.day`` is the day ``step()`` simulates next."""

    def __init__(self, compiled: CompiledModel, *, rng: np.random.Generator) -> None:
        super().__init__(rng=rng)
        m = compiled
        op = m.operation
        self.op = op
        self.compiled = m
        self.day = 0
        self.horizon = m.horizon_days
        self.handover_mode = m.handover_mode
        self.daily_hazard = op.daily_hazard
        self.totals = dict.fromkeys(METRICS, 0)
        self.causes = [0] * len(CAUSES)
        self.today: list[Delivery] = []
        self.unstaffed = 0  # tipped deliveries left without a stake-out (capacity binding)

        # the network as Python objects
        self.chain_courier: list[int] = m.chain_courier.tolist()
        last = []
        for row in m.chain_relays.tolist():
            hops = [r for r in row if r >= 0]
            last.append(hops[-1])
        self.chain_last_relay: list[int] = last
        self.chain_slots: list[list[tuple[int, int]]] = [
            [(p, tip) for p, tip in zip(parties, tips, strict=True) if p >= 0]
            for parties, tips in zip(
                m.chain_slot_party.tolist(), m.chain_slot_tip.tolist(), strict=True
            )
        ]
        self.courier_slot_of_party = {p: c for c, p in enumerate(m.courier_party.tolist())}

        # parties: one agent each (senders last: they hold their recipients)
        self.party: list[Party | None] = [None] * m.n_parties
        community = m.party_community.tolist()
        home = m.party_home.tolist()
        coercible = m.party_coercible.tolist()
        rho0 = m.party_rho0.tolist()
        role = m.party_role.tolist()

        def kw(i: int) -> dict:
            return {
                "index": i,
                "pid": m.party_ids[i],
                "community": community[i] if community[i] >= 0 else None,
                "coercible": coercible[i],
                "home": home[i] if home[i] >= 0 else None,
                "rho0": rho0[i],
            }

        self.courier_slots: list[Courier | None] = [None] * m.n_couriers
        for i in range(m.n_parties):
            if role[i] == 2:
                slot = self.courier_slot_of_party[i]
                agent = Courier(self, slot=slot, **kw(i))
                self.courier_slots[slot] = agent
                self.party[i] = agent
            elif role[i] != 0:
                self.party[i] = _ROLE_CLASS[role[i]](self, **kw(i))
        self.senders: list[Sender] = []
        for s, i in enumerate(m.sender_party.tolist()):
            agent = Sender(
                self,
                sender_index=s,
                chains=m.chains_of(s).tolist(),
                recipients=[self.party[r] for r in m.recipients_of(s).tolist()],
                rate=m.rate_per_sender_per_day,
                **kw(i),
            )
            self.party[i] = agent
            self.senders.append(agent)
        self.coercible = self.agents.select(lambda a: a.coercible)
        self.community_members: dict[int, list[Party]] = {}
        for agent in self.agents:
            if agent.coercible and agent.community is not None:
                self.community_members.setdefault(agent.community, []).append(agent)

        # couriers: who knows whom (per slot pair, drawn once per run), vacancies, recruits
        self.knows: dict[int, list[int]] = {}
        for a, b in m.courier_pairs.tolist():
            self.knows.setdefault(a, []).append(b)
        self.would_reveal = {
            (a, b): self.rng.random() < op.reveal_couriers
            for a, b in m.courier_pairs.tolist()
            if op.reveal_couriers > 0
        }
        self.vacated_day = [NEVER] * m.n_couriers
        self.generation = [0] * m.n_couriers

        # explicit deliveries, by day
        self.explicit: dict[int, list[int]] = {}
        for e, day in enumerate(m.explicit_day.tolist()):
            self.explicit.setdefault(day, []).append(e)

    # --- workload -------------------------------------------------------------------------------

    def draw_amount(self) -> int:
        z = self.rng.standard_normal()
        return max(
            1, round(self.compiled.amount_median * math.exp(self.compiled.amount_spread * z))
        )

    def plan_delivery(
        self,
        sender: Sender,
        recipient: Recipient,
        chains: list[int],
        amount: float | None,
        mode: int,
    ) -> None:
        value = self.draw_amount() if amount is None else max(1, round(amount))
        self.today.append(Delivery(sender, recipient, chains, value, mode))

    def plan_explicit(self, day: int) -> None:
        m = self.compiled
        for e in self.explicit.get(day, ()):
            sender = self.senders[int(m.explicit_sender[e])]
            r = int(m.explicit_recipient[e])
            recipient = (
                self.party[r]
                if r >= 0
                else sender.recipients[int(self.rng.integers(len(sender.recipients)))]
            )
            lo, hi = m.explicit_chain_indptr[e], m.explicit_chain_indptr[e + 1]
            amount = float(m.explicit_amount[e])
            self.plan_delivery(
                sender,
                recipient,
                m.explicit_chain_indices[lo:hi].tolist(),
                None if math.isnan(amount) else amount,
                int(m.explicit_mode[e]),
            )

    # --- the service's catch --------------------------------------------------------------------

    def stakeout_catch(self, known: int, mode: int) -> float:
        """a(K): address and schedule, address only, or nothing; scaled at a meeting point."""
        if not known & ADDRESS:
            return 0.0
        a = self.op.catch_address_and_schedule if known & SCHEDULE else self.op.catch_address_only
        return a * self.op.meeting_point_factor if mode == MODE_MEETING_POINT else a

    def identity_catch(self, known: int) -> float:
        """b(K): the courier-identity catch when the courier's identity is known."""
        return self.op.catch_courier_identity if known & COURIER_IDENTITY else 0.0

    # --- mechanisms -----------------------------------------------------------------------------

    def arrest_courier(self, courier: Courier) -> None:
        """The courier leaves the network; its slot is vacant until a recruit fills it."""
        self.courier_slots[courier.slot] = None
        self.party[courier.index] = None
        self.vacated_day[courier.slot] = self.day
        courier.remove()

    def interrogate(self, courier: Courier) -> None:
        """Reveal past recipients (homes watched) and known couriers still free (swept later).

        A courier already in custody is not named again; a slot's next recruit is a new person
        whom nobody named (the revealed courier is the agent in the slot when it is named).
        """
        op, day = self.op, self.day
        if op.reveal_recipients > 0 and op.watch_days > 0:
            for recipient in dict.fromkeys(courier.delivered_to):  # once per recipient
                if self.rng.random() < op.reveal_recipients:
                    recipient.watched_until = max(recipient.watched_until, day + op.watch_days)
        if op.reveal_couriers > 0:
            when = day + max(1, op.sweep_delay_days)
            for other in self.knows.get(courier.slot, ()):
                target = self.courier_slots[other]
                if self.would_reveal[(courier.slot, other)] and target is not None:
                    target.sweep_day = min(target.sweep_day, when)

    def sweep(self) -> None:
        due = [c for c in self.courier_slots if c is not None and c.sweep_day == self.day]
        for courier in due:
            self.arrest_courier(courier)
        for courier in due:
            self.interrogate(courier)
        self.totals["couriers_arrested"] += len(due)
        self.totals["sweep_arrests"] += len(due)

    def recruit(self) -> None:
        """A Poisson number of recruits fills the slots vacant longest (a new pseudonym each)."""
        rate = self.op.replacements_per_day
        n = int(self.rng.poisson(rate)) if rate > 0 else 0
        if n == 0:
            return
        vacant = sorted(
            (self.vacated_day[c], c) for c, agent in enumerate(self.courier_slots) if agent is None
        )
        m = self.compiled
        for _, slot in vacant[:n]:
            self.generation[slot] += 1
            i = int(m.courier_party[slot])
            agent = Courier(
                self,
                slot=slot,
                index=i,
                pid=f"{m.party_ids[i]}.new{self.generation[slot]}",
                community=None if m.party_community[i] < 0 else int(m.party_community[i]),
                coercible=bool(m.party_coercible[i]),
                home=None if m.party_home[i] < 0 else int(m.party_home[i]),
                rho0=0.0,
            )
            if agent.coercible:  # a new person: not an informant yet, turned by the hazard
                self.coercible.add(agent)  # (tipoff: the recruit keeps its slot's informant day)
            self.courier_slots[slot] = agent
            self.party[i] = agent
            self.vacated_day[slot] = NEVER

    def route(self, d: Delivery) -> bool:
        """Take a chain uniformly among those whose courier is free; False when stalled."""
        free = [c for c in d.candidates if self.courier_slots[self.chain_courier[c]] is not None]
        if not free:
            return False
        d.chain = free[int(self.rng.integers(len(free)))]
        d.courier = self.courier_slots[self.chain_courier[d.chain]]
        return True

    def learn(self, d: Delivery) -> None:
        """What reaches the service about one delivery, by source: own tips, harvest, traces."""
        op, m = self.op, self.compiled
        ref = max(0, self.day - op.delay_days)
        # what each party was told in time (a party told in two roles is one party, one draw)
        told: dict[Party, int] = {d.sender: m.sender_mask_tip}
        for p, tip in self.chain_slots[d.chain]:
            agent = self.party[p]
            if agent is not None:
                told[agent] = told.get(agent, 0) | tip
        told[d.recipient] = told.get(d.recipient, 0) | m.recipient_mask_tip
        union: dict[int, int] = {}
        for agent, tip in told.items():
            if agent.community is not None:
                union[agent.community] = union.get(agent.community, 0) | tip
        for agent, tip in told.items():
            if agent.is_informant(ref):
                if self.rng.random() < op.relay_success:
                    d.direct |= tip
                    if agent.community is not None and self.rng.random() < op.harvest:
                        d.harvest |= union[agent.community]
            elif agent.is_traced(ref) and self.rng.random() < op.relay_success:
                d.traced |= tip
        for comm, items in union.items():
            for member in self.community_members.get(comm, ()):
                if (
                    member not in told
                    and member.is_informant(ref)
                    and self.rng.random() < op.harvest
                    and self.rng.random() < op.relay_success
                ):
                    d.harvest |= items
        d.known = d.direct | d.harvest | d.traced

    def stake_out(self, attempted: list[Delivery]) -> None:
        """Staff the tipped deliveries with the best catch first (ties at random), to capacity."""
        tipped = []
        for d in attempted:
            a = self.stakeout_catch(d.known, d.mode)
            if a > 0:
                tipped.append((-a, self.rng.random(), d))
        tipped.sort(key=lambda x: (x[0], x[1]))
        cap = self.op.capacity_per_day
        for _, _, d in tipped if cap < 0 else tipped[:cap]:
            d.staked = True
        if cap >= 0:
            self.unstaffed += max(0, len(tipped) - cap)

    def hand_over(self, d: Delivery) -> tuple[bool, bool]:
        """Draw the fate of one hand-over: (intercepted, caught at the hand-over)."""
        op = self.op
        k1, k2, k3 = d.direct, d.direct | d.harvest, d.known
        a1 = self.stakeout_catch(k1, d.mode) if d.staked else 0.0
        a2 = self.stakeout_catch(k2, d.mode) if d.staked else 0.0
        a3 = self.stakeout_catch(k3, d.mode) if d.staked else 0.0
        watched = d.recipient.watched_until >= self.day
        aw = self.stakeout_catch(0xFF, d.mode) if watched else 0.0
        u = self.rng.random()
        if u < max(a3, aw):
            d.cause = (
                INFORMANT if u < a1 else HARVEST if u < a2 else TRACING if u < a3 else INTERROGATION
            )
            return True, True
        u = self.rng.random()
        if u < self.identity_catch(k3):
            b1, b2 = self.identity_catch(k1), self.identity_catch(k2)
            d.cause = INFORMANT if u < b1 else HARVEST if u < b2 else TRACING
            return True, False
        if self.rng.random() < op.background:
            d.cause = BACKGROUND
            return True, False
        return False, False

    # --- one day --------------------------------------------------------------------------------

    def step(self) -> None:
        op, t = self.op, self.day
        self.today = []
        if self.daily_hazard > 0:
            self.coercible.do("consider_turning")
        self.agents_by_type[Sender].do("plan")
        self.plan_explicit(t)
        self.sweep()
        self.recruit()

        attempted = [d for d in self.today if self.route(d)]
        for d in attempted:
            self.learn(d)
        self.stake_out(attempted)

        arrested: dict[Courier, None] = {}
        for d in attempted:
            intercepted, at_handover = self.hand_over(d)
            if intercepted:
                self.totals["intercepted"] += 1
                self.totals["money_lost"] += d.amount
                self.causes[d.cause] += 1
                arrested[d.courier] = None
                if at_handover and self.rng.random() < op.family_arrest:
                    self.totals["family_arrested"] += 1
                    if self.rng.random() < op.tracing:
                        relay = self.party[self.chain_last_relay[d.chain]]
                        relay.traced_since = min(relay.traced_since, t + 1)
            else:
                self.totals["delivered"] += 1
                self.totals["money_delivered"] += d.amount
            d.courier.delivered_to.append(d.recipient)
        for courier in arrested:
            self.arrest_courier(courier)
        for courier in arrested:
            self.interrogate(courier)

        self.totals["deliveries"] += len(self.today)
        self.totals["attempted"] += len(attempted)
        self.totals["stalled"] += len(self.today) - len(attempted)
        self.totals["couriers_arrested"] += len(arrested)
        self.day += 1


@dataclass(frozen=True)
class MesaSeasonOutput:
    """Season totals and cause counts per run, in tipoff's ``METRICS`` and ``CAUSES`` order."""

    metrics: tuple[str, ...]
    causes: tuple[str, ...]
    totals: npt.NDArray[np.int64]  # (n_runs, n_metrics)
    cause_counts: npt.NDArray[np.int64]  # (n_runs, n_causes)

    def total(self, metric: str) -> npt.NDArray[np.int64]:
        return self.totals[:, self.metrics.index(metric)]


def run_mesa_season(compiled: CompiledModel, *, n_runs: int, seed: int) -> MesaSeasonOutput:
    """Run ``n_runs`` seasons of the Mesa model (a fresh model per run, as Mesa's batch runs do)."""
    totals = np.zeros((n_runs, len(METRICS)), dtype=np.int64)
    causes = np.zeros((n_runs, len(CAUSES)), dtype=np.int64)
    for k, child in enumerate(np.random.SeedSequence(seed).spawn(n_runs)):
        model = SeasonModel(compiled, rng=np.random.default_rng(child))
        for _ in range(compiled.horizon_days):
            model.step()
        totals[k] = [model.totals[name] for name in METRICS]
        causes[k] = model.causes
    return MesaSeasonOutput(metrics=METRICS, causes=CAUSES, totals=totals, cause_counts=causes)
