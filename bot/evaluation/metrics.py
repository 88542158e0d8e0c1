"""Scoring for `kabar eval`: the gold item format, key-fact matching, per-item checks and the summary.

Everything here is a pure function over data (no model, no store), so each rule is unit-tested on
hand-made answers. `docs/evaluation.md` says what each metric means.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from lingua import Language as LinguaLanguage
from lingua import LanguageDetector, LanguageDetectorBuilder
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.bound import unbound
from bot.render.layout import QUOTE_LEAD, shown_text
from bot.schema import Answer, Language

HIT_KS = (1, 5, 10)
# Below this many words, lingua guesses from proper names ("Sinarmas." reads as English): not judged.
MIN_WORDS_FOR_LANGUAGE = 3

# Display order of the summary; retrieval-only runs report just the retrieval ones.
RETRIEVAL_METRICS = ("hit_at_1", "hit_at_5", "hit_at_10", "mrr")
ANSWER_METRICS = (
    "key_fact_accuracy",
    "citation_precision",
    "citation_recall",
    *RETRIEVAL_METRICS,
    "disagreement_recall",
    "disagreement_false_positive_rate",
    "abstention_recall",
    "over_refusal_rate",
    "unsupported_replies",
    "language_match",
    "latency_p50_ms",
    "latency_p95_ms",
)


class GoldItem(BaseModel):
    """One gold question, as a line of `data/gold/*.jsonl`; unknown fields are kept and written back."""

    model_config = ConfigDict(extra="allow")

    id: str
    question: str
    language: Language
    answer: str = ""
    key_facts: list[list[str]] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    supporting: list[str] = Field(default_factory=list)
    conflict: bool | None = None
    answerable: bool = True

    @field_validator("key_facts")
    @classmethod
    def _no_blank_facts(cls, groups: list[list[str]]) -> list[list[str]]:
        # A blank alternative would match every answer and hide a wrong one.
        for group in groups:
            if not group or any(not alternative.strip() for alternative in group):
                raise ValueError("every key-fact group needs at least one non-blank alternative")
        return groups


# --- matching -------------------------------------------------------------------------------------------

# A separator between digits followed by exactly three digits is a thousands separator in both
# languages (`2.000` in Indonesian, `2,000` in English); `2,5` and `2.5` are decimals and stay.
_THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f\u2009](?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_MARKERS = re.compile(r"\[\d+(?:\s*[,;\u2013-]\s*\d+)*\]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_QUOTED = re.compile(
    r'"[^"]*"|\u201c[^\u201d]*\u201d|\u201e[^\u201c\u201d]*[\u201c\u201d]|\u00ab[^\u00bb]*\u00bb'
)


def normalise(text: str) -> str:
    """Casefolded text with one number spelling: thousands separators dropped, decimal commas as dots."""
    text = _THOUSANDS.sub("", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DECIMAL_COMMA.sub(".", text)
    text = _DASHES.sub("-", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


@cache
def _fact_pattern(alternative: str) -> re.Pattern[str]:
    key = normalise(alternative)
    # A number must match whole: `18` is not in `2018`, `180` or `1.8`.
    head = r"(?<!\d)(?<!\d\.)" if key[:1].isdigit() else ""
    tail = r"(?!\.?\d)" if key[-1:].isdigit() else ""
    return re.compile(head + re.escape(key) + tail)


def answer_body(text: str) -> str:
    """The answer text without its `[n]` citation markers, which are not part of what it says."""
    return _MARKERS.sub(" ", text)


def has_fact(text: str, alternatives: Sequence[str]) -> bool:
    """True when any alternative occurs in `text` (case-insensitive, number-aware, as a substring)."""
    body = normalise(answer_body(text))
    return any(_fact_pattern(alternative).search(body) for alternative in alternatives)


def missing_facts(text: str, key_facts: Sequence[Sequence[str]]) -> list[list[str]]:
    """The key-fact groups of which `text` contains no alternative."""
    return [list(group) for group in key_facts if not has_fact(text, group)]


# --- answer language ------------------------------------------------------------------------------------


@cache
def _detector() -> LanguageDetector:
    # Built once per process: restricting lingua to the two languages Kabar answers in keeps it fast and
    # stops it guessing a third language for short Indonesian text.
    return LanguageDetectorBuilder.from_languages(LinguaLanguage.INDONESIAN, LinguaLanguage.ENGLISH).build()


def without_quotes(text: str) -> str:
    """`text` without quoted passages and citation markers: an English answer may quote Indonesian."""
    return " ".join(_QUOTED.sub(" ", answer_body(text)).split())


def detect_language(text: str) -> Language | None:
    """`"id"` or `"en"` for the answer's own words (quotes excluded); None when lingua cannot tell."""
    found = _detector().detect_language_of(without_quotes(text))
    if found is None:
        return None
    return "id" if found == LinguaLanguage.INDONESIAN else "en"


# --- evidence-bound replies ---------------------------------------------------------------------------


def unsupported_terms(answer: Answer) -> list[str]:
    """Figures and names the answer states in its own words (quotes aside) that neither the sentences it
    cites nor the disagreements it reports hold, and the question did not name; [] for an abstention."""
    if not answer.answered:
        return []
    evidence = [c.quote for c in answer.citations] + [
        claim.quote for conflict in answer.conflicts for claim in conflict.claims
    ]
    # Who published a cited article, and when, are known of it ("An earlier report (Courant, 2025-03-11)").
    evidence += [f"{c.source or ''} {c.published or ''}" for c in answer.citations]
    text = without_quotes(answer.text)
    for lead in QUOTE_LEAD.values():  # Kabar's own frame: "(kutipan dalam bahasa Inggris)"
        text = text.replace(lead, " ")
    return unbound(text, evidence, answer.question)


# --- per item -------------------------------------------------------------------------------------------


@dataclass
class ItemScore:
    """What one prediction got right and wrong; `None` fields are not scored for this item."""

    id: str
    answerable: bool
    answered: bool
    key_facts_ok: bool | None
    cited: set[str]
    allowed: set[str]
    sources: set[str]
    rank: int | None
    conflict_expected: bool | None
    conflict_found: bool
    language_ok: bool | None
    total_ms: float
    reasons: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def first_source_rank(retrieved: Sequence[str], sources: Sequence[str]) -> int | None:
    """1-based rank of the first source among the distinct retrieved article ids; None if none is there."""
    distinct = list(dict.fromkeys(retrieved))
    return next((rank for rank, doc_id in enumerate(distinct, start=1) if doc_id in sources), None)


def score_item(
    item: GoldItem,
    answer: Answer,
    retrieval_only: bool = False,
    detect: Callable[[str], Language | None] = detect_language,
) -> ItemScore:
    """Score one prediction against its gold item and say, in words, why it fails (if it does)."""
    rank = first_source_rank(answer.retrieved, item.sources)
    score = ItemScore(
        id=item.id,
        answerable=item.answerable,
        answered=answer.answered,
        key_facts_ok=None,
        cited={citation.doc_id for citation in answer.citations},
        allowed=set(item.sources) | set(item.supporting),
        sources=set(item.sources),
        rank=rank,
        conflict_expected=item.conflict,
        conflict_found=bool(answer.conflicts),
        language_ok=None,
        total_ms=answer.timings.total_ms,
    )
    if item.sources and rank is None:
        score.reasons.append("no source among the retrieved articles")
    if retrieval_only:
        # Retrieval is all that is measured here, so a source below the top is worth a look.
        if rank is not None and rank > 1:
            score.reasons.append(f"first source retrieved at rank {rank}")
        return score

    reasons = score.reasons
    if item.answerable:
        # What the reader is told: the text and the disagreements shown beneath it.
        missing = missing_facts(shown_text(answer), item.key_facts)
        score.key_facts_ok = not missing
        if not answer.answered:
            reasons.append("abstained on an answerable question")
        elif missing:
            reasons.append("missing key facts: " + "; ".join(" | ".join(group) for group in missing))
        wrong = sorted(score.cited - score.allowed)
        if wrong:
            reasons.append("cited articles that do not support the answer: " + ", ".join(wrong))
        if answer.answered and item.sources and not score.cited & score.sources:
            reasons.append("cited none of the sources: " + ", ".join(item.sources))
    elif answer.answered:
        reasons.append("answered a question the articles cannot answer")
    score.unsupported = unsupported_terms(answer)
    if score.unsupported:
        reasons.append("states what no cited sentence holds: " + ", ".join(score.unsupported))

    if item.conflict is True and not score.conflict_found:
        reasons.append("did not report the disagreement between the articles")
    elif item.conflict is False and score.conflict_found:
        topics = ", ".join(conflict.topic for conflict in answer.conflicts)
        reasons.append(f"reported a disagreement the articles do not have ({topics})")

    if len(_WORD.findall(without_quotes(answer.text))) >= MIN_WORDS_FOR_LANGUAGE:
        found = detect(answer.text)
        score.language_ok = found == item.language
        if not score.language_ok:
            reasons.append(f"answer language is {found or 'undetected'}, question is {item.language}")
    return score


# --- summary --------------------------------------------------------------------------------------------


class Failure(BaseModel):
    id: str
    reasons: list[str]


class Summary(BaseModel):
    """Each metric's value (None when nothing was scored) and its denominator, plus the failing items."""

    items: int
    retrieval_only: bool
    metrics: dict[str, float | None]
    counts: dict[str, int]
    failures: list[Failure]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q` quantile (0..1) by linear interpolation between the closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarise(scores: Sequence[ItemScore], retrieval_only: bool = False) -> Summary:
    """Aggregate per-item scores into the metrics `kabar eval` prints."""
    metrics: dict[str, float | None] = {}
    counts: dict[str, int] = {}

    def put(name: str, value: float | None, total: int) -> None:
        metrics[name] = value
        counts[name] = total

    with_sources = [s for s in scores if s.sources]
    for k in HIT_KS:
        hits = sum(1 for s in with_sources if s.rank is not None and s.rank <= k)
        put(f"hit_at_{k}", _ratio(hits, len(with_sources)), len(with_sources))
    reciprocal = sum(1 / s.rank for s in with_sources if s.rank is not None)
    put("mrr", reciprocal / len(with_sources) if with_sources else None, len(with_sources))

    if not retrieval_only:
        answerable = [s for s in scores if s.answerable]
        unanswerable = [s for s in scores if not s.answerable]
        put(
            "key_fact_accuracy",
            _ratio(sum(bool(s.key_facts_ok) for s in answerable), len(answerable)),
            len(answerable),
        )
        # Micro-averaged over citations (precision) and over gold sources (recall) of answerable items:
        # on a question the articles cannot answer, there is no source to cite.
        cited = sum(len(s.cited) for s in answerable)
        put("citation_precision", _ratio(sum(len(s.cited & s.allowed) for s in answerable), cited), cited)
        needed = sum(len(s.sources) for s in answerable)
        put("citation_recall", _ratio(sum(len(s.cited & s.sources) for s in answerable), needed), needed)
        expected = [s for s in scores if s.conflict_expected is True]
        absent = [s for s in scores if s.conflict_expected is False]
        put(
            "disagreement_recall",
            _ratio(sum(s.conflict_found for s in expected), len(expected)),
            len(expected),
        )
        put(
            "disagreement_false_positive_rate",
            _ratio(sum(s.conflict_found for s in absent), len(absent)),
            len(absent),
        )
        put(
            "abstention_recall",
            _ratio(sum(not s.answered for s in unanswerable), len(unanswerable)),
            len(unanswerable),
        )
        put(
            "over_refusal_rate",
            _ratio(sum(not s.answered for s in answerable), len(answerable)),
            len(answerable),
        )
        answered = [s for s in scores if s.answered]
        put(
            "unsupported_replies",
            _ratio(sum(bool(s.unsupported) for s in answered), len(answered)),
            len(answered),
        )
        judged = [s for s in scores if s.language_ok is not None]
        put("language_match", _ratio(sum(bool(s.language_ok) for s in judged), len(judged)), len(judged))
        latencies = [s.total_ms for s in scores]
        put("latency_p50_ms", percentile(latencies, 0.50), len(latencies))
        put("latency_p95_ms", percentile(latencies, 0.95), len(latencies))

    order = RETRIEVAL_METRICS if retrieval_only else ANSWER_METRICS
    return Summary(
        items=len(scores),
        retrieval_only=retrieval_only,
        metrics={name: metrics[name] for name in order},
        counts={name: counts[name] for name in order},
        failures=[Failure(id=s.id, reasons=s.reasons) for s in scores if s.reasons],
    )
