"""The structured answer every interface renders and `kabar eval` records as JSON.

Keep field names stable: evaluation records and other tools read them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from index.language import Language


class Evidence(BaseModel):
    """One sentence from an article, as shown to the model under its article's number `[n]`."""

    n: int
    doc_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    text: str
    start: int
    end: int
    score: float = 0.0


class Citation(BaseModel):
    """An article the answer text cites as `[n]`, with the sentence it quotes."""

    n: int
    doc_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    quote: str


class Claim(BaseModel):
    """A figure one article states: `value` normalised, `low`/`high` its bounds (None = open)."""

    value_text: str
    value: float
    low: float | None
    high: float | None
    counted: str
    predicate: str
    attribution: str | None = None
    doc_id: str
    n: int | None = None
    quote: str


class Conflict(BaseModel):
    """Figures from different articles about the same thing that cannot all be true."""

    topic: str
    claims: list[Claim]


class Timings(BaseModel):
    """Where an answer's time went, in milliseconds from the question's arrival."""

    parse_ms: float = 0.0  # the question read: its language and what it asks
    retrieve_ms: float = 0.0  # its story and best chunks found
    evidence_ms: float = 0.0  # the evidence sentences chosen
    compare_ms: float = 0.0  # each article's figures read and compared
    generate_ms: float = 0.0  # the model's calls, all attempts together
    first_token_ms: float | None = None  # from arrival to the first streamed piece, when streamed
    model_calls: int = 0
    total_ms: float = 0.0


class Answer(BaseModel):
    """What `answer()` returns: the text with `[n]` markers and everything needed to render or score it."""

    question: str
    text: str
    language: Language
    answered: bool
    citations: list[Citation] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    story: str | None = None  # the story (event) the answer was drawn from; None in an empty store
    retrieved: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    backend: str = ""
    model_failed: bool = False  # the model could not answer (server gone, model error): text is the evidence


class Turn(BaseModel):
    """One earlier exchange of a conversation, for follow-up questions."""

    question: str
    answer: str = ""
