"""Search for the best plan within a budget: exhaustive over small sets, beam or greedy beyond.

The search is pure combinatorics over candidate indices ``0..n-1``: it is given a score function
(lower is better) and a cost function, so it can be checked against brute force on made-up scores.
A plan is a sorted tuple of indices. Ties in score are broken by lower fee, then fewer days, then
fewer measures, then the indices themselves, so the answer is deterministic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tipoff.analysis.hardening._measures import Cost

__all__ = [
    "EXHAUSTIVE_LIMIT",
    "SEARCH_METHODS",
    "Plan",
    "SearchResult",
    "pareto_front",
    "rank_key",
    "resolve_method",
    "search_plans",
    "within_budget",
]

Plan = tuple[int, ...]
SEARCH_METHODS = ("auto", "exhaustive", "beam", "greedy")
#: ``method="auto"`` searches exhaustively up to this many candidates (2**10 = 1024 plans).
EXHAUSTIVE_LIMIT = 10
_DIGITS = 12  # scores equal to 12 decimals are ties


def within_budget(cost: Cost, max_fee: float | None, max_days: float | None) -> bool:
    """Whether ``cost`` fits the budget (None: no limit)."""
    eps = 1e-9
    return (max_fee is None or cost.fee <= max_fee + eps) and (
        max_days is None or cost.days <= max_days + eps
    )


def rank_key(plan: Plan, score: float, cost: Cost) -> tuple[float, float, float, int, Plan]:
    """Sort key: score, then fee, then days, then size, then the plan itself."""
    return (round(score, _DIGITS), round(cost.fee, 9), round(cost.days, 9), len(plan), plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """What the search found.

    Attributes
    ----------
    method : {"exhaustive", "beam", "greedy"}
        The search actually used.
    best : Plan
        The best plan within the budget (the empty plan when nothing beats today's procedure).
    evaluated : tuple of (Plan, float, Cost)
        Every plan scored, empty plan first.
    """

    method: str
    best: Plan
    evaluated: tuple[tuple[Plan, float, Cost], ...]


def resolve_method(n: int, method: str, /) -> str:
    """The search ``method`` runs over ``n`` candidates (``auto``: exhaustive up to
    ``EXHAUSTIVE_LIMIT``, else beam)."""
    if method != "auto":
        return method
    return "exhaustive" if n <= EXHAUSTIVE_LIMIT else "beam"


def search_plans(
    n: int,
    score: Callable[[Plan], float],
    cost: Callable[[Plan], Cost],
    /,
    *,
    max_fee: float | None = None,
    max_days: float | None = None,
    method: str = "auto",
    beam_width: int = 4,
) -> SearchResult:
    """The plan of lowest ``score`` whose ``cost`` fits the budget.

    Parameters
    ----------
    n : int
        Number of candidate measures.
    score, cost : callable
        Score (lower is better) and cost of a plan. ``score`` is called once per plan.
    max_fee, max_days : float or None
        Budget (None: no limit). Costs only grow when a measure is added, so plans over budget
        are never extended.
    method : {"auto", "exhaustive", "beam", "greedy"}
        ``exhaustive`` scores all ``2**n`` plans (every plan, within the budget or not, so the
        Pareto front is complete); ``beam`` keeps the ``beam_width`` best plans of each size and
        extends each by one measure; ``greedy`` adds the best single measure while it helps.
        ``auto``: exhaustive up to ``EXHAUSTIVE_LIMIT`` candidates, else beam.
    beam_width : int
        Plans kept per size by the beam search.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> from tipoff.analysis.hardening import Cost
    >>> gain = [0.3, 0.1, 0.2]
    >>> fee = [0.05, 0.0, 0.1]
    >>> r = search_plans(3, lambda p: 1 - sum(gain[i] for i in p),
    ...                  lambda p: Cost(fee=sum(fee[i] for i in p)), max_fee=0.1)
    >>> r.best, r.method
    ((0, 1), 'exhaustive')
    """
    if method not in SEARCH_METHODS:
        raise ValueError(f"method must be one of {', '.join(SEARCH_METHODS)}, got {method!r}")
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1, got {beam_width}")
    used = resolve_method(n, method)
    seen: dict[Plan, tuple[float, Cost]] = {}

    def evaluate(plans: Iterable[Plan]) -> list[Plan]:
        out = []
        for p in plans:
            if p not in seen:
                seen[p] = (score(p), cost(p))
            out.append(p)
        return out

    def fits(p: Plan) -> bool:
        return within_budget(cost(p), max_fee, max_days)

    def key(p: Plan) -> tuple[float, float, float, int, Plan]:
        return rank_key(p, *seen[p])

    evaluate([()])
    if used == "exhaustive":
        evaluate(c for k in range(1, n + 1) for c in itertools.combinations(range(n), k))
    elif used == "greedy":
        current: Plan = ()
        while True:
            nxt = [tuple(sorted((*current, j))) for j in range(n) if j not in current]
            nxt = evaluate(p for p in nxt if fits(p))
            if not nxt:
                break
            step = min(nxt, key=key)
            if round(seen[step][0], _DIGITS) >= round(seen[current][0], _DIGITS):
                break  # no single measure helps any more
            current = step
    else:
        level: list[Plan] = [()]
        for _ in range(n):
            grown = {tuple(sorted((*p, j))) for p in level for j in range(n) if j not in p}
            nxt = evaluate(sorted(p for p in grown if fits(p)))
            if not nxt:
                break
            level = sorted(nxt, key=key)[:beam_width]
    feasible = [p for p in seen if fits(p)]
    best = min(feasible, key=key)
    if round(seen[best][0], _DIGITS) >= round(seen[()][0], _DIGITS):
        best = ()
    return SearchResult(
        method=used,
        best=best,
        evaluated=tuple((p, s, c) for p, (s, c) in seen.items()),
    )


def pareto_front(evaluated: Iterable[tuple[Plan, float, Cost]], /) -> list[Plan]:
    """Plans no other plan beats on score, fee and days at once (the interception-cost front).

    Of plans equal on all three, only the first by :func:`rank_key` (the fewest measures) is kept.
    Sorted by fee, then days, then score.
    """
    items = sorted(evaluated, key=lambda e: rank_key(*e))
    front: list[tuple[Plan, float, Cost]] = []
    for plan, s, c in items:
        v = (round(s, _DIGITS), round(c.fee, 9), round(c.days, 9))
        dominated = False
        for _, s2, c2 in front:
            w = (round(s2, _DIGITS), round(c2.fee, 9), round(c2.days, 9))
            if all(a <= b for a, b in zip(w, v, strict=True)):
                dominated = True  # better or equal everywhere (equal: an earlier, smaller plan)
                break
        if not dominated:
            front.append((plan, s, c))
    front.sort(key=lambda e: (e[2].fee, e[2].days, e[1]))
    return [p for p, _, _ in front]
