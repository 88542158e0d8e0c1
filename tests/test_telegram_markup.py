"""HTML and Markdown inside articles and questions reach Telegram as text: every message parses as Telegram
HTML (the stand-in refuses any that would not), and no tag or link of theirs becomes the bot's own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from botapi_stub import BotApiStub, parse_telegram_html
from telegram_harness import extractive_answerer, serving, shows

from index.articles import load_paths
from index.embedding import E5Embedding
from index.store import Store

pytestmark = pytest.mark.anyio

HOSTILE_TEXT = (
    'Banjir merendam 120 rumah di Kota Contoh pada Senin, kata petugas <b>BPBD</b> & relawan <a href="https://'
    'evil.example/x">di sini</a>. Warga menulis <script>alert(1)</script> dan </blockquote> di papan. '
    "Laporan menyebut **120 rumah** dan [tautan resmi](https://evil.example/y) serta &amp; &lt;i&gt;."
)
HOSTILE_META = """title: "<b>Banjir</b> di <i>Kota Contoh</i> [baca](https://evil.example/z)"
source: "Harian <u>Contoh</u> & Co"
url: "javascript:alert(1)"
published: "2024-03-04"
language: id
"""


@pytest.fixture
def hostile_store(make_files: Callable[..., Path], embedder: E5Embedding, tmp_path: Path) -> Store:
    folder = make_files({"news/banjir.txt": HOSTILE_TEXT, "news/banjir.meta.yaml": HOSTILE_META}) / "news"
    loaded = load_paths([folder])
    assert not loaded.errors, loaded.errors
    store = Store.open(embedder, path=tmp_path / "store")
    store.ingest(loaded.articles)
    return store


async def test_markup_in_articles_and_questions_arrives_as_text(
    hostile_store: Store, stub: BotApiStub
) -> None:
    answerer = extractive_answerer(hostile_store)
    questions = {
        1: "Berapa rumah yang <b>terendam</b> banjir?",
        2: "Berapa **rumah** yang terendam banjir? [klik](https://evil.example/q) <a href='https://evil.example'>x</a>",
        3: "Berapa <i>zorblax</i> yang ditangkap & <code>dilepas</code>?",  # nothing says: an abstention
    }
    async with serving(answerer, stub, hostile_store.sources):
        for chat, question in questions.items():
            await stub.push_message(chat, question)
        await stub.push_message(4, "/sources")
        await stub.wait_for(
            lambda calls: (
                all(len(stub.sent(c, ("editMessageText",))) == 1 for c in questions) and bool(stub.sent(4))
            ),
            timeout=60,
        )

    assert not stub.rejected  # every message parsed as Telegram HTML
    for chat in (*questions, 4):
        for html in stub.shown(chat):
            print(f"--- chat {chat}\n{html}")
            visible = parse_telegram_html(html)
            assert "<script" not in html and "<u>" not in html and "<code>dilepas" not in html
            assert 'href="javascript' not in html and "evil.example" not in _hrefs(html)
            assert "<i>Kota" not in html and "<b>BPBD" not in html  # the article's tags stay text
            if chat == 1:
                assert "120 rumah" in visible
    answer = parse_telegram_html(stub.shown(1)[0])
    assert "<b>Banjir</b>" in answer or "<b>BPBD</b>" in answer  # shown as the characters they are
    assert shows(stub, 4, "&lt;b&gt;Banjir&lt;/b&gt;")


def _hrefs(html: str) -> str:
    """Every link target in `html`, joined."""
    import re

    return " ".join(re.findall(r'<a href="([^"]*)"', html))
