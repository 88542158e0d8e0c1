"""Text generation behind one small interface; `bot.app` picks the backend from settings.

A backend turns chat messages (OpenAI format: `{"role": ..., "content": ...}`) into text, whole or
as a stream of pieces. Backends are built once per process and shared by worker threads, so each
must be safe to call from several threads at once. The backends live beside this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

Message = Mapping[str, str]


class GenerationError(Exception):
    """The model or the server could not produce text; the message says why (never with a secret)."""


class Backend(Protocol):
    """What `answer()` needs from a language model."""

    name: str

    def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The assistant's reply to `messages`; raises `GenerationError`."""
        ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """The same reply in pieces as they are generated; closing the iterator early stops generation."""
        ...
