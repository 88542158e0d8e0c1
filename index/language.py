"""Which language a text is in: Indonesian or English, the two Kabar answers in (and reads articles in)."""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from lingua import Language as Lingua
from lingua import LanguageDetectorBuilder

Language = Literal["id", "en"]

_QUOTED = re.compile(r"[“\"«][^”\"»]*[”\"»]")
# A capitalised word that does not open a sentence: a name ("Sekar", "PT", "Velmora's").
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)(?<![\w'’-])[A-Z][\w'’-]*")
_CODES: dict[Lingua, Language] = {Lingua.INDONESIAN: "id", Lingua.ENGLISH: "en"}


def strip_quotes(text: str) -> str:
    """The text without quoted passages (quotes keep the article's language, so they do not count)."""
    return _QUOTED.sub(" ", text)


class LanguageDetector:
    """lingua restricted to Indonesian and English; runs offline. Build one and share it."""

    def __init__(self, default: Language = "id", min_confidence: float = 0.6) -> None:
        self.default = default
        self.min_confidence = min_confidence
        self._lingua = LanguageDetectorBuilder.from_languages(*_CODES).build()

    def detect(self, text: str) -> Language:
        """The language of `text`; the default (Indonesian) when the text is too short or unclear."""
        text = re.sub(r"\[\d+\]", " ", text).strip()
        if not re.search(r"[^\W\d_]{2,}", text):
            return self.default
        # Names are in no language: "When did the flood hit Sekar Wangi?" is English, whatever the
        # place is called. Judged without them while at least two other words remain.
        unnamed = _NAME.sub(" ", text)
        if len(re.findall(r"[^\W\d_]{2,}", unnamed)) >= 2:
            text = unnamed
        best = self._lingua.compute_language_confidence_values(text)[0]
        if best.value < self.min_confidence:
            return self.default
        return _CODES[best.language]


# Enough of an article to tell its language; lingua's time grows with the text.
_SAMPLE = 2_000


@cache
def _shared() -> LanguageDetector:
    return LanguageDetector()


def article_language(text: str) -> Language:
    """The language an article is written in, for one whose metadata does not say."""
    return _shared().detect(text[:_SAMPLE])
