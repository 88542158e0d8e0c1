"""Hybrid retrieval: e5 dense search in chroma plus BM25 over the same chunks, fused per query.

BM25 is built from the chunks chroma holds (there is no second copy of the corpus) and rebuilt when the
store has been written since. Its tokenizer keeps numbers whole (`2.000`, `2,000` and `2000` are one token),
stems Indonesian with Snowball, and drops stopwords except the words number questions need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

import bm25s
import llama_index.core
import numpy as np
import Stemmer

from index.store import Hit, Store

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")

# NLTK's lists drop words that questions about figures and dates depend on.
KEEP = frozenset(
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh puluh ratus ribu juta tahun berapa "
    "bulan hari jam".split()
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


class Tokenizer:
    """Lower-case, number-aware, stopword-free, stemmed tokens for Indonesian (and plain English)."""

    def __init__(self) -> None:
        self._stop = _stopwords()
        self._stemmer = Stemmer.Stemmer("indonesian")

    def __call__(self, text: str) -> list[str]:
        tokens = []
        for token in _TOKEN.findall(text.lower()):
            if token[0].isdigit():
                tokens.append(normalise_number(token))
            elif token not in self._stop:
                tokens.append(token)
        words = [t for t in tokens if not t[0].isdigit()]
        stems = iter(self._stemmer.stemWords(words))
        return [t if t[0].isdigit() else next(stems) for t in tokens]


class BM25Index:
    """BM25 over a list of chunks, addressed by chunk id."""

    def __init__(self, ids: list[str], texts: list[str], metadata: list[dict], tokenizer: Tokenizer) -> None:
        self.ids, self.texts, self.metadata = ids, texts, metadata
        self._tokenize = tokenizer
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index([tokenizer(text) or ["_"] for text in texts], show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) of the best `k` chunks with a positive score."""
        tokens = self._tokenize(query)
        if not self.ids or not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(top, key=lambda row: -scores[row])
        return [(int(row), float(scores[row])) for row in ranked if scores[row] > 0]


@dataclass(frozen=True)
class Fusion:
    """Weighted reciprocal-rank fusion: score = Σ weight / (rrf_k + rank)."""

    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    rrf_k: int = 60
    depth: int = 30  # candidates taken from each side


class HybridRetriever:
    """Dense + BM25 retrieval over one `Store`; safe to share between threads."""

    def __init__(self, store: Store, fusion: Fusion | None = None, tokenizer: Tokenizer | None = None) -> None:
        self.store = store
        self.fusion = fusion or Fusion()
        self._tokenizer = tokenizer or Tokenizer()
        self._bm25: BM25Index | None = None
        self._built_at = -1
        self._lock = Lock()

    def bm25(self) -> BM25Index:
        """The BM25 side, rebuilt from the store when the store has been written since."""
        with self._lock:
            if self._bm25 is None or self._built_at != self.store.revision:
                ids, texts, metas = [], [], []
                for chunk_id, text, meta in self.store.chunks():
                    ids.append(chunk_id)
                    texts.append(text)
                    metas.append(meta)
                self._bm25 = BM25Index(ids, texts, metas, self._tokenizer)
                self._built_at = self.store.revision
            return self._bm25

    def bm25_search(self, query: str, k: int) -> list[Hit]:
        index = self.bm25()
        return [
            Hit(index.ids[row], str(index.metadata[row].get("doc_id")), index.texts[row], score, index.metadata[row])
            for row, score in index.search(query, k)
        ]

    def dense_search(self, query: str, k: int) -> list[Hit]:
        return self.store.dense_search(query, k)

    def retrieve(self, query: str, k: int = 8) -> list[Hit]:
        """The best `k` chunks for `query`, best first; `score` is the fused score."""
        fusion = self.fusion
        dense = self.dense_search(query, fusion.depth) if fusion.dense_weight > 0 else []
        sparse = self.bm25_search(query, fusion.depth) if fusion.bm25_weight > 0 else []
        scores: dict[str, float] = {}
        hits: dict[str, Hit] = {}
        for weight, ranked in ((fusion.dense_weight, dense), (fusion.bm25_weight, sparse)):
            for rank, hit in enumerate(ranked, start=1):
                scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight / (fusion.rrf_k + rank)
                hits.setdefault(hit.chunk_id, hit)
        best = sorted(scores, key=lambda chunk_id: -scores[chunk_id])[:k]
        return [
            Hit(c, hits[c].doc_id, hits[c].text, scores[c], hits[c].metadata) for c in best
        ]
