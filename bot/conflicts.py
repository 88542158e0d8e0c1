"""Disagreements between articles, found without a language model.

`find_conflicts` keeps figures (`bot.claims`) from different articles about the same thing that cannot all
be true; `describe_conflicts` states each disagreement in Indonesian or English with every figure and its
citation, and `describe_claim` states one figure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from bot.claims import COMMON_SOURCES, predicate_word, sentence_language
from bot.groups import Similar, group_of, label, same_counted
from bot.numbers import Quantity, parse_quantity, render_quantity
from bot.schema import Claim, Conflict

# --- comparison ------------------------------------------------------------------------------------------

_WEEKDAYS = {
    **dict.fromkeys(["senin", "monday"], 1),
    **dict.fromkeys(["selasa", "tuesday"], 2),
    **dict.fromkeys(["rabu", "wednesday"], 3),
    **dict.fromkeys(["kamis", "thursday"], 4),
    **dict.fromkeys(["jumat", "friday"], 5),
    **dict.fromkeys(["sabtu", "saturday"], 6),
    **dict.fromkeys(["minggu", "sunday"], 7),
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "januari january jan",
            "februari february feb",
            "maret march mar",
            "april apr",
            "mei may",
            "juni june jun",
            "juli july jul",
            "agustus august aug agu",
            "september sep sept",
            "oktober october okt oct",
            "november nov",
            "desember december des dec",
        ],
        start=1,
    )
    for name in names.split()
}
# A figure that "rose to" a higher one updates an earlier count rather than contradicting it.
_UPDATE = re.compile(
    r"\b(?:bertambah|naik|meningkat|rose|risen|climbed|increased|grew)\s+(?:menjadi|to)\b|"
    r"\b(?:kini|now)\b",
    re.I,
)


def _dates(sentence: str) -> tuple[set[int], set[tuple[int, int]]]:
    """Weekdays and (day, month) dates a sentence mentions: figures from different days are not compared."""
    words = re.findall(r"[^\W\d_]+", sentence)
    # "minggu" is also "week": only "Minggu" names Sunday.
    days = {_WEEKDAYS[w.lower()] for w in words if w.lower() in _WEEKDAYS and (w != "minggu")}
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


def _comparable(a: Claim, b: Claim) -> bool:
    """Two figures that should agree if both reports are right: other articles, same day, not an update."""
    if a.doc_id == b.doc_id:
        return False
    (days_a, dates_a), (days_b, dates_b) = _dates(a.quote), _dates(b.quote)
    if (days_a and days_b and not days_a & days_b) or (dates_a and dates_b and not dates_a & dates_b):
        return False
    for new, old in ((a, b), (b, a)):
        if _UPDATE.search(new.quote) and _interval(new)[0] >= _interval(old)[0]:
            return False
    return True


def _incompatible(a: Claim, b: Claim) -> bool:
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
            if _comparable(claims[i], claims[j]) and _incompatible(claims[i], claims[j])
            for k in (i, j)
        }
        if not clashing:
            continue
        # Show the clashing figures and those that agree with one of them (same day, not an update).
        shown = [
            claims[i]
            for i in members
            if i in clashing or any(_comparable(claims[i], claims[k]) for k in clashing)
        ]
        shown = _unique(sorted(shown, key=lambda c: (c.n if c.n is not None else 1 << 30, c.doc_id)))
        conflicts.append(Conflict(topic=_topic(shown, sentence_language(shown[0].quote)), claims=shown))
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

# Common sources in both languages; other sources (names, agencies) are quoted as written.
_SOURCE_PAIRS = [
    ("pihak berwenang", "the authorities"),
    ("otoritas", "the authorities"),
    ("televisi pemerintah", "state television"),
    ("media pemerintah", "state media"),
    ("polisi", "police"),
    ("pihak kepolisian", "police"),
    ("para saksi", "witnesses"),
    ("pejabat", "officials"),
    ("Kementerian Kesehatan", "the health ministry"),
    ("Kementerian Kesehatan Kazakh", "the Kazakh health ministry"),
    ("Kementerian Dalam Negeri", "the interior ministry"),
    ("Kementerian Pertahanan", "the defence ministry"),
    ("Kementerian Situasi Darurat", "the emergencies ministry"),
    ("badan penanggulangan bencana", "the disaster agency"),
    ("tim penyelamat", "rescuers"),
    ("penyelenggara", "organisers"),
]
_SOURCES_EN = {id_name.lower(): en_name for id_name, en_name in _SOURCE_PAIRS} | {"saksi": "witnesses"}
_SOURCES_ID = {en_name.removeprefix("the ").lower(): id_name for id_name, en_name in reversed(_SOURCE_PAIRS)}


def _source(claim: Claim, language: str) -> str:
    """Who said it, in `language` when the glossary knows the source; names stay as written."""
    attribution = claim.attribution or ""
    key = attribution.lower()
    if language == "id":
        return _SOURCES_ID.get(key.removeprefix("the "), attribution)
    if key in _SOURCES_EN:
        return _SOURCES_EN[key]
    english = sentence_language(claim.quote) == "en"
    if english and attribution[0].islower() and key not in COMMON_SOURCES:
        return "the " + attribution  # "disaster agency" -> "the disaster agency"
    return attribution


def _counted_in(claims: Sequence[Claim], language: str) -> str:
    """What the claims count, in `language`: as written when a claim is in it, else the group's label."""
    native = [c for c in claims if sentence_language(c.quote) == language]
    if native:
        return native[0].counted
    return label(group_of(claims[0].counted), language) or claims[0].counted


def _topic(claims: Sequence[Claim], language: str) -> str:
    """ "anggota pasukan keamanan tewas" / "security force members killed", in `language`."""
    return f"{_counted_in(claims, language)} {predicate_word(claims[0].predicate, language)}"


def _figure(claim: Claim, language: str) -> str:
    quantity: Quantity | None = parse_quantity(claim.value_text)
    return render_quantity(quantity, language) if quantity else claim.value_text


def describe_claim(claim: Claim, language: str) -> str:
    """The claim as a sentence in `language`: "More than 400 people were hospitalised, according to the
    Kazakh health ministry [1]." A source the glossary cannot put into English is left out there."""
    lang = "id" if language == "id" else "en"
    counted, predicate = _counted_in([claim], lang), predicate_word(claim.predicate, lang)
    sentence = f"{_figure(claim, lang)} {counted} {'' if lang == 'id' else 'were '}{predicate}"
    source = _source(claim, lang) if claim.attribution else None
    if source and (lang == "id" or source != claim.attribution):
        sentence += f", {'menurut' if lang == 'id' else 'according to'} {source}"
    if claim.n is not None:
        sentence += f" [{claim.n}]"
    return sentence[:1].upper() + sentence[1:] + "."


def describe_conflicts(conflicts: Sequence[Conflict], language: str) -> str:
    """One sentence per disagreement with every figure, its source when known and its citation `[n]`."""
    lang = "id" if language == "id" else "en"
    according = "menurut" if lang == "id" else "according to"
    sentences = []
    for conflict in conflicts:
        parts = []
        for position, claim in enumerate(conflict.claims):
            part = _figure(claim, lang)
            if position == 0:
                part += " " + _topic(conflict.claims, lang)
            if claim.attribution:
                part += f" {according} {_source(claim, lang)}"
            if claim.n is not None:
                part += f" [{claim.n}]"
            parts.append(part)
        opening = "Laporan berbeda" if lang == "id" else "Reports differ"
        sentences.append(f"{opening}: {', '.join(parts)}.")
    return " ".join(sentences)
