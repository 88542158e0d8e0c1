"""Getting each reply into a Telegram chat exactly once, whatever the Bot API does meanwhile.

A failed call is retried (after a 5xx, a timeout, or a 429 once its `retry_after` has passed) until
`retry_for_s` runs out. A timed-out call may still have been carried out, so retrying a `sendMessage`
could show the same text twice. An answer is therefore never sent as a new message: a short placeholder is
sent, then edited into the answer. Sending a placeholder twice leaves at worst a spare placeholder;
editing twice is harmless, as Telegram answers a repeated edit with "message is not modified".

A streamed answer can later edit the same message as it grows: edits to one chat are paced by
`EditPacer` to one a second, as Telegram asks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay, wait_exponential

log = logging.getLogger(__name__)

T = TypeVar("T")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # source links would otherwise unfurl under every answer
CONTINUED = "…"  # the placeholder of a second or later part of a long answer
_backoff = wait_exponential(multiplier=0.5, max=10)


def is_transient(exc: BaseException) -> bool:
    """Whether a Bot API failure may pass: flood control, a server error, a timeout, a broken connection
    (not a refused request, a rejected token or a blocked bot)."""
    return isinstance(exc, RetryAfter) or (isinstance(exc, NetworkError) and not isinstance(exc, BadRequest))


def _wait(state: RetryCallState) -> float:
    """Telegram's `retry_after` when it gave one, else 0.5 s doubling up to 10 s."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RetryAfter):
        after = exc.retry_after  # seconds now, a timedelta in a later python-telegram-bot
        return after.total_seconds() if isinstance(after, dt.timedelta) else float(after)
    return _backoff(state)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("Bot API call failed (%s); retrying in %.1f s", exc, wait)


async def with_retries(call: Callable[[], Awaitable[T]], retry_for_s: float) -> T:
    """`call()`'s result, calling it again after transient failures for up to `retry_for_s` seconds."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=_wait,
        stop=stop_after_delay(retry_for_s),
        before_sleep=_log_retry,
        reraise=True,
    )

    async def attempt() -> T:  # a coroutine function, which is how tenacity knows to await it
        return await call()

    return await retrying(attempt)


class EditPacer:
    """At most one edit a second in each chat, shared by every reply the bot sends."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._last: dict[int, float] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def wait(self, chat_id: int) -> None:
        """Return when `chat_id` may be edited again."""
        loop = asyncio.get_running_loop()
        async with self._locks[chat_id]:
            delay = self._last.get(chat_id, -self.interval_s) + self.interval_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._last[chat_id] = loop.time()


class Drafts:
    """The model's latest draft of an answer, offered from the answering thread and shown in the reply
    on the event loop, as often as the pacer allows; `close` returns once the last draft is shown, so
    that no draft can land after the finished answer."""

    def __init__(self, reply: Reply, render: Callable[[str], str]) -> None:
        self.reply, self.render = reply, render
        self._loop = asyncio.get_running_loop()
        self._latest = ""
        self._new = asyncio.Event()
        self._done = False
        self._task = self._loop.create_task(self._show())

    def offer(self, text: str) -> None:
        """The draft so far (callable from any thread)."""
        self._latest = text
        self._loop.call_soon_threadsafe(self._new.set)

    async def close(self) -> None:
        self._done = True
        self._new.set()
        await self._task

    async def _show(self) -> None:
        shown = ""
        while True:
            await self._new.wait()
            self._new.clear()
            if self._done:
                return
            if self._latest.strip() and self._latest != shown:
                shown = self._latest
                await self.reply.draft(self.render(shown))


class Reply:
    """One reply in a chat: a placeholder at once, edited into the answer when it is ready (a streamed
    answer may call `show` as often as it likes; the pacer spaces the edits)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        pacer: EditPacer,
        retry_for_s: float,
        send: Callable[[str], Awaitable[Message]] | None = None,
    ) -> None:
        self.bot, self.chat_id, self.pacer, self.retry_for_s = bot, chat_id, pacer, retry_for_s
        self._send = send or (lambda text: bot.send_message(chat_id, text))
        self.message_id: int | None = None

    async def start(self, placeholder: str) -> None:
        """Send the placeholder. If the Bot API stays down, `show` tries again with a new one."""
        try:
            sent = await with_retries(lambda: self._send(placeholder), self.retry_for_s)
        except TelegramError as exc:
            if not is_transient(exc):
                raise
            log.warning("could not send a placeholder to chat %s (%s)", self.chat_id, exc)
            return
        self.message_id = sent.message_id

    async def show(self, html: str, retry_for_s: float | None = None) -> None:
        """Make the reply show `html`; raises `TelegramError` if the Bot API fails past `retry_for_s`
        (the reply's own unless given: 0 for a draft, which the next one replaces anyway)."""
        retry_for_s = self.retry_for_s if retry_for_s is None else retry_for_s
        for anew in (False, True):
            if self.message_id is None:
                await self.start(CONTINUED)
            if self.message_id is None:
                raise NetworkError(f"the Bot API failed for {self.retry_for_s:g} s: a reply is lost")
            await self.pacer.wait(self.chat_id)
            try:
                await with_retries(partial(self._edit, self.message_id, html), retry_for_s)
                return
            except BadRequest as exc:
                problem = str(exc).lower()
                if "not modified" in problem:
                    return  # an earlier try took effect although its reply never came
                if anew or ("not found" not in problem and "can't be edited" not in problem):
                    raise
                log.info("the placeholder in chat %s is gone (%s); sending anew", self.chat_id, exc)
                self.message_id = None

    async def draft(self, html: str) -> None:
        """Show an unfinished answer in the placeholder, once; a failure only costs this draft."""
        if self.message_id is None:
            return  # no placeholder to grow: the finished answer will send one
        try:
            await self.show(html, retry_for_s=0)
        except TelegramError as exc:
            log.info("a draft for chat %s was not shown (%s)", self.chat_id, exc)

    async def finish(self, parts: list[str]) -> None:
        """Show the first part here and each further part as a reply of its own, in order."""
        await self.show(parts[0])
        for part in parts[1:]:
            await Reply(self.bot, self.chat_id, self.pacer, self.retry_for_s).show(part)

    async def _edit(self, message_id: int, html: str) -> object:
        return await self.bot.edit_message_text(
            html, self.chat_id, message_id, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        )
