"""What kind of answer a question asks for (a time, a place, a cause), and which sentences give one.

Within one story, the sentences that share most words with a question are often its leads: "SOREL -
Banjir bandang melanda Kabupaten Sorel ..." names the story as the question does, while the sentence
answering "Di mana longsor pertama terjadi?" is the one saying "di Desa Wirang". Reading what the
question asks for, and favouring sentences of that shape, finds the answer without knowing any story's
words. The words are per-language data (bot/lexicon/LANGUAGE.yaml: `asks_when`, `asks_where`, `which`,
`places`, `causes`, `clock`).
"""

from __future__ import annotations

import re
from typing import Literal

from bot.figures.conflicts import dates_in
from bot.lexicon import alternatives, words

Shape = Literal["when", "where", "why"]

_ASKS_WHEN = re.compile(rf"\b{alternatives('asks_when')}\b", re.IGNORECASE)
_ASKS_WHERE = re.compile(rf"\b{alternatives('asks_where')}\b", re.IGNORECASE)
_WHICH = re.compile(rf"\b{alternatives('which')}\b", re.IGNORECASE)
_PLACE_FIRST = re.compile(rf"\s*{alternatives('places')}\b", re.IGNORECASE)
_CAUSE = re.compile(rf"\b{alternatives('causes')}\b", re.IGNORECASE)
_WHY = words("why")
# A place: a preposition of place, then a capitalised word within two words ("di Desa Wirang").
_PLACE = re.compile(rf"\b{alternatives('places')}\s+(?:[^\W\d_]+\s+)?(?P<name>[A-Z][\w-]+)")
# A clock time: "22.00", "9:40", with a word that says it is one ("pukul 22.00", "9:40 pm").
_TIME = re.compile(r"\b\d{1,2}[.:]\d{2}\b")
_CLOCK = re.compile(rf"(?<!\w){alternatives('clock')}(?!\w)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}\b")  # a year is a time too: "stepped down in 2019"


def asked_shape(question: str) -> Shape | None:
    """What `question` asks for: a time ("Kapan ...?", "What time ...?"), a place ("Di mana ...?", "Dari
    pelabuhan mana ...?") or a cause ("Why ...?", "Apa penyebab ...?"); None for anything else."""
    if _ASKS_WHEN.search(question):
        return "when"
    if _ASKS_WHERE.search(question) or (_PLACE_FIRST.match(question) and _WHICH.search(question)):
        return "where"
    # "Apa yang memicu ...?" asks for a cause; "Berapa orang luka akibat banjir?" only names one.
    opening = " ".join(_WORD.findall(question)[:3])
    if set(opening.lower().split()[:2]) & _WHY or _CAUSE.search(opening):
        return "why"
    return None


def gives(shape: Shape | None, sentence: str, question: str) -> bool:
    """Whether `sentence` gives what a question of `shape` asks for: a date or a clock time; a place the
    question does not name; a cause."""
    if shape == "when":
        days, dates = dates_in(sentence)
        if days or dates or _YEAR.search(sentence):
            return True
        return bool(_TIME.search(sentence) and _CLOCK.search(sentence))
    if shape == "where":
        named = {w.lower() for w in _WORD.findall(question)}
        return any(m["name"].lower() not in named for m in _PLACE.finditer(sentence))
    if shape == "why":
        return bool(_CAUSE.search(sentence))
    return False
