"""The privacy guard: refuse strings that look like real phone numbers, e-mail or street addresses.

tipoff holds pseudonyms only. A scenario names parties by made-up ids and places by town names;
anything that looks like contact details of a real person is refused before it is stored,
validated or echoed. The checks are heuristics tuned to miss nothing obvious while leaving
ordinary scenario values alone (ids such as ``s001.f1``, town names, descriptions with a few
numbers, dates and citations).
"""

from __future__ import annotations

import re

__all__ = ["privacy_problem"]

_ADVICE = (
    "tipoff holds pseudonyms only: use a made-up id and a town name, "
    "never real names, addresses or phone numbers"
)

# A run of digits joined by phone-like separators, optionally led by '+' or '('.
_PHONE_RUN = re.compile(r"(?<![\d+])(\+[ \t]?)?\(?\d+(?:[ \t\-.()]{1,3}\d+)*")
_DATE = re.compile(r"^(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:([ .,])\d{3})(?:\1\d{3})*$")

_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")

_STREET_WORD = r"(?i:street|st|road|rd|avenue|ave|lane|ln|alley|boulevard|blvd|drive|dr)\b"
_KR_SUFFIX = r"(?<![A-Za-z])(?i:[a-z]+-(?:dong|ri|gu|ro|gil|daero))\b"
# Every pattern starts only where its leading run starts (a look-behind) or bounds its runs,
# so a search is linear in the text: no pattern backtracks over a long value.
_ADDRESS = [
    # "221B Baker Street", "12 Main St", "12 main street"
    re.compile(rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+(?:[A-Z][\w'\-]{{0,40}}[ \t]+){{1,3}}{_STREET_WORD}"),
    re.compile(rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+[a-z][\w'\-]{{0,40}}[ \t]+{_STREET_WORD}"),
    # "Baker Street 221", "Hauptstrasse road 5"
    re.compile(rf"\b[A-Z][\w'\-]{{0,40}}[ \t]+{_STREET_WORD}\.?,?[ \t]+\d"),
    # "Apt 4B", "apartment 12", "Building 3", "Suite 100"
    re.compile(r"(?i)\b(?:apt|apartment|bldg|building|suite)\.?[ \t]*#?[ \t]*\d"),
    # romanized Korean: "Yeoksam-dong 123", "152 Teheran-ro", "Sinchon-ri 5"
    re.compile(rf"{_KR_SUFFIX},?[ \t]+\d"),
    re.compile(rf"\b\d+(?:-\d+)?,?[ \t]+{_KR_SUFFIX}"),
    # Korean: "123번지", "12번길", "301호", "101동", "역삼동 12", "세종대로 110", "신촌리 5"
    re.compile(r"(?<!\d)\d+[ \t]*(?:번지|번길)"),
    re.compile(r"(?<!\d)\d+[ \t]*(?:호|동)(?![가-힣])"),
    re.compile(r"(?<![가-힣])[가-힣]+(?:동|리|로|길)[ \t]*\d+(?:-\d+)?(?![\d가-힣])"),
    # Chinese: "中山路12号", "12号", "长安街 5", "3弄", "501室"
    re.compile(r"(?:路|街|道|巷)[ \t]*\d"),
    re.compile(r"(?<!\d)\d+[ \t]*(?:号|號|弄|室|栋|棟|楼|樓)"),
]


def _looks_like_phone(run: str, plus: bool) -> bool:
    body = run.lstrip("+ \t")
    groups = re.findall(r"\d+", body)
    digits = sum(len(g) for g in groups)
    if not 7 <= digits <= 15:
        return False
    if plus:
        return True
    if len(groups) == 1:
        # a bare run of digits: only the shapes of real numbers, not amounts
        g = groups[0]
        return (g[0] == "0" and len(g) >= 9) or (g[0] == "1" and len(g) == 11) or len(g) >= 12
    if _DATE.match(body) or _THOUSANDS.match(body):
        return False
    if len(groups) == 2:
        if "." in body:
            return False  # a decimal number
        return digits >= 9
    return len(groups[-1]) >= 3


def privacy_problem(text: str, /) -> str | None:
    """Say why a string looks like real personal data, or return None when it does not.

    Parameters
    ----------
    text
        Any string from a scenario (a key or a value).

    Returns
    -------
    str or None
        A message naming what the string looks like (a phone number, an e-mail address or a
        street address) and what to write instead; None for ordinary values.

    Examples
    --------
    >>> privacy_problem("Hoeryong") is None
    True
    >>> privacy_problem("+82 10-1234-5678").split(";")[0]
    'looks like a phone number'
    """
    if _EMAIL.search(text):
        kind = "an e-mail address"
    elif any(_looks_like_phone(m.group(), bool(m.group(1))) for m in _PHONE_RUN.finditer(text)):
        kind = "a phone number"
    elif any(p.search(text) for p in _ADDRESS):
        kind = "a street address"
    else:
        return None
    return f"looks like {kind}; {_ADVICE}"
