"""Hybrid retrieval: e5 dense search in chroma and BM25 over the same chunks, reranked together per query.

BM25 is built from the chunks chroma holds (there is no second copy of the corpus) and rebuilt when the
store has been written since, by this process or another (the store's generation stamp tells). Its
tokenizer keeps numbers whole (`2.000`, `2,000` and `2000` are one token), stems Indonesian with Snowball,
and drops stopwords except the words number questions need (those stay unstemmed).

Ranking: the dense and BM25 candidates are pooled, every candidate gets its exact dense cosine and BM25
score, and a weighted sum of a few features orders them (see `Fusion`). Plain reciprocal-rank fusion was
measured and found weaker: the two sides agree on most top answers and both miss the same hard ones, so
ranks alone carry too little; docs/retrieval.md has the figures.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

import bm25s
import llama_index.core
import numpy as np
import Stemmer

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


class BM25Index:
    """BM25 over a list of chunks, addressed by row; also the term statistics the reranker uses."""

    def __init__(self, ids: list[str], texts: list[str], metadata: list[dict], tokenizer: Tokenizer) -> None:
        self.ids, self.texts, self.metadata = ids, texts, metadata
        self.rows = {chunk_id: row for row, chunk_id in enumerate(ids)}
        self._tokenize = tokenizer
        tokens = [tokenizer(text) for text in texts]
        self.terms = [frozenset(t) for t in tokens]
        self.numbers = [frozenset(t for t in ts if t[0].isdigit()) for ts in self.terms]
        article_terms: dict[str, set[str]] = {}
        for meta, terms in zip(metadata, self.terms, strict=True):
            article_terms.setdefault(str(meta.get("doc_id")), set()).update(terms)
        self.article_terms = {doc_id: frozenset(terms) for doc_id, terms in article_terms.items()}
        self._df = Counter(t for terms in self.terms for t in terms)
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index([t or ["_"] for t in tokens], show_progress=False)

    def idf(self, term: str) -> float:
        n, df = len(self.ids), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every chunk for these query tokens."""
        if not self.ids or not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self._bm25.get_scores(tokens)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) of the best `k` chunks with a positive score."""
        return _top(self.scores(self._tokenize(query)), k)


def term_share(weights: Mapping[str, float], terms: Container[str]) -> float:
    """The share of a query's terms found in `terms`, each term weighing its idf (`weights`: term -> idf)."""
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if term in terms) / total if total else 0.0


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    ranked = sorted(top, key=lambda row: -scores[row])
    return [(int(row), float(scores[row])) for row in ranked if scores[row] > 0]


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
        self._bm25: BM25Index | None = None
        self._members: dict[str, list[str]] = {}  # story -> its articles, read with the BM25 side
        self._vocabulary = StoryVocabulary()
        self._built_at: str | None = None
        self._vectors: dict[str, np.ndarray] = {}  # chunk id -> embedding, for candidates only BM25 found
        self._lock = Lock()

    def bm25(self) -> BM25Index:
        """The BM25 side, rebuilt from the store when it has been written since, by any process."""
        with self._lock:
            generation = self.store.generation()
            if self._bm25 is None or self._built_at != generation:
                ids, texts, metas = [], [], []
                for chunk_id, text, meta in self.store.chunks():
                    ids.append(chunk_id)
                    texts.append(text)
                    metas.append(_clean_metadata(meta))
                self._bm25 = BM25Index(ids, texts, metas, self.tokenizer)
                self._members = self.store.story_members()
                story_of = {doc: story for story, docs in self._members.items() for doc in docs}
                self._vocabulary = self._read_vocabulary(texts, metas, story_of)
                self._vectors = {}
                self._built_at = generation
            return self._bm25

    def _bm25_hit(self, index: BM25Index, row: int, score: float) -> Hit:
        meta = index.metadata[row]
        return Hit(index.ids[row], str(meta.get("doc_id")), index.texts[row], score, meta)

    def story_chunks(self, story: str) -> list[Hit]:
        """Every chunk of the articles of `story`, in store order (score 0), to read each article whole."""
        index = self.bm25()
        docs = set(self._members.get(story, [story]))
        return [
            self._bm25_hit(index, row, 0.0) for row, m in enumerate(index.metadata) if m.get("doc_id") in docs
        ]

    def bm25_search(self, query: str, k: int) -> list[Hit]:
        index = self.bm25()
        return [self._bm25_hit(index, row, score) for row, score in index.search(query, k)]

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
        """story -> the ids of its articles, as of the BM25 side's last build."""
        self.bm25()
        return self._members

    @staticmethod
    def _read_vocabulary(texts: list[str], metas: list[dict], story_of: dict[str, str]) -> StoryVocabulary:
        articles: dict[str, list[str]] = {}
        languages: dict[str, str] = {}
        for text, meta in zip(texts, metas, strict=True):
            doc_id = str(meta.get("doc_id"))
            # What an article is called and who published it are words the story uses too: a question
            # naming the outlet ("Which paper did the Courant cite?") does not ask about something absent.
            articles.setdefault(doc_id, [str(meta.get(key, "")) for key in ("title", "source")]).append(text)
            languages[doc_id] = str(meta.get("language", ""))
        vocabulary = StoryVocabulary()
        for doc_id, parts in articles.items():
            vocabulary.add(story_of.get(doc_id, doc_id), languages[doc_id], " ".join(parts))
        return vocabulary

    def absent_words(
        self, question: str, story: str, language: str, ignore: Collection[str] = ()
    ) -> list[str]:
        """The question's less ordinary content words that no article of `story` uses (`ignore`: question
        words and the like, which the caller knows per language)."""
        self.bm25()
        return self._vocabulary.absent(question, story, language, set(ignore) | self.tokenizer.stopwords)

    def story_languages(self, story: str) -> set[str]:
        """The languages the articles of `story` are written in."""
        self.bm25()
        return set(self._vocabulary.languages.get(story, set()))

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
        story_of = {doc: story for story, docs in self.stories().items() for doc in docs}
        votes: dict[str, float] = {}
        for rank, hit in enumerate(hits, start=1):
            story = story_of.get(hit.doc_id, hit.doc_id)
            votes[story] = votes.get(story, 0.0) + 1 / rank
        story = max(votes, key=lambda s: votes[s])
        if any(story_of.get(hit.doc_id, hit.doc_id) != story for hit in hits):
            hits = self._retrieve(query, vector, k, set(self.stories().get(story, [story])))
        return StoryHits(story, hits)

    def _retrieve(self, query: str, vector: np.ndarray, k: int, within: Collection[str] | None) -> list[Hit]:
        fusion = self.fusion
        index = self.bm25()
        if not index.ids:
            return []
        tokens = self.tokenizer(query)
        bm25 = index.scores(tokens)
        if within is not None:
            bm25 = np.where([str(m.get("doc_id")) in within for m in index.metadata], bm25, 0.0)

        pool: dict[str, Hit] = {}
        cosine: dict[str, float] = {}
        for hit in self.store.nearest(vector.tolist(), fusion.depth, within):
            pool[hit.chunk_id] = hit
            cosine[hit.chunk_id] = hit.score
        for row, score in _top(bm25, fusion.depth):
            pool.setdefault(index.ids[row], self._bm25_hit(index, row, score))
        # Chunks the BM25 side has not seen yet (written by another process) are left out until it has.
        chunk_ids = [c for c in pool if c in index.rows]
        cosine.update(self._cosines(vector, [c for c in chunk_ids if c not in cosine]))
        chunk_ids = [c for c in chunk_ids if c in cosine]
        if not chunk_ids:
            return []

        rows = [index.rows[c] for c in chunk_ids]
        dense = np.array([cosine[c] for c in chunk_ids])
        sparse = np.array([float(bm25[row]) for row in rows])
        dense_z = _zscore(dense, fusion.clip)
        fused = fusion.dense_weight * dense_z + fusion.bm25_weight * _zscore(sparse, fusion.clip)
        fused += self._lexical(index, query, tokens, rows, dense_z > 0)

        order = np.argsort(-fused, kind="stable")[:k]
        hits = []
        for i in order:
            hit = pool[chunk_ids[i]]
            meta = {**index.metadata[rows[i]], "dense": float(dense[i]), "bm25": float(sparse[i])}
            hits.append(Hit(hit.chunk_id, str(meta.get("doc_id")), hit.text, float(fused[i]), meta))
        return hits

    def _lexical(
        self, index: BM25Index, query: str, tokens: list[str], rows: list[int], related: np.ndarray
    ) -> np.ndarray:
        """Coverage, article coverage and the number feature of each candidate, weighted."""
        fusion = self.fusion
        weights = {t: index.idf(t) for t in tokens}
        coverage = np.zeros(len(rows))
        article_coverage = np.zeros(len(rows))
        has_number = np.zeros(len(rows), dtype=bool)
        query_numbers = {t for t in tokens if t[0].isdigit()}
        for i, row in enumerate(rows):
            terms = index.terms[row]
            article = index.article_terms.get(str(index.metadata[row].get("doc_id")), terms)
            coverage[i] = term_share(weights, terms)
            article_coverage[i] = term_share(weights, article)
            has_number[i] = bool(index.numbers[row] - query_numbers)
        # A figure counts where the chunk is about the question: closer to it in meaning than the average
        # candidate and sharing at least the average share of its wording; not in every chunk that
        # happens to hold a date.
        number = has_number & related & (coverage >= coverage.mean()) & asks_for_number(query)
        return (
            fusion.coverage_weight * coverage
            + fusion.article_coverage_weight * article_coverage
            + fusion.number_weight * number
        )
