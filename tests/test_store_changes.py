"""The store's change feed: which articles the writes after a given one changed, and their chunks, so that a
reader catches up without reading the whole store."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import Article
from index.embedding import E5Embedding
from index.store import Store


def news(doc: str, text: str) -> Article:
    return Article(id=doc, title=doc, text=text)


FLOOD = news("flood", "Banjir merendam 300 rumah warga di desa Sukamaju setelah hujan deras semalam.")
GAS = news("gas", "Harga gas di pasar kota naik dua kali lipat pada awal Januari.")
QUAKE = news("quake", "Gempa bermagnitudo 6,1 mengguncang pantai barat; 12 korban dirawat.")


@pytest.fixture
def store(tmp_path: Path, embedder: E5Embedding) -> Store:
    return Store.open(embedder, path=tmp_path / "store")


def test_changes_name_the_articles_added_updated_and_removed_since_a_write(store):
    assert store.changes() == (0, {})
    store.ingest([FLOOD, GAS])
    first = store.changes()
    assert sorted(first.articles) == ["flood", "gas"]
    assert store.changes(first.sequence).articles == {}

    store.ingest([news("flood", FLOOD.text + " Jembatan desa putus."), GAS, QUAKE])
    store.remove(["gas"])
    later = store.changes(first.sequence)
    assert later.sequence > first.sequence
    assert sorted(later.articles) == ["flood", "gas", "quake"]  # not the unchanged articles
    assert later.articles["gas"] is None
    assert later.articles["flood"]["content_hash"] != first.articles["flood"]["content_hash"]
    chunks = store.chunks_of({doc: r for doc, r in later.articles.items() if r is not None})
    assert {doc: [text for _, text, _ in found] for doc, found in chunks.items()} == {
        "flood": [FLOOD.text + " Jembatan desa putus."],
        "quake": [QUAKE.text],
    }

    store.ingest([GAS])  # removed, then added again: the catalogue as it now is decides
    assert store.changes(first.sequence).articles["gas"]["content_hash"] == GAS.content_hash


def test_chunks_of_a_version_replaced_since_it_was_read_are_not_given(store):
    store.ingest([FLOOD, GAS])
    read = store.changes()
    store.ingest([news("flood", "Banjir surut; warga desa Sukamaju kembali ke rumah.")])
    assert sorted(store.chunks_of(read.articles)) == ["gas"]  # never half an article, nor a gone version


def test_removing_many_articles_is_one_numbered_write_a_reader_sees_as_removals(tmp_path, store, embedder):
    articles = [
        news(f"a{n}", f"Laporan {n}: banjir merendam {n * 10} rumah di desa Sukamaju.") for n in range(6)
    ]
    store.ingest(articles)
    reader = Store.open(embedder, path=tmp_path / "store")
    seen = reader.changes().sequence
    assert store.remove(["a1", "a2", "a3", "a4", "never-stored"]) == ["a1", "a2", "a3", "a4"]
    later = reader.changes(seen)
    assert later.sequence == seen + 1  # one write, not one per article
    assert later.articles == {"a1": None, "a2": None, "a3": None, "a4": None}
    assert [s.id for s in reader.sources()] == ["a0", "a5"]
    assert {meta["doc_id"] for _, _, meta in reader.chunks()} == {"a0", "a5"}
