"""The `openai` backend: any server speaking OpenAI's `/chat/completions` (OpenAI, vLLM, Ollama, llama.cpp).

This is how Kabar runs on a GPU box or a hosted model. Replies stream as server-sent events. The API
key only ever travels in the Authorization header: it is never logged, and it is scrubbed from any
server message that echoes it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from pydantic import SecretStr

from bot.generation.base import GenerationError, Message
from index.embedding_server import is_loopback


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server at `base_url` (e.g. `http://127.0.0.1:8080/v1`)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | str = "",
        *,
        timeout_s: float = 120.0,
        seed: int | None = 42,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.seed = seed
        self._key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        # A loopback server is never behind a proxy, and httpx would otherwise send even 127.0.0.1
        # traffic to HTTP(S)_PROXY; remote servers get the environment's proxies and certificates.
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            trust_env=not is_loopback(self.base_url),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The assistant's reply to `messages`; raises `GenerationError`."""
        body = self._body(messages, max_tokens, temperature, stop, stream=False)
        try:
            response = self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code >= 400:
            raise self._status_error(response)
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError(
                f"{self._url} sent a reply that is not a chat completion: {self._scrub(response.text[:300])}"
            ) from exc

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """The reply in pieces as the server sends them; closing the iterator closes the connection."""
        body = self._body(messages, max_tokens, temperature, stop, stream=True)
        try:
            with self._client.stream("POST", self._url, json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._status_error(response)
                for line in response.iter_lines():
                    # Server-sent events: payloads arrive on `data:` lines; comments and blank lines
                    # (keep-alives, event separators) carry nothing.
                    if not line.startswith("data:"):
                        continue
                    payload = line[len("data:") :].strip()
                    if payload == "[DONE]":
                        return
                    yield from self._pieces(payload)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc

    @property
    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _body(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if stop:
            body["stop"] = list(stop)
        return body

    def _pieces(self, payload: str) -> Iterator[str]:
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise GenerationError(
                f"{self._url} streamed something that is not JSON: {self._scrub(payload[:300])}"
            ) from exc
        if event.get("error"):
            raise GenerationError(f"{self._url} failed while streaming: {self._scrub(_error_text(event))}")
        for choice in event.get("choices") or []:
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                yield piece

    def _status_error(self, response: httpx.Response) -> GenerationError:
        try:
            detail = _error_text(response.json())
        except ValueError:
            detail = response.text[:300]
        detail = self._scrub(detail) or response.reason_phrase
        hint = " (check KABAR_GENERATION__OPENAI_API_KEY)" if response.status_code in (401, 403) else ""
        return GenerationError(f"{self._url} answered HTTP {response.status_code}: {detail}{hint}")

    def _transport_error(self, exc: httpx.HTTPError) -> GenerationError:
        if isinstance(exc, httpx.TimeoutException):
            return GenerationError(f"{self._url} did not answer within {self._timeout_s:g} s")
        return GenerationError(f"cannot reach {self._url}: {self._scrub(str(exc)) or type(exc).__name__}")

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def _error_text(body: Any) -> str:
    """The human part of an error body, whichever of the common shapes the server uses."""
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message")))
        if isinstance(error, dict):
            return str(error.get("message", error))
        if error is not None:
            return str(error)
    return str(body)[:300]
