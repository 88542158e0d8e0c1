"""Counts in news sentences, Indonesian and English: "sedikitnya 18", "lebih dari 2.000", "dua ribu".

`find_quantities` returns only figures that can count things: dates, years, times, ages, percentages, money
and durations are skipped. Each figure carries bounds so that "more than 1,000" and "1,200" can agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Bound = Literal["exact", "at_least", "more_than", "about", "nearly", "less_than", "up_to", "range", "vague"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|\S")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_digits(self) -> bool:
        return self.text[0].isdigit()


@dataclass(frozen=True)
class Quantity:
    """A figure as written (`text`, character span) with its value and bounds (None = open)."""

    text: str
    start: int
    end: int
    value: float
    low: float | None
    high: float | None
    bound: Bound

    @property
    def vague(self) -> bool:
        return self.bound == "vague"


def tokenize(text: str) -> list[Token]:
    """Words (with inner hyphens), digit groups (`2.000`, `10:30`) and single punctuation marks."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def parse_number(text: str) -> float | None:
    """Digits in either style: `2.000` = `2,000` = 2000 (a group of three digits = thousands), `1,5` = 1.5."""
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", text):
        return None
    seps = re.findall(r"[.,]", text)
    groups = re.split(r"[.,]", text)
    if not seps:
        return float(text)
    if len(set(seps)) == 2:
        # Both marks: the last one is the decimal mark, the other one groups thousands ("1.234,5", "1,234.5").
        decimal = seps[-1]
        if decimal in seps[:-1]:
            return None
        integer, fraction = groups[:-1], groups[-1]
        return _thousands(integer) + float("0." + fraction) if _thousands(integer) >= 0 else None
    if len(seps) == 1 and len(groups[1]) != 3:
        return float(groups[0] + "." + groups[1])
    value = _thousands(groups)
    return float(value) if value >= 0 else None


def _thousands(groups: list[str]) -> int:
    if (len(groups) > 1 and not 1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        return -1
    return int("".join(groups))


def format_number(value: float, language: str) -> str:
    """`2000` -> "2.000" (id) / "2,000" (en); decimals keep at most two places."""
    thousands, decimal = (".", ",") if language == "id" else (",", ".")
    whole = int(abs(value))
    fraction = round(abs(value) - whole, 2)
    if fraction >= 1:  # rounding carried over (1.999 -> 2.00)
        whole, fraction = whole + 1, 0.0
    text = f"{whole:,}".replace(",", thousands)
    if fraction:
        text += decimal + f"{fraction:.2f}"[2:].rstrip("0")
    return ("-" if value < 0 else "") + text


# --- number words --------------------------------------------------------------------------------------


def _numbered(words: str, start: int = 0, step: int = 1) -> dict[str, int]:
    return {word: start + step * i for i, word in enumerate(words.split())}


_UNITS = {
    **_numbered("nol satu dua tiga empat lima enam tujuh delapan sembilan"),
    **_numbered("zero one two three four five six seven eight nine"),
    **_numbered("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen", 10),
    **_numbered("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10),
    **_numbered("sepuluh sebelas", 10),
    "seorang": 1,
}
_SE_SCALES = {"seribu": 1e3, "sejuta": 1e6, "semiliar": 1e9}
_SCALES = {
    "ribu": 1e3,
    "juta": 1e6,
    "miliar": 1e9,
    "milyar": 1e9,
    "triliun": 1e12,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}
_VAGUE: dict[str, tuple[float, float]] = {
    "belasan": (11, 19),
    "puluhan": (10, 99),
    "ratusan": (100, 999),
    "ribuan": (1e3, 9999),
    "jutaan": (1e6, 9.999e6),
    "dozens": (10, 99),
    "tens": (10, 99),
    "scores": (20, 99),
    "hundreds": (100, 999),
    "thousands": (1e3, 9999),
    "millions": (1e6, 9.999e6),
}

# Words right before a figure that bound it: "sedikitnya 18" is 18 or more.
_BOUND_PHRASES: dict[Bound, str] = {
    "at_least": "sedikitnya|setidaknya|paling sedikit|minimal|sekurang-kurangnya|at least|no fewer than|"
    "no less than|a minimum of",
    "more_than": "lebih dari|lebih daripada|melebihi|di atas|more than|over|upwards of|in excess of",
    "about": "sekitar|kira-kira|sekira|kurang lebih|lebih kurang|about|around|approximately|roughly|some|"
    "an estimated|estimated",
    "nearly": "hampir|nyaris|nearly|almost",
    "less_than": "kurang dari|di bawah|fewer than|less than|under",
    "up_to": "hingga|sampai|paling banyak|maksimal|up to|as many as",
}
_BOUNDS = sorted(
    (
        (tuple(phrase.split()), bound)
        for bound, phrases in _BOUND_PHRASES.items()
        for phrase in phrases.split("|")
    ),
    key=lambda item: -len(item[0]),  # longest first: "kurang lebih" before "lebih"
)

_MONTHS = _words(
    """januari februari maret april mei juni juli agustus september oktober november desember
    january february march may june july august october december jan feb mar apr jun jul aug agu sep sept
    okt oct nov des dec"""
)
# A figure followed by one of these measures time, money, size or a share, not a number of people or things.
_UNITS_AFTER = _words(
    """tahun bulan minggu pekan hari jam menit detik dekade abad persen kali km kilometer meter cm mil kg
    ton liter barel dolar rupiah tenge rubel euro yuan magnitudo sr derajat wib wita wit gmt utc
    year years month months week weeks day days hour hours minute minutes second seconds decade decades
    century centuries percent per times mile miles kilometres kilometers metres meters tonnes tons barrels
    dollars dollar dolar usd gross hektar hektare hectares acres magnitude degrees am pm year-old
    years-old %"""
)
# A figure right after one of these is a time, an age, a year, a number or an amount of money.
_BEFORE_NOT_COUNT = _words(
    "pukul jam berusia usia umur aged age tahun year nomor no ke tanggal rp usd us$ $ € £"
)


def _word_value(tokens: list[Token], i: int) -> tuple[float, float, float, int] | None:
    """Number words at tokens[i:]: (value, low, high, tokens used), e.g. "dua ribu", "twenty-five"."""
    first = tokens[i].lower
    if first in _VAGUE:
        low, high = _VAGUE[first]
        used, j = 1, i + 1
        if j < len(tokens) and tokens[j].lower == "of":  # "tens of thousands"
            j += 1
        scale = _SCALES.get(tokens[j].lower.removesuffix("s")) if j < len(tokens) else None
        if scale:
            low, high, used = low * scale, (high + 1) * scale - 1, j - i + 1
        return low, low, high, used
    # `total` holds finished thousands/millions, `group` the hundreds below them, `pending` the last units.
    total = group = pending = 0.0
    used = 0
    j = i
    while j < len(tokens):
        word = tokens[j].lower
        parts = word.split("-")
        nxt = tokens[j + 1].lower if j + 1 < len(tokens) else ""
        if all(p in _UNITS for p in parts):
            unit = sum(_UNITS[p] for p in parts)
            if pending and not (pending % 10 == 0 and pending >= 20 and unit < 10):
                break  # "dua tiga" is not one number
            pending += unit
        elif word == "a" and nxt in ("hundred", "thousand", "million", "billion", "dozen"):
            pending = 1
        elif word == "belas" and pending:
            group, pending = group + pending + 10, 0
        elif word == "puluh" and pending:
            group, pending = group + pending * 10, 0
        elif word in ("ratus", "hundred") and pending:
            group, pending = (group + pending) * 100, 0
        elif word == "seratus" and not pending:
            group += 100
        elif word == "dozen":
            pending = (pending or 1) * 12
        elif word in _SE_SCALES and not (group or pending):
            total += _SE_SCALES[word]
        elif word in _SCALES and (group or pending):
            total, group, pending = total + (group + pending) * _SCALES[word], 0, 0
        elif word == "and" and used and nxt.split("-")[0] in _UNITS:
            j += 1
            continue
        else:
            break
        j += 1
        used = j - i
    if not used or tokens[i + used - 1].lower == "a":
        return None
    value = total + group + pending
    return value, value, value, used


def _figure(tokens: list[Token], i: int) -> tuple[float, float, float, int, bool] | None:
    """A figure starting at tokens[i]: (value, low, high, tokens used, is_vague)."""
    token = tokens[i]
    if token.is_digits:
        value = parse_number(token.text)
        if value is None:
            return None
        used = 1
        if i + 1 < len(tokens) and tokens[i + 1].lower in _SCALES:
            value *= _SCALES[tokens[i + 1].lower]
            used = 2
        return value, value, value, used, False
    words = _word_value(tokens, i)
    if words is None:
        return None
    value, low, high, used = words
    return value, low, high, used, token.lower in _VAGUE


def _attached(left: Token, right: Token) -> bool:
    return left.end == right.start


def _not_a_count(tokens: list[Token], i: int, j: int, value: float, scaled: bool) -> bool:
    """True for dates, years, times, ages, ids, percentages, money and durations around tokens[i:j]."""
    first, last = tokens[i], tokens[j - 1]
    prev = tokens[i - 1] if i > 0 else None
    nxt = tokens[j] if j < len(tokens) else None
    if prev is not None and _attached(prev, first) and (prev.text in "/-" or prev.text[-1].isalnum()):
        # "6/1", "OL-09", "COVID-19", "G20"
        return prev.text != "-" or i < 2 or _attached(tokens[i - 2], prev)
    if nxt is not None and _attached(last, nxt) and (nxt.text == "/" or nxt.text[0].isalnum()):
        return True
    if prev is not None and (prev.lower in _BEFORE_NOT_COUNT or prev.lower in _MONTHS):
        return True
    if nxt is not None and (nxt.lower in _UNITS_AFTER or nxt.lower in _MONTHS):
        return True
    if nxt is not None and nxt.text == "-" and j + 1 < len(tokens) and tokens[j + 1].lower in _UNITS_AFTER:
        return True  # "81-year-old"
    if ":" in first.text or (value != int(value) and not scaled):
        return True  # "10:30", "10.30", "6,2 magnitudo": not a count of anything
    return bool(first.is_digits and re.fullmatch(r"(1[89]|20)\d\d", first.text) and j == i + 1)


def _bound_before(tokens: list[Token], i: int) -> tuple[Bound, int]:
    for phrase, bound in _BOUNDS:
        k = len(phrase)
        if i >= k and tuple(t.lower for t in tokens[i - k : i]) == phrase:
            return bound, i - k
    return "exact", i


def _range_after(tokens: list[Token], j: int) -> tuple[float, int] | None:
    """The second figure of "200-300", "200 hingga 300", "200 to 300": (high, index after it)."""
    if j + 1 < len(tokens) and tokens[j].lower in ("-", "–", "—", "hingga", "sampai", "to", "and", "dan"):
        figure = _figure(tokens, j + 1)
        if figure is not None and not figure[4]:
            return figure[0], j + 1 + figure[3]
    return None


def find_quantities(text: str) -> list[Quantity]:
    """Every figure in `text` that can count people or things, left to right."""
    tokens = tokenize(text)
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        if i and tokens[i - 1].lower == "salah":  # "salah satu" = "one of", not a count
            i += 1
            continue
        figure = _figure(tokens, i)
        if figure is None:
            i += 1
            continue
        value, low, high, used, vague = figure
        j = i + used
        bound, begin = _bound_before(tokens, i)
        between = i > 0 and tokens[i - 1].lower in ("between", "antara")
        upper = None if vague else _range_after(tokens, j)
        if upper is not None and upper[0] > value and (between or tokens[j].lower not in ("and", "dan")):
            high, j = upper
            bound, begin = "range", i - between
            value = (low + high) / 2
        if _not_a_count(tokens, i, j, low, used > 1 or vague):
            i = j
            continue
        if vague:
            bound, begin = "vague", i
        low_out: float | None = low
        high_out: float | None = high
        if bound in ("at_least", "more_than"):
            high_out = None
        elif bound == "about":  # "sekitar 2.500": journalists round to about a tenth
            low_out, high_out = round(value * 0.9, 6), round(value * 1.1, 6)
        elif bound == "nearly":
            low_out = round(value * 0.9, 6)
        elif bound in ("less_than", "up_to"):
            low_out = 0.0
        start, end = tokens[begin].start, tokens[j - 1].end
        found.append(Quantity(text[start:end], start, end, value, low_out, high_out, bound))
        i = j
    return found


def parse_quantity(text: str) -> Quantity | None:
    """The first figure in `text` ("lebih dari 1.000" -> more_than 1000), or None."""
    found = find_quantities(text)
    return found[0] if found else None


_BOUND_WORDS = {
    "id": {"at_least": "sedikitnya", "more_than": "lebih dari", "about": "sekitar", "nearly": "hampir"},
    "en": {"at_least": "at least", "more_than": "more than", "about": "about", "nearly": "nearly"},
}
_BOUND_WORDS["id"] |= {"less_than": "kurang dari", "up_to": "hingga"}
_BOUND_WORDS["en"] |= {"less_than": "fewer than", "up_to": "up to"}
_VAGUE_WORDS = {
    "id": {10: "puluhan", 11: "belasan", 20: "puluhan", 100: "ratusan", 1e3: "ribuan", 1e4: "puluhan ribu"},
    "en": {
        10: "dozens",
        11: "more than ten",
        20: "scores",
        100: "hundreds",
        1e3: "thousands",
        1e4: "tens of thousands",
    },
}
_VAGUE_WORDS["id"] |= {1e5: "ratusan ribu", 1e6: "jutaan"}
_VAGUE_WORDS["en"] |= {1e5: "hundreds of thousands", 1e6: "millions"}


def render_quantity(quantity: Quantity, language: str) -> str:
    """The figure in `language`'s words and number style: "lebih dari 1.000" <-> "more than 1,000"."""
    lang = "id" if language == "id" else "en"
    if quantity.bound == "vague":
        return _VAGUE_WORDS[lang].get(quantity.low or 0.0, quantity.text)
    if quantity.bound == "range" and quantity.low is not None and quantity.high is not None:
        return f"{format_number(quantity.low, lang)}-{format_number(quantity.high, lang)}"
    number = format_number(quantity.value, lang)
    words = _BOUND_WORDS[lang].get(quantity.bound)
    return f"{words} {number}" if words else number
