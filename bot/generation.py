"""Text generation behind one small interface, and the factory that picks a backend from settings.

A backend turns chat messages (OpenAI format: `{"role": ..., "content": ...}`) into text, whole or
as a stream of pieces. Backends are built once per process and shared by worker threads, so each
must be safe to call from several threads at once. The backends themselves live in `bot/backends/`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.settings import GenerationSettings

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


def build_backend(settings: GenerationSettings) -> Backend | None:
    """The backend `settings.backend` names, ready to use; None for `extractive`, which needs no model.

    `embedded` assembles the model file on first use (see `bot.model_file`) unless `model_path` is set,
    then loads it: call this once per process and share the result.
    """
    # Imported here so that choosing one backend never loads the other's dependencies.
    if settings.backend == "extractive":
        return None
    if settings.backend == "openai":
        from bot.backends.openai_compatible import OpenAIBackend

        return OpenAIBackend(
            settings.openai_base_url,
            settings.openai_model,
            settings.openai_api_key,
            timeout_s=settings.timeout_s,
            seed=settings.seed,
        )
    from bot.backends.embedded import EmbeddedBackend
    from bot.model_file import ensure_model

    model_path = settings.model_path or ensure_model(settings.model_cache)
    return EmbeddedBackend(
        model_path, threads=settings.threads, context_size=settings.context_size, seed=settings.seed
    )
