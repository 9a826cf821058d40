"""Sobol sensitivity indices with their confidence intervals (SALib's estimators), and plain words.

For an output ``Y = f(X_1, ..., X_d)`` of independent inputs, the first-order index
``S_i = Var(E[Y | X_i]) / Var(Y)`` is the share of the output's variance that ``X_i`` explains
alone, and the total index ``ST_i = E[Var(Y | X_~i)] / Var(Y)`` the share it takes part in,
interactions included; ``ST_i = 0`` exactly when ``Y`` does not depend on ``X_i``. SALib estimates
both from the design of :func:`~tipoff.analysis.sweep.sobol_design` (Saltelli 2010 for ``S_i``,
Jansen 1999 for ``ST_i``) with bootstrap confidence intervals over the base points.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tipoff.errors import UsageError

__all__ = ["SobolIndices", "sobol_indices", "sobol_words"]

FloatArray = npt.NDArray[np.float64]

#: A total index whose interval's upper end is below this: the input makes no measurable difference.
NEGLIGIBLE = 0.05
#: A total index whose interval's lower end is above this: the input matters.
MATTERS = 0.1
#: Fewer base points than this: the bootstrap intervals themselves are unreliable, so the words
#: rank nothing (SALib's examples use 1024; 32 is the least that gives usable intervals here).
MIN_BASE = 32
#: A total index's interval wider than this (its half-width over 0.25): too wide to rank by.
WIDE = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class SobolIndices:
    """First-order (``s1``) and total (``st``) indices of each input on one output, with the
    half-widths of their confidence intervals (``s1_conf``, ``st_conf``, at ``conf_level``).

    ``constant`` is True when the output did not vary at all over the design (every index 0).
    ``n_base`` is the number of base points ``N`` of the design (None when not known).
    """

    names: tuple[str, ...]
    s1: FloatArray
    s1_conf: FloatArray
    st: FloatArray
    st_conf: FloatArray
    conf_level: float
    constant: bool = False
    n_base: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "constant": self.constant,
            "n_base": self.n_base,
            "conf_level": self.conf_level,
            "indices": {
                name: {
                    "first_order": float(self.s1[j]),
                    "first_order_conf": float(self.s1_conf[j]),
                    "total": float(self.st[j]),
                    "total_conf": float(self.st_conf[j]),
                }
                for j, name in enumerate(self.names)
            },
        }


def sobol_indices(
    y: npt.ArrayLike,
    names: Sequence[str],
    /,
    *,
    seed: int,
    conf_level: float = 0.95,
    n_resamples: int = 1000,
) -> SobolIndices:
    """Sobol indices of the inputs ``names`` on the output values ``y`` of a Sobol design.

    Parameters
    ----------
    y : array of shape (n * (len(names) + 2),)
        The output at each row of :func:`~tipoff.analysis.sweep.sobol_design`, in its order.
    names : sequence of str
        The inputs, in the design's column order.
    seed : int
        Seed of the bootstrap that gives the confidence intervals.
    conf_level : float
        Coverage of the intervals.
    n_resamples : int
        Bootstrap resamples.

    Examples
    --------
    >>> from tipoff.analysis.sweep import sobol_design
    >>> u = sobol_design(2, 256, seed=1)
    >>> r = sobol_indices(u[:, 0] * 10, ["a", "b"], seed=1)  # only "a" matters
    >>> round(float(r.st[0]), 2), round(float(r.st[1]), 2)
    (1.0, 0.0)
    """
    try:
        from SALib.analyze import sobol as salib_sobol
    except ImportError:
        raise UsageError(
            "{sobol} needs SALib: pip install 'tipoff[sensitivity]'", params=["sobol"]
        ) from None
    y = np.asarray(y, dtype=float)
    d = len(names)
    if y.ndim != 1 or y.size % (d + 2) or y.size < 2 * (d + 2):
        raise ValueError(f"y must hold n * {d + 2} values (n >= 2), got shape {y.shape}")
    zeros = np.zeros(d)
    if np.ptp(y) == 0:
        return SobolIndices(
            names=tuple(names),
            s1=zeros,
            s1_conf=zeros,
            st=zeros,
            st_conf=zeros,
            conf_level=conf_level,
            constant=True,
            n_base=y.size // (d + 2),
        )
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = salib_sobol.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=n_resamples,
            conf_level=conf_level,
            seed=seed,
        )

    def arr(key: str) -> FloatArray:
        return np.nan_to_num(np.asarray(r[key], dtype=float), nan=0.0)

    return SobolIndices(
        names=tuple(names),
        s1=arr("S1"),
        s1_conf=arr("S1_conf"),
        st=arr("ST"),
        st_conf=arr("ST_conf"),
        conf_level=conf_level,
        n_base=y.size // (d + 2),
    )


def _percent(x: float, digits: int) -> str:
    return f"{100 * x:.{digits}f}%"


def interval_words(st: float, conf: float, /) -> str:
    """A total index and its interval in percent, clipped to [0, 100%] where the index lives.

    The interval is printed only when it has a width, with as many decimals as it takes for its
    two ends to differ: never "± 0%" for an interval that is not exactly 0 wide.

    Examples
    --------
    >>> interval_words(0.0, 0.0)
    '0%'
    >>> interval_words(0.35, 0.2)
    '35% (15% to 55%)'
    >>> interval_words(0.001, 0.002)
    '0.1% (0.0% to 0.3%)'
    """
    est = min(max(st, 0.0), 1.0)
    if conf <= 0:
        return _percent(est, 0) if est in (0.0, 1.0) else f"{100 * est:.3g}%"
    lo, hi = max(st - conf, 0.0), min(st + conf, 1.0)
    for digits in range(4):
        ends = _percent(lo, digits), _percent(hi, digits)
        if ends[0] != ends[1]:
            break
    return f"{_percent(est, digits)} ({ends[0]} to {ends[1]})"


def sobol_words(output: str, r: SobolIndices, /, *, rerun: str = "sobol={n}") -> str:
    """One or two plain sentences on which inputs drive ``output`` and which make no difference.

    Each input is named with its total index and its interval (:func:`interval_words`). With
    fewer than :data:`MIN_BASE` base points, or an interval wider than :data:`WIDE`, the evidence
    is too thin to rank the inputs: the sentence says so, gives the estimates, and suggests a
    larger ``N``, worded by ``rerun`` (``"sobol={n}"``, or ``"--sobol {n}"`` on the command line)
    with ``n`` four times the base points.
    """
    if r.constant:
        return f"{output}: the same at every point of the design; no input changes it."
    order = np.argsort(-r.st)
    lo, hi = r.st - r.st_conf, r.st + r.st_conf

    def named(js: Any) -> str:
        parts = [f"{r.names[j]} {interval_words(r.st[j], r.st_conf[j])}" for j in js]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def verb(js: list[Any], one: str, many: str) -> str:
        return one if len(js) == 1 else many

    more = rerun.format(n=4 * r.n_base if r.n_base else 4 * MIN_BASE)
    widest = float((np.minimum(hi, 1.0) - np.maximum(lo, 0.0)).max())
    few = r.n_base is not None and r.n_base < MIN_BASE
    if few or widest > WIDE:
        why = (
            f"only {r.n_base} base points"
            if few
            else f"{r.conf_level:.0%} intervals up to {100 * widest:.0f} percentage points wide"
        )
        return (
            f"{output}: the evidence is too thin to rank the inputs ({why}); total indices "
            f"so far: {named(order)}. Run again with {more} or more to narrow them."
        )
    matter = [j for j in order if lo[j] > MATTERS]
    none = [j for j in order if hi[j] < NEGLIGIBLE]
    little = [j for j in order if NEGLIGIBLE <= hi[j] < MATTERS]
    unsure = [j for j in order if j not in matter and j not in none and j not in little]
    out = []
    if matter:
        out.append(f"most of its variation comes with {named(matter)}")
    if unsure:
        out.append(
            f"{named(unsure)} may matter, but there are too few points to tell ({more} or more "
            "narrows the interval)"
        )
    if little:
        out.append(f"{named(little)} {verb(little, 'matters', 'matter')} little")
    if none:
        out.append(f"{named(none)} {verb(none, 'makes', 'make')} no measurable difference")
    interactions = 1.0 - float(np.clip(r.s1, 0, None).sum())
    text = f"{output}: " + "; ".join(out) + "."
    if interactions > 0.2 and matter and float(r.s1_conf.max()) < 0.1:
        text += f" About {interactions:.0%} of the variation comes from inputs acting together."
    return text
