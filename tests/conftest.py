"""Shared test fixtures: every test runs isolated in its own folder, and costly parts are built once.

- `isolated` (autouse): no `KABAR_*` variables, cwd = `tmp_path` (so no stray `.env` is read and `.kabar/`
  lands there), no proxy for local servers.
- `embedder` (session): the one `E5Embedding` of the test run.
- `seed_store` (session): a `Store` with `data/articles` ingested; read it, never write to it.
- `app`: an `App` over a fresh store in `tmp_path`, sharing the session embedder.
- `make_files`: writes a dict of {relative path: text or bytes} under `tmp_path`.
- `kabar`: runs the `kabar` command in a fresh process, in `tmp_path`, with this test's environment.
- `REPO` (constant) / `repo` (fixture): the repository root; tests run elsewhere, so use absolute paths.
- Telegram tests: `anyio_backend` (asyncio, as python-telegram-bot runs), `stub` (a fresh Bot API
  stand-in), `answerer` (session: the real extractive answerer over `seed_store`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import App, build_backend
from bot.generation.embedded import EmbeddedBackend
from bot.settings import GenerationSettings, Settings, StoreSettings
from index.articles import load_paths
from index.embedding import E5Embedding
from index.store import Store

if TYPE_CHECKING:
    from botapi_stub import BotApiStub

    from bot.answer import Answerer

REPO = Path(__file__).resolve().parents[1]
SEED_ARTICLES = REPO / "data" / "articles"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("KABAR_"):
            monkeypatch.delenv(name)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # httpx (chroma's client) honours proxies even for 127.0.0.1 unless told otherwise.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def embedder() -> E5Embedding:
    return E5Embedding()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory, embedder: E5Embedding) -> Store:
    loaded = load_paths([SEED_ARTICLES])
    assert not loaded.errors, loaded.errors
    store = Store.open(embedder, path=tmp_path_factory.mktemp("seed") / "store")
    store.ingest(loaded.articles)
    return store


@pytest.fixture
def app(tmp_path: Path, embedder: E5Embedding) -> App:
    """Default settings with the store at `tmp_path/.kabar/store` (absolute, so a later chdir is harmless)."""
    application = App(Settings(store=StoreSettings(path=tmp_path / ".kabar" / "store")))
    application.embedder = embedder  # a cached_property: setting it skips loading a second model
    return application


@pytest.fixture
def kabar(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`kabar(*args, env={...})` runs `python -m bot.interfaces.cli ARGS` in `tmp_path`; `env` adds to the
    environment."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.interfaces.cli", *args],
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def make_files(tmp_path: Path) -> Callable[..., Path]:
    """`make_files({"news/a.txt": "text", "b.bin": b"bytes"})` writes files under `tmp_path`; returns it."""

    def write(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture(scope="session")
def embedded() -> EmbeddedBackend:
    """The real model, loaded once per test run, over the app's own model cache in the checkout, so the
    1 GB file is assembled once per checkout rather than once per run."""
    settings = GenerationSettings(model_cache=REPO / GenerationSettings().model_cache)
    backend = build_backend(settings)
    assert isinstance(backend, EmbeddedBackend)
    return backend


# ---- the Telegram tests ---------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # python-telegram-bot runs on asyncio


@pytest.fixture(scope="session")
def answerer(seed_store: Store) -> Answerer:
    from telegram_harness import extractive_answerer

    return extractive_answerer(seed_store)


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    from botapi_stub import BotApiStub
    from telegram_harness import TOKEN

    async with BotApiStub(TOKEN) as server:
        yield server
