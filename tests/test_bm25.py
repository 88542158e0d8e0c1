"""BM25 that grows with the store: after adds, updates and removals it scores exactly as one fresh BM25
(bm25s, which built Kabar's BM25 before) over the chunks that are left; and a long-running retriever ranks
as a fresh one while reading only the articles that changed."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import pytest

from index.articles import Article
from index.bm25 import BM25Index, top
from index.embedding import E5Embedding
from index.retrieval import HybridRetriever, Tokenizer
from index.store import Store

WORDS = (
    "banjir rumah warga desa sungai hujan jembatan polisi menangkap orang kota harga gas naik pasar "
    "gempa guncang pantai korban bantuan makanan sekolah jalan lumpur petani padi panen 2.000 1,5 2021"
).split()
QUERIES = ["banjir desa", "harga gas naik", "polisi menangkap 2.000 orang", "gempa pantai korban", "padi"]
TOKENIZE = Tokenizer()


def chunk(doc: str, n: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    text = " ".join(rng.choices(WORDS, k=rng.randint(0, 14)))  # some chunks have no terms at all
    return f"{doc}#{n}@{rng.random():.6f}", text, {"doc_id": doc}


def article(doc: str, rng: random.Random) -> list[tuple[str, str, dict[str, Any]]]:
    return [chunk(doc, n, rng) for n in range(rng.randint(1, 3))]


def fresh_scores(chunks: dict[str, list[tuple[str, str, dict[str, Any]]]], query: str) -> dict[str, float]:
    """chunk id -> score, from a bm25s index built over these chunks alone (as Kabar's BM25 was built)."""
    ids = [c for doc in sorted(chunks) for c, _, _ in chunks[doc]]
    tokens = [TOKENIZE(text) or ["_"] for doc in sorted(chunks) for _, text, _ in chunks[doc]]
    reference = bm25s.BM25()
    reference.index(tokens, show_progress=False)
    query_tokens = TOKENIZE(query)
    scores = reference.get_scores(query_tokens) if query_tokens else np.zeros(len(ids))
    return dict(zip(ids, scores.tolist(), strict=True))


def grown_scores(index: BM25Index, query: str) -> dict[str, float]:
    scores = index.scores(TOKENIZE(query))
    return {
        index.row(n).chunk_id: float(scores[n]) for n in range(index.size) if index.row(n).chunk_id in index
    }


def test_after_adds_updates_and_removals_scores_match_a_fresh_index_over_what_is_left():
    rng = random.Random(7)
    index = BM25Index(TOKENIZE)
    live: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for step in range(40):
        changed: dict[str, list[tuple[str, str, dict[str, Any]]] | None] = {
            f"s{step}a{n}": article(f"s{step}a{n}", rng) for n in range(rng.randint(1, 6))
        }
        for doc in rng.sample(sorted(live), min(len(live), rng.randint(0, 3))):
            changed[doc] = article(doc, rng) if rng.random() < 0.5 else None  # updated or removed
        index.replace(list(changed), [c for chunks in changed.values() if chunks for c in chunks])
        for doc, chunks in changed.items():
            if chunks is None:
                live.pop(doc, None)
            else:
                live[doc] = chunks

        assert len(index) == sum(len(chunks) for chunks in live.values())
        for query in QUERIES:
            expected, got = fresh_scores(live, query), grown_scores(index, query)
            assert got.keys() == expected.keys()
            ids = sorted(expected)
            assert np.allclose([got[c] for c in ids], [expected[c] for c in ids], rtol=1e-5, atol=1e-6)
            best = [index.row(n).chunk_id for n, _ in top(index.scores(TOKENIZE(query)), 5)]
            ranked = sorted(expected, key=lambda c: -expected[c])
            # Same best five, where no tie at the fifth place makes the choice arbitrary.
            if len(ranked) > 5 and expected[ranked[4]] - expected[ranked[5]] > 1e-4:
                assert set(best) == set(ranked[:5])
    df = sum("banjir" in TOKENIZE(text) for chunks in live.values() for _, text, _ in chunks)
    assert index.idf("banjir") == pytest.approx(np.log(1 + (len(index) - df + 0.5) / (df + 0.5)))


def test_many_small_writes_leave_few_segments_and_no_dead_rows_for_long():
    rng = random.Random(3)
    index = BM25Index(TOKENIZE)
    for step in range(200):
        index.replace([f"d{step % 50}"], article(f"d{step % 50}", rng))  # 50 articles, each rewritten 4 times
    assert len(index._segments) <= 9  # about log2 of the 200 writes
    assert index.size <= 2 * len(index)  # replaced versions are dropped, not kept forever


# ---- a long-running retriever -------------------------------------------------------------------------


class CountingStore(Store):
    """The real store, noting which articles' chunks a reader asks for."""

    asked: list[set[str]]

    def chunks_of(self, articles):  # type: ignore[no-untyped-def]
        self.asked.append(set(articles))
        return super().chunks_of(articles)


def news(doc: str, text: str) -> Article:
    return Article(id=doc, title=doc, text=text)


def test_a_running_retriever_reads_only_changed_articles_and_ranks_as_a_fresh_one(
    tmp_path: Path, embedder: E5Embedding
):
    store = CountingStore.open(embedder, path=tmp_path / "store")
    assert isinstance(store, CountingStore)
    store.asked = []
    store.ingest(
        [
            news("banjir", "Banjir merendam 300 rumah warga di desa Sukamaju setelah hujan deras semalam."),
            news("gas", "Harga gas di pasar kota naik dua kali lipat pada awal Januari."),
            news("gempa", "Gempa bermagnitudo 6,1 mengguncang pantai barat; 12 korban dirawat."),
        ]
    )
    reader = HybridRetriever(store)
    assert reader.retrieve("harga gas naik", k=1)[0].doc_id == "gas"
    assert store.asked == [{"banjir", "gas", "gempa"}]

    store.ingest(
        [
            news("banjir", "Banjir merendam 450 rumah warga di desa Sukamaju; jembatan desa putus."),
            news("padi", "Petani di desa Sukamaju gagal panen padi karena banjir dan lumpur."),
        ]
    )
    store.remove(["gempa"])
    for query in ("banjir desa Sukamaju", "berapa rumah terendam banjir", "gempa pantai", "panen padi"):
        got = reader.retrieve(query, k=5)
        expected = HybridRetriever(Store.open(embedder, path=tmp_path / "store")).retrieve(query, k=5)
        assert [(h.chunk_id, h.text) for h in got] == [(h.chunk_id, h.text) for h in expected]
        assert np.allclose([h.score for h in got], [h.score for h in expected])
    assert store.asked[1:] == [{"banjir", "padi"}]  # the unchanged article was not read again
    assert "gempa" not in {h.doc_id for h in reader.retrieve("gempa pantai korban", k=5)}
    fresh = HybridRetriever(Store.open(embedder, path=tmp_path / "store"))
    assert reader.stories() == fresh.stories()
    story = next(story for story, docs in reader.stories().items() if "padi" in docs)
    assert [h.text for h in reader.story_chunks(story)] == [h.text for h in fresh.story_chunks(story)]
    assert "putus" in " ".join(h.text for h in reader.story_chunks(story))
    # "jembatan" and "putus" are words of the new version only.
    question = "Mengapa bendungan jebol dan jembatan putus?"
    assert reader.absent_words(question, story, "id") == ["bendungan", "jebol"]


def test_an_older_article_given_its_story_later_keeps_its_chunks_in_a_running_retriever(tmp_path, embedder):
    store = Store.open(embedder, path=tmp_path / "store")
    store.ingest([news("gas", "Harga gas di pasar kota naik dua kali lipat pada awal Januari.")])
    record = store._catalogue.get(ids=["gas"], include=["metadatas"])["metadatas"][0]
    # As a store written before stories existed left it: the next ingest gives the article its story.
    store._catalogue.update(
        ids=["gas"], metadatas=[{k: v for k, v in record.items() if k != "story"} | {"story": ""}]
    )
    reader = HybridRetriever(store)
    assert reader.stories() == {"gas": ["gas"]}
    store.ingest([news("padi", "Petani di desa Sukamaju gagal panen padi karena banjir dan lumpur.")])
    assert reader.stories() == HybridRetriever(Store.open(embedder, path=tmp_path / "store")).stories()
    assert [hit.doc_id for hit in reader.bm25_search("harga gas", 5)] == ["gas"]
