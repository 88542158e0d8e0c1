"""Hybrid retrieval: e5 dense search in chroma and BM25 over the same chunks, reranked together per query.

BM25 is built from the chunks chroma holds (there is no second copy of the corpus) and kept in step with
the store: after a write, by this process or another (the store's generation stamp tells), it reads the
articles changed since it last looked and indexes those again, not the whole store (`index/bm25.py`). Its
tokenizer keeps numbers whole (`2.000`, `2,000` and `2000` are one token), stems Indonesian with Snowball,
and drops stopwords except the words number questions need (those stay unstemmed).

Ranking: the dense and BM25 candidates are pooled, every candidate gets its exact dense cosine and BM25
score, and a weighted sum of a few features orders them (see `Fusion`). Plain reciprocal-rank fusion was
measured and found weaker: the two sides agree on most top answers and both miss the same hard ones, so
ranks alone carry too little; docs/retrieval.md has the figures.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from threading import RLock
from typing import Any

import llama_index.core
import numpy as np
import Stemmer

from index.bm25 import BM25Index, Row, top
from index.store import Hit, Store
from index.vocabulary import StoryVocabulary

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")

# NLTK's lists drop words that questions about figures and dates depend on.
KEEP = frozenset(
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh puluh ratus ribu juta tahun berapa "
    "bulan hari jam".split()
)

# Questions whose answer is a figure or a date, in either language.
_ASKS_NUMBER = re.compile(
    r"\bberapa|\bjumlah\b|\bkapan|\bhow (?:many|much)\b|\bwhen\b|\bwhat year\b|\bwhich year\b",
    re.IGNORECASE,
)


def _stopwords() -> frozenset[str]:
    folder = Path(llama_index.core.__file__).parent / "_static/nltk_cache/corpora/stopwords"
    words: set[str] = set()
    for language in ("indonesian", "english"):
        words.update((folder / language).read_text(encoding="utf-8").split())
    return frozenset(words - KEEP)


def normalise_number(token: str) -> str:
    """`2.000`, `2,000` → `2000`; `1,5` → `1.5`: one spelling per number, in either language."""
    if _THOUSANDS.match(token):
        return re.sub(r"[.,]", "", token)
    return token.replace(",", ".")


def asks_for_number(question: str) -> bool:
    """True for "berapa ...", "kapan ...", "how many ...", "when ...": the answer holds a figure or date."""
    return bool(_ASKS_NUMBER.search(question))


class Tokenizer:
    """Lower-case, number-aware, stopword-free, stemmed tokens for Indonesian (and plain English)."""

    def __init__(self) -> None:
        self._stop = self.stopwords = _stopwords()
        self._stemmer = Stemmer.Stemmer("indonesian")

    def __call__(self, text: str) -> list[str]:
        tokens = []
        for token in _TOKEN.findall(text.lower()):
            if token[0].isdigit():
                tokens.append(normalise_number(token))
            elif token not in self._stop:
                tokens.append(token)
        # Kept words stay unstemmed: Snowball turns "berapa" into "apa" and "bulan" into "bul".
        words = [t for t in tokens if not t[0].isdigit() and t not in KEEP]
        # Twice: Snowball strips one derivational prefix a pass, so "berpenduduk" would stay "penduduk"
        # while "penduduk" becomes "duduk".
        stems = iter(self._stemmer.stemWords(self._stemmer.stemWords(words)))
        return [t if t[0].isdigit() or t in KEEP else next(stems) for t in tokens]


def _clean_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """The chunk's own metadata. llama-index writes bookkeeping keys beside it in chroma (and overwrites
    `doc_id` with its own, empty, document id), so the copy it serialises in `_node_content` wins."""
    if "_node_content" in meta:
        try:
            return dict(json.loads(meta["_node_content"])["metadata"])
        except (ValueError, KeyError, TypeError):
            pass
    return dict(meta)


def term_share(weights: Mapping[str, float], terms: Container[str]) -> float:
    """The share of a query's terms found in `terms`, each term weighing its idf (`weights`: term -> idf)."""
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if term in terms) / total if total else 0.0


def _zscore(values: np.ndarray, clip: float) -> np.ndarray:
    """Standard scores within one query's candidates, clipped: one chunk alone matching one rare word
    would otherwise stand many deviations above the rest and outvote everything else."""
    spread = values.std()
    if spread <= 1e-9:
        return np.zeros_like(values)
    return np.clip((values - values.mean()) / spread, -clip, clip)


@dataclass(frozen=True)
class Fusion:
    """How candidates are ranked: score = the weighted sum of five features, each measured per query.

    - dense: the chunk's e5 cosine, z-scored over this query's candidates and clipped to ±`clip`;
    - bm25: its BM25 score, z-scored and clipped the same way (so neither side's scale dominates);
    - coverage: the idf-weighted share of the query's terms found in the chunk;
    - article_coverage: the same share over the chunk's whole article (a question often names the story's
      context, told in the sentences around the answer);
    - number: 1 when the question asks for a figure or date, the chunk holds a number the question lacks,
      and the chunk is above the candidates' average in both dense similarity and coverage.

    Weights were tuned on FacQA train (docs/retrieval.md) and checked on English questions: English terms
    rarely match Indonesian text, so for them the lexical features stay near zero and the dense side leads.
    `depth` candidates are taken from each side.
    """

    dense_weight: float = 0.75
    bm25_weight: float = 0.2
    coverage_weight: float = 2.65
    article_coverage_weight: float = 3.35
    number_weight: float = 2.0
    clip: float = 3.0
    depth: int = 30


@dataclass(frozen=True)
class StoryHits:
    """What `HybridRetriever.retrieve_story` found: the story (None in an empty store) and its chunks."""

    story: str | None
    hits: list[Hit]


class HybridRetriever:
    """Dense + BM25 retrieval over one `Store`; safe to share between threads.

    Each hit's `score` is the fused score (only comparable within one query); `metadata["dense"]` holds its
    dense cosine similarity to the query and `metadata["bm25"]` its BM25 score, for thresholds.
    """

    def __init__(
        self, store: Store, fusion: Fusion | None = None, tokenizer: Tokenizer | None = None
    ) -> None:
        self.store = store
        self.fusion = fusion or Fusion()
        self.tokenizer = tokenizer or Tokenizer()
        self._bm25 = BM25Index(self.tokenizer)
        self._versions: dict[str, str] = {}  # article -> the content hash of the version BM25 holds
        self._story_of: dict[str, str] = {}  # article -> its story, read with the BM25 side
        self._members: dict[str, list[str]] = {}  # story -> its articles, sorted
        self._vocabulary = StoryVocabulary()  # read per story when first asked for, again once it changed
        self._seen: str | None = None  # the store's generation the BM25 side last caught up with
        self._sequence: int | None = None  # the store's write it holds everything up to; None: nothing read
        self._vectors: dict[str, np.ndarray] = {}  # chunk id -> embedding, for candidates only BM25 found
        # Held while the BM25 side changes and while it is read (a query's BM25 part takes about 2 ms).
        self._lock = RLock()

    def bm25(self) -> BM25Index:
        """The BM25 side, caught up with the store's writes by any process: the articles they changed are
        read and indexed again, not the whole store."""
        with self._lock:
            generation = self.store.generation()
            if self._seen != generation:
                self._catch_up()
                self._seen = generation
            return self._bm25

    def _catch_up(self) -> None:
        changes = self.store.changes(self._sequence)
        fresh = {
            doc: record
            for doc, record in changes.articles.items()
            if record is not None and record.get("content_hash") != self._versions.get(doc)
        }
        chunks = self.store.chunks_of(fresh)
        # An article whose version is not all there any more was written again since `changes` read it:
        # it keeps what BM25 holds, and the next catch-up, after that write, reads it.
        applied = {doc: got for doc, got in changes.articles.items() if doc not in fresh or doc in chunks}
        self._bm25.replace(
            [doc for doc, record in applied.items() if record is None or doc in chunks],
            ((c, text, _clean_metadata(meta)) for doc in chunks for c, text, meta in chunks[doc]),
        )
        touched: set[str] = set()
        for doc, record in applied.items():
            story = self._story_of.pop(doc, None)
            if story is not None:
                self._members[story].remove(doc)
                touched.add(story)
            self._versions.pop(doc, None)
            if record is not None:
                self._versions[doc] = str(record.get("content_hash"))
                story = self._story_of[doc] = str(record.get("story") or doc)
                bisect.insort(self._members.setdefault(story, []), doc)
                touched.add(story)
        for story in touched:
            self._vocabulary.words.pop(story, None)
            self._vocabulary.languages.pop(story, None)
            if not self._members.get(story):
                self._members.pop(story, None)
        self._vectors = {c: v for c, v in self._vectors.items() if c in self._bm25}
        self._sequence = changes.sequence

    def _story_vocabulary(self, story: str) -> StoryVocabulary:
        """The vocabulary, with the words of `story`'s articles as they now are."""
        self.bm25()
        if story in self._vocabulary.languages:
            return self._vocabulary
        for doc in self._members.get(story, []):
            rows = [self._bm25.row(n) for n in self._bm25.rows_of([doc])]
            if rows:
                meta = rows[0].metadata
                # What an article is called and who published it are words the story uses too: a question
                # naming the outlet ("Which paper did the Courant cite?") does not ask about something absent.
                parts = [str(meta.get(key, "")) for key in ("title", "source")] + [r.text for r in rows]
                self._vocabulary.add(story, str(meta.get("language", "")), " ".join(parts))
        return self._vocabulary

    @staticmethod
    def _hit(row: Row, score: float) -> Hit:
        return Hit(row.chunk_id, row.doc_id, row.text, score, row.metadata)

    def story_chunks(self, story: str) -> list[Hit]:
        """Every chunk of the articles of `story`, in store order (score 0), to read each article whole."""
        with self._lock:
            index = self.bm25()
            docs = self._members.get(story, [story])
            return [self._hit(index.row(n), 0.0) for n in index.rows_of(docs)]

    def bm25_search(self, query: str, k: int) -> list[Hit]:
        with self._lock:
            index = self.bm25()
            return [self._hit(index.row(n), score) for n, score in index.search(query, k)]

    def dense_search(self, query: str, k: int) -> list[Hit]:
        return self.store.nearest(self._embed(query).tolist(), k)

    def _embed(self, query: str) -> np.ndarray:
        return np.asarray(self.store.embedder.get_query_embedding(query), dtype=np.float32)

    def _cosines(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Exact cosines for chunks the dense search did not return, their embeddings read once each."""
        with self._lock:
            missing = [c for c in chunk_ids if c not in self._vectors]
        if missing:
            fetched = self.store.embeddings(missing)
            with self._lock:
                self._vectors.update(fetched)
        with self._lock:
            vectors = {c: self._vectors[c] for c in chunk_ids if c in self._vectors}
        # Embeddings are stored L2-normalised, so the dot product is the cosine.
        return {c: float(v @ vector) for c, v in vectors.items()}

    def stories(self) -> dict[str, list[str]]:
        """story -> the ids of its articles, as the BM25 side last read them."""
        with self._lock:
            self.bm25()
            return {story: list(docs) for story, docs in self._members.items()}

    def absent_words(
        self, question: str, story: str, language: str, ignore: Collection[str] = ()
    ) -> list[str]:
        """The question's less ordinary content words that no article of `story` uses (`ignore`: question
        words and the like, which the caller knows per language)."""
        ignore = set(ignore) | self.tokenizer.stopwords
        with self._lock:
            return self._story_vocabulary(story).absent(question, story, language, ignore)

    def story_languages(self, story: str) -> set[str]:
        """The languages the articles of `story` are written in."""
        with self._lock:
            return set(self._story_vocabulary(story).languages.get(story, set()))

    def retrieve(self, query: str, k: int = 8, within: Collection[str] | None = None) -> list[Hit]:
        """The best `k` chunks for `query` (of the articles `within`, when given), best first; `score` is
        the fused score."""
        return self._retrieve(query, self._embed(query), k, within)

    def retrieve_story(self, query: str, k: int = 8) -> StoryHits:
        """The story `query` is about and its best `k` chunks: answers never mix two events.

        The story is the one whose chunks rank best for the query over the whole store (each of the top
        `k` chunks votes 1 / rank for its article's story)."""
        vector = self._embed(query)
        hits = self._retrieve(query, vector, k, None)
        if not hits:
            return StoryHits(None, [])
        with self._lock:
            stories = [self._story_of.get(hit.doc_id, hit.doc_id) for hit in hits]
        votes: dict[str, float] = {}
        for rank, story in enumerate(stories, start=1):
            votes[story] = votes.get(story, 0.0) + 1 / rank
        story = max(votes, key=lambda s: votes[s])
        if any(s != story for s in stories):
            with self._lock:
                members = set(self._members.get(story, [story]))
            hits = self._retrieve(query, vector, k, members)
        return StoryHits(story, hits)

    def _retrieve(self, query: str, vector: np.ndarray, k: int, within: Collection[str] | None) -> list[Hit]:
        fusion = self.fusion
        tokens = self.tokenizer(query)
        self.bm25()  # first: on a store just opened, its first read also gives the dense side its view
        dense = self.store.nearest(vector.tolist(), fusion.depth, within)
        with self._lock:
            index = self.bm25()
            if not len(index):
                return []
            bm25 = index.scores(tokens)
            if within is not None:
                inside = np.zeros(len(bm25), dtype=bool)
                inside[index.rows_of(within)] = True
                bm25 = np.where(inside, bm25, 0.0)
            found = [index.row(n).chunk_id for n, _ in top(bm25, fusion.depth)]
            pool = [hit.chunk_id for hit in dense] + found
            # Chunks the BM25 side has not seen yet (written by another process) are left out until it has.
            numbers = {c: n for c in dict.fromkeys(pool) if (n := index.find(c)) is not None}
            rows = {c: index.row(n) for c, n in numbers.items()}
            sparse_of = {c: float(bm25[n]) for c, n in numbers.items()}
            weights = {t: index.idf(t) for t in tokens}
            article_terms = {c: index.article_terms.get(row.doc_id, row.terms) for c, row in rows.items()}
        cosine = {hit.chunk_id: hit.score for hit in dense}
        cosine.update(self._cosines(vector, [c for c in rows if c not in cosine]))
        chunk_ids = [c for c in rows if c in cosine]
        if not chunk_ids:
            return []

        similarity = np.array([cosine[c] for c in chunk_ids])
        sparse = np.array([sparse_of[c] for c in chunk_ids])
        dense_z = _zscore(similarity, fusion.clip)
        fused = fusion.dense_weight * dense_z + fusion.bm25_weight * _zscore(sparse, fusion.clip)
        candidates = [rows[c] for c in chunk_ids]
        articles = [article_terms[c] for c in chunk_ids]
        fused += self._lexical(query, tokens, weights, candidates, articles, dense_z > 0)

        order = np.argsort(-fused, kind="stable")[:k]
        hits = []
        for i in order:
            row = candidates[i]
            meta = {**row.metadata, "dense": float(similarity[i]), "bm25": float(sparse[i])}
            hits.append(Hit(row.chunk_id, row.doc_id, row.text, float(fused[i]), meta))
        return hits

    def _lexical(
        self,
        query: str,
        tokens: list[str],
        weights: Mapping[str, float],
        rows: list[Row],
        article_terms: list[frozenset[str]],
        related: np.ndarray,
    ) -> np.ndarray:
        """Coverage, article coverage and the number feature of each candidate, weighted (`weights`: the
        query's terms' idf)."""
        fusion = self.fusion
        query_numbers = {t for t in tokens if t[0].isdigit()}
        coverage = np.array([term_share(weights, row.terms) for row in rows])
        article_coverage = np.array([term_share(weights, terms) for terms in article_terms])
        has_number = np.array([bool(row.numbers - query_numbers) for row in rows], dtype=bool)
        # A figure counts where the chunk is about the question: closer to it in meaning than the average
        # candidate and sharing at least the average share of its wording; not in every chunk that
        # happens to hold a date.
        number = has_number & related & (coverage >= coverage.mean()) & asks_for_number(query)
        return (
            fusion.coverage_weight * coverage
            + fusion.article_coverage_weight * article_coverage
            + fusion.number_weight * number
        )
