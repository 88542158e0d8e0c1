"""What an interface remembers per chat and per user: the last turns, the chosen language, a rate limit.

Plain objects with no Telegram or terminal knowledge, so the Telegram bot and the REPL share them and
tests can drive them with a fake clock. Everything lives in memory: a restart forgets conversations,
which is what a user would expect from `/reset` anyway.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.schema import Answer, Language, Turn


class Answering(Protocol):
    """What an interface needs from the answerer (`bot.answer.Answerer` is one)."""

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        on_draft: Callable[[str], None] | None = None,
    ) -> Answer: ...


LanguageChoice = Literal["id", "en", "auto"]
LANGUAGE_CHOICES: tuple[LanguageChoice, ...] = ("id", "en", "auto")


@dataclass
class Conversation:
    """One chat's memory: its last turns (oldest first) and the answer language it asked for."""

    turns: deque[Turn]
    language: LanguageChoice = "auto"

    @property
    def forced_language(self) -> Language | None:
        """The language to pass to the answerer, or None to follow each question's language."""
        return None if self.language == "auto" else self.language


@dataclass
class Conversations:
    """Per-chat conversations keeping at most `max_turns` turns each."""

    max_turns: int = 3
    _chats: dict[Hashable, Conversation] = field(default_factory=dict)

    def get(self, chat: Hashable) -> Conversation:
        if chat not in self._chats:
            self._chats[chat] = Conversation(turns=deque(maxlen=self.max_turns))
        return self._chats[chat]

    def history(self, chat: Hashable) -> tuple[Turn, ...]:
        return tuple(self.get(chat).turns)

    def remember(self, chat: Hashable, question: str, answer: str) -> None:
        if self.max_turns > 0:
            self.get(chat).turns.append(Turn(question=question, answer=answer))

    def reset(self, chat: Hashable) -> None:
        """Forget the turns; the language choice stays, as a user who resets a topic keeps their language."""
        self.get(chat).turns.clear()

    def set_language(self, chat: Hashable, choice: LanguageChoice) -> None:
        self.get(chat).language = choice


class RateLimiter:
    """At most `per_minute` events per key in any sliding 60-second window (0 = unlimited)."""

    window_s = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = defaultdict(deque)

    def allow(self, key: Hashable) -> bool:
        """Record an event for `key` and say whether it is within the limit (refused events don't count)."""
        if self.per_minute <= 0:
            return True
        now = self._clock()
        events = self._events[key]
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if len(events) >= self.per_minute:
            return False
        events.append(now)
        return True

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may ask again (0 when it may now)."""
        events = self._events.get(key)
        if self.per_minute <= 0 or not events or len(events) < self.per_minute:
            return 0.0
        return max(0.0, self.window_s - (self._clock() - events[0]))
