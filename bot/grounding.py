"""Whether retrieved text can hold the answer to a question, judged without the model.

Two checks, both about the names a question asks about (capitalised words: "Velmora", "Arvani"):
- the evidence must name at least one of them, or the articles are about something else;
- a question about an event happening to someone ("Why was Arvani arrested?", "How many Velmoran
  soldiers were killed?") needs a sentence where that event and that name meet; without one the
  question rests on a premise the articles do not support.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.figures.claims import mentions
from bot.lexicon import alternatives, lexicons, words

if TYPE_CHECKING:
    from bot.question import Question

# Events whose subject a question's premise names.
EVENTS = frozenset({"killed", "injured", "arrested", "hospitalised", "evacuated", "missing", "sent"})

# Capitalised words that are not names: question words, weekdays and months (their full names), in every
# language (bot/lexicon/LANGUAGE.yaml).
_NOT_NAMES = (
    words("not_names")
    | words("dates.weekdays")
    | {month[0].lower() for lex in lexicons() for month in lex.get("dates.months") or ()}
)
# Titles are not names: "Sekretaris Jenderal DKV" is named by "DKV", "President Arvani" by "Arvani".
_TITLES = words("titles")
# A name after these is where or by whose account something happened, not whom it happened to; the setting
# goes on over "the" and "to" ("according to the ...").
_SETTING = words("setting")
_SETTING_CONTINUES = words("setting_continues")
_PRESUPPOSES = re.compile(rf"\s*{alternatives('presupposing')}\b", re.IGNORECASE)
_DEFINED = re.compile(r"(?P<name>(?:[A-Z][\w-]+ ){1,6})\((?P<acronym>[A-Z]{2,})\)")
_WORD = re.compile(r"[^\W\d_][\w'-]*")


def _is_name(word: str) -> bool:
    return word[0].isupper() and len(word) >= 3 and word.lower() not in _NOT_NAMES


def names(question: str) -> list[str]:
    """Capitalised words after the first word of the question: the names it asks about."""
    return [w for w in _WORD.findall(question)[1:] if _is_name(w)]


def actors(question: str) -> list[tuple[str, ...]]:
    """Whom the question asks an event happened to: its names without those of its setting ("di
    Velmora", "according to Velmora's health ministry") or titles, a run of names being one actor
    ("Dara Arvani")."""
    found: list[tuple[str, ...]] = []
    setting = in_run = False
    for word in _WORD.findall(question)[1:]:
        if word.lower() in _TITLES:
            continue
        if not _is_name(word):
            in_run = False
            setting = word.lower() in _SETTING or (setting and word.lower() in _SETTING_CONTINUES)
        elif not setting:  # a run of names ("Kementerian Kesehatan") shares the word before it
            if in_run:
                found[-1] += (word,)
            else:
                found.append((word,))
            in_run = True
    return found


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}


def named(name: str, words: set[str]) -> bool:
    """Whether `name` is among the lower-cased `words`."""
    # Close spellings count (Velmora/Velmoria, Velmora's/Velmora), but short names must match exactly:
    # "Cup" is not "cukup".
    if len(name) < 5:
        return name.lower() in words
    return bool(difflib.get_close_matches(name.lower(), words, n=1, cutoff=0.75))


def scope(question: Question, sentences: Sequence[str], share: float) -> frozenset[str]:
    """The names that narrow the question to a part of its story: "in Marisa city" of a province's
    election, "di Kabupaten Lembah Veka", "at the Tamsi plant": names where the question sets it, not
    whom it asks about. A figure answering it must be said of that part. A run of names narrows when
    even its most common word is held by some but at most `share` of the story's `sentences`; its
    rarest word stands for it, the last of equals ("Veka"). A run every report repeats ("Pilgub
    Velora", "KMP Lunara") places the question in its story and narrows nothing."""
    held = [_words(s) for s in sentences]
    acting = {word.lower() for actor in question.actors for part in actor for word in part.split("-")}
    found = set()
    for run in _runs(question.text):
        if acting & {part.lower() for part in run}:
            continue  # whom the question asks about ("did the army send"), not where
        counts = {part: sum(named(part, words) for words in held) for part in run}
        if 0 < max(counts.values()) <= share * len(held):
            found.add(min(reversed(run), key=lambda part: counts[part] or len(held) + 1))
    return frozenset(found)


def _runs(question: str) -> list[list[str]]:
    """The question's names after its first word, consecutive ones as one run (punctuation ends a run),
    hyphenated ones split ("Dara Arvani-Rian Tomo": Dara, Arvani, Rian, Tomo)."""
    runs: list[list[str]] = []
    first = True
    for clause in re.split(r"[,;:.?!()]", question):
        previous_is_name = False
        for word in _WORD.findall(clause):
            name = not first and _is_name(word)
            first = False
            parts = [p for p in word.split("-") if len(p) >= 3] if name else []
            if parts and previous_is_name:
                runs[-1] += parts
            elif parts:
                runs.append(parts)
            previous_is_name = bool(parts)
    return runs


def in_scope(sentence: str, names: Iterable[str]) -> bool:
    """Whether `sentence` holds every one of `names`."""
    words = _words(sentence)
    return all(named(name, words) for name in names)


def names_present(question: Question, sentences: Iterable[str]) -> bool:
    """False when the question names things and none of them appears in any of the sentences."""
    words = set().union(*(_words(s) for s in sentences))
    return not question.names or any(named(name, words) for name in question.names)


def premise_supported(question: Question, sentences: Sequence[str]) -> bool:
    """False when the question takes for granted that an event (killed, arrested, sent...) happened to
    someone it names ("Why was Arvani arrested?", "How many Velmoran soldiers were killed?") and no
    sentence says that event of that name.

    Only "why" and "how many" questions are judged: "Which agency did the DKV give the figure to?" asks
    for something else. Names no sentence uses at all (an English rendering of an Indonesian name) are
    not judged either.
    """
    events = question.asked & EVENTS
    if not events or not _PRESUPPOSES.match(question.text):
        return True
    words = [_words(s) for s in sentences]
    everywhere = set().union(*words)
    aliases = _acronyms(sentences)
    who = [name for actor in question.actors for name in actor if named(name, everywhere)]
    return not who or any(
        mentions(events, sentence)
        and any(named(name, ws) or aliases.get(name.lower(), {""}) <= ws for name in who)
        for sentence, ws in zip(sentences, words, strict=True)
    )


def _acronyms(sentences: Iterable[str]) -> dict[str, set[str]]:
    """Acronyms the text defines ("Dewan Keamanan Velmora (DKV)"): acronym -> the words
    of the long name, so that a sentence using only the long name names the acronym too."""
    return {
        match["acronym"].lower(): _words(match["name"])
        for sentence in sentences
        for match in _DEFINED.finditer(sentence)
    }
