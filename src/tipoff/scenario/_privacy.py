"""The privacy guard: refuse strings that hold real identifiers; homes limited to known towns.

tipoff holds pseudonyms only. A scenario names parties by made-up ids and places by town names;
anything that looks like a real person's identifier is refused before it is stored, validated or
echoed (messages say what kind of thing was found, never the value). Three checks:

:func:`privacy_problem` (every string of a scenario or an incident log)
    After Unicode NFKC normalisation (full-width digits become ASCII, NBSP a space) and with
    invisible characters removed (zero-width spaces, joiners, BOM, soft hyphens), it looks for

    * phone numbers, written with any separators (spaces, dots, dashes of any kind, slashes,
      brackets), checked by libphonenumber (``phonenumbers``) for South and North Korea, China,
      Japan and Russia, and in international form for every country;
    * national identity numbers: Korean resident registration numbers (``stdnum.kr.rrn`` or the
      ``YYMMDD-GNNNNNN`` shape), Chinese resident identity card numbers (``stdnum.cn.ric`` or the
      18-character shape with a birth date), US social security numbers (``AAA-GG-SSSS``);
    * passport-like numbers (one or two capital letters and 7-8 digits, or a number after the
      word passport in English, Korean, Chinese, Japanese or Russian);
    * bank card numbers (13-19 digits passing the Luhn check, ``stdnum.luhn``) and IBANs
      (``stdnum.iban``);
    * coordinates (decimal pairs, degrees-minutes, ``geo:`` and map links) and plus codes;
    * e-mail addresses (also written ``name (at) host (dot) com``);
    * messaging handles: WeChat, QQ, KakaoTalk, Telegram, LINE, Signal, WhatsApp and others
      (a handle after the service's name, ``@handle``, ``wxid_...``, ``t.me/...`` links);
    * street addresses: house numbers with street words in English, romanised Korean and Chinese,
      Korean and Chinese script, apartment names, sub-town units (``-dong``, ``-ri``, ``인민반``).

:func:`place_problem` (homes)
    A home must be a town, city or county of the built-in gazetteer (``data/places.txt``: North
    Korea, the Chinese border prefectures, South Korean cities) or one the user added
    (``tipoff config --place NAME``). So an address cannot sit in a place field.

:func:`id_problem` (party ids)
    Ids are pseudonyms: the detectors above, and no personal names. Ids are ASCII already (the
    schema's pattern), so names in Hangul or Hanja cannot be ids. A Latin id made only of letters
    that reads as a Korean or Chinese name (a common surname with one to three romanised
    syllables: ``kim-yongho``, ``ZhangWei``, ``park.jisoo``) is refused. The trade-off: a
    pseudonym that happens to read like a name (``han-broker`` is fine; ``han-min`` is not) must
    be changed, which costs a rename; add a digit (``han-min1``) and it is accepted, since real
    names hold no digits. English given names are not listed: the guard would refuse too many
    ordinary words.

Every check runs in time linear in the input: patterns have bounded repetitions only, and number
candidates are windows of at most 19 digits over the digit groups.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "check_id",
    "check_place",
    "id_problem",
    "known_places",
    "normalize",
    "place_problem",
    "privacy_problem",
    "scanned",
]

_ADVICE = (
    "tipoff holds pseudonyms only: use a made-up id and a town name, "
    "never real names, addresses or phone numbers"
)

# ------------------------------------------------------------------------------ normalising --

# Invisible characters: Unicode's format controls (soft hyphen, zero-width space and joiners,
# direction marks and isolates, word joiner, invisible operators, BOM, tags) and Hangul fillers.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
_SPACE = re.compile(r"\s")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc\u2043"
_DASH_MAP = str.maketrans(dict.fromkeys(_DASHES, "-"))


def normalize(text: str, /) -> str:
    """NFKC, invisible characters removed, every kind of dash a '-', every space a ' '."""
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_DASH_MAP)
    return _SPACE.sub(" ", text)


# --------------------------------------------------------------------------- digit windows --

_SEPARATORS = frozenset(" -./()\u00b7_")  # between digit groups of one number
_MAX_SEP = 3
_MAX_WINDOW = 19  # the longest number checked: a 19-digit card
_MAX_GROUPS = 5  # the most groups a number is written in: a 19-digit card in 4-4-4-4-3


_DIGITS = re.compile(r"\d+")


def _chains(text: str) -> Iterator[list[tuple[str, bool, str]]]:
    """Chains of digit groups ``(digits, led by '+', separators before)`` joined by at most three
    separator characters; a group glued to letters (an id such as ``s0001``) stands alone and is
    kept only when it is long enough to be a number of its own (9 digits or more)."""
    chain: list[tuple[str, bool, str]] = []
    last_end = -1
    for m in _DIGITS.finditer(text):
        i, j = m.span()
        gap = text[last_end:i] if chain else ""
        if chain and (len(gap) > _MAX_SEP or not set(gap) <= _SEPARATORS):
            yield chain
            chain = []
        if not chain and i > 0 and text[i - 1].isalpha():
            if j - i >= 9:
                yield [(m.group(), False, "")]
            last_end = j
            continue
        chain.append((m.group(), not chain and i > 0 and text[i - 1] == "+", gap if chain else ""))
        last_end = j
    if chain:
        yield chain


def _windows(chain: list[tuple[str, bool, str]]) -> Iterator[tuple[str, bool, int, str]]:
    """(digits, led by '+', groups, separators) for runs of 7 to 19 digits in 1 to 5 groups.

    ``groups`` is the number of groups, or 0 when the run is not grouped like a phone number
    (more than four groups, or more than two of them shorter than three digits: ``10 20 30 40``).
    """
    lengths = [len(g[0]) for g in chain]
    gaps = [g[2] for g in chain] + [""]
    # the fraction of a decimal number (one dot, not a dotted phone number): 0.0123456789
    fraction = [
        gaps[k] == "." and gaps[k - 1] != "." and gaps[k + 1] != "." for k in range(len(chain))
    ]
    for a in range(len(chain)):
        if fraction[a]:
            continue
        total = short = 0
        for b in range(a, min(a + _MAX_GROUPS, len(chain))):
            total += lengths[b]
            short += lengths[b] < 3
            if total > _MAX_WINDOW:
                break
            if total < 7 or (b == a + 1 and fraction[b]):
                continue
            n = b - a + 1
            digits = "".join(g[0] for g in chain[a : b + 1])
            seps = "".join(g[2] for g in chain[a + 1 : b + 1])
            yield digits, chain[a][1], n if n == 1 or (n <= 4 and short <= 2) else 0, seps


# ------------------------------------------------------------------------------ detectors --

_PHONE_REGIONS = ("KR", "CN", "KP", "JP", "RU")


@cache
def _valid_phone(number: str, region: str | None) -> bool:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))


def _is_phone(digits: str, plus: bool, groups: int) -> bool:
    d = len(digits)
    if not 7 <= d <= 15:
        return False
    if plus:  # '+' and 7 to 15 digits: an international number, even one not issued yet
        return True
    if groups == 0:
        return False
    if digits.startswith("00") and d >= 9:
        return _valid_phone("+" + digits[2:], None)
    if digits[0] == "0":
        return any(_valid_phone(digits, r) for r in _PHONE_REGIONS)
    if d == 11 and digits[0] == "1" and digits[1] in "3456789":  # Chinese mobile
        return _valid_phone(digits, "CN")
    if d >= 10 and digits.startswith(("82", "86", "850", "81", "7")) and groups >= 2:
        return _valid_phone("+" + digits, None)  # a country code without its '+'
    if d == 10 and digits.startswith("1") and groups >= 2:  # Korean mobile without its 0
        return _valid_phone("0" + digits, "KR")
    return False


def _is_rrn(digits: str, seps: str, groups: int) -> bool:
    from stdnum.kr import rrn

    if len(digits) != 13 or groups > 2:
        return False
    if rrn.is_valid(digits):
        return True
    # the shape: YYMMDD, a gender/century digit, six more (newer numbers carry no checksum)
    return _plausible_date("19" + digits[:6]) and digits[6] in "12345678"


def _plausible_date(yyyymmdd: str) -> bool:
    import datetime

    try:
        datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


_RIC = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")


def _is_ric(token: str) -> bool:
    from stdnum.cn import ric

    if ric.is_valid(token):
        return True
    year = int(token[6:10])
    return 1900 <= year <= 2030 and _plausible_date(token[6:14])


def _is_card(digits: str, seps: str) -> bool:
    from stdnum import luhn

    if not 13 <= len(digits) <= 19 or digits[0] not in "3456" or set(seps) - {" ", "-"}:
        return False
    return bool(luhn.is_valid(digits))


_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[ A-Z0-9])")


def _has_iban(text: str) -> bool:
    from stdnum import iban

    for m in _IBAN_START.finditer(text):
        chars: list[str] = []
        ends: list[int] = []
        i = m.start()
        while i < len(text) and len(chars) < 34:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                chars.append(ch.upper())
            elif ch == " " and chars and i + 1 < len(text) and text[i + 1].isalnum():
                ends.append(len(chars))
            else:
                break
            i += 1
        ends.append(len(chars))
        for end in ends:
            if 15 <= end <= 34 and iban.is_valid("".join(chars[:end])):
                return True
    return False


_PASSPORT = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}(?!000)\d{7,8}|[MSROGD]\d{3}[A-Z]\d{4})(?![A-Za-z0-9])"
)
_PASSPORT_WORD = re.compile(
    r"(?i)(?:passport|pass\s?no|여권|護照|护照|旅券|паспорт)[^0-9A-Za-z]{0,12}"
    r"(?:no\.?|number|번호|号码|號碼|番号|№)?[^0-9A-Za-z]{0,6}[A-Za-z]{0,2}\d{6,9}"
)

_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")
_EMAIL_SPELLED = re.compile(
    r"(?i)(?<![\w.+\-])[\w.+\-]{1,64}\s{0,2}(?:\(at\)|\[at\]|\{at\}|\sat\s)\s{0,2}[\w\-]{1,63}\s{0,2}"
    r"(?:\(dot\)|\[dot\]|\{dot\}|\sdot\s|\.)\s{0,2}(?:com|net|org|kr|cn|kp|jp|ru|de|io|co|me)\b"
)

_COORD_PAIR = re.compile(
    r"(?<![\d.])(-?\d{1,3})\.(\d{4,12})\s{0,2}°?\s{0,2}[NSns]?\s{0,2}[,;/ ]\s{0,3}"
    r"[EWew]?\s{0,2}(-?\d{1,3})\.(\d{4,12})(?![\d.])"
)
_COORD_OTHER = re.compile(
    r"(?i)(?:(?<!\d)\d{1,3}\s?°\s?\d{1,2}\s?['′]|(?<!\d)\d{1,3}(?:\.\d{1,12})?\s?°\s?[NSEW]\b"
    r"|\b[NS]\s?\d{1,2}\.\d{3,12}\b|\b(?:lat|latitude)\b[^0-9]{0,5}-?\d{1,2}\.\d{2,12}"
    r"|(?<!\d)\d{1,2}\.\d{2,12}\s?[NS]\b[ ,;/]{0,3}\d{1,3}\.\d{2,12}\s?[EW]\b"
    r"|\bgeo:-?\d|maps\.google|google\.[a-z.]{2,6}/maps|goo\.gl/maps|map\.baidu|map\.naver"
    r"|naver\.me|map\.kakao|kko\.to|amap\.com|openstreetmap\.org|osm\.org|maps\.apple)"
)
_PLUS_CODE = re.compile(
    r"(?i)(?<![0-9a-z+])(?:[2-9cfghjmpqrv][2-9cfghjmpqrvwx]{7}|[2-9cfghjmpqrvwx]{4,6})"
    r"\+[2-9cfghjmpqrvwx]{2,3}(?![0-9a-z])"
)

# A service name, optionally "id"/"号"/":", then a handle; ambiguous English words need a marker.
_SERVICES = (
    r"wechat|weixin|微信|微信号|qq|kakao\s?talk|kakao|katalk|카카오톡|카카오|카톡|telegram|텔레그램"
    r"|电报|電報|whatsapp|viber|zalo|skype|weibo|微博|douyin|抖音|tiktok|instagram|facebook"
    r"|라인|위챗|큐큐"
)
_AMBIGUOUS = r"line|signal|wx|tg|ig|fb|vk|imo|threema|session"
_MARKER = r"(?:\s{0,2}(?:id|아이디|号|號|账号|帳號|帐号|handle|user(?:name)?|number|no\.?|#))"
_HANDLE = r"(@?[A-Za-z0-9][A-Za-z0-9_.\-]{2,31})"
_SERVICE_HANDLE = re.compile(
    rf"(?i)(?<![A-Za-z])(?:{_SERVICES})({_MARKER}?)\s{{0,2}}([:：=])?\s{{0,3}}{_HANDLE}"
)
_AMBIGUOUS_HANDLE = re.compile(
    rf"(?i)(?<![A-Za-z])(?:{_AMBIGUOUS})(?:{_MARKER}\s{{0,2}}[:：=]?|\s{{0,2}}[:：=])\s{{0,3}}"
    rf"{_HANDLE}"
)
_HANDLE_OTHER = re.compile(
    r"(?i)(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,31}\b|\bwxid_[a-z0-9]{4,32}"
    r"|\b(?:t|telegram)\.me/|open\.kakao\.com|qr\.kakao\.com|u\.wechat\.com|weixin\.qq\.com"
    r"|qm\.qq\.com|wa\.me/|line\.me/|instagram\.com/|facebook\.com/|fb\.me/|vk\.com/"
    r"|weibo\.com/|douyin\.com/"
)

_STREET_WORD = r"(?i:street|st|road|rd|avenue|ave|lane|ln|alley|boulevard|blvd|drive|dr)\b"
_KR_SUFFIX = r"(?i:[a-z]{1,30}-(?:dong|ri|gu|ro|gil|daero))\b"
_ADDRESS: list[tuple[str, re.Pattern[str]]] = [
    # "221B Baker Street", "12 Main St", "12 main street"
    (
        "latin",
        re.compile(
            rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]{{1,3}}(?:[A-Z][\w'\-]{{0,30}}[ \t]{{1,3}}){{1,3}}{_STREET_WORD}"
        ),
    ),
    (
        "latin",
        re.compile(
            rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]{{1,3}}[a-z][\w'\-]{{0,30}}[ \t]{{1,3}}{_STREET_WORD}"
        ),
    ),
    # "Baker Street 221"
    ("latin", re.compile(rf"\b[A-Z][\w'\-]{{0,30}}[ \t]{{1,3}}{_STREET_WORD}\.?,?[ \t]{{1,3}}\d")),
    # "Apt 4B", "apartment 12", "Building 3", "Suite 100", "Room 5", "Flat 2"
    (
        "latin",
        re.compile(r"(?i)\b(?:apt|apartment|bldg|building|suite|room)\.?[ \t]{0,3}#?[ \t]{0,3}\d"),
    ),
    # romanised Korean: "Yeoksam-dong 123", "152 Teheran-ro", "Osandok-dong", "Sinchon-ri"
    ("latin", re.compile(rf"{_KR_SUFFIX},?[ \t]{{1,3}}\d")),
    ("latin", re.compile(rf"\b\d{{1,5}}(?:-\d{{1,5}})?,?[ \t]{{1,3}}{_KR_SUFFIX}")),
    ("latin", re.compile(r"\b[A-Z][a-z]{1,20}-(?:dong|ri|ro|gil|daero|nodongjagu)\b")),
    ("latin", re.compile(r"(?i)\b(?:inminban|people's\s+unit)\b")),
    # pinyin street names: "Jiefang Lu", "Henan Jie", "Guanghua Dajie", "Nanluogu Xiang 5"
    (
        "latin",
        re.compile(r"\b[A-Z][a-z]{1,20}[ \-]?(?:Lu|Jie|Dajie|Hutong|Xiang|Cun|Xiaoqu|Shequ)\b"),
    ),
    # Korean: "123번지", "12번길", "301호", "101동", "역삼동 12", "세종대로 110", "3인민반"
    ("hangul", re.compile(r"(?<!\d)\d{1,6}[ \t]{0,3}(?:번지|번길|인민반)")),
    ("hangul", re.compile(r"(?<!\d)\d{1,6}[ \t]{0,3}(?:호|동)(?![가-힣])")),
    (
        "hangul",
        re.compile(r"(?<=[가-힣])(?:동|리|로|길)[ \t]{0,3}\d{1,5}(?:-\d{1,5})?(?![\d가-힣])"),
    ),
    ("hangul", re.compile(r"[가-힣]{1,10}(?:아파트|빌라|맨션|오피스텔|인민반|노동자구)")),
    # Chinese: "中山路12号", "12号", "长安街 5", "3弄", "501室", "阳光小区", "胡同"
    ("han", re.compile(r"(?:路|街|巷|胡同)[ \t]{0,3}\d{1,5}(?![\d年月日个個名人次])")),
    ("han", re.compile(r"道[ \t]{0,3}\d{1,5}[ \t]{0,2}(?:号|號)")),
    ("han", re.compile(r"(?<![月\d])\d{1,6}[ \t]{0,3}(?:号|號|弄|室|栋|棟|楼|樓|单元|單元)")),
    ("han", re.compile(r"[\u4e00-\u9fff](?:小区|小區|社区|社區|胡同|大院|公寓)")),
]


def _address_after_town(low: str) -> bool:
    """A known town followed by a sub-town unit: '회령시 오산덕동', 'Yanji Henan Jie', '延吉市河南街'.

    Only text holding a unit word is looked at; then every word (Latin), word start (Hangul) or
    position (Chinese, written without spaces) is looked up in the gazetteer: linear time.
    """
    if _UNIT_ANY.search(low) is None:
        return False
    keys = _gazetteer()
    for m in _WORDS.finditer(low):
        word, start = m.group(), m.start()
        if word.isascii():
            if _place_key(word) in keys and _UNIT_AFTER.match(low, m.end()):
                return True
            continue
        starts = range(len(word)) if "\u4e00" <= word[0] <= "\u9fff" else range(1)
        for i in starts:
            for k in range(2, 6):
                key = word[i : i + k]
                if len(key) == k and key in keys and _UNIT_AFTER.match(low, start + i + k):
                    return True
    return False


_WORDS = re.compile(r"[a-z']+|[가-힣]+|[\u4e00-\u9fff]+")
_UNIT_ANY = re.compile(
    r"(?:동|리|읍|면|구)(?![가-힣])|[路街道巷村镇鎮乡鄉屯]|小区|社区"
    r"|(?:dong|ri|eup|myon|myeon|lu|jie|cun|zhen|tun)\b"
)


# What follows a town in an address (on lower-cased text): an optional suffix, then a sub-town unit.
_UNIT_AFTER = re.compile(
    r"(?:시|군|구역|市|县|縣|区|區|-si|-gun|-shi|-up|-eup| city| county| shi| xian)?,?[ \t]{0,2}"
    r"(?:[가-힣]{1,8}(?:동|리|읍|면|구)(?![가-힣])"
    r"|[\u4e00-\u9fff]{0,8}(?:路|街|道|巷|村|镇|鎮|乡|鄉|屯|小区|社区)"
    r"|[a-z']{2,16}[ \-]?(?:dong|ri|eup|myon|myeon|lu|jie|cun|zhen|tun)\b)"
)


def _number_kind(text: str) -> str | None:
    """The kind of identifier a run of digits is, or None."""
    for token in _RIC.findall(text):
        if _is_ric(token):
            return "a national identity number"
    if _SSN.search(text):
        return "a national identity number"
    checked = 0
    for chain in _chains(text):
        for window in _windows(chain):
            if (kind := _window_kind(*window)) is not None:
                return kind
            checked += 1
            if checked > _MAX_CANDIDATES:
                return "a list of long numbers (too many to check one by one)"
    return None


#: Number-shaped windows checked in one string before it is refused whole (bounds the time).
_MAX_CANDIDATES = 2_000


@lru_cache(maxsize=4096)
def _window_kind(digits: str, plus: bool, groups: int, seps: str) -> str | None:
    if _is_rrn(digits, seps, groups):
        return "a national identity number"
    if _is_card(digits, seps):
        return "a bank card number"
    if _is_phone(digits, plus, groups):
        return "a phone number"
    return None


_COORD_HINTS = ("°", "′", "'", "geo:", "map", "goo.gl", "naver.me", "kko.to", "osm.org", "lat")
_HANDLE_HINTS: tuple[str, ...] = ("@", "wxid_", "t.me", "telegram.me", "kakao", "wechat", "wa.me")
_HANDLE_HINTS += (
    "qq.com",
    "line.me",
    "instagram",
    "facebook",
    "fb.me",
    "vk.com",
    "weibo",
    "douyin",
)
_SERVICE_WORDS = tuple(w.replace("\\s?", "") for w in _SERVICES.split("|"))
_AMBIGUOUS_WORDS = tuple(_AMBIGUOUS.split("|"))


def _coordinates(text: str, low: str) -> bool:
    for m in _COORD_PAIR.finditer(text):
        lat, lon = abs(int(m.group(1))), abs(int(m.group(3)))
        if 1 <= lat <= 90 and 1 <= lon <= 180:
            return True
    hint = _gate(_COORD_HINTS).search(low) or ("." in text and _NSEW.search(low))
    return bool(hint) and bool(_COORD_OTHER.search(text))


_NSEW = re.compile("[nsew]")


@cache
def _gate(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of ``words`` (a cheap test before the costly patterns)."""
    return re.compile("|".join(re.escape(w) for w in words))


@cache
def _combined(script: str) -> re.Pattern[str]:
    """The address patterns of one script as one alternation (one search instead of many)."""
    parts = []
    for s, p in _ADDRESS:
        if s == script:
            body = p.pattern
            parts.append(f"(?i:{body[4:]})" if body.startswith("(?i)") else f"(?:{body})")
    return re.compile("|".join(parts))


def _handle(text: str, low: str) -> bool:
    if _gate(_HANDLE_HINTS).search(low) and _HANDLE_OTHER.search(text):
        return True
    if _gate(_AMBIGUOUS_WORDS).search(low) and _AMBIGUOUS_HANDLE.search(text):
        return True
    if not _gate(_SERVICE_WORDS).search(low):
        return False
    for m in _SERVICE_HANDLE.finditer(text):
        marker, colon, handle = m.group(1), m.group(2), m.group(3)
        if marker.strip() or colon or handle.startswith("@"):
            return True
        if any(c.isdigit() for c in handle) or "_" in handle:
            return True
    return False


_LATIN = re.compile(r"[A-Za-z]")
_HANGUL = re.compile(r"[가-힣]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _kind(text: str) -> str | None:
    # Each family of patterns runs only when the text holds its script: cheap C-level gates
    # that keep a long run of digits (or of one script) from paying for every pattern.
    low = text.lower()
    latin = _LATIN.search(text) is not None
    if ("@" in text and _EMAIL.search(text)) or ("at" in low and _EMAIL_SPELLED.search(text)):
        return "an e-mail address"
    if _handle(text, low):
        return "a messaging handle"
    if latin and _has_iban(text):
        return "a bank account number (IBAN)"
    if (latin and _PASSPORT.search(text)) or _PASSPORT_WORD.search(text):
        return "a passport number"
    if kind := _number_kind(text):
        return kind
    if _coordinates(text, low) or ("+" in text and _PLUS_CODE.search(text)):
        return "map coordinates"
    scripts = {
        "latin": latin,
        "hangul": _HANGUL.search(text) is not None,
        "han": _HAN.search(text) is not None,
    }
    if any(on and _combined(script).search(text) for script, on in scripts.items()) or (
        any(scripts.values()) and _address_after_town(low)
    ):
        return "a street address"
    return None


def privacy_problem(text: str, /) -> str | None:
    """Say why a string looks like real personal data, or return None when it does not.

    Parameters
    ----------
    text
        Any string from a scenario or an incident log (a key or a value).

    Returns
    -------
    str or None
        A message naming what the string looks like (a phone number, a national identity number,
        a passport, card or account number, map coordinates, an e-mail address, a messaging
        handle or a street address) and what to write instead; never the value itself. None for
        ordinary values.

    Examples
    --------
    >>> privacy_problem("Hoeryong") is None
    True
    >>> privacy_problem("+82 10-1234-5678").split(";")[0]
    'looks like a phone number'
    >>> privacy_problem("Arrests reported in 2019 2020 2021.") is None
    True
    """
    kind = _short_kind(text) if len(text) <= 80 else _kind(normalize(text))
    if kind is None:
        return None
    return f"looks like {kind}; {_ADVICE}"


@lru_cache(maxsize=65_536)
def _short_kind(text: str) -> str | None:
    """Short values (ids, outcomes, town names) repeat in every row of a log: checked once."""
    return _kind(normalize(text))


# ---------------------------------------------------------------------------------- places --

_PLACE_SUFFIXES = (
    "nodongjagu", "county", "guyok", "city", "town", "shi", "xian", "gun", "eup", "si", "up",
    "구역", "시", "군", "읍", "市", "县", "縣", "郡", "區", "区", "镇", "鎮",
)  # fmt: skip


def _place_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", normalize(name)).casefold()
    text = "".join(ch for ch in text if ch.isalnum())  # drops marks, spaces, hyphens, apostrophes
    text = unicodedata.normalize("NFC", text)
    for suffix in _PLACE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


@cache
def _gazetteer() -> frozenset[str]:
    return frozenset(_gazetteer_names())


@cache
def _gazetteer_names() -> dict[str, str]:
    """Every spelling's key, and the place's first spelling (its name as suggested)."""
    text = resources.files("tipoff.scenario").joinpath("data/places.txt").read_text("utf-8")
    names: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            spellings = [name.strip() for name in line.split("|") if name.strip()]
            for name in spellings:
                names.setdefault(_place_key(name), spellings[0])
    return names


def known_places() -> frozenset[str]:
    """The normalised names a home may take: the gazetteer and the settings' extra places."""
    from tipoff._config import load_config

    extra = load_config().places
    if not extra:
        return _gazetteer()
    if any(privacy_problem(p) for p in extra):  # hand-edited settings: refused, never echoed
        from tipoff._config import config_path
        from tipoff.errors import Problem, SettingsError

        raise SettingsError(
            Problem(
                source=str(config_path()),
                path="privacy.places",
                message="a place looks like personal data, not a town name (not shown): edit "
                "the file to remove it",
            )
        )
    return _gazetteer() | {_place_key(p) for p in extra}


def place_problem(text: str, /) -> str | None:
    """Say why ``text`` cannot be a home (not a known town), or return None.

    A home is a town, city or county: one of the built-in gazetteer's (North Korea, the Chinese
    border prefectures, South Korean cities), or one added with ``tipoff config --place NAME``.
    The value is never echoed.

    Examples
    --------
    >>> place_problem("Hoeryong") is None and place_problem("회령시") is None
    True
    >>> place_problem("Osandok-dong 12").split(";")[0]
    'looks like a street address'
    """
    if (why := privacy_problem(text)) is not None:
        return why
    key = _place_key(text)
    if key in known_places():
        return None
    close = difflib.get_close_matches(key, _gazetteer_names(), n=1, cutoff=0.85)
    hint = f"did you mean {_gazetteer_names()[close[0]]!r}? Otherwise a" if close else "a"
    return (
        f"is not a town or county tipoff knows: {hint} home names a town (the built-in list "
        "holds North Korean and Chinese border towns and counties); add one with "
        "`tipoff config --place NAME`, never a street or a house"
    )


# -------------------------------------------------------------------------------------- ids --

_SURNAMES = frozenset(
    [
        "kim",
        "lee",
        "yi",
        "ri",
        "rhee",
        "park",
        "pak",
        "bak",
        "choi",
        "choe",
        "chey",
        "jung",
        "jeong",
        "chung",
        "chong",
        "kang",
        "cho",
        "jo",
        "yoon",
        "yun",
        "jang",
        "chang",
        "lim",
        "im",
        "rim",
        "han",
        "oh",
        "o",
        "seo",
        "suh",
        "shin",
        "sin",
        "kwon",
        "gwon",
        "hwang",
        "ahn",
        "an",
        "song",
        "ryu",
        "yu",
        "yoo",
        "jeon",
        "chon",
        "jon",
        "hong",
        "go",
        "ko",
        "koh",
        "moon",
        "mun",
        "yang",
        "son",
        "sohn",
        "bae",
        "pae",
        "baek",
        "paek",
        "heo",
        "hur",
        "ho",
        "nam",
        "sim",
        "shim",
        "noh",
        "no",
        "ha",
        "kwak",
        "gwak",
        "sung",
        "seong",
        "cha",
        "joo",
        "ju",
        "woo",
        "wu",
        "koo",
        "gu",
        "min",
        "ryoo",
        "yeom",
        "jin",
        "pyo",
        "myung",
        "wang",
        "li",
        "zhang",
        "liu",
        "chen",
        "huang",
        "zhao",
        "zhou",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "lin",
        "gao",
        "luo",
        "zheng",
        "liang",
        "xie",
        "tang",
        "feng",
        "deng",
        "cao",
        "peng",
        "zeng",
        "xiao",
        "tian",
        "dong",
        "pan",
        "yuan",
        "cai",
        "jiang",
        "du",
        "ye",
        "cheng",
        "wei",
        "su",
        "lu",
        "ding",
        "ren",
        "shen",
        "yao",
        "cui",
        "piao",
        "quan",
        "jin",
        "fang",
        "shi",
        "kong",
        "bai",
        "qin",
        "hou",
        "meng",
        "xiong",
        "qiu",
        "tan",
    ]
)
_SYLLABLE = re.compile(
    r"(?:(?:ch|kk|tt|pp|ss|jj|sh|zh|[bcdfghjklmnpqrstwxyz])?"
    r"(?:yeo|yae|wae|iao|uai|ae|eo|eu|oe|ui|ya|yo|yu|ye|wa|wo|we|wi|ai|ao|ei|ia|ie|iu|ou|ua|uo|ue"
    r"|[aeiouy])(?:ng|n|m|l|k|p|t|r)?)"
)
_NAME_REST = re.compile(rf"(?:{_SYLLABLE.pattern}){{1,3}}")
# run together, each given-name syllable starts with a consonant: yong-ho, ji-soo, min-jun
_NAME_REST_2 = re.compile(
    r"(?:(?:ch|kk|tt|pp|ss|jj|sh|zh|[bcdfghjklmnpqrstwxyz])"
    r"(?:yeo|yae|wae|iao|uai|ae|eo|eu|oe|ui|ya|yo|yu|ye|wa|wo|we|wi|ai|ao|ei|ia|ie|iu|oo|ou|ua|uo|ue"
    r"|[aeiouy])(?:ng|n|m|l|k|p|t)?){2,3}"
)
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _reads_as_name(text: str) -> bool:
    if any(c.isdigit() for c in text) or not text.isascii() or _place_key(text) in _gazetteer():
        return False
    tokens = [t.lower() for part in re.split(r"[^A-Za-z]+", text) for t in _CAMEL.findall(part)]
    if not tokens or len("".join(tokens)) > 40:
        return False
    if len(tokens) == 1:  # "kimyongho": a surname and two or three syllables, run together
        word = tokens[0]
        return len(word) >= 7 and any(
            word.startswith(s) and _NAME_REST_2.fullmatch(word[len(s) :]) is not None
            for s in _SURNAMES
            if len(s) >= 2
        )
    if tokens[0] in _SURNAMES:
        rest = tokens[1:]
    elif tokens[-1] in _SURNAMES:
        rest = tokens[:-1]
    else:
        return False
    return 1 <= len(rest) <= 3 and _NAME_REST.fullmatch("".join(rest)) is not None


def id_problem(text: str, /) -> str | None:
    """Say why ``text`` cannot be a party id (personal data or a personal name), or None.

    Examples
    --------
    >>> id_problem("hoeryong-c1") is None and id_problem("r1") is None
    True
    >>> id_problem("kim-yongho").split(" (")[0]
    'looks like a personal name'
    """
    if (why := privacy_problem(text)) is not None:
        return why
    normalized = normalize(text)
    if any(unicodedata.category(c) == "Lo" for c in normalized):  # Hangul, Hanja, kana...
        return f"looks like a personal name (ids are made-up ASCII pseudonyms); {_ADVICE}"
    if _reads_as_name(normalized):
        return (
            "looks like a personal name (a surname and given name); use a made-up id with a "
            f"digit, such as r1 or c-hoeryong-2; {_ADVICE}"
        )
    return None


# ------------------------------------------------------------------------ schema validators --

_scanned: contextvars.ContextVar[bool] = contextvars.ContextVar("tipoff_scanned", default=False)


@contextlib.contextmanager
def scanned() -> Iterator[None]:
    """Validate knowing every string was already through :func:`privacy_problem` (the loader).

    The schema's checks then report only what the scan cannot know (an unknown town, an id that
    reads as a name), so a value is never reported twice.
    """
    token = _scanned.set(True)
    try:
        yield
    finally:
        _scanned.reset(token)


def _raise(kind: str, message: str) -> None:
    from pydantic_core import PydanticCustomError

    raise PydanticCustomError(kind, message)


def check_place(value: str, /) -> str:
    """Pydantic validator of homes: :func:`place_problem`."""
    if _scanned.get() and privacy_problem(value) is not None:
        return value  # already reported by the loader's scan
    if (why := place_problem(value)) is not None:
        _raise("place", why)
    return value


def check_id(value: str, /) -> str:
    """Pydantic validator of party ids: :func:`id_problem`."""
    if _scanned.get() and privacy_problem(value) is not None:
        return value
    if (why := id_problem(value)) is not None:
        _raise("party_id", why)
    return value
