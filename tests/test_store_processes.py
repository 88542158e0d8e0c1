"""One local store, several processes: one writer at a time, readers see what others wrote without a
restart, and a writer killed midway leaves every article whole (its old version or its new one).

Writers are real `kabar ingest` processes; the reader is a long-lived `Store` and `HybridRetriever` in this
test process, opened before the other process writes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

from index.articles import Article
from index.chunking import chunk_article
from index.retrieval import HybridRetriever
from index.store import Store


def kabar_process(store: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`kabar ARGS` started in the background on the local store at `store`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.interfaces.cli", *args],
        cwd=store.parent,
        env={**os.environ, "PYTHONPATH": str(REPO), "KABAR_STORE__PATH": str(store), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def write_feed(path: Path, articles: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in articles.items()), "utf-8")
    return path


def articles(prefix: str, count: int, figure: int) -> dict[str, str]:
    """`count` articles of two chunks each; `figure` appears in each, so versions differ."""
    return {
        f"{prefix}{n}": f"Laporan {n} menyebut {figure} rumah rusak di desa {prefix}{n} setelah hujan deras. "
        f"Warga desa {prefix}{n} mengungsi ke balai kota pada Selasa sore bersama keluarga mereka. "
        f"Petugas mencatat {figure} jalan tertutup lumpur dan dua jembatan kecil hanyut terbawa arus. "
        f"Bantuan makanan tiba pada Rabu pagi dari kabupaten tetangga, kata kepala desa {prefix}{n}."
        for n in range(count)
    }


def chunk_texts(doc_id: str, text: str) -> list[str]:
    return sorted(chunk.text for chunk in chunk_article(Article(id=doc_id, title=doc_id, text=text)))


def whole(store: Store) -> dict[str, set[str]]:
    """article -> the texts of the chunks a reader sees; fails if a chunk cannot be read back."""
    chunks = list(store.chunks())
    vectors = store.embeddings([chunk_id for chunk_id, _, _ in chunks])
    assert set(vectors) == {chunk_id for chunk_id, _, _ in chunks}
    seen: dict[str, set[str]] = {}
    for _, text, meta in chunks:
        seen.setdefault(str(meta["doc_id"]), set()).add(text)
    return seen


def test_two_ingests_at_once_both_finish_and_every_chunk_stays_readable(tmp_path, embedder):
    store_path = tmp_path / "store"
    feed = write_feed(tmp_path / "feed.jsonl", articles("a", 40, 7))
    first, second = (
        kabar_process(store_path, "ingest", str(feed)),
        kabar_process(store_path, "ingest", str(feed)),
    )
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], results
    outs = sorted(out.splitlines()[-1].split(";")[0] for _, out, _ in results)
    # One stored the articles; the other found them stored (it waited for the lock, then saw them).
    assert outs == [
        "added 0, updated 0, unchanged 40, removed 0, failed 0",
        "added 40, updated 0, unchanged 0, removed 0, failed 0",
    ]
    store = Store.open(embedder, path=store_path)
    seen = whole(store)
    assert sorted(seen) == sorted(articles("a", 40, 7))
    assert store.count() == sum(s.chunks for s in store.sources())
    assert len(store.dense_search("rumah rusak", store.count())) == store.count()


def test_a_second_writer_waits_for_the_lock_then_gives_up_with_a_message(tmp_path, embedder):
    store_path = tmp_path / "store"
    feed = write_feed(tmp_path / "feed.jsonl", articles("a", 2, 7))
    holder = Store.open(embedder, path=store_path)
    with holder.writing():
        code, out, err = finish(
            kabar_process(store_path, "ingest", str(feed), env={"KABAR_STORE__LOCK_TIMEOUT_S": "1"})
        )
    assert code == 2 and out == ""
    assert "waiting up to 1 s for another ingest" in err
    assert f"another process is writing to the store folder {store_path} and did not finish within 1 s" in err
    assert "Traceback" not in err
    assert holder.sources() == []
    code, out, err = finish(kabar_process(store_path, "ingest", str(feed)))
    assert code == 0 and "added 2" in out, err


def test_a_running_reader_sees_what_another_process_ingests_updates_and_prunes(tmp_path, embedder):
    store_path = tmp_path / "store"
    news = tmp_path / "news"
    news.mkdir()
    (news / "arrests.txt").write_text("Polisi menangkap 2.000 orang di Almaty pada Kamis.\n", "utf-8")
    (news / "prices.txt").write_text("Harga gas di Almaty naik dua kali lipat pada awal Januari.\n", "utf-8")
    assert finish(kabar_process(store_path, "ingest", str(news)))[0] == 0

    reader = HybridRetriever(Store.open(embedder, path=store_path))
    assert "2.000" in reader.retrieve("berapa orang ditangkap polisi", k=1)[0].text

    (news / "arrests.txt").write_text("Polisi menangkap 3.000 orang di Almaty pada Kamis.\n", "utf-8")
    (news / "quake.txt").write_text(
        "Gempa bermagnitudo 6,1 mengguncang Sulawesi Barat pada Jumat.\n", "utf-8"
    )
    (news / "prices.txt").unlink()
    code, out, err = finish(kabar_process(store_path, "ingest", str(news), "--prune"))
    assert code == 0 and "added 1, updated 1, unchanged 0, removed 1" in out, err

    # The same objects, no restart: both the dense side (chroma) and BM25 see the other process's writes.
    assert [s.id for s in reader.store.sources()] == ["arrests", "quake"]
    texts = {hit.text for hit in reader.retrieve("berapa orang ditangkap polisi", k=5)}
    assert "Polisi menangkap 3.000 orang di Almaty pada Kamis." in texts
    assert not any("2.000" in text or "Harga gas" in text for text in texts)
    assert reader.dense_search("gempa bumi di Sulawesi", 1)[0].doc_id == "quake"
    assert reader.bm25_search("gempa Sulawesi", 1)[0].doc_id == "quake"
    assert {hit.doc_id for hit in reader.dense_search("harga gas", 5)} == {"arrests", "quake"}


KILLS = 4  # kill points: random moments inside the write phase, which the test watches for
# More runs, up to this many, while no kill has yet landed inside an article's write (timing decides).
MAX_KILLS = 16


def test_killing_an_ingest_midway_leaves_each_article_whole_and_the_next_run_completes(tmp_path, embedder):
    store_path = tmp_path / "store"
    old = articles("a", 8, 7)
    # Runs alternate between two new versions, so that every run has every article to rewrite.
    feeds = [articles("a", 8, figure) | articles("b", 4, figure) for figure in (8, 9)]
    versions: dict[str, list[list[str]]] = {}
    for feed_articles in (old, *feeds):
        for doc, text in feed_articles.items():
            versions.setdefault(doc, []).append(chunk_texts(doc, text))
    assert all(len(chunks) == 2 for v in versions.values() for chunks in v)  # half an article can show
    assert finish(kabar_process(store_path, "ingest", str(write_feed(tmp_path / "v1.jsonl", old))))[0] == 0
    paths = [write_feed(tmp_path / f"v{n}.jsonl", f) for n, f in enumerate(feeds, start=2)]
    watcher = Store.open(embedder, path=store_path)
    rng = random.Random(13)
    killed_inside_an_article = 0
    runs = 0
    while runs < KILLS or (not killed_inside_an_article and runs < MAX_KILLS):
        run, runs = runs, runs + 1
        before = {doc: meta["content_hash"] for doc, meta in watcher._catalogue_records().items()}
        # Three articles a write: kills land between writes and inside one, where it spans articles.
        process = kabar_process(
            store_path, "ingest", str(paths[run % 2]), env={"KABAR_INGEST__WRITE_BATCH": "3"}
        )
        # The write phase has begun once an article's new version is committed; kill at a random point.
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            now = {doc: meta["content_hash"] for doc, meta in watcher._catalogue_records().items()}
            if now != before:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        killed_inside_an_article += bool(watcher._pending.count())

        store = Store.open(embedder, path=store_path)  # what a process opening the store now sees
        seen = whole(store)
        for doc_id, texts in seen.items():
            assert sorted(texts) in versions[doc_id], (run, doc_id, texts)
        sources = {s.id: s.chunks for s in store.sources()}
        assert sources == {doc: len(texts) for doc, texts in seen.items()}
        assert set(old) <= set(sources)
    assert killed_inside_an_article, "no kill landed between an article's first write and its last"

    feed = paths[runs % 2]
    new = feeds[runs % 2]
    code, _, err = finish(kabar_process(store_path, "ingest", str(feed)))
    assert code == 0, err
    store = Store.open(embedder, path=store_path)
    assert {doc: sorted(texts) for doc, texts in whole(store).items()} == {
        doc: chunk_texts(doc, text) for doc, text in new.items()
    }
    assert store.count() == 2 * len(new)  # no chunk twice, none of the old versions left
    listed = finish(kabar_process(store_path, "sources"))[1]
    assert [line.split("\t")[0] for line in listed.splitlines()] == sorted(new)
