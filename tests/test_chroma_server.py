"""The chroma server path: a real `chroma run` on 127.0.0.1, used through `Store` and through `kabar`.

`kabar` runs in this process (`bot.interfaces.cli.main`) with its settings from the environment.
"""

from __future__ import annotations

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
