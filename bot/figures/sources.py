"""Per source: the figure each article of the story gives for what a "how many" question counts, and
whether those figures disagree.

The question says what is counted ("Berapa rumah yang rusak?": houses). Each article is read whole, and
its answer is the figure written just before a word for that ("1.150 rumah", "860 damaged houses") in the
sentence that shares most of the question's other words. No predicate lexicon is needed: damaged houses,
strikers, people on board and people in shelters are read the same way. Figures of articles published days
apart are successive reports, not a disagreement, and a figure said to have risen ("bertambah menjadi",
"rose to") updates the earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.evidence import reported
from bot.figures.claims import attribution_of, mentions, predicates_in
from bot.figures.conflicts import comparable, incompatible
from bot.figures.groups import group_of, group_terms
from bot.figures.numbers import Quantity, find_quantities, parse_number, tokenize
from bot.grounding import in_scope
from bot.lexicon import alternatives, words
from bot.question import Question
from bot.schema import Claim
from index.store import Hit
from index.stories import published_date
from index.vocabulary import forms

# How many words after a figure may name what it counts: "1.150 rumah", "860 damaged houses".
REACH = 3
# The words this close to a figure say what it is about ("4.500 warga mengungsi" / "26 people died").
WINDOW = 8
# Reports published this many days apart or more are successive counts of a story that moves on.
SAME_NEWS_DAYS = 2
_WORD = re.compile(r"[^\W\d_]{3,}")
_PERCENT_FORMS = {form for word in words("percent") for form in forms(word)}
_PERCENT = re.compile(rf"(\d+(?:[.,]\d+)?)\s*(?:%|{alternatives('percent')}\b)", re.IGNORECASE)


@dataclass(frozen=True)
class SourceFigure:
    """One article's figure for what is counted, with the chunk its sentence came from."""

    claim: Claim
    hit: Hit
    start: int  # the sentence's span in its article
    end: int
    events: frozenset[str] = frozenset()  # what the words around the figure say happened (killed...)
    score: int = 0  # how many of the question's other words stand near the figure

    @property
    def sentence(self) -> str:
        return self.claim.quote


def _percentages(sentence: str) -> list[Quantity]:
    """Shares written "51,8 persen", "49.6 percent" or "51.8%", read as figures of the word for percent:
    the number parser leaves them out, since they count no one."""
    found = []
    for match in _PERCENT.finditer(sentence):
        value = parse_number(match.group(1))
        if value is not None:
            end = match.end(1)
            found.append(Quantity(match.group(1), match.start(1), end, value, value, value, "exact"))
    return found


def _counted_word(sentence: str, wanted: set[str]) -> tuple[Quantity, str, str] | None:
    """The first figure followed closely by a word for what is counted, that word, and the words around
    the figure (its clause, roughly: `WINDOW` words either side)."""
    tokens = [t for t in tokenize(sentence) if t.text[:1].isalpha()]
    quantities = _percentages(sentence) if wanted & _PERCENT_FORMS else find_quantities(sentence)
    for quantity in quantities:
        after = [i for i, t in enumerate(tokens) if t.start >= quantity.end]
        following = [tokens[i] for i in after[:REACH]]
        word = next((t.text for t in following if forms(t.text) & wanted), None)
        if word is None and sentence[quantity.end :].lstrip().startswith("%"):
            word = "%"
        if word is not None:
            at = after[0] if after else len(tokens)
            near = tokens[max(0, at - WINDOW) : at + WINDOW]
            return quantity, word.lower(), " ".join(t.text for t in near)
    return None


def counted_forms(head: str) -> set[str]:
    """Every form of every word for what `head` names: the words of its group in all languages, or itself."""
    group = group_of(head)
    return set().union(*(forms(term) for term in (group_terms(group) if group else {head})))


def generic_head(head: str) -> bool:
    """Whether `head` counts anyone ("orang", "people", "korban") rather than something specific ("rumah",
    "children", "vehicles")."""
    return group_of(head) == "people" or head in words("classifiers")


def narrowing(question: Question, sentences: Sequence[str]) -> frozenset[str]:
    """The names of `question.scope` that narrow a "how many" question: those the story gives a figure of
    what is counted for ("tujuh jenazah ditemukan di Desa X"). A name no sentence counts it for only
    says where the counted thing happened ("the clash at the X plant"): the figure of that event need not
    repeat it."""
    if not question.scope or not question.head:
        return question.scope
    wanted = counted_forms(question.head)

    def counts(sentence: str) -> bool:
        found = _counted_word(sentence, wanted)
        return found is not None and (not question.asked or mentions(question.asked, found[2]))

    return frozenset(
        name for name in question.scope if any(in_scope(s, {name}) and counts(s) for s in sentences)
    )


def counted_figures(
    question: Question, chunks: Sequence[Hit], ignore: frozenset[str] = frozenset()
) -> list[SourceFigure]:
    """Each article's figure for what `question` counts (none for a question that names nothing), said of
    the part of the story the question asks about (`Question.scope`)."""
    head = question.head
    if not head:
        return []
    wanted = counted_forms(head)
    # The question's other words, each in all its forms: what tells "4.500 warga mengungsi" from a toll.
    others = [
        forms(w)
        for w in dict.fromkeys(_WORD.findall(question.text))
        if w.lower() not in ignore and not forms(w) & wanted and w[0].islower()
    ]
    # A word for people counts anyone: its figure must stand among the question's other words. A specific
    # one ("rumah", "vehicles") may stand alone, as it does in an article in the other language.
    generic = generic_head(head)
    asked = question.asked
    predicate = min(asked, default="")
    best: dict[str, tuple[int, SourceFigure]] = {}
    for hit in chunks:
        for start, end, sentence in reported(hit):
            found = _counted_word(sentence, wanted)
            if found is None:
                continue
            quantity, counted, near = found
            if asked and not mentions(asked, near):
                continue  # "How many workers died?" is not answered by how many went on strike
            if not in_scope(sentence, question.scope):
                continue  # nor "How many polling stations had Marisa city?" by the province's count
            present = {f for word in near.split() for f in forms(word)}
            score = sum(bool(f & present) for f in others)
            if (generic and not score) or score <= best.get(hit.doc_id, (-1, None))[0]:
                continue
            claim = Claim(
                value_text=quantity.text,
                value=quantity.value,
                low=quantity.low,
                high=quantity.high,
                counted=counted,
                predicate=predicate,
                attribution=attribution_of(sentence),
                doc_id=hit.doc_id,
                quote=sentence,
            )
            events = frozenset(predicates_in(near))
            best[hit.doc_id] = (score, SourceFigure(claim, hit, start, end, events, score))
    return [figure for _, figure in best.values()]


def best_figure(figures: Sequence[SourceFigure]) -> SourceFigure | None:
    """The figure whose surroundings share most with the question; of those, the latest report's."""
    return max(figures, key=lambda f: (f.score, str(f.hit.metadata.get("published", ""))), default=None)


def _days_apart(a: Claim, b: Claim, published: dict[str, date | None]) -> int:
    first, second = published.get(a.doc_id), published.get(b.doc_id)
    return abs((first - second).days) if first and second else 0


def disagreement(figures: Sequence[SourceFigure], language: str) -> list[SourceFigure]:
    """The articles' figures that disagree: two of them, reported at the same time and neither an update
    of the other, cannot both be true. [] when they agree."""
    published = {f.claim.doc_id: published_date(str(f.hit.metadata.get("published", ""))) for f in figures}
    clashing: dict[str, SourceFigure] = {}
    for i, a in enumerate(figures):
        for b in figures[i + 1 :]:
            if (
                a.events == b.events  # "200 pengunjuk rasa berkumpul" is not "puluhan demonstran tewas"
                and comparable(a.claim, b.claim)
                and incompatible(a.claim, b.claim)
                and _days_apart(a.claim, b.claim, published) < SAME_NEWS_DAYS
            ):
                clashing[a.claim.doc_id], clashing[b.claim.doc_id] = a, b
    return list(clashing.values())
