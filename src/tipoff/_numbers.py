"""How tipoff writes a mean with its uncertainty, in every table and sentence."""

from __future__ import annotations

__all__ = ["plus_minus"]


def plus_minus(
    mean: float, half: float, /, *, decimals: int = 2, sign: bool = False, thousands: bool = False
) -> str:
    """``mean ± half``, both to ``decimals`` places; a half-width that would round to 0 there but
    is not 0 gets one significant digit instead: never "± 0.0" for an interval that is not
    exactly 0 wide.

    Examples
    --------
    >>> plus_minus(1.5, 0.25), plus_minus(2.0, 0.0), plus_minus(1.0, 0.0012)
    ('1.50 ± 0.25', '2.00 ± 0', '1.00 ± 0.001')
    >>> plus_minus(0.2, 0.04, decimals=1, sign=True), plus_minus(-6830, 173, decimals=0, thousands=True)
    ('+0.2 ± 0.04', '-6,830 ± 173')
    >>> plus_minus(-0.001, 0.01), plus_minus(-0.3, 2.0, decimals=0, sign=True)
    ('0.00 ± 0.01', '0 ± 2')
    """
    grouping = "," if thousands else ""
    text = format(mean, f"{'+' if sign else ''}{grouping}.{decimals}f")
    if text.lstrip("+-").strip("0.,") == "":  # rounds to zero: no sign ("-0.00" reads as a loss)
        text = text.lstrip("+-")
    if half == 0:
        return f"{text} ± 0"
    h = format(half, f"{grouping}.{decimals}f")
    if float(h.replace(",", "")) == 0:
        h = f"{half:.1g}"
    return f"{text} ± {h}"
