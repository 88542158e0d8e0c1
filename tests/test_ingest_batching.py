"""Ingest embeds chunks in batches across articles and writes several articles at once, and still fails
only the bad article and commits each article whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import Article
from index.embedding import E5Embedding
from index.store import Store


def news(n: int) -> list[Article]:
    return [
        Article(id=f"desa{i}", title=f"Desa {i}", text=f"Banjir merendam {i + 10} rumah di desa nomor {i}.")
        for i in range(n)
    ]


@pytest.fixture
def store(tmp_path: Path, embedder: E5Embedding) -> Store:
    return Store.open(embedder, path=tmp_path / "store")


def test_chunks_of_many_articles_are_embedded_together_in_full_batches(store, monkeypatch):
    calls: list[int] = []
    original = E5Embedding.embed_passages

    def counted(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(E5Embedding, "embed_passages", counted)
    report = store.ingest(news(10), batch_size=4)
    assert calls == [4, 4, 2]  # ten one-chunk articles; one call per article would be ten
    assert len(report.added) == 10 and store.count() == 10


def test_a_bad_article_in_a_shared_batch_fails_alone(store, monkeypatch):
    # A fault that cannot be caused from outside: the model failing on one article's text.
    original = E5Embedding.embed_passages

    def fails_on_nomor_3(self, texts):
        if any("nomor 3." in text for text in texts):
            raise RuntimeError("model crashed")
        return original(self, texts)

    monkeypatch.setattr(E5Embedding, "embed_passages", fails_on_nomor_3)
    report = store.ingest(news(6), batch_size=8)
    assert [doc for doc, _ in report.failed] == ["desa3"] and "model crashed" in report.failed[0][1]
    assert sorted(report.added) == ["desa0", "desa1", "desa2", "desa4", "desa5"]
    assert sorted(s.id for s in store.sources()) == sorted(report.added)


def test_articles_written_a_few_at_a_time_are_all_stored_and_unchanged_next_time(store):
    progress: list[int] = []
    report = store.ingest(news(7), write_batch=3, progress=progress.append)
    assert len(report.added) == 7 and sum(progress) == 7
    assert {s.id: s.chunks for s in store.sources()} == {f"desa{i}": 1 for i in range(7)}
    assert store.dense_search("berapa rumah terendam banjir di desa nomor 5", 1)[0].doc_id == "desa5"
    changed = [Article(id="desa1", title="Desa 1", text="Banjir merendam 99 rumah di desa nomor 1.")]
    again = store.ingest(news(7)[:1] + changed, write_batch=3)
    assert again.unchanged == ["desa0"] and again.updated == ["desa1"]
    assert store.count() == 7 and not any("11 rumah" in text for _, text, _ in store.chunks())
