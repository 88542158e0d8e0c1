"""Disagreements between articles, found without a language model.

`find_conflicts` keeps figures (`bot.figures.claims`) from different articles about the same thing that
cannot all be true; `describe_conflict` states a disagreement in Indonesian or English with every figure
and its citation, and `describe_claim` states one figure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from bot.figures.claims import COMMON_SOURCES, predicate_word, sentence_language
from bot.figures.groups import Similar, group_of, label, same_counted
from bot.figures.numbers import Quantity, parse_quantity, render_quantity
from bot.lexicon import alternatives, lexicon, lexicons, resolve, words
from bot.schema import Claim, Conflict

# --- comparison ------------------------------------------------------------------------------------------

# Weekday and month names in every language (bot/lexicon/LANGUAGE.yaml, `dates`): Monday is 1, January is 1.
_WEEKDAYS = {
    day.lower(): number
    for lex in lexicons()
    for number, day in enumerate(lex.get("dates.weekdays") or (), start=1)
}
_CAPITALISED_ONLY = words("dates.capitalised_only")  # "minggu" is also "week": only "Minggu" is Sunday
_MONTHS = {
    name.lower(): number
    for lex in lexicons()
    for number, names in enumerate(lex.get("dates.months") or (), start=1)
    for name in names
}
# A figure that "rose to" a higher one, or one said to stand "now", updates an earlier count rather than
# contradicting it.
_UPDATE = re.compile(
    rf"\b{alternatives('updates.rise')}\s+{alternatives('updates.to')}\b|\b{alternatives('updates.now')}\b",
    re.I,
)
# A figure "revised to" (or "diperbarui menjadi") replaces the earlier count, whichever way it went.
_REVISED = re.compile(
    rf"\b{alternatives('updates.revise')}\b(?:\W+\w+){{0,12}}?\W+{alternatives('updates.to')}\b", re.I
)


def dates_in(sentence: str) -> tuple[set[int], set[tuple[int, int]]]:
    """Weekdays and (day, month) dates a sentence mentions: figures from different days are not compared."""
    found = re.findall(r"[^\W\d_]+", sentence)
    days = {_WEEKDAYS[w.lower()] for w in found if w.lower() in _WEEKDAYS and w not in _CAPITALISED_ONLY}
    dates = {(int(d), int(m)) for d, m in re.findall(r"\b(\d{1,2})/(\d{1,2})\b", sentence)}
    for day, month in re.findall(r"\b(\d{1,2})\s+([^\W\d_]+)", sentence):
        if month.lower() in _MONTHS:
            dates.add((int(day), _MONTHS[month.lower()]))
    for month, day in re.findall(r"\b([^\W\d_]+)\.?\s+(\d{1,2})\b", sentence):
        if month.lower() in _MONTHS:
            dates.add((int(day), _MONTHS[month.lower()]))
    return days, dates


def _interval(claim: Claim) -> tuple[float, float]:
    low = claim.low if claim.low is not None else 0.0
    high = claim.high if claim.high is not None else float("inf")
    quantity = parse_quantity(claim.value_text)
    if quantity is not None and quantity.vague:
        return low / 2, high * 2  # "puluhan" is loose: it alone should not make a disagreement
    return low, high


def comparable(a: Claim, b: Claim) -> bool:
    """Two figures that should agree if both reports are right: other articles, same day, not an update."""
    if a.doc_id == b.doc_id:
        return False
    (days_a, dates_a), (days_b, dates_b) = dates_in(a.quote), dates_in(b.quote)
    if (days_a and days_b and not days_a & days_b) or (dates_a and dates_b and not dates_a & dates_b):
        return False
    for new, old in ((a, b), (b, a)):
        if _UPDATE.search(new.quote) and _interval(new)[0] >= _interval(old)[0]:
            return False
        if _REVISED.search(new.quote):
            return False
    return True


def incompatible(a: Claim, b: Claim) -> bool:
    (low_a, high_a), (low_b, high_b) = _interval(a), _interval(b)
    return high_a < low_b or high_b < low_a


def find_conflicts(claims: Sequence[Claim], similar: Similar | None = None) -> list[Conflict]:
    """Groups of figures about the same thing in which two articles' figures cannot both be true.

    `similar` embeds phrases into normalised vectors; it places counted phrases the lexicon does not know.
    """
    claims = list(claims)
    same = same_counted(claims, similar)
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(claims)):
        for j in range(i + 1, len(claims)):
            if claims[i].predicate == claims[j].predicate and same(i, j):
                parent[root(j)] = root(i)
    conflicts = []
    for members in _components(parent, root):
        clashing = {
            k
            for i, j in itertools.combinations(members, 2)
            if comparable(claims[i], claims[j]) and incompatible(claims[i], claims[j])
            for k in (i, j)
        }
        if not clashing:
            continue
        # Show the clashing figures and those that agree with one of them (same day, not an update).
        shown = [
            claims[i]
            for i in members
            if i in clashing or any(comparable(claims[i], claims[k]) for k in clashing)
        ]
        shown = _unique(sorted(shown, key=lambda c: (c.n if c.n is not None else 1 << 30, c.doc_id)))
        conflicts.append(Conflict(topic=topic(shown, sentence_language(shown[0].quote)), claims=shown))
    return conflicts


def _components(parent: list[int], root: Callable[[int], int]) -> list[list[int]]:
    components: dict[int, list[int]] = {}
    for i in range(len(parent)):
        components.setdefault(root(i), []).append(i)
    return list(components.values())


def _unique(claims: list[Claim]) -> list[Claim]:
    seen: set[tuple[str, float, float | None, float | None]] = set()
    kept = []
    for claim in claims:
        key = (claim.doc_id, claim.value, claim.low, claim.high)
        if key not in seen:
            seen.add(key)
            kept.append(claim)
    return kept


# --- rendering -------------------------------------------------------------------------------------------

# Common sources in every language (bot/lexicon/LANGUAGE.yaml, `sources`): a source on one of a language's
# lists is written as the first phrase of the same list in another language. Other sources (names, agencies)
# are quoted as written, except institutions named by their field (`institutions`: "Kementerian Kesehatan"
# is "the health ministry").
_ARTICLES = re.compile(rf"^{alternatives('attribution.articles')}\s+", re.I)


def _bare(phrase: str) -> str:
    return _ARTICLES.sub("", phrase.strip()).lower()


_SOURCE_NAMES = {
    (lex.language, _bare(phrase)): kind
    for lex in lexicons()
    for kind in lex.get("sources") or {}
    for phrase in lex.get(f"sources.{kind}")
}


_NAME = r"[^\W\d_][\w'’-]*"  # a word of a name: "Velmora", "Velmora's"


def _institution_pattern(table: dict) -> re.Pattern[str]:
    """How a language names an institution by its field, each part followed by a space ("Kementerian
    Kesehatan Velmora "); the owner, kept as written, may be left out."""

    def choice(part: str) -> str:
        return f"(?i:(?P<{part}>" + "|".join(map(re.escape, table[part].values())) + r"))\s+"

    pattern = "".join(
        rf"(?:(?P<owner>{_NAME}(?:\s+{_NAME})*)\s+)?" if part == "owner" else choice(part)
        for part in table["order"]
    )
    article = rf"(?i:{re.escape(table['article'])}\s+)?" if table.get("article") else ""
    return re.compile(f"^{article}{pattern}$")


_INSTITUTIONS = {
    lex.language: (table, _institution_pattern(table))
    for lex in lexicons()
    if (table := lex.get("institutions"))
}


def _institution(source: str, language: str) -> str | None:
    """An institution named by its field in another language, named so in `language` ("Kementerian Kesehatan
    Velmora" -> "the Velmora health ministry"); None when it is not one."""
    if language not in _INSTITUTIONS:
        return None
    target = _INSTITUTIONS[language][0]
    for other, (table, pattern) in _INSTITUTIONS.items():
        match = pattern.match(source.strip() + " ")
        owner = (match["owner"] or "") if match else ""
        if not match or not all(word[0].isupper() for word in owner.split()):
            continue
        if other == language:
            return None  # already so named
        kinds = {
            part: next(kind for kind, word in table[part].items() if word.lower() == match[part].lower())
            for part in ("institution", "field")
        }
        if all(kinds[part] in target[part] for part in kinds):
            parts = {part: target[part][kinds[part]] for part in kinds} | {"owner": owner}
            named = " ".join(parts[part] for part in target["order"] if parts[part])
            return f"{target['article']} {named}" if target.get("article") else named
    return None


def _translated(source: str, language: str) -> str | None:
    """The source as `language` names it, when the glossary knows it in another language; else None."""
    bare = _bare(source)
    if (language, bare) in _SOURCE_NAMES:
        return None
    for (_, phrase), kind in _SOURCE_NAMES.items():
        if phrase == bare and (names := lexicon(language).get(f"sources.{kind}")):
            return str(names[0])
    return _institution(source, language)


def _source(claim: Claim, language: str) -> str:
    """Who said it, in `language` when the glossary knows the source; names stay as written."""
    attribution = claim.attribution or ""
    translated = _translated(attribution, language)
    if translated is not None:
        return translated
    article = lexicon(language).get("definite_article")
    native = sentence_language(claim.quote) == language
    if article and native and attribution[0].islower() and attribution.lower() not in COMMON_SOURCES:
        return f"{article} {attribution}"  # "disaster agency" -> "the disaster agency"
    return attribution


def _counted_in(claims: Sequence[Claim], language: str) -> str:
    """What the claims count, in `language`: as written when a claim is in it, else the group's label."""
    native = [c for c in claims if sentence_language(c.quote) == language]
    if native:
        return native[0].counted
    return label(group_of(claims[0].counted), language) or claims[0].counted


def topic(claims: Sequence[Claim], language: str) -> str:
    """ "anggota pasukan keamanan tewas" / "security force members killed", in `language`."""
    predicate = predicate_word(claims[0].predicate, language) if claims[0].predicate else ""
    return f"{_counted_in(claims, language)} {predicate}".strip()


def _figure(claim: Claim, language: str) -> str:
    quantity: Quantity | None = parse_quantity(claim.value_text)
    return render_quantity(quantity, language) if quantity else claim.value_text


def describe_claim(claim: Claim, language: str) -> str:
    """The claim as a sentence in `language`: "More than 400 people were hospitalised, according to the
    health ministry [1]." A source written in another language that the glossary cannot put into this
    one is left out."""
    lang = resolve(language)
    phrases = lexicon(lang).get("phrases")
    counted, predicate = _counted_in([claim], lang), predicate_word(claim.predicate, lang)
    sentence = phrases["claim"].format(figure=_figure(claim, lang), counted=counted, predicate=predicate)
    source = _source(claim, lang) if claim.attribution else None
    if source and (source != claim.attribution or sentence_language(claim.quote) == lang):
        sentence += f", {phrases['according_to']} {source}"
    if claim.n is not None:
        sentence += f" [{claim.n}]"
    return sentence[:1].upper() + sentence[1:] + "."


def describe_conflict(conflict: Conflict, language: str) -> str:
    """One disagreement as a clause in `language`: every figure, its source when known and its `[n]`."""
    lang = resolve(language)
    phrases = lexicon(lang).get("phrases")
    parts = []
    for position, claim in enumerate(conflict.claims):
        part = _figure(claim, lang)
        if position == 0:
            part += " " + topic(conflict.claims, lang)
        if claim.attribution:
            part += f" {phrases['according_to']} {_source(claim, lang)}"
        if claim.n is not None:
            part += f" [{claim.n}]"
        parts.append(part)
    return ", ".join(parts)
