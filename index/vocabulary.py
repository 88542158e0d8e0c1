"""Which words each story uses, in every form a stemmer gives them, so a question can be checked for what
the story never mentions ("Mengapa bendungan jebol?" asked of a flood story that names no dam)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

import Stemmer

_WORD = re.compile(r"[^\W\d_]+")
# Short words are too often an inflection or an abbreviation to say anything on their own.
MIN_LENGTH = 4


class StoryVocabulary:
    """Each story's words (lower-cased, English- and Indonesian-stemmed) and the languages of its articles."""

    def __init__(self) -> None:
        self._stemmers = (Stemmer.Stemmer("english"), Stemmer.Stemmer("indonesian"))
        self.words: dict[str, set[str]] = {}
        self.languages: dict[str, set[str]] = {}

    def forms(self, word: str) -> set[str]:
        """The word and its stems; Indonesian is stemmed twice ("berpenduduk" -> "duduk")."""
        word = word.lower()
        english, indonesian = self._stemmers
        once = indonesian.stemWord(word)
        return {word, english.stemWord(word), once, indonesian.stemWord(once)}

    def add(self, story: str, language: str, text: str) -> None:
        words = self.words.setdefault(story, set())
        for word in set(_WORD.findall(text)):
            words |= self.forms(word)
        self.languages.setdefault(story, set()).add(language)

    def absent(self, question: str, story: str, ignore: Collection[str] = ()) -> list[str]:
        """The question's content words (not in `ignore`, at least `MIN_LENGTH` letters) that no article
        of `story` uses in any form."""
        known = self.words.get(story, set())
        words: Iterable[str] = dict.fromkeys(_WORD.findall(question))
        return [
            w for w in words if len(w) >= MIN_LENGTH and w.lower() not in ignore and not self.forms(w) & known
        ]
