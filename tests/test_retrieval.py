"""Hybrid retrieval: number-aware Indonesian BM25 kept in step with the store, fused with e5 dense search."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import Article
from index.embedding import E5Embedding
from index.retrieval import Fusion, HybridRetriever, Tokenizer, asks_for_number
from index.store import Store

ARRESTS = "000_e9a991ac1f076a93"
CSTO = "003_c1c99dbedbe017a5"

ALMATY = Article(
    id="almaty",
    title="Almaty",
    text="Polisi menangkap 2.000 orang di Almaty. Bandara direbut kembali oleh tentara.",
)
TENGIZ = Article(
    id="tengiz",
    title="Tengiz",
    text="Produksi minyak di ladang Tengiz berkurang pada Kamis, kata operatornya Chevron.",
)


@pytest.fixture(scope="module")
def seed(seed_store: Store) -> HybridRetriever:
    return HybridRetriever(seed_store)


@pytest.fixture
def store(tmp_path: Path, embedder: E5Embedding) -> Store:
    return Store.open(embedder, path=tmp_path / "store")


# ---- tokenizer ----------------------------------------------------------------------------------------


def test_thousands_written_either_way_are_one_token():
    tokenize = Tokenizer()
    assert tokenize("2.000") == tokenize("2,000") == tokenize("2000") == ["2000"]


def test_decimal_comma_and_decimal_point_are_the_same_token():
    tokenize = Tokenizer()
    assert tokenize("1,5 persen") == tokenize("1.5 persen")
    assert "1.5" in tokenize("1,5 persen")


def test_question_and_number_words_are_not_dropped_as_stopwords():
    assert Tokenizer()("berapa dua tiga tahun") == ["berapa", "dua", "tiga", "tahun"]


def test_function_words_are_dropped_and_inflections_share_a_stem():
    tokenize = Tokenizer()
    assert tokenize("yang dan di itu") == []
    assert tokenize("ditangkap") == tokenize("tangkap")
    assert tokenize("kerusuhan") == tokenize("rusuh")


def test_number_questions_are_recognised_in_both_languages():
    assert asks_for_number("Berapakah jumlah korban?")
    assert asks_for_number("How many people were arrested?")
    assert asks_for_number("Kapan Nazarbayev mundur?")
    assert not asks_for_number("Siapa presiden Kazakhstan?")


# ---- BM25 in step with the store ----------------------------------------------------------------------


def test_bm25_finds_an_article_ingested_after_it_was_first_used(store):
    retriever = HybridRetriever(store)
    store.ingest([ALMATY])
    assert retriever.bm25_search("Chevron", 5) == []
    store.ingest([TENGIZ])
    assert [hit.doc_id for hit in retriever.bm25_search("Chevron", 5)] == ["tengiz"]
    assert retriever.retrieve("Chevron Tengiz", 1)[0].doc_id == "tengiz"


def test_bm25_forgets_a_removed_article(store):
    retriever = HybridRetriever(store)
    store.ingest([ALMATY, TENGIZ])
    assert retriever.bm25_search("Chevron", 5)
    store.remove(["tengiz"])
    assert retriever.bm25_search("Chevron", 5) == []
    assert {hit.doc_id for hit in retriever.retrieve("Chevron", 5)} == {"almaty"}


def test_empty_store_retrieves_nothing(store):
    assert HybridRetriever(store).retrieve("Berapa orang ditangkap?") == []


# ---- hits ---------------------------------------------------------------------------------------------


def test_hits_come_best_first_under_their_article_id(seed, seed_store):
    articles = {source.id for source in seed_store.sources()}
    hits = seed.retrieve("Berapa orang yang ditangkap?", 8)
    assert len(hits) == 8
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert {hit.doc_id for hit in hits} <= articles
    assert {hit.doc_id for hit in seed.bm25_search("Berapa orang yang ditangkap?", 8)} <= articles


def test_every_hit_reports_its_exact_dense_similarity(seed_store):
    # depth 2: most pooled candidates come from BM25 alone, so their cosine is computed, not returned.
    retriever = HybridRetriever(seed_store, Fusion(depth=2))
    query = "Berapa tentara yang dikirim CSTO ke Kazakhstan?"
    cosine = {hit.chunk_id: hit.score for hit in retriever.dense_search(query, seed_store.count())}
    hits = retriever.retrieve(query, 4)
    assert len(hits) >= 3
    for hit in hits:
        assert hit.metadata["dense"] == pytest.approx(cosine[hit.chunk_id], abs=1e-4)


def test_a_number_question_prefers_the_chunk_with_the_number(seed):
    hit = seed.retrieve("Berapa tentara yang dikirim CSTO ke Kazakhstan?", 1)[0]
    assert hit.doc_id == CSTO and "2.500 tentara" in hit.text


# ---- English questions over Indonesian articles ----------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "article", "expected"),
    [
        ("how many people were arrested", ARRESTS, "2.000 orang ditangkap"),
        ("how many security officers were killed", None, "anggota pasukan keamanan tewas"),
        ("how many people were injured", None, "orang terluka"),
        ("which company operates the Tengiz oil field", ARRESTS, "Chevron"),
    ],
)
def test_english_question_finds_the_indonesian_answer_first(seed, question, article, expected):
    hit = seed.retrieve(question, 8)[0]
    assert expected in hit.text
    assert article is None or hit.doc_id == article


def test_english_question_about_the_csto_finds_its_troop_figure(seed):
    # "CSTO" itself is only in the chunk before the figure, so that one may come first.
    hits = seed.retrieve("how many CSTO troops were sent", 8)[:2]
    assert any(hit.doc_id == CSTO and "2.500 tentara" in hit.text for hit in hits)
