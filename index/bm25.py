"""BM25 that grows with the store: segments of tokenised chunks, scored as one index over the live ones.

A change adds one segment holding the chunks it brought (their term counts, as postings by term) and
tombstones the rows of the chunks it replaced or removed; nothing is rebuilt whole. Segments are merged as in
a log-structured index (the newest two whenever the older is no larger), so there are about log2(N) of them
and a chunk is merged again about log2(N) times in its life; a segment half dead is compacted alone.

Scores are those of one BM25 over the live chunks: document frequencies, the number of chunks and their
average length are kept for the live chunks as a whole, and combined with each segment's term counts at
query time. The formula is bm25s's default, which built Kabar's BM25 before (Lucene's idf, k1 1.5, b 0.75,
a chunk without terms one token long); `tests/test_bm25.py` checks the scores against a fresh bm25s index.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

K1, B = 1.5, 0.75


@dataclass(frozen=True)
class Row:
    """One chunk as BM25 holds it: its text and metadata, and its terms for the reranker."""

    chunk_id: str
    doc_id: str
    text: str
    metadata: dict[str, Any]
    terms: frozenset[str]
    numbers: frozenset[str]  # the terms that are numbers


class _Segment:
    """Chunks added together: their rows, their lengths in tokens, and their postings sorted by term (the
    postings of vocabulary column c are `row[at[c]:at[c + 1]]`, `count[...]`: a compressed sparse column
    matrix of term counts, `width` columns wide, the vocabulary's size when the segment was made)."""

    def __init__(
        self, rows: list[Row], lengths: np.ndarray, columns: np.ndarray, row: np.ndarray, count: np.ndarray
    ) -> None:
        self.rows, self.lengths = rows, lengths
        order = np.argsort(columns, kind="stable")
        self.row, self.count = row[order], count[order]
        self.width = int(columns.max(initial=-1)) + 1
        self.at = np.concatenate([[0], np.cumsum(np.bincount(columns, minlength=self.width))])
        self.live = np.ones(len(rows), dtype=bool)
        self.start = 0  # the number of its first row among all segments' rows

    @property
    def alive(self) -> int:
        return int(self.live.sum())

    def columns(self) -> np.ndarray:
        """The vocabulary column of each posting."""
        return np.repeat(np.arange(self.width), np.diff(self.at))


class BM25Index:
    """BM25 over the live chunks of all segments, rows numbered segment after segment; also the term
    statistics the reranker reads. Its owner serialises changes and reads, except `idf`, which may be read
    while a change is made (it sees the term statistics before or after it)."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self._tokenize = tokenize
        self._vocabulary: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)  # live chunks holding each vocabulary term
        self._segments: list[_Segment] = []
        self._where: dict[str, tuple[_Segment, int]] = {}  # live chunk id -> its segment and row there
        self._articles: dict[str, list[str]] = {}  # article id -> its live chunk ids
        self.article_terms: dict[str, frozenset[str]] = {}  # article id -> the terms of all its chunks
        self._length = 0  # the live chunks' lengths, summed
        self._starts: list[int] = []
        self.size = 0  # rows, live or not: the length of a score array

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._where

    # ---- changes -------------------------------------------------------------------------------------

    def replace(self, doc_ids: Collection[str], chunks: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Drop every chunk of the articles `doc_ids`, then add `chunks` (id, text, metadata with `doc_id`),
        which belong to those articles: their new versions."""
        touched: set[_Segment] = set()
        for doc_id in doc_ids:
            for chunk_id in self._articles.pop(doc_id, []):
                touched.add(self._drop(chunk_id))
            self.article_terms.pop(doc_id, None)
        for segment in touched:
            if 2 * segment.alive < len(segment.rows):
                self._segments[self._segments.index(segment)] = self._merged([segment])
        added = self._segment(list(chunks))
        if added.rows:
            self._segments.append(added)
            self._place(added)
            for row in added.rows:
                self._articles.setdefault(row.doc_id, []).append(row.chunk_id)
            for doc_id in {row.doc_id for row in added.rows}:
                self.article_terms[doc_id] = frozenset().union(
                    *(self._where[c][0].rows[self._where[c][1]].terms for c in self._articles[doc_id])
                )
        while len(self._segments) > 1 and self._segments[-2].alive <= self._segments[-1].alive:
            self._segments[-2:] = [self._merged(self._segments[-2:])]
        self._segments = [s for s in self._segments if s.rows]
        self._starts = []
        self.size = 0
        for segment in self._segments:
            segment.start = self.size
            self._starts.append(self.size)
            self.size += len(segment.rows)

    def _drop(self, chunk_id: str) -> _Segment:
        segment, at = self._where.pop(chunk_id)
        segment.live[at] = False
        self._df[[self._vocabulary[t] for t in segment.rows[at].terms]] -= 1
        self._length -= int(segment.lengths[at])
        return segment

    def _segment(self, chunks: list[tuple[str, str, dict[str, Any]]]) -> _Segment:
        """A segment of new chunks, counted into the live statistics."""
        rows: list[Row] = []
        columns: list[int] = []
        counts: list[int] = []
        pointers, lengths = [0], []
        new: dict[str, int] = {}  # terms the vocabulary lacks, published once their counts are
        for chunk_id, text, metadata in chunks:
            tokens = self._tokenize(text)
            tally = Counter(tokens)
            for term in tally:
                known = self._vocabulary.get(term)
                columns.append(
                    new.setdefault(term, len(self._vocabulary) + len(new)) if known is None else known
                )
            counts.extend(tally.values())
            pointers.append(len(columns))
            lengths.append(max(len(tokens), 1))  # bm25s gives a chunk without terms one placeholder token
            terms = frozenset(tally)
            numbers = frozenset(t for t in terms if t[0].isdigit())
            rows.append(Row(chunk_id, str(metadata.get("doc_id")), text, metadata, terms, numbers))
        width = len(self._vocabulary) + len(new)
        column = np.asarray(columns, dtype=np.int64)
        self._df = np.concatenate([self._df, np.zeros(width - len(self._df), dtype=np.int64)])
        self._df += np.bincount(column, minlength=width)
        self._vocabulary.update(new)
        self._length += sum(lengths)
        row = np.repeat(np.arange(len(rows)), np.diff(pointers))
        return _Segment(rows, np.asarray(lengths), column, row, np.asarray(counts, dtype=np.float64))

    def _merged(self, segments: list[_Segment]) -> _Segment:
        """One segment of the live rows of `segments`, in order (their statistics are already counted)."""
        columns, rows, counts, offset = [], [], [], 0
        for segment in segments:
            kept = segment.live[segment.row]
            renumbered = np.cumsum(segment.live) - 1 + offset
            columns.append(segment.columns()[kept])
            rows.append(renumbered[segment.row[kept]])
            counts.append(segment.count[kept])
            offset += segment.alive
        merged = _Segment(
            [row for s in segments for row, live in zip(s.rows, s.live, strict=True) if live],
            np.concatenate([s.lengths[s.live] for s in segments]),
            np.concatenate(columns),
            np.concatenate(rows),
            np.concatenate(counts),
        )
        self._place(merged)
        return merged

    def _place(self, segment: _Segment) -> None:
        for at, row in enumerate(segment.rows):
            self._where[row.chunk_id] = (segment, at)

    # ---- reading -------------------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        column = self._vocabulary.get(term)
        df = int(self._df[column]) if column is not None else 0
        return float(self._idf(np.asarray(df)))

    def _idf(self, df: np.ndarray) -> np.ndarray:
        n = len(self._where)
        return np.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every row for these query tokens (0 for dropped rows); a token given twice
        counts twice, as in bm25s."""
        out = np.zeros(self.size, dtype=np.float32)
        columns = np.asarray([self._vocabulary[t] for t in tokens if t in self._vocabulary], dtype=np.int64)
        if not len(columns) or not self._where:
            return out
        idf = self._idf(self._df[columns])
        average = self._length / len(self._where)
        for segment in self._segments:
            inside = columns < segment.width  # a segment holds only the terms known when it was made
            postings = [slice(segment.at[c], segment.at[c + 1]) for c in columns[inside]]
            if not postings:
                continue
            rows = np.concatenate([segment.row[p] for p in postings])
            tf = np.concatenate([segment.count[p] for p in postings])
            weight = np.repeat(idf[inside], [p.stop - p.start for p in postings])
            norm = K1 * (1 - B + B * segment.lengths[rows] / average)
            score = np.bincount(rows, weights=weight * tf / (tf + norm), minlength=len(segment.rows))
            out[segment.start : segment.start + len(segment.rows)] = score * segment.live
        return out

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) of the best `k` chunks with a positive score."""
        return top(self.scores(self._tokenize(query)), k)

    def row(self, number: int) -> Row:
        segment = self._segments[bisect.bisect_right(self._starts, number) - 1]
        return segment.rows[number - segment.start]

    def find(self, chunk_id: str) -> int | None:
        """The row of a live chunk; None for one not (or no longer) held."""
        where = self._where.get(chunk_id)
        return where[0].start + where[1] if where else None

    def rows_of(self, doc_ids: Iterable[str]) -> list[int]:
        """The rows of these articles' chunks, in row order."""
        found = (self.find(c) for doc_id in doc_ids for c in self._articles.get(doc_id, []))
        return sorted(row for row in found if row is not None)


def top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """(row, score) of the best `k` rows with a positive score, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    ranked = sorted(best, key=lambda row: -scores[row])
    return [(int(row), float(scores[row])) for row in ranked if scores[row] > 0]
