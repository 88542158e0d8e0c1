"""A small local stand-in for the Telegram Bot API, so the real `Application` can be tested offline.

It serves `http://127.0.0.1:PORT/bot<TOKEN>/<method>` on aiohttp: updates injected by a test come out
of `getUpdates` (long polling, offsets honoured), and every call the bot makes is recorded with its
parameters. `sendMessage` and `editMessageText` return messages shaped like Telegram's, so the bot can
edit what it sent, and `stub.shown(chat)` is what that chat's user sees after every edit. An edit that
changes nothing gets Telegram's "message is not modified". A wrong token gets the 401 Telegram gives.

Faults are injected per method (`stub.inject("sendMessage", Fault(status=500), times=2)`) or for a while
(`stub.outage(Fault(status=500), seconds=3)`): an HTTP error (with `retry_after` for 429), a response held
past the bot's timeout, possibly after carrying the call out (`applied=True`: the edit took effect but the
bot never heard so), or a non-JSON page.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar

from aiohttp import web

# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style) and its length limit.
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
    "code", "pre", "blockquote",
}  # fmt: skip
MESSAGE_LIMIT = 4096
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f'unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(f'can\'t find end tag corresponding to start tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if any(c in data for c in "<>&"):
            raise ValueError(f"unescaped character in {data!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise ValueError(f"unsupported entity &{name};")
        self.text.append(ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def parse_telegram_html(text: str) -> str:
    """The visible text of a message parsed as Telegram parses HTML; ValueError where it would refuse."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ValueError(f"unclosed tags {parser.stack}")
    if parser.rawdata:
        raise ValueError(f"unparsed text {parser.rawdata!r}")
    visible = "".join(parser.text)
    if not visible.strip():
        raise ValueError("message text is empty")
    if len(visible.encode("utf-16-le")) // 2 > MESSAGE_LIMIT:
        raise ValueError("message is too long")
    return visible


T = TypeVar("T")
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Kabar", "username": "kabar_test_bot"}


@dataclass(frozen=True)
class Fault:
    """What the stand-in does with one call instead of answering it normally.

    `status` answers with that HTTP error (Telegram's JSON, with `retry_after` for a 429) or, with
    `page`, with that text instead of JSON. `delay_s` holds the response that long first: longer than
    the bot's timeout, it is a timeout. `applied` carries the call out before failing, as when Telegram
    did the work and the reply was lost.
    """

    status: int = 0
    retry_after: int | None = None
    delay_s: float = 0.0
    applied: bool = False
    page: str | None = None

    @classmethod
    def timeout(cls, seconds: float, applied: bool = False) -> Fault:
        return cls(delay_s=seconds, applied=applied)


@dataclass
class Call:
    """One Bot API call the bot made: the method and its parameters (JSON values decoded)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the stand-in received it

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


# PTB sends every parameter as a form field, objects JSON-encoded; text is never decoded, even "[1]".
_JSON_FIELDS = {
    "entities",
    "reply_markup",
    "commands",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
}


def _decode(key: str, value: str) -> Any:
    return json.loads(value) if key in _JSON_FIELDS else value


class BotApiStub:
    """The stand-in server. Use `async with BotApiStub(token) as stub:`; `stub.base_url` is for PTB."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.rejected: list[Call] = []  # messages Telegram would refuse (bad HTML, too long)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self.messages: dict[int, dict[int, str]] = {}  # chat -> message id -> the text shown now
        self.faulted: list[Call] = []  # calls answered with an injected fault
        self._faults: dict[str, list[Fault]] = {}
        self._outage: tuple[float, Fault, tuple[str, ...] | None] | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.webhook: dict[str, Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set by `in_thread`

    # ---- lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> BotApiStub:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self._changed.notify_all()
        if self._runner:
            await self._runner.cleanup()

    @classmethod
    @contextmanager
    def in_thread(cls, token: str) -> Iterator[BotApiStub]:
        """The stub on its own event loop in a background thread, for a bot running in another process."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        stub = cls(token)
        stub._loop = loop
        asyncio.run_coroutine_threadsafe(stub.__aenter__(), loop).result(10)
        try:
            yield stub
        finally:
            asyncio.run_coroutine_threadsafe(stub.__aexit__(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 90) -> T:
        """Run one of the stub's coroutines (`push_message`, `wait_for`) from outside its thread."""
        assert self._loop is not None, "only for a stub started with `in_thread`"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- what a test injects ----------------------------------------------------------------------

    async def push(self, **update: Any) -> int:
        """Queue an update (e.g. `message={...}`) for `getUpdates`; returns its update_id."""
        update_id = next(self._update_ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    async def push_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        **extra: Any,
    ) -> int:
        """Queue a message from a user (`user_id` defaults to the chat id, as in a private chat)."""
        user: dict[str, Any] = {"id": user_id or chat_id, "is_bot": False, "first_name": "Reader"}
        if language_code:
            user["language_code"] = language_code
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Newsroom"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if entities is None and text.startswith("/"):
                command = text.split()[0]
                entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            if entities:
                message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        return await self.push(message=message)

    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `fault`."""
        self._faults.setdefault(method, []).extend([fault] * times)

    def outage(self, fault: Fault, seconds: float, methods: tuple[str, ...] | None = None) -> None:
        """Answer every call (or every call of `methods`) with `fault` for the next `seconds`."""
        self._outage = (time.monotonic() + seconds, fault, methods)

    def _fault_for(self, method: str) -> Fault | None:
        if self._faults.get(method):
            return self._faults[method].pop(0)
        if self._outage:
            until, fault, methods = self._outage
            if time.monotonic() < until and (methods is None or method in methods):
                return fault
        return None

    # ---- what a test checks -----------------------------------------------------------------------

    def shown(self, chat_id: int) -> list[str]:
        """The texts the chat's user sees now, oldest first: each message as last edited."""
        return list(self.messages.get(chat_id, {}).values())

    def sent(self, chat_id: int | None = None, methods: tuple[str, ...] = ("sendMessage",)) -> list[Call]:
        return [c for c in self.calls if c.method in methods and (chat_id is None or c.chat_id == chat_id)]

    async def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 30.0) -> list[Call]:
        """Wait until `predicate(calls)` holds; fail with the calls so far when it never does."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not predicate(self.calls):
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    summary = [(c.method, c.params.get("chat_id"), c.text[:80]) for c in self.calls]
                    raise AssertionError(f"timed out waiting; calls so far: {summary}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return self.calls

    # ---- the Bot API ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        form = await request.post() if request.can_read_body else {}
        params = {key: _decode(key, str(value)) for key, value in form.items()}
        fault = self._fault_for(method)
        if fault and not fault.applied:
            await self._note_fault(method, params)
            await asyncio.sleep(fault.delay_s)
            return self._fault_response(fault, request)
        response = await self._apply(method, params)
        if fault:  # carried out, and then the reply is lost or replaced by an error
            await self._note_fault(method, params)
            await asyncio.sleep(fault.delay_s)
            return self._fault_response(fault, request)
        return response

    async def _note_fault(self, method: str, params: dict[str, Any]) -> None:
        async with self._changed:
            self.faulted.append(Call(method, params))
            self._changed.notify_all()

    async def _apply(self, method: str, params: dict[str, Any]) -> web.Response:
        if method != "getUpdates":
            async with self._changed:
                self.calls.append(Call(method, params))
                self._changed.notify_all()
        handler = getattr(self, f"_api_{method}", None)
        if method in ("sendMessage", "editMessageText"):
            problem = self._check_text(params)
            if problem:
                self.rejected.append(Call(method, params))
                return _error(400, f"Bad Request: {problem}")
        if handler is None:
            return _error(404, "Not Found")
        try:
            return web.json_response({"ok": True, "result": await handler(params)})
        except _Refused as exc:
            return _error(400, f"Bad Request: {exc}")

    @staticmethod
    def _fault_response(fault: Fault, request: web.Request) -> web.Response:
        if fault.page is not None:  # e.g. a proxy's error page that echoes the path, token and all
            page = fault.page.format(path=request.path)
            return web.Response(status=fault.status or 200, text=page, content_type="text/html")
        if fault.status == 429:
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {fault.retry_after}",
                "parameters": {"retry_after": fault.retry_after},
            }
            return web.json_response(body, status=429)
        if fault.status:
            return _error(fault.status, "Unauthorized" if fault.status == 401 else "Internal Server Error")
        # A delay alone: the bot has given up by now; an empty 504 stands for whatever came late.
        return _error(504, "Gateway Timeout")

    @staticmethod
    def _check_text(params: dict[str, Any]) -> str | None:
        text = str(params.get("text", ""))
        try:
            if params.get("parse_mode") == "HTML":
                parse_telegram_html(text)
            elif not text.strip() or len(text.encode("utf-16-le")) // 2 > MESSAGE_LIMIT:
                return "message text is empty or too long"
        except ValueError as exc:
            return f"can't parse entities: {exc}"
        return None

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False}

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            # Confirmed updates (below the offset) are gone for good, as on Telegram.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
            return list(self._updates[: int(params.get("limit", 100) or 100)])

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = message_id or next(self._message_ids)
        self.messages.setdefault(chat_id, {})[message_id] = str(params.get("text", ""))
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": str(params.get("text", "")),
        }

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params)

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat, message_id = self.messages.get(int(params["chat_id"]), {}), int(params["message_id"])
        if message_id not in chat:
            raise _Refused("message to edit not found")
        if chat[message_id] == str(params.get("text", "")):
            raise _Refused(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        return self._message(params, message_id)

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    async def _true(self, params: dict[str, Any]) -> Any:
        return True

    _api_sendChatAction = _true
    _api_deleteWebhook = _true
    _api_setMyCommands = _true
    _api_deleteMyCommands = _true
    _api_close = _true
    _api_logOut = _true


class _Refused(Exception):
    """A call Telegram answers with 400 Bad Request and this description."""


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)
