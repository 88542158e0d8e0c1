"""Counts in news sentences, Indonesian and English: "sedikitnya 18", "lebih dari 2.000", "dua ribu".

`find_quantities` returns only figures that can count things: dates, years, times, ages, percentages, money
and durations are skipped. Each figure carries bounds so that "more than 1,000" and "1,200" can agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.lexicon import lexicon, lexicons, mapping, resolve, word_sets, words

Bound = Literal["exact", "at_least", "more_than", "about", "nearly", "less_than", "up_to", "range", "vague"]


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
    style = lexicon(resolve(language))
    thousands, decimal = style.get("numbers.thousands_separator"), style.get("numbers.decimal_mark")
    whole = int(abs(value))
    fraction = round(abs(value) - whole, 2)
    if fraction >= 1:  # rounding carried over (1.999 -> 2.00)
        whole, fraction = whole + 1, 0.0
    text = f"{whole:,}".replace(",", thousands)
    if fraction:
        text += decimal + f"{fraction:.2f}"[2:].rstrip("0")
    return ("-" if value < 0 else "") + text


# --- number words --------------------------------------------------------------------------------------

# Number words in every language (bot/lexicon/LANGUAGE.yaml, `numbers`).
_UNITS: dict[str, int] = mapping("numbers.units")  # "dua", "two", "seorang"
_TEEN = words("numbers.teen")  # "dua belas" = 12
_TENS = words("numbers.tens")  # "dua puluh" = 20
_HUNDRED = words("numbers.hundred")  # "dua ratus", "two hundred"
_ONE_HUNDRED = words("numbers.one_hundred")  # "seratus"
_DOZEN = words("numbers.dozen")
_ONE = words("numbers.one")  # "a hundred"
_JOINER = words("numbers.joiner")  # "two hundred and five"
_SCALES = {word: float(scale) for word, scale in mapping("numbers.scales").items()}
_ONE_SCALES = {word: float(scale) for word, scale in mapping("numbers.one_scales").items()}  # "seribu"
_PLURAL = tuple(sorted(words("numbers.plural_suffixes")))  # "tens of thousands"
_VAGUE = {word: (float(low), float(high)) for word, (low, high) in mapping("numbers.vague").items()}
_LINKING = words("linking")  # "tens of thousands"

# Words right before a figure that bound it: "sedikitnya 18" is 18 or more.
_BOUNDS: list[tuple[tuple[str, ...], Bound]] = sorted(
    (
        (tuple(phrase.split()), cast(Bound, bound))
        for bound, phrases in word_sets("numbers.bounds").items()
        for phrase in sorted(phrases)
    ),
    key=lambda item: -len(item[0]),  # longest first: "kurang lebih" before "lebih"
)
_RANGE_TO, _RANGE_AND = words("numbers.range_to"), words("numbers.range_and")  # "200 hingga 300"
_BETWEEN = words("numbers.between")  # "antara 200 dan 300"
_NOT_AFTER = words("numbers.not_after")  # "salah satu" is "one of", not a count

_MONTHS = frozenset(
    name.lower() for lex in lexicons() for month in lex.get("dates.months") or () for name in month
)
# A figure followed by one of these measures time, money, size or a share, not a number of people or things;
# signs and symbols are the same in every language.
_UNITS_AFTER = words("numbers.units_after") | {"%", "km", "cm", "kg", "gmt", "utc", "usd"}
# A figure right after one of these is a time, an age, a year, a number or an amount of money.
_BEFORE_NOT_COUNT = words("numbers.before_not_count") | {"usd", "us$", "$", "€", "£"}


def _scale(word: str) -> float | None:
    """The scale a word names, singular or plural ("thousand", "thousands")."""
    forms = [word, *(word.removesuffix(suffix) for suffix in _PLURAL if word.endswith(suffix))]
    return next((_SCALES[form] for form in forms if form in _SCALES), None)


def _word_value(tokens: list[Token], i: int) -> tuple[float, float, float, int] | None:
    """Number words at tokens[i:]: (value, low, high, tokens used), e.g. "dua ribu", "twenty-five"."""
    first = tokens[i].lower
    if first in _VAGUE:
        low, high = _VAGUE[first]
        used, j = 1, i + 1
        if j < len(tokens) and tokens[j].lower in _LINKING:  # "tens of thousands"
            j += 1
        scale = _scale(tokens[j].lower) if j < len(tokens) else None
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
        elif word in _ONE and (nxt in _HUNDRED or nxt in _SCALES or nxt in _DOZEN):
            pending = 1
        elif word in _TEEN and pending:
            group, pending = group + pending + 10, 0
        elif word in _TENS and pending:
            group, pending = group + pending * 10, 0
        elif word in _HUNDRED and pending:
            group, pending = (group + pending) * 100, 0
        elif word in _ONE_HUNDRED and not pending:
            group += 100
        elif word in _DOZEN:
            pending = (pending or 1) * 12
        elif word in _ONE_SCALES and not (group or pending):
            total += _ONE_SCALES[word]
        elif word in _SCALES and (group or pending):
            total, group, pending = total + (group + pending) * _SCALES[word], 0, 0
        elif word in _JOINER and used and nxt.split("-")[0] in _UNITS:
            j += 1
            continue
        else:
            break
        j += 1
        used = j - i
    if not used or tokens[i + used - 1].lower in _ONE:
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
    if j + 1 < len(tokens) and (
        tokens[j].text in ("-", "–", "—") or tokens[j].lower in _RANGE_TO | _RANGE_AND
    ):
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
        if i and tokens[i - 1].lower in _NOT_AFTER:  # "salah satu" = "one of", not a count
            i += 1
            continue
        figure = _figure(tokens, i)
        if figure is None:
            i += 1
            continue
        value, low, high, used, vague = figure
        j = i + used
        bound, begin = _bound_before(tokens, i)
        between = i > 0 and tokens[i - 1].lower in _BETWEEN
        upper = None if vague else _range_after(tokens, j)
        if upper is not None and upper[0] > value and (between or tokens[j].lower not in _RANGE_AND):
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


def render_quantity(quantity: Quantity, language: str) -> str:
    """The figure in `language`'s words and number style: "lebih dari 1.000" <-> "more than 1,000"."""
    lang = resolve(language)
    if quantity.bound == "vague":
        return str(lexicon(lang).get("numbers.render.vague", {}).get(quantity.low or 0.0, quantity.text))
    if quantity.bound == "range" and quantity.low is not None and quantity.high is not None:
        return f"{format_number(quantity.low, lang)}-{format_number(quantity.high, lang)}"
    number = format_number(quantity.value, lang)
    words = lexicon(lang).get(f"numbers.render.bounds.{quantity.bound}")
    return f"{words} {number}" if words else number
