"""What the Telegram tests share: the bot serving a Bot API stand-in, an answerer that records its calls,
and predicates on what a chat has been sent. Fixtures stay in the test modules; this holds plain code.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
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
    answers: list[Answer] = field(default_factory=list)
    gate: threading.Event | None = None  # when set up, answering waits for it: a slow model
    running: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def detector(self) -> Any:
        return self.answerer.detector

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        on_draft: Callable[[str], None] | None = None,
    ) -> Answer:
        with self.lock:
            self.calls.append((question, tuple(history), language))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.gate is not None:
                assert self.gate.wait(30), "the test never let the answer through"
            answer: Answer = self.answerer.answer(question, history, language, on_draft=on_draft)
            with self.lock:
                self.answers.append(answer)
            return answer
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


def shows(stub: BotApiStub, chat_id: int, words: str) -> bool:
    """Whether a message the chat shows now contains `words`."""
    return any(words in text for text in stub.shown(chat_id))


def final_answer(stub: BotApiStub, chat_id: int) -> str:
    edits = [c for c in stub.sent(chat_id, ("editMessageText",))]
    return edits[-1].text


# ---- many users at once (the CI load test and bench/telegram_load.py) ----------------------------------

QUESTIONS = (
    ("Berapa orang yang ditangkap?", "id"),
    ("How many people were arrested?", "en"),
    ("Berapa anggota pasukan keamanan yang tewas?", "id"),
    ("Perusahaan apa yang mengoperasikan ladang minyak Tengiz?", "id"),
    ("How many security officers were killed?", "en"),
)
# Questions the model writes the answer to, over the seed articles (data/articles): "how many" questions
# are answered from the articles' own figures, without the model, so they would not load it.
MODEL_QUESTIONS = (
    ("Perusahaan apa yang mengoperasikan ladang minyak Tengiz?", "id"),
    ("Siapa yang meminta intervensi pasukan pimpinan Rusia?", "id"),
    ("What happened to the president's residence in Almaty?", "en"),
    ("Mengapa protes di Kazakhstan dimulai?", "id"),
    ("Negara mana saja yang mengirim pasukan?", "id"),
)
RATE_LIMITED = ("Pelan-pelan", "Easy 🙂")
BUSY = ("Maaf, sedang banyak pertanyaan", "Sorry, many questions are waiting")
WORKING = "⏳"
DRAFT_CURSOR = "▌"  # ends a model's draft shown while it writes (bot.interfaces.telegram._draft_html)


@dataclass
class LoadResult:
    """What the users of a load run saw, and how long it took."""

    users: int
    questions_per_user: int
    outcomes: dict[int, dict[str, int]]  # chat -> {"answer": n, "rate_limited": n, "busy": n, "left": n}
    answered_by_model: int  # how many times the answerer ran
    model_calls: int  # how many times a language model was asked, in all answers (0 when extractive)
    model_failed: int  # answers given without the model because it failed
    seconds: float  # from the first question to the last reply
    queue_waits_s: list[float]
    answer_s: list[float]
    help_s: list[float]  # from each /help sent meanwhile to its reply

    def total(self, kind: str) -> int:
        return sum(counts[kind] for counts in self.outcomes.values())

    def summary(self) -> dict[str, Any]:
        def spread(values: list[float]) -> dict[str, float]:
            ordered = sorted(values) or [0.0]
            return {
                "median": round(ordered[len(ordered) // 2], 3),
                "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
                "max": round(ordered[-1], 3),
            }

        answers = self.total("answer")
        return {
            "users": self.users,
            "questions_per_user": self.questions_per_user,
            "questions": self.users * self.questions_per_user,
            "answers": answers,
            "rate_limited": self.total("rate_limited"),
            "busy": self.total("busy"),
            "lost_or_stuck": self.total("left"),
            "answerer_calls": self.answered_by_model,
            "model_calls": self.model_calls,
            "model_failed": self.model_failed,
            "seconds": round(self.seconds, 2),
            "answers_per_second": round(answers / self.seconds, 2) if self.seconds else 0.0,
            "queue_wait_s": spread(self.queue_waits_s),
            "answer_s": spread(self.answer_s),
            "help_reply_s": spread(self.help_s),
        }


def outcome(text: str) -> str:
    """What one message shown in a user's chat is: an answer, a refusal, or a placeholder left behind."""
    if text.startswith(RATE_LIMITED):
        return "rate_limited"
    if text.startswith(BUSY):
        return "busy"
    if text.startswith(WORKING) or text.endswith(DRAFT_CURSOR) or text == "…":
        return "left"
    return "answer"


class _QueueLog(logging.Handler):
    """Collects the bot's per-answer log line: seconds in the queue and seconds answering."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.waits: list[float] = []
        self.took: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "bot.interfaces.telegram" and "in the queue" in str(record.msg):
            _, took, waited = record.args  # type: ignore[misc]
            self.took.append(float(took))
            self.waits.append(float(waited))


async def run_load(
    answerer: Any,
    stub: BotApiStub,
    users: int,
    questions_per_user: int,
    within_s: float,
    seed: int = 13,
    questions: Sequence[tuple[str, str]] = QUESTIONS,
    **settings: Any,
) -> LoadResult:
    """`users` chats each send `questions_per_user` of `questions` at random moments within `within_s`,
    while another chat sends /help every second; returns once every question has its final reply."""
    rng = random.Random(seed)
    recorder = Recorder(answerer)
    log = logging.getLogger("bot.interfaces.telegram")
    queue_log = _QueueLog()
    log.addHandler(queue_log)
    level = log.level
    log.setLevel(logging.INFO)
    help_chat = 999_999
    plan = sorted(
        (rng.uniform(0, within_s), 1000 + user, questions[(user + n) % len(questions)])
        for user in range(users)
        for n in range(questions_per_user)
    )
    try:
        async with serving(recorder, stub, **settings):
            loop = asyncio.get_running_loop()
            started, first = loop.time(), time.monotonic()
            help_sent: list[float] = []

            async def ask_help() -> None:
                while loop.time() - started < within_s:
                    help_sent.append(time.monotonic())
                    await stub.push_message(help_chat, "/help")
                    await asyncio.sleep(1.0)

            helper = asyncio.create_task(ask_help())
            for at, chat, (question, language) in plan:
                await asyncio.sleep(max(0.0, started + at - loop.time()))
                await stub.push_message(chat, question, language_code=language)
            await helper

            def settled(calls: list[Call]) -> bool:
                done = sum(
                    outcome(text) != "left" for chat in range(1000, 1000 + users) for text in stub.shown(chat)
                )
                return done == users * questions_per_user and len(stub.sent(help_chat)) == len(help_sent)

            await stub.wait_for(settled, timeout=within_s + 60 * users * questions_per_user)
            finished = max(c.at for c in stub.calls if c.method in ("sendMessage", "editMessageText"))
            await asyncio.sleep(0.5)  # time enough for a duplicate to show
    finally:
        log.removeHandler(queue_log)
        log.setLevel(level)

    outcomes = {}
    for chat in range(1000, 1000 + users):
        counts = dict.fromkeys(("answer", "rate_limited", "busy", "left"), 0)
        for text in stub.shown(chat):
            counts[outcome(text)] += 1
        outcomes[chat] = counts
    help_replies = [c.at for c in stub.sent(help_chat)]
    return LoadResult(
        users=users,
        questions_per_user=questions_per_user,
        outcomes=outcomes,
        answered_by_model=len(recorder.calls),
        model_calls=sum(a.timings.model_calls for a in recorder.answers),
        model_failed=sum(a.model_failed for a in recorder.answers),
        seconds=finished - first,
        queue_waits_s=queue_log.waits,
        answer_s=queue_log.took,
        help_s=[reply - sent for sent, reply in zip(help_sent, help_replies, strict=False)],
    )
