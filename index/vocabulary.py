"""Which words each story uses, in every form a stemmer gives them, so a question can be checked for what
the story never mentions ("Mengapa bendungan jebol?" asked of a flood story that names no dam)."""

from __future__ import annotations

import re
from collections.abc import Collection

import Stemmer
from wordfreq import zipf_frequency

_WORD = re.compile(r"[^\W\d_]+")
# Short words are too often an inflection or an abbreviation to say anything on their own.
MIN_LENGTH = 4
# Words at least this frequent in their language (wordfreq's Zipf scale: 5 is ten per million words) are
# missing from a story by chance ("akibat", "korban", "found"); rarer ones because it has nothing on them
# ("bendungan", "tonnage"). Chosen on the development stories (see `AnswerOptions.absent_words`).
ORDINARY = 5.2
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

    def add(self, story: str, language: str, text: str) -> None:
        """One whole article of `story`."""
        self.words.setdefault(story, set()).update(word_forms(text))
        self.languages.setdefault(story, set()).add(language)

    def absent(
        self,
        question: str,
        story: str,
        language: str,
        ignore: Collection[str] = (),
        ordinary: float = ORDINARY,
    ) -> list[str]:
        """The question's content words (not in `ignore`, at least `MIN_LENGTH` letters, rarer in
        `language` than `ordinary` on wordfreq's Zipf scale) that no article of `story` uses in any form."""
        known = self.words.get(story, set())
        return [
            w
            for w in dict.fromkeys(_WORD.findall(question))
            if len(w) >= MIN_LENGTH
            and w.lower() not in ignore
            and not forms(w) & known
            and zipf_frequency(w.lower(), language) < ordinary
        ]
