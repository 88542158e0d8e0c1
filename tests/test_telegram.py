"""The Telegram bot end to end: the real `Application`, long polling a local Bot API stand-in, answering
with the real pipeline (extractive backend) over the seed articles.

Each test starts the bot, injects updates as a user would send them and checks what the bot sent back,
with the stand-in refusing any message Telegram itself would refuse (bad HTML, over 4,096 characters).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import aiohttp
import pytest
from botapi_stub import BOT_USER, MESSAGE_LIMIT, BotApiStub, parse_telegram_html
from telegram_harness import (
    TOKEN,
    Recorder,
    answered,
    final_answer,
    replies,
    said,
    serving,
)

from bot.answer import Answerer
from bot.interfaces.conversation import Conversations, RateLimiter
from bot.interfaces.telegram import KabarBot, build_application, webhook_options
from bot.schema import Answer, Language, Turn
from bot.settings import ConfigError, TelegramSettings, load_settings
from index.store import Store

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.anyio


# ---- answering ---------------------------------------------------------------------------------------


async def test_questions_in_indonesian_and_english_get_cited_answers_in_their_language(
    answerer: Answerer, stub: BotApiStub
) -> None:
    async with serving(answerer, stub):
        await stub.push_message(1, "Berapa orang yang ditangkap?")
        await stub.push_message(2, "How many people were arrested?")
        await stub.wait_for(lambda calls: answered(1)(calls) and answered(2)(calls), timeout=60)

    indonesian, english = replies(stub, 1), replies(stub, 2)
    # The user first sees that the bot is working, in their language, then that message becomes the answer.
    assert indonesian[0].method == "sendMessage" and "Sedang mencari" in indonesian[0].text
    assert english[0].method == "sendMessage" and "Looking for the answer" in english[0].text
    assert stub.sent(1, ("sendChatAction",))[0].params["action"] == "typing"
    for chat, sources_label in ((1, "Sumber"), (2, "Sources")):
        html = final_answer(stub, chat)
        visible = parse_telegram_html(html)
        assert "2.000 orang ditangkap" in visible and "[1]" in visible
        assert f"<b>{sources_label}</b>" in html
        assert "\n[1] <b>Rusia kirim pasukan" in html and "</blockquote>" in html  # a source with its quote
    assert "More than 2,000 people were arrested [1]" in parse_telegram_html(final_answer(stub, 2))
    assert not stub.rejected


async def test_officers_killed_question_shows_both_reported_figures_in_both_languages(
    answerer: Answerer, stub: BotApiStub
) -> None:
    async with serving(answerer, stub):
        await stub.push_message(3, "Berapa anggota pasukan keamanan yang tewas?")
        await stub.push_message(4, "How many security officers were killed?")
        await stub.wait_for(lambda calls: answered(3)(calls) and answered(4)(calls), timeout=60)

    for chat, heading in ((3, "⚠️ Laporan berbeda"), (4, "⚠️ Reports differ")):
        html = final_answer(stub, chat)
        visible = parse_telegram_html(html)
        block = visible[visible.index(heading) :]
        assert "18" in block and "13" in block, visible
        assert visible.count(heading.removeprefix("⚠️ ")) == 1  # stated once, not repeated in the text
        print(f"\n--- chat {chat} ---\n{html}")  # the exact HTML, for the report (pytest -s)


async def test_follow_up_is_answered_with_the_previous_turn_and_reset_forgets_it(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer)
    async with serving(recorder, stub):
        await stub.push_message(5, "Berapa orang yang ditangkap?")
        await stub.wait_for(answered(5))
        await stub.push_message(5, "Dan berapa yang terluka?")
        await stub.wait_for(answered(5, 2))
        await stub.push_message(5, "/reset")
        await stub.wait_for(said(5, "Percakapan dilupakan"))
        await stub.push_message(5, "Berapa yang terluka?")
        await stub.wait_for(answered(5, 3))

    (_, first_history, _), (_, follow_up_history, _), (_, after_reset, _) = recorder.calls
    assert first_history == ()
    assert [t.question for t in follow_up_history] == ["Berapa orang yang ditangkap?"]
    assert "2.000" in follow_up_history[0].answer
    assert after_reset == ()
    # The follow-up found the injured figures although its own words name nothing but "terluka".
    follow_up = parse_telegram_html(stub.sent(5, ("editMessageText",))[1].text)
    assert "terluka" in follow_up and ("1.000" in follow_up or "750" in follow_up)


async def test_lang_command_sets_the_answer_language_for_the_chat(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer)
    async with serving(recorder, stub):
        await stub.push_message(6, "/lang en")
        await stub.wait_for(said(6, "Answer language: English"))
        await stub.push_message(6, "/lang klingon")
        await stub.wait_for(said(6, "/lang en or /lang auto"))
        await stub.push_message(6, "Berapa orang yang ditangkap?")
        await stub.wait_for(answered(6))

    assert recorder.calls[0][2] == "en"
    visible = parse_telegram_html(final_answer(stub, 6))
    assert visible.startswith("More than 2,000 people were arrested") and "Sources" in visible


async def test_a_long_answer_arrives_as_several_valid_messages_in_order(
    answerer: Answerer, stub: BotApiStub
) -> None:
    class Verbose:
        """The real answer with its text repeated: longer than one Telegram message can hold."""

        detector = answerer.detector

        def answer(
            self,
            question: str,
            history: Sequence[Turn] = (),
            language: Language | None = None,
            on_draft: Callable[[str], None] | None = None,
        ) -> Answer:
            real = answerer.answer(question, history, language)
            text = "\n\n".join(f"{i}. {real.text}" for i in range(60))
            return real.model_copy(update={"text": text})

    async with serving(Verbose(), stub):
        await stub.push_message(7, "Perusahaan apa yang mengoperasikan ladang minyak Tengiz?")
        await stub.wait_for(lambda calls: said(7, "Sumber")(calls) and answered(7)(calls))

    parts = [c.text for c in replies(stub, 7)[1:]]  # after the working message: the edit, then the rest
    assert len(parts) >= 2 and [c.method for c in replies(stub, 7)[1:2]] == ["editMessageText"]
    visible = [parse_telegram_html(p) for p in parts]
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert visible[0].startswith("0. Menurut artikel")
    numbers = [int(line.split(".")[0]) for v in visible for line in v.split("\n\n") if line[:1].isdigit()]
    assert numbers == list(range(60))  # every paragraph once, in order, none cut
    assert "Sumber" in visible[-1] and not stub.rejected


# ---- commands and refusals ---------------------------------------------------------------------------


async def test_help_and_sources_commands(answerer: Answerer, stub: BotApiStub, seed_store: Store) -> None:
    async with serving(answerer, stub, seed_store.sources):
        await stub.push_message(8, "/start")
        await stub.push_message(9, "/sources", language_code="en")
        await stub.wait_for(lambda calls: len(stub.sent(8)) >= 1 and len(stub.sent(9)) >= 1)

    help_text = parse_telegram_html(stub.sent(8)[0].text)
    assert "Tanyakan langsung" in help_text and "Just ask" in help_text and "/lang id|en|auto" in help_text
    listing = parse_telegram_html(stub.sent(9)[0].text + "\n" + "".join(c.text for c in stub.sent(9)[1:]))
    assert listing.startswith("Articles I know (3)")
    for article_id in ("000_e9a991ac1f076a93", "001_154a6a091910b3c3", "003_c1c99dbedbe017a5"):
        assert article_id in listing
    assert "Reuters (terjemahan)" in listing
    commands = stub.sent(methods=("setMyCommands",))[0].params["commands"]
    assert {c["command"] for c in commands} == {"ask", "sources", "stories", "lang", "reset", "help"}


async def test_stories_command_lists_each_story_with_its_articles(
    answerer: Answerer, stub: BotApiStub, seed_store: Store
) -> None:
    async with serving(answerer, stub, seed_store.sources, seed_store.stories):
        await stub.push_message(9, "/stories", language_code="en")
        await stub.wait_for(lambda calls: len(stub.sent(9)) >= 1)

    listing = parse_telegram_html("".join(c.text for c in stub.sent(9)))
    # The three seed articles report one event: they are grouped into one story without any metadata.
    assert listing.startswith("Stories I follow (1)")
    assert "(3 articles)" in listing
    for article_id in ("000_e9a991ac1f076a93", "001_154a6a091910b3c3", "003_c1c99dbedbe017a5"):
        assert article_id in listing


async def test_chat_outside_the_allow_list_is_refused_and_never_answered(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer)
    async with serving(recorder, stub, allowed_chat_ids=[10]):
        await stub.push_message(11, "Berapa orang yang ditangkap?")
        await stub.push_message(10, "/help")
        await stub.wait_for(lambda calls: len(stub.sent(11)) >= 1 and len(stub.sent(10)) >= 1)
        await asyncio.sleep(0.3)  # time enough for a wrongly accepted question to reach the answerer

    assert [c.text for c in stub.sent(11)] == ["Maaf, bot ini tidak melayani obrolan ini."]
    assert recorder.calls == []
    assert "Kabar" in stub.sent(10)[0].text


async def test_rate_limit_answers_politely_and_does_not_answer(answerer: Answerer, stub: BotApiStub) -> None:
    recorder = Recorder(answerer)
    async with serving(recorder, stub, rate_limit_per_minute=1):
        await stub.push_message(12, "Berapa orang yang ditangkap?")
        await stub.push_message(12, "How many people were injured?")
        await stub.wait_for(lambda calls: answered(12)(calls) and said(12, "try again in")(calls))

    [refusal] = [c.text for c in stub.sent(12) if "try again" in c.text]
    assert refusal.startswith("Easy 🙂 you have asked 1 questions in a minute")
    assert [q for q, _, _ in recorder.calls] == ["Berapa orang yang ditangkap?"]


async def test_stickers_and_photos_get_the_text_only_reply(answerer: Answerer, stub: BotApiStub) -> None:
    sticker = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512}
    photo = [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]
    async with serving(answerer, stub):
        await stub.push_message(13, sticker={**sticker, "is_animated": False, "is_video": False})
        await stub.push_message(14, photo=photo, language_code="en")
        await stub.push_message(-100, photo=photo, chat_type="supergroup", user_id=15)  # a group: stay quiet
        await stub.push_message(-100, "/help", chat_type="supergroup", user_id=15)
        await stub.wait_for(lambda calls: all(stub.sent(chat) for chat in (13, 14, -100)))

    assert (
        stub.sent(13)[0].text
        == "Maaf, saya hanya membaca pertanyaan berupa teks. Silakan ketik pertanyaan Anda."
    )
    assert stub.sent(14)[0].text == "Sorry, I only read text questions. Please type your question."
    [group_reply] = stub.sent(-100)  # the help, not a reply to the photo
    assert group_reply.text.startswith("👋 Halo!")


async def test_too_long_question_is_refused_politely(answerer: Answerer, stub: BotApiStub) -> None:
    recorder = Recorder(answerer)
    async with serving(recorder, stub, max_question_chars=100):
        await stub.push_message(16, "Berapa orang yang ditangkap di Almaty " + "dan di kota lain " * 10 + "?")
        await stub.wait_for(lambda calls: bool(stub.sent(16)))

    assert "terlalu panjang" in stub.sent(16)[0].text and "paling banyak 100" in stub.sent(16)[0].text
    assert recorder.calls == []


async def test_in_a_group_the_bot_answers_only_when_mentioned_or_asked(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer)
    group = {"chat_type": "supergroup", "user_id": 17}
    mention = f"@{BOT_USER['username']}"
    async with serving(recorder, stub):
        chatter = "Berapa orang yang ditangkap?"  # people talking among themselves: not for the bot
        await stub.push_message(-200, chatter, **group)
        await stub.push_message(
            -200,
            f"{mention} Berapa orang yang ditangkap?",
            entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
            **group,
        )
        await stub.wait_for(answered(-200))
        await stub.push_message(-200, f"/ask{mention} How many people were arrested?", **group)
        await stub.wait_for(answered(-200, 2))
        await stub.push_message(-200, "/ask", **group)
        await stub.wait_for(said(-200, "Tulis pertanyaannya setelah perintah, misalnya: /ask"))
        bot_message = {
            "message_id": 1,
            "date": 0,
            "chat": {"id": -200, "type": "supergroup"},
            "from": BOT_USER,
        }
        await stub.push_message(
            -200, "Dan berapa yang terluka?", reply_to={**bot_message, "text": "…"}, **group
        )
        await stub.wait_for(answered(-200, 3))

    questions = [q for q, _, _ in recorder.calls]
    assert questions == [
        "Berapa orang yang ditangkap?",
        "How many people were arrested?",
        "Dan berapa yang terluka?",
    ]
    assert all("2.000" in parse_telegram_html(c.text) for c in stub.sent(-200, ("editMessageText",))[:2])


# ---- staying up --------------------------------------------------------------------------------------


async def test_other_chats_are_served_while_a_question_is_answered_and_questions_queue(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer, gate=threading.Event())
    async with serving(recorder, stub):
        await stub.push_message(18, "Berapa orang yang ditangkap?")
        await stub.push_message(19, "How many people were arrested?")
        await stub.wait_for(lambda calls: bool(stub.sent(18, ("sendChatAction",))))
        await stub.push_message(20, "/help")
        await stub.wait_for(lambda calls: bool(stub.sent(20)))
        # /help was answered while both questions were still waiting for the model.
        assert not stub.sent(methods=("editMessageText",))
        recorder.gate.set()  # type: ignore[union-attr]
        await stub.wait_for(lambda calls: answered(18)(calls) and answered(19)(calls), timeout=60)

    assert recorder.most_at_once == 1  # the model never ran twice at once
    assert len(recorder.calls) == 2  # each question answered once


async def test_a_failure_while_answering_gets_an_apology_and_the_bot_keeps_running(
    answerer: Answerer, stub: BotApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky:
        """The real answerer, except that the first question hits a fault (a store gone away)."""

        detector = answerer.detector
        failed = False

        def answer(
            self,
            question: str,
            history: Sequence[Turn] = (),
            language: Language | None = None,
            on_draft: Callable[[str], None] | None = None,
        ) -> Answer:
            if not self.failed:
                self.failed = True
                raise RuntimeError("store unavailable")
            return answerer.answer(question, history, language)

    async with serving(Flaky(), stub):
        await stub.push_message(21, "Berapa orang yang ditangkap?")
        await stub.wait_for(answered(21))
        await stub.push_message(21, "Berapa orang yang ditangkap?")
        await stub.wait_for(answered(21, 2))

    apology, answer = (c.text for c in stub.sent(21, ("editMessageText",)))
    assert apology == "Maaf, terjadi kesalahan saat menjawab. Silakan coba lagi sebentar lagi."
    assert "2.000" in answer
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.exc_info and "store unavailable" in str(failure.exc_info[1])


async def test_the_token_never_appears_in_logs(
    answerer: Answerer, stub: BotApiStub, seed_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with serving(answerer, stub, seed_store.sources):
        await stub.push_message(22, "Berapa orang yang ditangkap?")
        await stub.push_message(22, "/sources")
        await stub.wait_for(
            lambda calls: answered(22)(calls) and said(22, "Artikel yang saya ketahui")(calls)
        )

    assert len(caplog.records) > 20  # the bot did log, at every level
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "getUpdates" in logged and "Set Bot API URL" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


async def test_webhook_mode_checks_telegrams_secret_and_answers(answerer: Answerer, stub: BotApiStub) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = TelegramSettings(
        token=TOKEN,
        base_url=stub.base_url,
        webhook_url=f"http://127.0.0.1:{port}/kabar/hook",
        webhook_port=port,
        webhook_secret_token="s3cret-header",
    )
    kabar = KabarBot(answerer, lambda: [], options, answerer.detector.detect)
    app = build_application(options, kabar)
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 23, "type": "private"},
            "from": {"id": 23, "is_bot": False, "first_name": "Reader"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with app:
        await app.updater.start_webhook(**webhook_options(options))  # type: ignore[union-attr]
        await app.start()
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/kabar/hook"
            forged = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            genuine = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-header"}
            )
        await stub.wait_for(lambda calls: bool(stub.sent(23)))
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()

    assert forged.status == 403 and genuine.status == 200
    assert stub.webhook and stub.webhook["url"] == f"http://127.0.0.1:{port}/kabar/hook"
    assert stub.webhook["secret_token"] == "s3cret-header"
    assert len(stub.sent(23)) == 1 and "Kabar" in stub.sent(23)[0].text


# ---- the command ---------------------------------------------------------------------------------------


def _telegram_process(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.interfaces.telegram"],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(REPO), "KABAR_GENERATION__BACKEND": "extractive", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_token_stops_with_a_clear_error(tmp_path: Path) -> None:
    result = _telegram_process(tmp_path, {})
    assert result.returncode == 2
    assert "KABAR_TELEGRAM__TOKEN is not set" in result.stderr and "BotFather" in result.stderr


def test_rejected_token_stops_with_exit_2_and_is_not_printed(tmp_path: Path) -> None:
    with BotApiStub.in_thread("111:the-right-token") as stub:
        result = _telegram_process(
            tmp_path,
            {
                "KABAR_TELEGRAM__TOKEN": TOKEN,
                "KABAR_TELEGRAM__BASE_URL": stub.base_url,
                "KABAR_STORE__PATH": str(tmp_path / "store"),
            },
        )
    assert result.returncode == 2, result.stderr
    assert "Telegram rejected KABAR_TELEGRAM__TOKEN" in result.stderr
    assert "ALLOWED_CHAT_IDS is empty" in result.stderr  # the start-up warning
    assert TOKEN not in result.stderr + result.stdout
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


# ---- memory and rate limit, without Telegram ---------------------------------------------------------


def test_conversation_keeps_the_last_turns_per_chat() -> None:
    conversations = Conversations(max_turns=2)
    for n in range(3):
        conversations.remember("a", f"q{n}", f"a{n}")
    conversations.remember("b", "other", "chat")
    assert [t.question for t in conversations.history("a")] == ["q1", "q2"]
    assert [t.question for t in conversations.history("b")] == ["other"]
    conversations.set_language("a", "en")
    conversations.reset("a")
    assert conversations.history("a") == () and conversations.get("a").forced_language == "en"


def test_rate_limit_is_a_sliding_minute_per_user() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.allow("u") and limiter.allow("u") and not limiter.allow("u")
    assert limiter.allow("someone else")
    now[0] = 30.0
    assert not limiter.allow("u") and limiter.retry_after("u") == pytest.approx(30.0)
    now[0] = 60.0
    assert limiter.allow("u")
    assert RateLimiter(per_minute=0).allow("u")


@pytest.mark.parametrize("value", ["[42, -1001234]", "42,-1001234", "42 -1001234"])
def test_allowed_chat_ids_read_from_the_environment_as_json_or_a_plain_list(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KABAR_TELEGRAM__ALLOWED_CHAT_IDS", value)
    monkeypatch.setenv("KABAR_TELEGRAM__RATE_LIMIT_PER_MINUTE", "3")
    telegram = load_settings(None).telegram
    assert telegram.allowed_chat_ids == [42, -1001234] and telegram.rate_limit_per_minute == 3


def test_a_bad_chat_id_is_a_config_error_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KABAR_TELEGRAM__ALLOWED_CHAT_IDS", "42,newsroom")
    with pytest.raises(ConfigError, match="KABAR_TELEGRAM__ALLOWED_CHAT_IDS"):
        load_settings(None)
