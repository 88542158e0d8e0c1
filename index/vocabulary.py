"""Which words each story uses, in every form a stemmer gives them, so a question can be checked for what
the story never mentions ("Mengapa bendungan jebol?" asked of a flood story that names no dam)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable

import Stemmer

_WORD = re.compile(r"[^\W\d_]+")
# Short words are too often an inflection or an abbreviation to say anything on their own.
MIN_LENGTH = 4


_ENGLISH, _INDONESIAN = Stemmer.Stemmer("english"), Stemmer.Stemmer("indonesian")


def forms(word: str) -> set[str]:
    """The word lower-cased and its stems; Indonesian is stemmed twice ("berpenduduk" -> "duduk")."""
    word = word.lower()
    once = _INDONESIAN.stemWord(word)
    return {word, _ENGLISH.stemWord(word), once, _INDONESIAN.stemWord(once)}


def word_forms(text: str) -> set[str]:
    """Every form of every word of `text`."""
    return {form for word in set(_WORD.findall(text)) for form in forms(word)}


class StoryVocabulary:
    """Each story's words (lower-cased, English- and Indonesian-stemmed) and the languages of its articles."""

    def __init__(self) -> None:
        self.words: dict[str, set[str]] = {}
        self.languages: dict[str, set[str]] = {}
        self.articles = 0
        self._df: Counter[str] = Counter()  # in how many articles each form occurs

    def add(self, story: str, language: str, text: str) -> None:
        """One whole article of `story`."""
        found = word_forms(text)
        self.words.setdefault(story, set()).update(found)
        self.languages.setdefault(story, set()).add(language)
        self.articles += 1
        self._df.update(found)

    def share(self, word: str) -> float:
        """The share of all articles that use `word` in some form: how ordinary a word it is."""
        return max(self._df.get(form, 0) for form in forms(word)) / max(self.articles, 1)

    def absent(
        self, question: str, story: str, ignore: Collection[str] = (), rarer_than: float = 1.0
    ) -> list[str]:
        """The question's content words (not in `ignore`, at least `MIN_LENGTH` letters, used by fewer than
        `rarer_than` of all articles) that no article of `story` uses in any form."""
        known = self.words.get(story, set())
        words: Iterable[str] = dict.fromkeys(_WORD.findall(question))
        return [
            w
            for w in words
            if len(w) >= MIN_LENGTH
            and w.lower() not in ignore
            and not forms(w) & known
            and self.share(w) < rarer_than
        ]
