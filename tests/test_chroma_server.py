"""The chroma server path: a real `chroma run` on 127.0.0.1, used through `Store` and through `kabar`.

`kabar` runs in this process (`bot.interfaces.cli.main`) with its settings from the environment.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.interfaces.cli import main
from index.articles import Article
from index.store import Store, StoreError
from tests.conftest import REPO

CHROMA = Path(sys.executable).with_name("chroma")
ARTICLES = [
    Article(id="almaty", title="Almaty", text="Polisi menangkap 2.000 orang di Almaty. Bandara direbut."),
    Article(id="astana", title="Astana", text="Pemerintah mundur pada Rabu. Harga gas diturunkan lagi."),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A `chroma run` server on a free local port, with its data in a temporary folder."""
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", trust_env=False).is_success:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_store_on_a_chroma_server_ingests_and_finds(chroma_port, embedder):
    store = Store.open(embedder, host="127.0.0.1", port=chroma_port, collection="store_test")
    report = store.ingest(ARTICLES)
    assert report.added == ["almaty", "astana"]
    assert store.ingest(ARTICLES).unchanged == ["almaty", "astana"]
    assert [s.id for s in store.sources()] == ["almaty", "astana"]
    best = store.dense_search("berapa orang ditangkap", 1)[0]
    assert best.doc_id == "almaty" and "2.000 orang" in best.text
    assert store.remove(["astana"]) == ["astana"]
    assert {meta["doc_id"] for _, _, meta in store.chunks()} == {"almaty"}


def test_kabar_uses_the_chroma_server_named_in_settings(chroma_port, embedder, monkeypatch, capsys):
    Store.open(embedder, host="127.0.0.1", port=chroma_port).ingest(ARTICLES)
    monkeypatch.setenv("KABAR_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("KABAR_CHROMA__PORT", str(chroma_port))
    assert main(["sources"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["almaty", "astana"]
    assert not Path(".kabar").exists()  # nothing was written to a local store


def test_unreachable_chroma_server_is_a_store_error_naming_it(embedder):
    port = free_port()  # nothing listens there
    with pytest.raises(StoreError, match=f"chroma server 127.0.0.1:{port}"):
        Store.open(embedder, host="127.0.0.1", port=port)


def test_kabar_with_an_unreachable_chroma_server_exits_2_naming_it(monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("KABAR_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("KABAR_CHROMA__PORT", str(port))
    assert main(["sources"]) == 2
    captured = capsys.readouterr()
    assert f"chroma server 127.0.0.1:{port}" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


# A bot process in miniature: opens the store named by its settings once, then answers each query line
# with the top hit's article and text, and each empty line with the stored article ids, until stdin ends.
READER = """
import json, sys
from bot.app import App
from bot.settings import load_settings
app = App(load_settings())
for line in sys.stdin:
    query = line.strip()
    if query:
        hit = app.retriever.retrieve(query, k=1)[0]
        print(json.dumps([hit.doc_id, hit.text]), flush=True)
    else:
        print(json.dumps([s.id for s in app.store.sources()]), flush=True)
"""


def test_readers_on_a_chroma_server_see_what_another_process_ingests_without_a_restart(
    chroma_port, make_files
):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "KABAR_CHROMA__HOST": "127.0.0.1",
        "KABAR_CHROMA__PORT": str(chroma_port),
        "KABAR_STORE__COLLECTION": "shared",
    }
    news = make_files({"news/almaty.txt": ARTICLES[0].text})
    ingest = [sys.executable, "-m", "bot.interfaces.cli", "ingest", str(news / "news")]
    first = subprocess.run(ingest, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]

    def ask(reader: subprocess.Popen[str], line: str) -> object:
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write(line + "\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        for reader in readers:
            assert ask(reader, "") == ["almaty"]
            assert ask(reader, "pemerintah mundur")[0] == "almaty"  # the only article there is
        (news / "news" / "astana.txt").write_text(ARTICLES[1].text, encoding="utf-8")
        second = subprocess.run(ingest, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0 and "added 1, updated 0, unchanged 1" in second.stdout, second.stderr
        for reader in readers:  # the same processes, still running
            assert ask(reader, "") == ["almaty", "astana"]
            doc_id, text = ask(reader, "pemerintah mundur")  # type: ignore[misc]
            assert doc_id == "astana" and "Pemerintah mundur pada Rabu" in text
    finally:
        for reader in readers:
            reader.stdin.close()  # type: ignore[union-attr]
            reader.wait(timeout=60)
