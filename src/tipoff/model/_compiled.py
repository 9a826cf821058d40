"""The compiled model: a scenario as indices and read-only numpy arrays, every default resolved.

Engines accept only a :class:`CompiledModel`. Items are bits of a ``uint8`` mask (``ITEM_BIT``), so
"what a party was told" is one small integer and unions are bitwise ORs.

Routes are factored into *chains*: a relay path plus a courier. A delivery is a sender, one of the
sender's chains and one of the sender's recipients. The parties told something about a delivery
are its sender, the chain's slots (relays, courier, and any party named in the protocol by id) and
its recipient; each slot carries two masks: every item it is told (``*_all``) and the items it is
told at least ``delay_days`` before the hand-over (``*_tip``), the only ones a tip can use in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tipoff.scenario import ITEMS

__all__ = [
    "ADDRESS",
    "COURIER_IDENTITY",
    "ITEM_BIT",
    "MODE_HOME",
    "MODE_MEETING_POINT",
    "ROLE_CODE",
    "SCHEDULE",
    "SIDE_CODE",
    "CompiledModel",
    "OperationParams",
    "identity_catch",
    "items_of",
    "stakeout_catch",
]

ITEM_BIT: dict[str, int] = {name: 1 << k for k, name in enumerate(ITEMS)}
ADDRESS = ITEM_BIT["recipient_address"]
SCHEDULE = ITEM_BIT["schedule"]
COURIER_IDENTITY = ITEM_BIT["courier_identity"]
ROLE_CODE = {"sender": 0, "relay": 1, "courier": 2, "recipient": 3}
SIDE_CODE = {"abroad": 0, "china": 1, "north": 2}
MODE_HOME = 0
MODE_MEETING_POINT = 1

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
MaskArray = npt.NDArray[np.uint8]


def items_of(mask: int) -> tuple[str, ...]:
    """The item names set in ``mask``, in docs/model.md's order."""
    return tuple(name for name, bit in ITEM_BIT.items() if mask & bit)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationParams:
    """The operation's parameters as plain numbers (docs/model.md's symbols in the comments)."""

    initial: float  # rho0 default
    daily_hazard: float  # h
    harvest: float  # sigma
    relay_success: float  # pi
    delay_days: int  # delta
    catch_address_and_schedule: float
    catch_address_only: float
    catch_courier_identity: float
    meeting_point_factor: float
    capacity_per_day: int  # -1: unlimited
    background: float  # eps
    family_arrest: float  # phi
    reveal_recipients: float
    reveal_couriers: float
    watch_days: int
    sweep_delay_days: int
    tracing: float  # psi
    replacements_per_day: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledModel:
    """A scenario compiled for the engines. Arrays are read-only; build with ``compile_scenario``.

    Party arrays are indexed by party index ``0..n_parties-1``. Sender, chain and courier arrays
    have their own indices, mapped to party indices by ``sender_party``, ``chain_courier`` etc.
    """

    name: str
    digest: str
    horizon_days: int
    currency: str
    handover_mode: int
    operation: OperationParams

    # parties
    party_ids: tuple[str, ...]
    party_role: npt.NDArray[np.int8]
    party_side: npt.NDArray[np.int8]
    party_community: IntArray  # -1: none
    party_home: IntArray  # index into place_names, -1: none
    party_rho0: FloatArray  # day-0 informant probability; 0 where not coercible
    party_coercible: npt.NDArray[np.bool_]
    community_names: tuple[str, ...]
    place_names: tuple[str, ...]

    # senders, recipients
    sender_party: IntArray
    sender_chain_indptr: IntArray
    sender_chain_indices: IntArray
    sender_recipient_indptr: IntArray
    sender_recipient_indices: IntArray  # party indices
    sender_mask_tip: int
    sender_mask_all: int
    recipient_mask_tip: int
    recipient_mask_all: int

    # chains: relay path + courier (+ parties named by id in the protocol)
    chain_relays: IntArray  # (n_chains, max_hops), party indices, -1 padded
    chain_courier: IntArray  # courier index
    chain_slot_party: IntArray  # (n_chains, n_chain_slots), -1 padded
    chain_slot_tip: MaskArray
    chain_slot_all: MaskArray

    # couriers
    courier_party: IntArray
    courier_pairs: IntArray  # (n_pairs, 2) courier indices that know each other (share a relay)

    # workload
    rate_per_sender_per_day: float
    amount_median: float
    amount_spread: float
    explicit_ids: tuple[str, ...]
    explicit_day: IntArray
    explicit_sender: IntArray  # sender index
    explicit_recipient: IntArray  # party index, -1: drawn from the sender's recipients
    explicit_chain_indptr: IntArray
    explicit_chain_indices: IntArray  # chains this delivery may take
    explicit_amount: FloatArray  # nan: drawn
    explicit_mode: npt.NDArray[np.int8]

    @property
    def n_parties(self) -> int:
        return len(self.party_ids)

    @property
    def n_senders(self) -> int:
        return int(self.sender_party.shape[0])

    @property
    def n_chains(self) -> int:
        return int(self.chain_courier.shape[0])

    @property
    def n_couriers(self) -> int:
        return int(self.courier_party.shape[0])

    @property
    def n_communities(self) -> int:
        return len(self.community_names)

    def party_index(self, party_id: str) -> int:
        """The index of a party id; raises KeyError for an unknown id."""
        try:
            return self.party_ids.index(party_id)
        except ValueError:
            raise KeyError(party_id) from None

    def chains_of(self, sender: int) -> IntArray:
        """Chain indices sender ``sender`` (a sender index) may use."""
        lo, hi = self.sender_chain_indptr[sender], self.sender_chain_indptr[sender + 1]
        return self.sender_chain_indices[lo:hi]

    def recipients_of(self, sender: int) -> IntArray:
        """Recipient party indices of sender ``sender`` (a sender index)."""
        lo, hi = self.sender_recipient_indptr[sender], self.sender_recipient_indptr[sender + 1]
        return self.sender_recipient_indices[lo:hi]


def stakeout_catch(op: OperationParams, known: npt.ArrayLike, mode: npt.ArrayLike) -> FloatArray:
    """a(K): the stake-out catch given the known items and the hand-over mode (docs/model.md step 4).

    Address and schedule known: ``catch.address_and_schedule``; address only:
    ``catch.address_only``; no address: 0; times ``meeting_point_factor`` when the mode is
    ``meeting_point``.
    """
    k = np.asarray(known, dtype=np.uint8)
    has_addr = (k & ADDRESS) != 0
    has_sched = (k & SCHEDULE) != 0
    a = np.where(
        has_addr,
        np.where(has_sched, op.catch_address_and_schedule, op.catch_address_only),
        0.0,
    )
    factor = np.where(np.asarray(mode) == MODE_MEETING_POINT, op.meeting_point_factor, 1.0)
    return np.asarray(a * factor, dtype=np.float64)


def identity_catch(op: OperationParams, known: npt.ArrayLike) -> FloatArray:
    """b(K): the courier-identity catch, ``catch.courier_identity`` when it is known, else 0."""
    k = np.asarray(known, dtype=np.uint8)
    return np.where((k & COURIER_IDENTITY) != 0, op.catch_courier_identity, 0.0)
