"""A question, parsed once: its language, what retrieval looks for, what it asks and whom it names.

Every answering step reads this one object instead of parsing the text again: retrieval (`query`),
evidence scoring (`focus`), grounding (`names`, `actors`), the "how many" steps (`how_many`, `counted`,
`head`) and the checks of the model's reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot import grounding
from bot.figures.claims import asks_how_many, bridge_words, counted_asked, counted_head, predicates_in
from bot.lexicon import words
from bot.schema import Language, Turn
from bot.shape import Shape, asked_shape

# A question that leans on the one before it ("Dan berapa yang terluka?", "What about them?").
_FOLLOW_UP = re.compile(
    r"^(?:dan|lalu|terus|kalau|bagaimana dengan|and|what about|how about|so)\b"
    r"|\b(?:itu|mereka|tersebut|they|it|that)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Question:
    text: str  # as asked, trimmed
    language: Language
    query: str  # what retrieval looks for: with the question before it, for a follow-up
    focus: str  # what evidence sentences are scored against
    asks: str  # `focus` without its names: what tells the answer apart among its story's sentences
    asked: frozenset[str]  # the events it asks about: killed, arrested, sent...
    how_many: bool  # asks for a quantity ("berapa", "how many"), not a date or a name
    who: bool  # asks for a person ("Siapa yang menyebut ...?", "Who said ...?")
    why: bool  # asks why, taking for granted that what it asks about happened
    shape: Shape | None  # asks for a time, a place or a cause (`bot.shape`)
    counted: str  # for "how many", its words for what is counted: "police officers and soldiers"
    head: str  # the head noun of `counted` ("officers"); "" when it names nothing
    names: tuple[str, ...]  # the capitalised words it asks about
    actors: tuple[tuple[str, ...], ...]  # whom it asks an event happened to, a run of names one actor
    # The names that narrow it to a part of its story (`grounding.scope`), known once its story is found.
    scope: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str, language: Language, history: Sequence[Turn] = ()) -> Question:
        """`text` read once, in `language`, after the conversation's earlier `history`.

        A question's `query` also carries the other languages' words for what it asks about (killed:
        tewas; anak-anak: children), a bridge to the articles in those languages for the BM25 side; an
        English question's `focus` carries the Indonesian ones too.
        A follow-up is retrieved together with the question before it, but its evidence is chosen by what
        it asks itself.
        """
        text = text.strip()
        asked = predicates_in(text)
        how_many = asks_how_many(text)
        head = counted_head(text) if how_many else ""
        bridged = " ".join([text, *bridge_words(asked, head, language)])
        # Evidence sentences are scored against the Indonesian bridge only (their candidates are mostly
        # Indonesian); retrieval uses the bridge both ways.
        focus = bridged if language == "en" else text
        query = f"{history[-1].question} {bridged}" if history and _FOLLOW_UP.search(text) else bridged
        names = grounding.names(text)
        asks = " ".join(w for w in focus.split() if w.strip("?,.!:;\"'()") not in names) or focus
        said = [w.lower() for w in _WORD.findall(text)]
        return cls(
            text=text,
            language=language,
            query=query,
            focus=focus,
            asks=asks,
            asked=frozenset(asked),
            how_many=how_many,
            who=bool(said) and bool({said[0], said[-1]} & words("who")),
            why=bool(set(said[:2]) & words("why")),
            shape=asked_shape(text),
            counted=counted_asked(text) if how_many else "",
            head=head,
            names=tuple(names),
            actors=tuple(grounding.actors(text)),
        )
