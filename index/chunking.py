"""Split an article into sentences and sentence-aligned chunks, keeping character offsets.

Written here rather than taken from llama-index's `SentenceSplitter`: that one relies on English punkt rules
and does not report offsets, and answers must quote the exact sentence of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.articles import Article

# Words that end with a period without ending the sentence (Indonesian and English news style).
ABBREVIATIONS = frozenset(
    """
    a.n an bpk dkk dll dsb dst dr drs dra hlm ir jl jln kab kec kel no nn nyo prof sdr sdri st tn tgl yth
    mr mrs ms dr jr sr vs etc inc ltd co corp gen col lt sgt capt gov sen rep rev st mt ft jan feb mar apr
    jun jul aug agu sep sept okt oct nov des dec u.s u.k p.m a.m s.h m.h m.si s.e s.t s.pd ph.d
    """.split()
)

# A sentence ends at . ! ? … (with closing quotes/brackets) followed by space and a likely sentence start.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9À-Ý])""")


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article: `text == article.text[start:end]`."""

    id: str
    doc_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute spans inside the article


def _word_start(text: str, end: int) -> int:
    """Where the run of word characters and dots that ends at `end` begins (what `[\\w.]+$` matches, read
    backwards: searching forwards from the text's start at every full stop took time square in its size)."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._"):
        start -= 1
    return start


def _is_abbreviation(text: str, dot: int) -> bool:
    start = _word_start(text, dot)
    if start == dot:
        return False
    word = text[start:dot].lower().rstrip(".")
    # A single letter is an initial ("J. Smith"); listed words are abbreviations.
    return (len(word) == 1 and word.isalpha()) or word in ABBREVIATIONS


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for match in _END.finditer(text, start, end):
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        spans.append((cursor, end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`; a line break always ends a sentence."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        left, right = line.start(), line.end()
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        if left < right:
            spans.extend(_split_line(text, left, right))
    return spans


# Stored with each article: a change of chunking rules re-chunks articles whose text did not change.
CHUNKING_VERSION = "sentences-v1-300"


def chunk_id(doc_id: str, position: int) -> str:
    return f"{doc_id}#{position:04d}"


def chunk_article(article: Article, max_chars: int = 300) -> list[Chunk]:
    """Group consecutive sentences into chunks of at most `max_chars` (a longer sentence stands alone)."""
    groups: list[list[tuple[int, int]]] = []
    for span in split_sentences(article.text):
        current = groups[-1] if groups else None
        if current and span[1] - current[0][0] <= max_chars:
            current.append(span)
        else:
            groups.append([span])
    return [
        Chunk(
            id=chunk_id(article.id, position),
            doc_id=article.id,
            position=position,
            start=group[0][0],
            end=group[-1][1],
            text=article.text[group[0][0] : group[-1][1]],
            sentences=tuple(group),
        )
        for position, group in enumerate(groups)
    ]
