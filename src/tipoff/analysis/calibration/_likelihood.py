r"""The observation model: the probability of what was reported, given simulated true counts.

For observation :math:`j` the simulated season gives a true count :math:`N_j` in the scenario's slice
(the sum of its tallies: couriers and families for ``roles: both``). The reported population holds
:math:`m_j = 1/s_j` copies of the slice (``coverage`` :math:`s_j`), so its true count is

.. math:: M_j = \sum_{c=1}^{K_j} N_j^{(c)}, \qquad
   K_j = \lfloor m_j \rfloor + \mathrm{Bernoulli}(m_j - \lfloor m_j \rfloor),

a sum of independent slices (:math:`E[K_j] = m_j`; observations share their first slices, so
populations of different sizes are nested). Each true event is known to the source independently
with probability :math:`r_j`, so the reported count is :math:`Y_j \sim \mathrm{Binomial}(M_j, r_j)`,
and the report says :math:`Y_j \in [a_j, b_j]`. Sources learn of events independently of each
other, so given the true counts

.. math:: P(\text{reports} \mid M) = \prod_j P\big(\mathrm{Binomial}(M_j, r_j) \in [a_j, b_j]\big).

The likelihood :math:`L(\theta) = E_\theta[P(\text{reports} \mid M)]` is estimated without bias from
:math:`R` simulated seasons: they are split into :math:`G = \lfloor R / \lceil \max_j m_j \rceil
\rfloor` groups, each group one draw of the region; the estimate averages the product over groups,
and over 64 random splits of the same seasons (each split is unbiased, so their mean is too,
and far less noisy: close to the average over every way of grouping the seasons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from tipoff.errors import UsageError
from tipoff.scenario import Observations

__all__ = ["TALLY_CODES", "ObservationModel", "TallyRequest", "observation_model"]

#: Codes of the engine's tally kinds (``tipoff.engines.season.TALLY_KINDS``).
TALLY_CODES = {"courier_arrests": 0, "family_arrests": 1, "interceptions": 2, "money_lost": 3}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True)
class TallyRequest:
    """The counts to ask the season engine for, with places by town name (model-independent)."""

    kind: tuple[int, ...]
    by_home: tuple[bool, ...]
    towns: tuple[tuple[str, ...], ...]
    first_day: tuple[int, ...]
    last_day: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.kind)

    def places_mask(self, place_names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        """``(k, n_places)``: which of a compiled model's places each tally counts."""
        mask = np.zeros((self.size, len(place_names)), dtype=bool)
        index = {name: p for p, name in enumerate(place_names)}
        for j, towns in enumerate(self.towns):
            for town in towns:
                if town in index:
                    mask[j, index[town]] = True
        return mask


@dataclass(frozen=True, slots=True, kw_only=True)
class ObservationModel:
    """Everything needed to turn simulated tallies into a likelihood estimate."""

    ids: tuple[str, ...]
    request: TallyRequest
    tallies_of: tuple[tuple[int, ...], ...]  # per observation, the tallies it sums
    low: tuple[int, ...]
    high: tuple[int | None, ...]
    slices: tuple[float, ...]
    reporting: tuple[float | None, ...]  # fixed probability, or None when unknown
    reporting_unknown: tuple[int, ...]  # index among the reporting unknowns, -1 when fixed
    n_splits: int = 64

    @property
    def group_size(self) -> int:
        """Seasons per draw of the reported population (``ceil(max 1/coverage)``)."""
        return max(1, math.ceil(max(self.slices) - 1e-9))

    def observed_values(self, counts: IntArray) -> IntArray:
        """``(R, J)``: each observation's true count in each simulated slice."""
        counts = np.asarray(counts, dtype=np.int64)
        return np.column_stack([counts[:, list(t)].sum(axis=1) for t in self.tallies_of])

    def probabilities(self, totals: IntArray, r: FloatArray) -> FloatArray:
        """``(G, J)``: P(reported relation holds | true counts ``totals``) per observation."""
        out = np.empty(totals.shape, dtype=float)
        for j in range(totals.shape[1]):
            # evaluated once per distinct count: totals repeat a few small integers many times
            uniq, inverse = np.unique(totals[:, j], return_inverse=True)
            out[:, j] = self._probability(j, uniq, float(r[j]))[inverse]
        return out

    def _probability(self, j: int, m: IntArray, r: float) -> FloatArray:
        lo, hi = self.low[j], self.high[j]
        if r >= 1.0:
            ok = m >= lo
            if hi is not None:
                ok &= m <= hi
            return ok.astype(float)
        p = stats.binom.sf(lo - 1, m, r) if lo > 0 else np.ones(len(m))
        if hi is not None:
            p = p - stats.binom.sf(hi, m, r)
        return np.asarray(np.clip(p, 0.0, 1.0), dtype=float)

    def region_totals(self, values: IntArray, rng: np.random.Generator) -> IntArray:
        """``(splits * G, J)``: draws of the reported population's true counts from slices."""
        size = self.group_size
        R, J = values.shape
        if size == 1:
            return values
        groups = R // size
        if groups < 1:
            raise UsageError(
                f"a coverage of {1 / max(self.slices):.3g} needs at least {size} seasons per "
                f"particle (one region is {size} slices); simulate more seasons per particle"
            )
        slices = np.asarray(self.slices)
        whole = np.floor(slices + 1e-12)
        frac = slices - whole
        out = []
        for _ in range(self.n_splits):
            order = rng.permutation(R)[: groups * size].reshape(groups, size)
            vv = values[order]  # (G, size, J)
            k = whole[None, :] + (rng.random((groups, J)) < frac[None, :])  # (G, J)
            take = np.arange(size)[None, :, None] < k[:, None, :]
            out.append((vv * take).sum(axis=1))
        return np.concatenate(out)

    def reporting_values(self, reporting_theta: FloatArray) -> FloatArray:
        """Each observation's reporting probability, given the reporting unknowns' values."""
        return np.array(
            [
                float(reporting_theta[u]) if u >= 0 else float(r if r is not None else 1.0)
                for r, u in zip(self.reporting, self.reporting_unknown, strict=True)
            ]
        )

    def likelihood(
        self, counts: IntArray, reporting_theta: FloatArray, rng: np.random.Generator
    ) -> float:
        """An unbiased estimate of P(every report | theta) from ``(R, k)`` simulated tallies."""
        totals = self.region_totals(self.observed_values(counts), rng)
        p = self.probabilities(totals, self.reporting_values(reporting_theta))
        return float(np.prod(p, axis=1).mean())


def observation_model(observations: Observations, /, *, horizon_days: int) -> ObservationModel:
    """The observation model of an observations file, for a season of ``horizon_days`` days.

    Observations that count the same thing share a tally; ``roles: both`` sums two.
    """
    keys: dict[tuple[int, bool, tuple[str, ...], int, int], int] = {}
    tallies_of: list[tuple[int, ...]] = []
    names = observations.reporting_names()
    for o in observations.observations:
        first, last = o.days if o.days is not None else (0, horizon_days - 1)
        if last >= horizon_days:
            raise UsageError(
                f"observation {o.id}: its last day {last} is beyond the season ({horizon_days} days)"
            )
        if o.count == "arrests":
            kinds = {
                "couriers": ["courier_arrests"],
                "family": ["family_arrests"],
                "both": ["courier_arrests", "family_arrests"],
            }[o.roles or "both"]
        else:
            kinds = [o.count]
        towns = tuple(sorted(observations.towns(o)))
        idx = []
        for kind in kinds:
            key = (TALLY_CODES[kind], o.placed_by == "home", towns, first, last)
            idx.append(keys.setdefault(key, len(keys)))
        tallies_of.append(tuple(idx))
    ordered = sorted(keys.items(), key=lambda kv: kv[1])
    request = TallyRequest(
        kind=tuple(k[0] for k, _ in ordered),
        by_home=tuple(k[1] for k, _ in ordered),
        towns=tuple(k[2] for k, _ in ordered),
        first_day=tuple(k[3] for k, _ in ordered),
        last_day=tuple(k[4] for k, _ in ordered),
    )
    obs = observations.observations
    return ObservationModel(
        ids=tuple(o.id for o in obs),
        request=request,
        tallies_of=tuple(tallies_of),
        low=tuple(o.relation.low for o in obs),
        high=tuple(o.relation.high for o in obs),
        slices=tuple(o.slices for o in obs),
        reporting=tuple(None if isinstance(o.reporting, str) else o.reporting for o in obs),
        reporting_unknown=tuple(
            names.index(o.reporting) if isinstance(o.reporting, str) else -1 for o in obs
        ),
    )
