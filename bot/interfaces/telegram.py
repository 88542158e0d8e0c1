"""Kabar on Telegram: questions in, cited answers out, on python-telegram-bot's `Application`.

Run it with `kabar telegram` and `KABAR_TELEGRAM__TOKEN` in `.env` (a token from @BotFather). It long
polls by default; with `KABAR_TELEGRAM__WEBHOOK_URL` set it serves a webhook instead. Handlers stay thin:
they turn an update into a call to the answerer and render the `Answer` it returns; the memory, the rate
limit and the wording live in `bot/interfaces/conversation.py` and `bot/render*.py`.

The answerer is CPU-bound and blocking, so it runs on one worker thread: questions queue for their turn
(at most `max_queued` of them; more get a "busy" reply) and the model never runs twice at once, while the
event loop keeps serving other chats' commands. Replies survive a failing Bot API (see
`bot/interfaces/telegram_delivery.py`); a token Telegram rejects stops the bot with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import BotCommand, Message, MessageEntity, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.interfaces.conversation import LANGUAGE_CHOICES, Answering, Conversations, RateLimiter
from bot.interfaces.redaction import keep_out_of_logs, redact
from bot.interfaces.telegram_delivery import NO_PREVIEW, Drafts, EditPacer, Reply, with_retries
from bot.render.layout import HELP, ArticleInfo, StoryListing, message
from bot.render.telegram_html import escape, render_answer, render_sources, render_stories
from bot.schema import Language
from bot.settings import TelegramSettings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

DRAFT_CHARS = 3500  # a draft is one message (Telegram's limit is 4,096); the finished answer is split
TYPING_EVERY_S = 4.0  # Telegram shows "typing…" for about 5 seconds per sendChatAction
COMMANDS = [
    BotCommand("ask", "Tanya / ask a question"),
    BotCommand("sources", "Artikel yang diindeks / indexed articles"),
    BotCommand("stories", "Cerita dan artikelnya / stories and their articles"),
    BotCommand("lang", "Bahasa jawaban: id, en, auto / answer language"),
    BotCommand("reset", "Lupakan percakapan / forget the conversation"),
    BotCommand("help", "Bantuan / help"),
]


def user_language(update: Update) -> Language:
    """The language of the user's Telegram client, for replies that have no question to detect from."""
    code = (update.effective_user.language_code or "") if update.effective_user else ""
    return "en" if code.lower().startswith("en") else "id"


class KabarBot:
    """The bot's handlers and the state they share (conversations, rate limit, the answering worker)."""

    def __init__(
        self,
        answerer: Answering,
        sources: Callable[[], Sequence[ArticleInfo]],
        settings: TelegramSettings,
        detect_language: Callable[[str], Language],
        stories: Callable[[], Sequence[StoryListing]] = list,
    ) -> None:
        self.answerer = answerer
        self.list_sources = sources
        self.list_stories = stories
        self.settings = settings
        self.detect_language = detect_language
        self.allowed = set(settings.allowed_chat_ids)
        self.conversations = Conversations(max_turns=settings.history_turns)
        self.rate = RateLimiter(settings.rate_limit_per_minute)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kabar-answer")
        self.pacer = EditPacer()
        self.queued = 0  # questions accepted and not yet answered, in every chat
        self._turn = asyncio.Lock()  # first come, first answered; a follow-up waits for the turn before it

    def _language(self, chat_id: int, update: Update, question: str | None = None) -> Language:
        chosen = self.conversations.get(chat_id).forced_language
        if chosen:
            return chosen
        return self.detect_language(question) if question else user_language(update)

    # ---- handlers ---------------------------------------------------------------------------------

    async def guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop updates from chats outside the allow-list (runs before every other handler)."""
        chat = update.effective_chat
        if not self.allowed or chat is None or chat.id in self.allowed:
            return
        log.info("refused an update from chat %s (not in KABAR_TELEGRAM__ALLOWED_CHAT_IDS)", chat.id)
        msg = update.effective_message
        # Say so in a private chat or to a command; in a group, stay quiet rather than answer every message.
        if msg and (chat.type == ChatType.PRIVATE or (msg.text or "").startswith("/")):
            await self._say(msg, message("not_allowed", user_language(update)))
        raise ApplicationHandlerStop

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and /help: what the bot knows and how to ask, in both languages."""
        if update.effective_message:
            await self._say(update.effective_message, HELP["telegram"], html=True)

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources: the indexed articles."""
        await self._listing(update, lambda language: render_sources(self.list_sources(), language))

    async def stories(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stories: the stories the bot follows, each with its articles."""
        await self._listing(update, lambda language: render_stories(self.list_stories(), language))

    async def _listing(self, update: Update, render: Callable[[Language], list[str]]) -> None:
        """Reply with what `render` lists (read off the event loop: it reads the store)."""
        chat, msg = update.effective_chat, update.effective_message
        if chat is None or msg is None:
            return
        for part in await asyncio.to_thread(render, self._language(chat.id, update)):
            await self._say(msg, part, html=True)

    async def lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/lang id|en|auto: the answer language for this chat."""
        chat, msg = update.effective_chat, update.effective_message
        if chat is None or msg is None:
            return
        choice = (context.args or [""])[0].lower()
        if choice not in LANGUAGE_CHOICES:
            await self._say(msg, message("lang_usage", self._language(chat.id, update)))
            return
        self.conversations.set_language(chat.id, choice)  # type: ignore[arg-type]
        key = "lang_auto" if choice == "auto" else "lang_set"
        await self._say(msg, message(key, self._language(chat.id, update)))

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reset: forget this chat's conversation."""
        chat, msg = update.effective_chat, update.effective_message
        if chat is None or msg is None:
            return
        self.conversations.reset(chat.id)
        await self._say(msg, message("reset", self._language(chat.id, update)))

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask QUESTION: a question, the way to ask in a group without mentioning the bot."""
        chat, msg = update.effective_chat, update.effective_message
        if chat is None or msg is None:
            return
        await self._answer(update, " ".join(context.args or []))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message: a question in a private chat; in a group only when it addresses the bot."""
        chat, msg = update.effective_chat, update.effective_message
        if chat is None or msg is None or not msg.text:
            return
        question = msg.text
        if chat.type != ChatType.PRIVATE:
            addressed = _without_mention(msg, context.bot.username, context.bot.id)
            if addressed is None:
                return
            question = addressed
        await self._answer(update, question)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, files: the bot reads text only."""
        chat, msg = update.effective_chat, update.effective_message
        if chat and msg:
            await self._say(msg, message("text_only", self._language(chat.id, update)))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what a handler raised; the application keeps running."""
        log.error("error while handling an update", exc_info=context.error)

    async def _say(self, msg: Message, text: str, html: bool = False) -> None:
        """Reply to `msg` with a short text, retried while the Bot API fails (a timed-out try may have
        arrived, so a command's reply can rarely show twice; answers never do, see `Reply`)."""
        retry_for_s = self.settings.retry_for_s
        if html:
            await with_retries(lambda: msg.reply_html(text, link_preview_options=NO_PREVIEW), retry_for_s)
        else:
            await with_retries(lambda: msg.reply_text(text), retry_for_s)

    # ---- answering --------------------------------------------------------------------------------

    async def _answer(self, update: Update, question: str) -> None:
        chat, msg, user = update.effective_chat, update.effective_message, update.effective_user
        assert chat is not None and msg is not None
        question = question.strip()
        if not question:  # "@kabar" alone, or "/ask" with nothing after it
            await self._say(msg, message("empty_ask", self._language(chat.id, update)))
            return
        language = self._language(chat.id, update, question)
        limit = self.settings.max_question_chars
        if len(question) > limit:
            await self._say(msg, message("too_long", language, length=len(question), limit=limit))
            return
        if self.queued >= self.settings.max_queued:  # refused before the rate limit counts it
            log.warning("%d questions queued: chat %s is told to try later", self.queued, chat.id)
            await self._say(msg, message("busy", language))
            return
        rate_key = user.id if user else chat.id
        if not self.rate.allow(rate_key):
            wait = max(1, round(self.rate.retry_after(rate_key)))
            await self._say(msg, message("rate_limited", language, limit=self.rate.per_minute, wait=wait))
            return

        # Say plainly that the bot is working, grow that message with the model's draft as it is written,
        # then edit in the finished answer, whose citations are checked.
        reply = Reply(msg.get_bot(), chat.id, self.pacer, self.settings.retry_for_s, msg.reply_text)
        self.queued += 1
        try:
            await reply.start(message("working", language))
            parts = await self._answered(chat.id, question, language, chat.send_action, reply)
        finally:
            self.queued -= 1
        await reply.finish(parts)

    async def _answered(
        self,
        chat_id: int,
        question: str,
        language: Language,
        send_action: Callable[..., Any],
        reply: Reply,
    ) -> list[str]:
        """The answer to `question` as Telegram HTML messages, or an apology if answering fails; the
        model's drafts are shown in `reply` meanwhile."""
        loop = asyncio.get_running_loop()
        queued_at = loop.time()
        try:
            async with self._turn:
                started_at = loop.time()
                typing = asyncio.create_task(_keep_typing(send_action))
                drafts = Drafts(reply, _draft_html)
                try:
                    history = self.conversations.history(chat_id)
                    forced = self.conversations.get(chat_id).forced_language
                    answer = await loop.run_in_executor(
                        self.executor,
                        lambda: self.answerer.answer(question, history, forced, on_draft=drafts.offer),
                    )
                finally:
                    typing.cancel()
                    await drafts.close()
                self.conversations.remember(chat_id, question, answer.text)
            waited, took = started_at - queued_at, loop.time() - started_at
            log.info("chat %s: answered in %.2f s after %.2f s in the queue", chat_id, took, waited)
            return render_answer(answer)
        except Exception:
            log.exception("answering failed for chat %s", chat_id)
            return [escape(message("failed", language))]

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _draft_html(draft: str) -> str:
    """An unfinished answer as Telegram shows it: plain text (its markers unchecked), a cursor after."""
    return escape(draft[:DRAFT_CHARS]) + " ▌"


async def _keep_typing(send_action: Callable[..., Any]) -> None:
    while True:
        try:
            await send_action(ChatAction.TYPING)
        except TelegramError as exc:  # a missed "typing…" is cosmetic; the answer still comes
            log.debug("sendChatAction failed: %s", exc)
        await asyncio.sleep(TYPING_EVERY_S)


def _without_mention(msg: Message, username: str, bot_id: int) -> str | None:
    """The question in a group message that mentions or replies to the bot, else None."""
    text = msg.text or ""
    for entity, value in msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and value.lstrip("@").lower() == username.lower():
            return text.replace(value, "", 1).strip()  # offsets count UTF-16 units; the value is exact
        if entity.user is not None and entity.user.id == bot_id:
            return text.strip()
    replied = msg.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text.strip()
    return None


# ---- wiring -----------------------------------------------------------------------------------------


class _TokenWatch(HTTPXRequest):
    """The Bot API connection, calling `on_rejected` whenever Telegram refuses the token (401, or 404 as
    python-telegram-bot reads it): the library then stops polling for good while the process lives on."""

    def __init__(self, on_rejected: Callable[[], None], **options: Any) -> None:
        super().__init__(**options)
        self._on_rejected = on_rejected

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):  # raised as InvalidToken
            self._on_rejected()
        return code, payload


def build_application(
    settings: TelegramSettings, kabar: KabarBot, on_rejected: Callable[[], None] = lambda: None
) -> Application:
    """The `Application` with Kabar's handlers, ready to poll or serve a webhook; `on_rejected` is called
    whenever Telegram refuses the token."""
    keep_out_of_logs(settings.token.get_secret_value())
    if not settings.allowed_chat_ids:
        log.warning("KABAR_TELEGRAM__ALLOWED_CHAT_IDS is empty: anyone who finds the bot can use it")

    async def post_init(app: Application) -> None:
        await with_retries(lambda: app.bot.set_my_commands(COMMANDS), settings.retry_for_s)

    async def post_shutdown(app: Application) -> None:
        kabar.shutdown()

    timeouts = {f"{kind}_timeout": settings.request_timeout_s for kind in ("connect", "read", "write")}
    app = (
        Application.builder()
        .token(settings.token.get_secret_value())
        .base_url(settings.base_url)
        .request(_TokenWatch(on_rejected, connection_pool_size=256, **timeouts))
        .get_updates_request(_TokenWatch(on_rejected, connection_pool_size=1, **timeouts))
        .concurrent_updates(True)  # a long answer in one chat must not hold up commands in another
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    not_text = (
        filters.PHOTO
        | filters.Sticker.ALL
        | filters.VOICE
        | filters.AUDIO
        | filters.VIDEO
        | filters.VIDEO_NOTE
        | filters.Document.ALL
    )
    app.add_handler(TypeHandler(Update, kabar.guard), group=-1)
    app.add_handlers(
        [
            CommandHandler(["start", "help"], kabar.help),
            CommandHandler("sources", kabar.sources),
            CommandHandler("stories", kabar.stories),
            CommandHandler("lang", kabar.lang),
            CommandHandler("reset", kabar.reset),
            CommandHandler("ask", kabar.ask),
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, kabar.text),
            # Only in private chats: in a group, every shared photo would get a reply.
            MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & not_text, kabar.not_text),
        ]
    )
    app.add_error_handler(kabar.on_error)
    return app


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Serve Kabar as a Telegram bot (long polling; a webhook when one is configured)."


def webhook_options(settings: TelegramSettings) -> dict[str, Any]:
    """How to serve the webhook: listen locally, under the URL's path, checking Telegram's secret header."""
    url = settings.webhook_url or ""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(url).path.lstrip("/"),
        "webhook_url": url,
        "secret_token": settings.webhook_secret_token.get_secret_value() or None,
        "allowed_updates": Update.ALL_TYPES,
    }


def has_token(settings: TelegramSettings) -> bool:
    """Whether a token is set; if not, say how to get one."""
    if settings.token.get_secret_value():
        return True
    print(
        "error: KABAR_TELEGRAM__TOKEN is not set. Create a bot with @BotFather in Telegram and put "
        "its token in .env as KABAR_TELEGRAM__TOKEN=...",
        file=sys.stderr,
    )
    return False


def run(args: argparse.Namespace, app: App) -> int:
    """Start the bot and serve until interrupted; 2 when the token is missing or rejected (then or later),
    1 when the Bot API cannot be used at start-up. Errors are one line, without the token."""
    telegram = app.settings.telegram
    if not has_token(telegram):
        return 2
    # `kabar` logs warnings only unless -v; a server should say that it started and what it refused.
    logging.getLogger("bot").setLevel(logging.INFO)
    if not logging.getLogger().isEnabledFor(logging.INFO):  # -v shows python-telegram-bot's details
        _library_records_in_one_line()
        # Until the bot serves, whatever fails at start-up reaches `run` and is told there in one line;
        # the library's own record of it would say it twice, the first time in its words.
        logging.getLogger("telegram").setLevel(logging.CRITICAL)
    answerer = app.answerer  # loads the model now, not on the first question
    kabar = KabarBot(answerer, app.store.sources, telegram, answerer.detector.detect, app.store.stories)
    try:
        rejected = asyncio.run(_serve(telegram, kabar))
    except InvalidToken:
        rejected = True
    except TelegramError as exc:  # at start-up: once running, the bot retries instead
        detail = (redact(str(exc)).splitlines() or [type(exc).__name__])[0][:200]
        print(f"error: cannot use the Telegram Bot API at {telegram.base_url}: {detail}", file=sys.stderr)
        return 1
    if rejected:
        # PTB's own message quotes the token; this one must not.
        print(
            "error: Telegram rejected KABAR_TELEGRAM__TOKEN (revoked, mistyped, or KABAR_TELEGRAM__BASE_URL "
            "is not a Bot API); check it with @BotFather.",
            file=sys.stderr,
        )
        return 2
    return 0


async def _serve(telegram: TelegramSettings, kabar: KabarBot) -> bool:
    """Serve until SIGINT or SIGTERM, or until Telegram rejects the token (then True).

    `Application.run_polling` would do, but after a rejected token mid-run its shutdown fails half-way;
    this is the same sequence, ending cleanly either way.
    """
    stop, rejected = asyncio.Event(), asyncio.Event()

    def on_rejected() -> None:
        rejected.set()
        # Not at once: the refused call is still raising, and polling must see its error before it is
        # told to stop, or asyncio reports that error as never retrieved.
        asyncio.get_running_loop().call_later(1.0, stop.set)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    application = build_application(telegram, kabar, on_rejected)
    assert application.updater is not None and application.post_init and application.post_shutdown
    async with application:  # initialize (getMe) ... shutdown
        await application.post_init(application)
        if telegram.webhook_url:
            await application.updater.start_webhook(**webhook_options(telegram))
        else:
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await application.start()
        log.info("Kabar is serving (%s)", "webhook" if telegram.webhook_url else "long polling")
        logging.getLogger("telegram").setLevel(logging.INFO)  # now a failing Bot API is worth a line
        await stop.wait()
        with contextlib.suppress(InvalidToken):  # polling ended on it: already reported
            await application.updater.stop()
        await application.stop()
    await application.post_shutdown(application)
    return rejected.is_set()


def _library_records_in_one_line() -> None:
    """python-telegram-bot logs each failed network call with a traceback and the server's whole reply:
    a failing Bot API would fill the log with pages, and a failed start-up would bury Kabar's one-line
    error. Its records keep one line each, the exception's text included (`kabar -v` keeps tracebacks).
    """
    make_record = logging.getLogRecordFactory()

    def one_line(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name.split(".")[0] != "telegram":
            return record
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        record.msg, record.args = redact(" ".join(text.split()))[:500], ()
        record.exc_info = record.exc_text = None
        return record

    logging.setLogRecordFactory(one_line)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.interfaces.telegram`: the same as `kabar telegram`."""
    from bot.settings import ConfigError, load_settings

    parser = argparse.ArgumentParser(prog="kabar telegram")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not has_token(settings.telegram):  # before loading the heavy parts, so the error comes at once
        return 2
    from bot.app import App

    return run(args, App(settings))


if __name__ == "__main__":
    sys.exit(main())
