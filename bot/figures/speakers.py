"""Who gave a figure: for "Siapa yang menyebut 12.600 personel dikerahkan?", each article's sentence that
states that figure, and whom the sentence attributes it to.

Outlets often credit one figure to different officials (the police chief in one report, the governor in
another); both are the answer. The figure is matched by value, so "12.600" finds "12,600"; of an article's
sentences stating it, the one sharing most of the question's other words speaks for the article.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.evidence import reported
from bot.figures.claims import attribution_of
from bot.figures.numbers import find_quantities
from bot.question import Question
from index.store import Hit
from index.vocabulary import forms

_WORD = re.compile(r"[^\W\d_]{3,}")
# An article's opening line starts with where and by whom it was filed: "KOTA, KORAN - Bupati ...".
_DATELINE = re.compile(r"^[A-Z][A-Z ]{2,}\b[^-–—]{0,60}?\s[-–—]\s+")


@dataclass(frozen=True)
class Speaker:
    """Whom one article credits with the figure, and the sentence that says so."""

    name: str
    hit: Hit
    sentence: str
    start: int
    end: int


def speakers(question: Question, chunks: Sequence[Hit], ignore: Collection[str] = ()) -> list[Speaker]:
    """For a "who" question naming a figure, each article's speaker for it, in article order; [] when
    the question asks something else or no article attributes the figure."""
    wanted = {q.value for q in find_quantities(question.text)}
    if not question.who or not wanted:
        return []
    others = [forms(w) for w in dict.fromkeys(_WORD.findall(question.text)) if w.lower() not in ignore]
    best: dict[str, tuple[int, Speaker]] = {}
    for hit in chunks:
        for start, end, sentence in reported(hit):
            if not wanted <= {q.value for q in find_quantities(sentence)}:
                continue
            name = attribution_of(_DATELINE.sub("", sentence))
            if not name:
                continue
            present = {f for word in _WORD.findall(sentence) for f in forms(word)}
            score = sum(bool(f & present) for f in others)
            if score > best.get(hit.doc_id, (-1, None))[0]:
                best[hit.doc_id] = (score, Speaker(name, hit, sentence, start, end))
    return [speaker for _, speaker in best.values()]
