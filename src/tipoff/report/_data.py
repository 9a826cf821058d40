"""What a report holds: plain values only (strings, numbers, tuples), gathered before rendering.

Every value here is already what the reader sees: pseudonyms, towns, counts, probabilities and
sentences. Nothing holds a family's id: recipients appear only as counts per town. Rendering
(:func:`tipoff.report.render_html`) lays these values out and escapes every string; it computes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AttributionSection",
    "Band",
    "CauseShare",
    "Edge",
    "ExposedDelivery",
    "ExposureSection",
    "Glance",
    "HardeningOption",
    "HardeningSection",
    "Methods",
    "NetworkDiagram",
    "Node",
    "PartyRow",
    "PlaceArrests",
    "ProcedureStep",
    "ReportData",
    "SeasonSection",
    "StepDrop",
    "TotalRow",
]


# ------------------------------------------------------------------------------ at a glance --


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One box of the network diagram: a party, or a group of parties counted together.

    ``column``: 0 senders, 1 .. k relays (by hop), then couriers, then recipient towns.
    ``label`` is drawn beside the marker; ``detail`` is shown on hover.
    """

    key: str
    column: int
    y: float
    role: str  # sender, relay, courier, recipient
    label: str
    detail: str
    count: int  # parties (or families) the node stands for


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """Who works with whom: ``weight`` senders, routes or families use this link."""

    source: str
    target: str
    weight: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkDiagram:
    """The network in layered columns: sender groups, relays, couriers, recipient towns."""

    columns: tuple[str, ...]  # column headings, left to right
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    notes: tuple[str, ...]  # how parties were grouped to keep the drawing readable


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcedureStep:
    """One step of the procedure in plain words, with what dropping it would avoid."""

    number: int  # 1-based
    text: str
    avoided: float  # expected interceptions avoided if the step is dropped (exact engine)


@dataclass(frozen=True, slots=True, kw_only=True)
class Glance:
    """The scenario at a glance: what the network is, what people do, what the service does."""

    name: str
    description: str
    horizon_days: int
    currency: str
    counts: tuple[tuple[str, int], ...]  # (what, how many), e.g. ("senders abroad", 300)
    handover: str  # a sentence
    steps: tuple[ProcedureStep, ...]
    operation: tuple[str, ...]  # sentences about the operation against the network
    network: NetworkDiagram


# ----------------------------------------------------------------------------------- season --


@dataclass(frozen=True, slots=True, kw_only=True)
class TotalRow:
    """A season total: mean and the range that holds 95% of simulated seasons."""

    label: str
    mean: float
    lo: float
    hi: float
    money: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Band:
    """A daily series over the season: mean, and its 95% interval (mean +/- 1.96 standard errors)."""

    label: str
    mean: tuple[float, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceArrests:
    """Mean arrests per season at one place, counted where they happened (see docs/model.md)."""

    place: str
    couriers: float
    family: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CauseShare:
    """The share of interceptions with one true cause, named in plain words."""

    cause: str
    words: str
    share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonSection:
    """What simulated seasons of the operation show."""

    n_runs: int
    horizon_days: int
    summary: str
    totals: tuple[TotalRow, ...]
    deliveries: tuple[Band, ...]  # per day: delivered, intercepted
    arrests: tuple[Band, ...]  # per day: couriers, family members
    places: tuple[PlaceArrests, ...]
    causes: tuple[CauseShare, ...]


# --------------------------------------------------------------------------------- exposure --


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposedDelivery:
    """One of the most exposed deliveries, by route: pseudonyms, and the family's town only."""

    id: str
    sender: str
    relays: tuple[str, ...]
    courier: str
    town: str
    mode: str
    day: int
    p_intercept: float
    main_step: int | None  # 1-based step that exposes it most; None: no single step
    alone: tuple[str, ...]  # positions any one of which, compromised, is enough


@dataclass(frozen=True, slots=True, kw_only=True)
class StepDrop:
    """Expected interceptions avoided when something is withheld: a step, or a role told nothing."""

    label: str
    avoided: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureSection:
    """How exposed each delivery is (static semantics, exact), and what drives it."""

    summary: str
    expected_interceptions: float
    n_rows: int
    mean_p: float
    deliveries: tuple[ExposedDelivery, ...]
    steps: tuple[StepDrop, ...]
    roles: tuple[StepDrop, ...]
    advice: str


# -------------------------------------------------------------------------------- hardening --


@dataclass(frozen=True, slots=True, kw_only=True)
class HardeningOption:
    """One plan scored by ``harden``: its measures, score, cost and seasons."""

    number: int  # 0: today's procedure
    measures: tuple[str, ...]
    titles: tuple[str, ...]
    p_intercept: float
    fee: float
    days: float
    contacts: int
    cost: str  # in words
    arrests: str  # "11.9 (-3.5 ± 0.2)" or "-"
    pareto: bool
    recommended: bool
    within_budget: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HardeningSection:
    """The options for changing the procedure, and the recommended plan in plain words."""

    headline: str  # the recommendation in one sentence
    baseline: str  # today's procedure in one or two sentences
    options: tuple[HardeningOption, ...]  # today's procedure first
    recommendation: tuple[str, ...]  # sentences
    search: str


# ------------------------------------------------------------------------------ attribution --


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyRow:
    """What the log says about one intermediary: evidence, not accusation."""

    id: str
    role: str
    p: float
    lo: float
    hi: float
    prior: float
    exposures: int
    lost: int
    due: float
    #: the split of ``p`` by cause: an informant, or traced by the service (and no informant)
    p_informant: float = 0.0
    p_traced: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionSection:
    """Attribution of the log's interceptions to the intermediaries most likely compromised."""

    source: str
    summary: str
    method: str
    threshold: float
    parties: tuple[PartyRow, ...]
    flagged: str  # a sentence: who is at or above the threshold, with the false-alarm rate
    thin_evidence: str | None  # a warning, or None when the log separates parties
    indistinguishable: tuple[str, ...]
    learned: str
    caveat: str
    advice: str
    never: str
    warnings: tuple[str, ...]
    #: per party at or above the threshold: its probabilities by cause and what to do
    causes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------- methods --


@dataclass(frozen=True, slots=True, kw_only=True)
class Methods:
    """Provenance and the meaning of every number: enough to reproduce and to judge the report."""

    version: str
    seed: int
    scenario: str
    scenario_digest: str
    n_runs: int
    log_digest: str | None
    command: str  # the command that reproduces the report
    settings: tuple[tuple[str, str], ...]
    glossary: tuple[tuple[str, str], ...]
    limits: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportData:
    """Everything one report shows, gathered by :func:`tipoff.report.build_report`."""

    title: str
    glance: Glance
    season: SeasonSection
    exposure: ExposureSection
    hardening: HardeningSection
    attribution: AttributionSection | None
    methods: Methods
    #: with ``--posterior``: prior against posterior (``tipoff.report._calibration``)
    calibration: Any = None
