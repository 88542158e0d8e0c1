"""What the Telegram tests share: the bot serving a Bot API stand-in, an answerer that records its calls,
and predicates on what a chat has been sent. Fixtures stay in the test modules; this holds plain code.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botapi_stub import BotApiStub, Call

from bot.answer import Answerer
from bot.app import App
from bot.interfaces.telegram import KabarBot, build_application
from bot.schema import Answer, Language, Turn
from bot.settings import GenerationSettings, Settings, StoreSettings, TelegramSettings
from index.store import Store

TOKEN = "123456789:AAE-secret-token-never-to-be-logged"


def extractive_answerer(store: Store, **generation: Any) -> Answerer:
    """The real answerer, built the way the app builds it, over `store` (the extractive backend unless
    `generation` says otherwise)."""
    app = App(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            store=StoreSettings(path=Path("unused")),
            generation=GenerationSettings(**{"backend": "extractive", **generation}),
        )
    )
    app.store = store  # a cached_property: the given store stands in for the one on disk
    return app.answerer


@dataclass
class Recorder:
    """Passes questions to the real answerer, noting each call and how many ran at once."""

    answerer: Any
    calls: list[tuple[str, tuple[Turn, ...], Language | None]] = field(default_factory=list)
    gate: threading.Event | None = None  # when set up, answering waits for it: a slow model
    running: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def detector(self) -> Any:
        return self.answerer.detector

    def answer(self, question: str, history: Sequence[Turn] = (), language: Language | None = None) -> Answer:
        with self.lock:
            self.calls.append((question, tuple(history), language))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.gate is not None:
                assert self.gate.wait(30), "the test never let the answer through"
            return self.answerer.answer(question, history, language)
        finally:
            with self.lock:
                self.running -= 1


@asynccontextmanager
async def serving(
    answerer: Any,
    stub: BotApiStub,
    sources: Callable[[], Sequence[Any]] = list,
    stories: Callable[[], Sequence[Any]] = list,
    **settings: Any,
) -> AsyncIterator[KabarBot]:
    """The bot polling `stub`, started and stopped the way `Application.run_polling` does it."""
    options = TelegramSettings(token=TOKEN, base_url=stub.base_url, **settings)
    kabar = KabarBot(answerer, sources, options, answerer.detector.detect, stories)
    app = build_application(options, kabar)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield kabar
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def replies(stub: BotApiStub, chat_id: int) -> list[Call]:
    """What the chat sees: messages sent to it and edits of them, in order."""
    return stub.sent(chat_id, ("sendMessage", "editMessageText"))


def answered(chat_id: int, count: int = 1) -> Any:
    """A `wait_for` predicate: the chat got `count` final answers (edits of the working message)."""
    return lambda calls: sum(c.method == "editMessageText" and c.chat_id == chat_id for c in calls) >= count


def said(chat_id: int, text: str) -> Any:
    return lambda calls: any(c.chat_id == chat_id and text in c.text for c in calls)


def final_answer(stub: BotApiStub, chat_id: int) -> str:
    edits = [c for c in stub.sent(chat_id, ("editMessageText",))]
    return edits[-1].text
