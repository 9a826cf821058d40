"""The scenario language: pydantic models of what users write (docs/model.md, "The scenario file").

Every model forbids unknown keys (a typo is an error, never silently ignored), bounds every number
(probabilities in [0, 1], days >= 0) and documents each field, which the JSON Schema carries to
editors. Cross-references between parties are checked after the fields, with paths that point at
the offending entry (see :func:`tipoff.scenario._references.check_references`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from tipoff.scenario._privacy import check_id, check_place

__all__ = [
    "ITEMS",
    "ROLES",
    "AmountSpec",
    "Catch",
    "CountermeasureSpec",
    "CourierGenerator",
    "DeliverySpec",
    "Generate",
    "Harvest",
    "Interrogation",
    "Item",
    "LeadCap",
    "Links",
    "MeasureCost",
    "Mode",
    "Operation",
    "Party",
    "RecipientGenerator",
    "Recruitment",
    "RelayGenerator",
    "RelayStep",
    "Response",
    "Role",
    "Scenario",
    "SenderGenerator",
    "Side",
    "Step",
    "Withhold",
    "Workload",
]

PARTY_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$"
PartyId = Annotated[
    str,
    StringConstraints(pattern=PARTY_ID_PATTERN),
    AfterValidator(check_id),
    Field(description="A pseudonym: a letter, then up to 39 letters, digits, '_', '.' or '-'."),
]
PlaceName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=60, pattern=r"^[^\d\n]+$"),
    AfterValidator(check_place),
    Field(
        description="A town or county name from tipoff's gazetteer (or added with "
        "`tipoff config --place`); no street, no house number."
    ),
]
CommunityName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=60, pattern=r"^[^\n]+$"),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegInt = Annotated[int, Field(ge=0)]


class Role(StrEnum):
    """What a party does in a delivery."""

    sender = "sender"
    relay = "relay"
    courier = "courier"
    recipient = "recipient"


class Side(StrEnum):
    """Where a party lives: abroad (e.g. South Korea), in China, or in North Korea."""

    abroad = "abroad"
    china = "china"
    north = "north"


class Item(StrEnum):
    """What can be disclosed about one delivery."""

    recipient_identity = "recipient_identity"
    recipient_address = "recipient_address"
    schedule = "schedule"
    courier_identity = "courier_identity"
    sender_identity = "sender_identity"
    amount = "amount"
    meeting_point = "meeting_point"


class Mode(StrEnum):
    """Where the hand-over happens."""

    home = "home"
    meeting_point = "meeting_point"


ITEMS: tuple[str, ...] = tuple(i.value for i in Item)
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
#: Protocol targets beyond the four roles: the first or last relay of the path only.
PATH_ROLES: tuple[str, ...] = (*ROLES, "first_relay", "last_relay")
#: In a countermeasure's ``targets``: every protocol target on the China side.
CHINA_SIDE = "china_side"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Party(_Strict):
    """One party of the network, by pseudonym."""

    id: PartyId
    role: Role
    side: Side | None = Field(
        default=None,
        description="Default: abroad for senders, china for relays, north for couriers and recipients.",
    )
    community: CommunityName | None = Field(
        default=None, description="Parties of one community hear each other's business."
    )
    coercible: bool | None = Field(
        default=None,
        description="Can be pressured into informing. Default: true on the china side, else false.",
    )
    home: PlaceName | None = Field(default=None, description="A town name, for reports.")
    informant: Probability | None = Field(
        default=None,
        description="This party's own probability of being an informant on day 0 "
        "(overrides operation.recruitment.initial).",
    )


class SenderGenerator(_Strict):
    """Many senders without listing them one by one."""

    count: int = Field(ge=1, le=1_000_000)
    side: Side = Side.abroad
    prefix: PartyId = "s"
    relays: list[PartyId] = Field(
        min_length=1, description="Relays the generated senders use (see relays_per_sender)."
    )
    relays_per_sender: int | None = Field(
        default=None,
        ge=1,
        description="Each sender uses this many of `relays`, assigned round-robin. "
        "Default: all of them.",
    )
    communities: list[CommunityName] = Field(
        default_factory=list, description="Assigned round-robin; empty means no community."
    )


class RecipientGenerator(_Strict):
    """Recipients (families) for every sender: generated or listed."""

    per_sender: int = Field(default=1, ge=1, le=20)
    prefix: PartyId = "f"
    homes: list[PlaceName] = Field(min_length=1, description="Assigned round-robin.")


class RelayGenerator(_Strict):
    """Many China-side relays, each linked round-robin to generated or listed couriers."""

    count: int = Field(ge=1, le=100_000)
    prefix: PartyId = "r"
    communities: list[CommunityName] = Field(default_factory=list)
    couriers_per_relay: int = Field(default=1, ge=1, le=50)


class CourierGenerator(_Strict):
    """Many couriers from border towns."""

    count: int = Field(ge=1, le=100_000)
    prefix: PartyId = "c"
    homes: list[PlaceName] = Field(min_length=1)


class Generate(_Strict):
    """Generators for large networks; generated ids are ``prefix`` + a zero-padded number."""

    senders: SenderGenerator | None = None
    recipients: RecipientGenerator | None = None
    relays: RelayGenerator | None = None
    couriers: CourierGenerator | None = None


class Links(_Strict):
    """Who works with whom. Generated parties get their links from their generator."""

    sender_relays: dict[PartyId, list[PartyId]] = Field(
        default_factory=dict, description="The first relay(s) each listed sender may use."
    )
    relay_relays: dict[PartyId, list[PartyId]] = Field(
        default_factory=dict,
        description="Relay chains: the next relay(s) a relay may pass a delivery to.",
    )
    relay_couriers: dict[PartyId, list[PartyId]] = Field(
        default_factory=dict, description="The couriers each relay works with."
    )
    sender_recipients: dict[PartyId, list[PartyId]] = Field(
        default_factory=dict, description="The recipients (families) of each listed sender."
    )


class AmountSpec(_Strict):
    """Amount per delivery: log-normal with this median and log-scale spread."""

    median: float = Field(gt=0, le=1e9)
    spread: float = Field(default=0.5, ge=0, le=5)


class DeliverySpec(_Strict):
    """One explicit delivery; what is left out is chosen by the network as usual."""

    id: PartyId | None = None
    day: NonNegInt
    sender: PartyId
    recipient: PartyId | None = None
    relays: list[PartyId] | None = Field(default=None, min_length=1)
    courier: PartyId | None = None
    amount: float | None = Field(default=None, gt=0, le=1e9)
    mode: Mode | None = None


class Workload(_Strict):
    """How many deliveries: a Poisson rate per sender per year, and/or an explicit list."""

    per_sender_per_year: float = Field(default=0.0, ge=0, le=365)
    amount: AmountSpec = AmountSpec(median=1000.0, spread=0.5)
    deliveries: list[DeliverySpec] = Field(default_factory=list)


class Step(_Strict):
    """One disclosure step of the procedure: who tells whom which items, how long before."""

    from_: str = Field(
        alias="from",
        description="Who tells (a role or a party id). Descriptive: what counts is who is told.",
    )
    to: str = Field(
        description="Who is told: sender, relay (every relay on the path), first_relay, "
        "last_relay, courier, recipient, or a party id."
    )
    items: list[Item] = Field(min_length=1)
    lead_days: NonNegInt = Field(le=365, description="Days before the hand-over.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Recruitment(_Strict):
    """How coercible parties become informants."""

    initial: Probability = Field(description="rho0: probability of being an informant on day 0.")
    daily_hazard: Probability = Field(
        default=0.0, description="h: daily probability that a non-informant is turned."
    )


class Harvest(_Strict):
    """What an informant overhears in its community."""

    community: Probability = Field(
        default=0.0,
        description="sigma: per delivery, probability of learning what was disclosed to other "
        "members of the informant's community.",
    )


class RelayStep(_Strict):
    """How tips travel from an informant to the service."""

    success: Probability = Field(description="pi: probability that a tip reaches the service.")
    delay_days: NonNegInt = Field(
        default=0, le=365, description="delta: days a tip takes to reach the service."
    )


class Catch(_Strict):
    """Probability of arresting the courier, given what the service knows."""

    address_and_schedule: Probability
    address_only: Probability = 0.0
    courier_identity: Probability = 0.0

    @model_validator(mode="after")
    def _more_knowledge_never_lowers_the_catch(self) -> Catch:
        if self.address_only > self.address_and_schedule:
            raise ValueError(
                "address_only must not exceed address_and_schedule: knowing the schedule as well "
                "cannot make a stake-out less likely to succeed"
            )
        return self


class Response(_Strict):
    """How the service acts on what it knows."""

    catch: Catch
    meeting_point_factor: Probability = Field(
        default=1.0,
        description="Multiplies the stake-out catch when the hand-over is away from home.",
    )
    capacity_per_day: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Most stake-outs a day; null means unlimited."
    )


class Interrogation(_Strict):
    """What an arrested courier reveals (the sweep)."""

    recipients: Probability = Field(
        default=0.0, description="Probability of revealing each recipient it delivered to."
    )
    couriers: Probability = Field(
        default=0.0, description="Probability of revealing each courier it knows."
    )
    watch_days: NonNegInt = Field(
        default=0, le=3650, description="Days a revealed home is watched."
    )
    sweep_delay_days: NonNegInt = Field(
        default=0, le=3650, description="Days from revealing a courier to arresting it."
    )


class Operation(_Strict):
    """The adversary: the security service's operation (docs/model.md, "The operation")."""

    recruitment: Recruitment
    harvest: Harvest = Harvest()
    relay: RelayStep
    response: Response
    background: Probability = Field(
        default=0.0, description="eps: per-delivery interception unrelated to informants."
    )
    family_arrest: Probability = Field(
        default=0.0, description="phi: probability the collecting family member is arrested."
    )
    interrogation: Interrogation = Interrogation()
    tracing: Probability = Field(
        default=0.0, description="psi: probability an arrested family member reveals the relay."
    )
    replacement_couriers_per_month: float = Field(
        default=0.0, ge=0, le=10_000, description="Rate at which arrested couriers are replaced."
    )


class Withhold(_Strict):
    """Items that some targets are no longer told (countermeasures, ``withhold``)."""

    items: list[Item] = Field(min_length=1, description="The items no longer told.")
    targets: list[str] = Field(
        min_length=1,
        description="Who is no longer told them: a protocol target (sender, relay, first_relay, "
        "last_relay, courier, recipient), a party id, or china_side (every China-side target: "
        "the relay targets and parties on the china side). `relay` also covers first_relay and "
        "last_relay. A target no longer told an item cannot pass it on either: the items also "
        "leave the steps the target tells.",
    )


class LeadCap(_Strict):
    """Items told no earlier than ``lead_days`` before the hand-over (countermeasures)."""

    items: list[Item] = Field(min_length=1, description="The items told later.")
    targets: list[str] = Field(
        default_factory=list,
        description="Whose steps are changed (same words as in withhold); empty means everyone.",
    )
    lead_days: NonNegInt = Field(
        le=365, description="The most days before the hand-over these items are told."
    )


class MeasureCost(_Strict):
    """What a countermeasure costs, per delivery (assumptions the user states)."""

    fee: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Added fee as a share of the amount (0.05: five percentage points more).",
    )
    days: float = Field(
        default=0.0, ge=0.0, le=365.0, description="Added days until the family has the money."
    )
    contacts: int = Field(
        default=0,
        ge=0,
        le=100,
        description="Added phone contacts per delivery; each carries its own detection risk "
        "(tipoff harden --contact-risk).",
    )


class CountermeasureSpec(_Strict):
    """A change to the procedure, defined in the scenario file (``tipoff harden`` scores it)."""

    name: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$"),
        Field(description="A short name: a letter, then up to 39 letters, digits, '_', '.', '-'."),
    ]
    description: str = Field(default="", max_length=500, description="What it changes, in words.")
    sources: list[Annotated[str, StringConstraints(pattern=r"^C[0-9]{1,2}$")]] = Field(
        default_factory=list,
        description="Countermeasure ids it rests on (C1 ... C15, in tipoff's docs/sources.md §4).",
    )
    status: Literal["reported", "recommended", "hypothesis"] = Field(
        default="hypothesis",
        description="reported in practice, recommended by an NGO or government, or a hypothesis.",
    )
    withhold: list[Withhold] = Field(
        default_factory=list, description="Items some targets are no longer told."
    )
    cap_lead_days: list[LeadCap] = Field(
        default_factory=list, description="Items told later than today (steps split as needed)."
    )
    tell: list[Step] = Field(
        default_factory=list, description="Steps added to the protocol (applied last)."
    )
    handover: Mode | None = Field(
        default=None,
        description="Hand-over mode for every delivery (null: unchanged).",
    )
    cost: MeasureCost = Field(default_factory=MeasureCost, description="What it costs.")


class Scenario(_Strict):
    """A network, its procedure and the operation against it, over a season."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
    description: str = Field(default="", max_length=2000)
    horizon_days: int = Field(ge=1, le=3650)
    currency: Literal["USD", "KRW", "CNY"] = "USD"
    parties: list[Party] = Field(default_factory=list)
    generate: Generate = Generate()
    links: Links = Links()
    workload: Workload = Workload()
    protocol: list[Step] = Field(min_length=1)
    handover: Mode = Mode.home
    operation: Operation
    countermeasures: list[CountermeasureSpec] = Field(
        default_factory=list,
        description="Changes to the procedure to score with `tipoff harden`, besides its library.",
    )

    def with_params(self, values: Mapping[str, float], /) -> Scenario:
        """A validated copy with the numbers at the dotted paths of ``values`` changed.

        Delegates to :func:`tipoff.scenario.with_params`: the copy is checked like a loaded file
        (a share of 5.0 is refused), unlike ``model_copy(update=...)``.

        Examples
        --------
        >>> from tipoff.scenario import load_preset
        >>> s = load_preset("classroom").with_params({"operation.recruitment.initial": 0.2})
        >>> s.operation.recruitment.initial
        0.2
        """
        from tipoff.scenario._params import with_params

        return with_params(self, values)
