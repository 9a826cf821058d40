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
:math:`R` simulated seasons :math:`X_1, \dots, X_R` (independent, each one slice): with
:math:`K = \lceil \max_j m_j \rceil` slices per draw of the region, the estimate is the average of
:math:`f(X_{i_1}, \dots, X_{i_K})` over the sets :math:`i_1 < \dots < i_K` of a design :math:`D`,

.. math:: \hat L = \frac{1}{|D|} \sum_{(i_1, \dots, i_K) \in D} \prod_j \Big[
   (1 - \phi_j)\, P_j\big(\textstyle\sum_{c \le \lfloor m_j \rfloor} N_j^{(i_c)}\big)
   + \phi_j\, P_j\big(\textstyle\sum_{c \le \lfloor m_j \rfloor + 1} N_j^{(i_c)}\big) \Big],

where :math:`P_j(M) = P(\mathrm{Binomial}(M, r_j) \in [a_j, b_j])` and
:math:`\phi_j = m_j - \lfloor m_j \rfloor`. The seasons of a set are independent draws of the slice,
so each term is unbiased whatever the set, and so is their mean; the reporting (the binomial) and
the coverage's Bernoulli are averaged out exactly rather than drawn (Rao-Blackwellised). The design
is every set of :math:`K` seasons (a U-statistic; with one coverage for every observation, the
least noisy unbiased estimate these seasons allow) when there are at most :data:`MAX_SETS` of them, otherwise ``n_splits`` fixed random
partitions of the seasons into groups of :math:`K`; it depends only on :math:`R` and :math:`K`,
never on the simulated counts, and the same design serves every particle.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from tipoff.errors import UsageError
from tipoff.scenario import Observations

__all__ = ["MAX_SETS", "TALLY_CODES", "ObservationModel", "TallyRequest", "observation_model"]

#: Codes of the engine's tally kinds (``tipoff.engines.season.TALLY_KINDS``).
TALLY_CODES = {"courier_arrests": 0, "family_arrests": 1, "interceptions": 2, "money_lost": 3}

#: Largest design enumerated in full (every set of K seasons); above it, random partitions.
MAX_SETS = 5000
#: Particles per block when evaluating estimates (bounds the memory of the sets' sums).
_BLOCK_CELLS = 1 << 21

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

    def design(self, n_runs: int) -> IntArray:
        """``(B, K)``: the sets of seasons the estimate averages over (see the module's text)."""
        size = self.group_size
        if n_runs < size:
            raise UsageError(
                f"a coverage of {1 / max(self.slices):.3g} needs at least {size} seasons per "
                f"particle (one region is {size} slices); simulate more seasons per particle"
            )
        if math.comb(n_runs, size) <= MAX_SETS:
            return np.array(list(itertools.combinations(range(n_runs), size)), dtype=np.int64)
        # a fixed design: it never depends on the seasons, so each set stays unbiased
        rng = np.random.default_rng(np.random.SeedSequence(n_runs, spawn_key=(size,)))
        groups = n_runs // size
        return np.concatenate(
            [
                np.sort(rng.permutation(n_runs)[: groups * size].reshape(groups, size), axis=1)
                for _ in range(self.n_splits)
            ]
        )

    def factors(self, values: IntArray, r: FloatArray) -> FloatArray:
        """``(n, B, J)``: each observation's probability in each set of the design.

        ``values`` is ``(n, R, J)`` (:meth:`observed_values` of ``n`` particles' seasons) and
        ``r`` is ``(n, J)``, each particle's reporting probabilities. Factor ``[i, b, j]`` is
        the probability that report ``j`` holds given set ``b`` of particle ``i``'s seasons, the
        coverage's Bernoulli averaged out.
        """
        return np.concatenate([f for _, f in self._factor_blocks(values, r)])

    def _factor_blocks(self, values: IntArray, r: FloatArray) -> Iterator[tuple[slice, FloatArray]]:
        """:meth:`factors` in blocks of particles (bounded memory)."""
        values = np.asarray(values, dtype=np.int64)
        n, R, J = values.shape
        design = self.design(R)
        step = max(1, _BLOCK_CELLS // max(1, design.size * J))
        for a in range(0, n, step):
            block = slice(a, min(n, a + step))
            csum = np.cumsum(values[block][:, design, :], axis=2)  # (n', B, K, J)
            out = np.empty((csum.shape[0], len(design), J))
            for j in range(J):
                whole = math.floor(self.slices[j] + 1e-9)
                frac = self.slices[j] - whole
                p = self._grid(j, csum[:, :, whole - 1, j], r[block, j])
                if frac > 1e-9:
                    more = self._grid(j, csum[:, :, whole, j], r[block, j])
                    p = (1.0 - frac) * p + frac * more
                out[:, :, j] = p
            yield block, out

    def _grid(self, j: int, m: IntArray, r: FloatArray) -> FloatArray:
        """``P_j(m[i, b])`` with reporting ``r[i]``: once per distinct count (and value of r)."""
        if np.all(r == r[0]):
            uniq, inverse = np.unique(m, return_inverse=True)
            return self._probability(j, uniq, float(r[0]))[inverse].reshape(m.shape)
        out = np.empty(m.shape)
        for i in range(len(r)):
            uniq, inverse = np.unique(m[i], return_inverse=True)
            out[i] = self._probability(j, uniq, float(r[i]))[inverse]
        return out

    def reporting_values(self, reporting_theta: FloatArray) -> FloatArray:
        """Each observation's reporting probability, given the reporting unknowns' values."""
        return np.array(
            [
                float(reporting_theta[u]) if u >= 0 else float(r if r is not None else 1.0)
                for r, u in zip(self.reporting, self.reporting_unknown, strict=True)
            ]
        )

    def likelihoods(self, counts: IntArray, reporting_thetas: FloatArray) -> FloatArray:
        """Unbiased estimates of P(every report | theta), one per particle.

        ``counts`` is ``(n, R, k)`` (each particle's simulated tallies), ``reporting_thetas``
        ``(n, u)`` (the reporting unknowns' values, ``u`` may be 0).
        """
        counts = np.asarray(counts, dtype=np.int64)
        values = np.stack([self.observed_values(c) for c in counts])
        r = np.stack([self.reporting_values(t) for t in np.atleast_2d(reporting_thetas)])
        if len(r) != len(counts):
            r = np.broadcast_to(r, (len(counts), r.shape[1]))
        out = np.empty(len(counts))
        for block, f in self._factor_blocks(values, r):
            out[block] = np.prod(f, axis=2).mean(axis=1)
        return out

    def likelihood(self, counts: IntArray, reporting_theta: FloatArray) -> float:
        """An unbiased estimate of P(every report | theta) from ``(R, k)`` simulated tallies."""
        theta = np.asarray(reporting_theta, dtype=float).reshape(1, -1)
        return float(self.likelihoods(np.asarray(counts)[None], theta)[0])


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
