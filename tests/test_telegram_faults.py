"""The Telegram bot when things fail: the Bot API stand-in answering 500, 429 or nothing in time, an edit
Telegram applied but never confirmed, a token revoked while the bot runs, a Bot API address that is not
one, and an answering backend that goes away. The user must get each answer exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botapi_stub import BotApiStub, Fault, parse_telegram_html
from telegram_harness import TOKEN, extractive_answerer, serving, shows

from bot.answer import Answerer
from index.store import Store

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 1.0  # the bot's request timeout in these tests; a fault held longer is a timeout

pytestmark = pytest.mark.anyio


def answers_shown(stub: BotApiStub, chat_id: int, words: str = "2.000") -> list[str]:
    """The messages of the chat that show an answer containing `words`."""
    return [text for text in stub.shown(chat_id) if words in text]


def shows_answer(stub: BotApiStub, chat_id: int, words: str = "2.000") -> bool:
    return bool(answers_shown(stub, chat_id, words))


QUESTION = "Berapa orang yang ditangkap?"


# ---- the Bot API fails -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [Fault(status=500), Fault(status=429, retry_after=1), Fault.timeout(TIMEOUT_S + 1)],
    ids=["500", "429", "timeout"],
)
async def test_a_failed_working_message_still_gets_the_question_answered_once(
    answerer: Answerer, stub: BotApiStub, fault: Fault
) -> None:
    stub.inject("sendMessage", fault, times=2)
    async with serving(answerer, stub, request_timeout_s=TIMEOUT_S):
        await stub.push_message(1, QUESTION)
        await stub.wait_for(lambda calls: shows_answer(stub, 1), timeout=60)
        await asyncio.sleep(0.5)  # time enough for a second copy to arrive

    assert len(stub.faulted) == 2
    [answer] = answers_shown(stub, 1)
    assert "Sumber" in parse_telegram_html(answer)
    assert not stub.rejected


async def test_an_edit_applied_but_never_confirmed_is_not_sent_again(
    answerer: Answerer, stub: BotApiStub
) -> None:
    stub.inject("editMessageText", Fault.timeout(TIMEOUT_S + 1, applied=True))
    async with serving(answerer, stub, request_timeout_s=TIMEOUT_S):
        await stub.push_message(2, QUESTION)
        await stub.wait_for(lambda calls: shows_answer(stub, 2), timeout=60)
        await asyncio.sleep(TIMEOUT_S + 2)  # the bot hears nothing back and decides what to do

    assert len(answers_shown(stub, 2)) == 1
    assert len(stub.shown(2)) == 1  # the working message became the answer; nothing else was sent


async def test_429_waits_the_retry_after_telegram_asks_for(answerer: Answerer, stub: BotApiStub) -> None:
    stub.inject("editMessageText", Fault(status=429, retry_after=2))
    async with serving(answerer, stub):
        await stub.push_message(3, QUESTION)
        await stub.wait_for(lambda calls: shows_answer(stub, 3), timeout=60)

    [refused] = stub.faulted
    [edit] = stub.sent(3, ("editMessageText",))
    assert edit.at - refused.at >= 2.0  # not before Telegram allows it
    assert len(answers_shown(stub, 3)) == 1


async def test_an_outage_of_the_bot_api_loses_no_question_and_doubles_none(
    answerer: Answerer, stub: BotApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with serving(answerer, stub, request_timeout_s=TIMEOUT_S):
        await stub.push_message(4, "/help")
        await stub.wait_for(lambda calls: bool(stub.shown(4)))
        stub.outage(Fault(status=500), seconds=3)  # getUpdates, sends and edits all fail for a while
        for chat in (5, 6, 7):
            await stub.push_message(chat, QUESTION)
        await stub.wait_for(lambda calls: all(shows_answer(stub, c) for c in (5, 6, 7)), timeout=60)
        await asyncio.sleep(0.5)

    assert len(stub.faulted) >= 3
    for chat in (5, 6, 7):
        assert len(answers_shown(stub, chat)) == 1, stub.shown(chat)
    assert "retrying" in caplog.text and TOKEN.split(":")[1] not in caplog.text  # logged, token redacted


async def test_an_outage_longer_than_retry_for_s_is_logged_and_the_bot_answers_afterwards(
    answerer: Answerer, stub: BotApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(answerer, stub, request_timeout_s=TIMEOUT_S, retry_for_s=0.5):
        stub.outage(Fault(status=500), seconds=4, methods=("sendMessage", "editMessageText"))
        await stub.push_message(8, QUESTION)
        await stub.wait_for(lambda calls: "a reply is lost" in caplog.text, timeout=30)
        await asyncio.sleep(4)  # the outage ends
        await stub.push_message(8, "How many people were arrested?")
        await stub.wait_for(lambda calls: shows_answer(stub, 8, "2,000"), timeout=60)

    assert stub.shown(8) == answers_shown(stub, 8, "2,000")  # the lost answer never came late


# ---- the token and the address -----------------------------------------------------------------------


def _environment(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    return {
        **base,
        "PYTHONPATH": str(REPO),
        "KABAR_GENERATION__BACKEND": "extractive",
        "KABAR_TELEGRAM__TOKEN": TOKEN,
        "KABAR_STORE__PATH": str(tmp_path / "store"),
        **env,
    }


def _telegram_process(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.interfaces.cli", "telegram"],
        cwd=tmp_path,
        env=_environment(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_bot_process_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with BotApiStub.in_thread(TOKEN) as stub:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.interfaces.cli", "telegram"],
            cwd=tmp_path,
            env=_environment(tmp_path, {"KABAR_TELEGRAM__BASE_URL": stub.base_url}),
            stderr=subprocess.PIPE,
            text=True,
        )
        assert bot.stderr is not None
        try:
            for line in bot.stderr:  # the model and the store load first
                if "Kabar is serving" in line:
                    break
            stub.call(stub.push_message(9, "How many people were arrested?"))
            stub.call(stub.wait_for(lambda calls: bool(stub.sent(9, ("editMessageText",))), timeout=60))
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(30) == 0
        finally:
            bot.kill()
    # An empty store: the answer says the articles do not tell, in the question's language.
    [answer] = stub.shown(9)
    assert "article" in answer.lower()


def test_a_token_revoked_while_polling_stops_the_bot_with_exit_2(tmp_path: Path) -> None:
    with BotApiStub.in_thread(TOKEN) as stub:
        stub.inject("getUpdates", Fault(status=401), times=1)
        result = _telegram_process(tmp_path, {"KABAR_TELEGRAM__BASE_URL": stub.base_url})

    assert result.returncode == 2, result.stderr
    assert "Telegram rejected KABAR_TELEGRAM__TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_an_address_answering_a_page_that_echoes_the_path_is_one_line_without_the_token(
    tmp_path: Path,
) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1><p>upstream failed for {path}</p></body></html>"
    with BotApiStub.in_thread(TOKEN) as stub:
        stub.inject("getMe", Fault(status=502, page=page), times=10)
        result = _telegram_process(tmp_path, {"KABAR_TELEGRAM__BASE_URL": stub.base_url})

    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "Bot API" in errors[0]
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _telegram_process(tmp_path, {"KABAR_TELEGRAM__BASE_URL": f"http://127.0.0.1:{port}/bot"})

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"127.0.0.1:{port}" in error and "Bot API" in error
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


# ---- the answering backend fails ---------------------------------------------------------------------


class ChatServer:
    """A real OpenAI-compatible server on 127.0.0.1 that can be stopped in the middle of a request and
    started again on the same port. Every request gets the same reply."""

    reply = "Menurut artikel [1], Chevron mengoperasikan ladang minyak Tengiz."

    def __init__(self) -> None:
        self.port = 0
        self.requests = 0
        self.hang = False  # hold requests until the server is stopped: it goes away mid-answer
        self.word_delay_s = 0.0  # between streamed words: a model writing at its own pace
        self.request_seen = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every open connection, as a crashed server does."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                request = json.loads(await reader.readexactly(length))
                self.requests += 1
                self.request_seen.set()
                if self.hang:
                    await asyncio.sleep(60)  # stopped meanwhile
                if request.get("stream"):  # server-sent events, a word at a time
                    kind = "text/event-stream"
                    words = [f"{w} " for w in self.reply.split()]
                    deltas = [{"choices": [{"delta": {"content": w}}]} for w in words]
                    events = [f"data: {json.dumps(d)}\n\n" for d in deltas]
                    events.append("data: [DONE]\n\n")
                else:
                    kind = "application/json"
                    reply = {"role": "assistant", "content": self.reply}
                    events = [json.dumps({"choices": [{"message": reply}]})]
                length = sum(len(e.encode()) for e in events)
                head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n\r\n"
                writer.write(head.encode())
                for event in events:
                    writer.write(event.encode())
                    await writer.drain()
                    await asyncio.sleep(self.word_delay_s)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._open.discard(writer)


async def test_the_openai_server_going_away_mid_answer_still_gets_the_user_a_reply(
    seed_store: Store, stub: BotApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    server = ChatServer()
    await server.start()
    answerer = extractive_answerer(
        seed_store, backend="openai", openai_base_url=server.base_url, timeout_s=20
    )
    question = "Perusahaan apa yang mengoperasikan ladang minyak Tengiz?"
    async with serving(answerer, stub):
        server.hang = True
        await stub.push_message(10, question)
        await server.request_seen.wait()
        await server.stop()  # mid-answer: the request is in, no reply will come
        await stub.wait_for(lambda calls: bool(stub.sent(10, ("editMessageText",))), timeout=60)

        server.hang, server.request_seen = False, asyncio.Event()
        await server.start()  # back on the same port
        await stub.push_message(10, question)
        await stub.wait_for(lambda calls: len(stub.sent(10, ("editMessageText",))) == 2, timeout=60)
    await server.stop()

    # The answering core falls back to the articles' own sentence when the model fails: the user gets an
    # apology and what the articles say, in their language, with its source, and no placeholder is left.
    fallback, answer = stub.shown(10)
    assert "generation failed" in caplog.text
    assert parse_telegram_html(fallback).startswith("Maaf, model bahasa sedang tidak dapat dihubungi")
    assert "Sumber" in parse_telegram_html(fallback) and "Tengiz" in fallback
    assert "Maaf" not in parse_telegram_html(answer)
    assert server.requests >= 2  # the model was asked again once it was back
    assert "Sumber" in parse_telegram_html(answer)


async def test_a_model_error_gets_an_apology_in_the_users_language_and_the_next_question_works(
    seed_store: Store, stub: BotApiStub
) -> None:
    class Crashing:
        """The embedded model failing the way no backend error is expected to (a crash inside llama.cpp):
        the one fault here that cannot be caused for real."""

        name = "embedded"
        crashes = 2

        def generate(self, messages: Any, **options: Any) -> str:
            if self.crashes:
                self.crashes -= 1
                raise RuntimeError("llama_decode returned -1")
            return ChatServer.reply

        def stream(self, messages: Any, **options: Any) -> Iterator[str]:
            yield self.generate(messages, **options)

    answerer = extractive_answerer(seed_store)
    answerer.backend = Crashing()  # type: ignore[assignment]
    question = "Perusahaan apa yang mengoperasikan ladang minyak Tengiz?"
    async with serving(answerer, stub):
        await stub.push_message(11, question)
        await stub.push_message(12, "Which company operates the Tengiz oil field?")
        await stub.wait_for(lambda calls: bool(stub.sent(11, ("editMessageText",))), timeout=60)
        await stub.wait_for(lambda calls: bool(stub.sent(12, ("editMessageText",))), timeout=60)
        await stub.push_message(11, question)
        await stub.wait_for(lambda calls: len(stub.sent(11, ("editMessageText",))) == 2, timeout=60)

    assert stub.shown(11)[0] == "Maaf, terjadi kesalahan saat menjawab. Silakan coba lagi sebentar lagi."
    assert stub.shown(12) == ["Sorry, something went wrong while answering. Please try again in a moment."]
    assert "Sumber" in parse_telegram_html(stub.shown(11)[1])


async def test_the_models_draft_grows_in_the_working_message_then_the_answer_replaces_it(
    seed_store: Store, stub: BotApiStub
) -> None:
    server = ChatServer()
    server.word_delay_s = 0.6  # about 5 s for the reply: several drafts
    await server.start()
    answerer = extractive_answerer(seed_store, backend="openai", openai_base_url=server.base_url)
    async with serving(answerer, stub):
        stub.inject("editMessageText", Fault(status=500), times=1)  # one draft is lost on the way
        await stub.push_message(30, "Perusahaan apa yang mengoperasikan ladang minyak Tengiz?")
        await stub.wait_for(lambda calls: shows(stub, 30, "Sumber"), timeout=60)
    await server.stop()

    edits = [c for c in stub.sent(30, ("editMessageText",))]
    drafts = [c for c in edits if c.text.endswith("▌")]
    assert len(drafts) >= 2 and "Chevron" in drafts[-1].text  # the reply grew as the model wrote it
    assert all(b.at - a.at >= 0.9 for a, b in itertools.pairwise(edits))  # at most one edit a second
    assert not edits[-1].text.endswith("▌") and "Sumber" in parse_telegram_html(edits[-1].text)
    assert len(stub.sent(30)) == 1  # one message, edited: nothing sent twice
