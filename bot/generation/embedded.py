"""The `embedded` backend: a local GGUF model run by llama.cpp inside this process (via xllamacpp).

xllamacpp embeds llama.cpp's own server: requests go straight to it from Python, it queues requests
from several threads, and it keeps the last prompt's KV cache so a request sharing a prefix with the
previous one (same instructions, same evidence) skips re-reading it. That server always starts an HTTP
listener, which Kabar does not need: it is bound to a Unix socket whose path is deleted at once, so
nothing can connect. Only with `serve_http=True` does it listen on a random 127.0.0.1 port, guarded by a
random key, for an OpenAI client to use the same loaded model (`http_base_url`, `http_api_key`).
"""

from __future__ import annotations

import logging
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xllamacpp
from pydantic import SecretStr

from bot.generation.base import GenerationError, Message
from bot.generation.model_file import ModelError, check_gguf

log = logging.getLogger(__name__)

_DONE = object()


class EmbeddedBackend:
    """A GGUF chat model loaded once (in the constructor) and shared by all threads of the process."""

    name = "embedded"

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 2,
        context_size: int = 4096,
        seed: int = 42,
        serve_http: bool = False,
    ) -> None:
        model_path = Path(model_path)
        check_gguf(model_path)
        self.model_path = model_path
        self.serve_http = serve_http
        self.seed = seed
        self._http_key = secrets.token_urlsafe(24)
        self.usage = Usage()
        self._usage_lock = threading.Lock()
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.model_alias = {model_path.stem}
        params.n_ctx = context_size
        # One slot: on a couple of cores parallel decoding gains nothing, and the whole context then
        # serves one prompt. Further requests wait in llama.cpp's queue.
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.cache_prompt = True
        # Earlier prompts' KV states kept in RAM for reuse; llama.cpp's default (8 GiB) is far more than
        # a 1.5B model needs: a 500-token prompt's state is about 14 MB, so 256 MiB keeps some 18 of them.
        params.cache_ram_mib = 256
        # Read the weights instead of mapping the file: llama.cpp copies them into repacked buffers for
        # its fast CPU kernels anyway, and a mapped file stays resident beside the copy (0.6 GB more).
        params.load_mode = 0
        params.sampling.seed = seed
        # llama.cpp logs to stderr, never stdout: its errors only when Kabar logs progress (`kabar -v`),
        # else nothing, so that a failed load ends in Kabar's one-line message alone.
        params.verbosity = 1 if log.isEnabledFor(logging.INFO) else -1
        socket_dir = None if serve_http else tempfile.mkdtemp(prefix="kabar-llama-")
        # A hostname ending in `.sock` makes llama.cpp listen on that Unix socket instead of a port.
        params.hostnames = ["127.0.0.1"] if socket_dir is None else [f"{socket_dir}/llama.sock"]
        params.port = 0  # any free port
        params.api_keys = [self._http_key]
        started = time.perf_counter()
        try:
            self._server = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise ModelError(
                f"llama.cpp could not load {model_path}: the file is damaged or truncated, or holds a "
                "model llama.cpp does not support (`kabar -v` shows llama.cpp's reason)"
            ) from exc
        finally:
            if socket_dir is not None:  # the bound listener stays, unreachable without its path
                shutil.rmtree(socket_dir, ignore_errors=True)
        self.load_seconds = time.perf_counter() - started
        log.info(
            "loaded %s in %.1f s (%d threads, context %d)",
            model_path.name,
            self.load_seconds,
            threads,
            context_size,
        )

    @property
    def http_base_url(self) -> str | None:
        """OpenAI-compatible base URL of the same loaded model, e.g. `http://127.0.0.1:41234/v1`; None
        unless built with `serve_http=True`."""
        return f"{self._server.listening_address}/v1" if self.serve_http else None

    @property
    def http_api_key(self) -> SecretStr:
        """The key HTTP clients must send (the in-process calls need none)."""
        return SecretStr(self._http_key)

    def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The assistant's reply to `messages`; raises `GenerationError`."""
        request = self._request(messages, max_tokens, temperature, stop, stream=False)
        try:
            response = self._server.handle_chat_completions(request)
        except (ValueError, RuntimeError) as exc:
            raise GenerationError(f"the embedded model rejected the request: {exc}") from exc
        _raise_if_error(response)
        self._tally(response)
        try:
            return response["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise GenerationError(f"the embedded model gave no reply: {response!r:.300}") from exc

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """The reply in pieces as llama.cpp produces them; closing the iterator stops generation."""
        request = self._request(messages, max_tokens, temperature, stop, stream=True)
        # llama.cpp calls back on the calling thread until generation ends, so it runs on a helper
        # thread and hands chunks over through a queue; returning True from the callback cancels.
        chunks: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return cancelled.is_set()

        def run() -> None:
            try:
                self._server.handle_chat_completions(request, on_chunk)
            except (ValueError, RuntimeError) as exc:
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        threading.Thread(target=run, name="kabar-embedded-stream", daemon=True).start()
        try:
            while (chunk := chunks.get()) is not _DONE:
                if isinstance(chunk, Exception):
                    raise GenerationError(f"the embedded model rejected the request: {chunk}") from chunk
                _raise_if_error(chunk)
                if "timings" in chunk:
                    self._tally(chunk)
                for choice in chunk.get("choices", []):
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        finally:
            cancelled.set()

    def _tally(self, response: Mapping[str, Any]) -> None:
        _log_timings(response)
        with self._usage_lock:
            self.usage.add(response.get("timings") or {})

    def _request(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": self.seed,
            "cache_prompt": True,
            "stream": stream,
        }
        if stop:
            request["stop"] = list(stop)
        return request


def _raise_if_error(response: Mapping[str, Any]) -> None:
    error = response.get("error")
    if error:
        message = error.get("message", error) if isinstance(error, Mapping) else error
        raise GenerationError(f"the embedded model rejected the request: {message}")


@dataclass
class Usage:
    """What the model has read and written since the backend was built, from llama.cpp's own timings:
    the floor under any answer's latency (`bench/answer_latency.py` reports it)."""

    prompt_tokens: int = 0  # read, not counting the cached prefix
    prompt_ms: float = 0.0
    cached_tokens: int = 0
    generated_tokens: int = 0
    generated_ms: float = 0.0

    def add(self, timings: Mapping[str, Any]) -> None:
        self.prompt_tokens += int(timings.get("prompt_n") or 0)
        self.prompt_ms += float(timings.get("prompt_ms") or 0.0)
        self.cached_tokens += int(timings.get("cache_n") or 0)
        self.generated_tokens += int(timings.get("predicted_n") or 0)
        self.generated_ms += float(timings.get("predicted_ms") or 0.0)


def _log_timings(response: Mapping[str, Any]) -> None:
    timings = response.get("timings") or {}
    log.debug(
        "embedded: prompt %s tokens (+%s cached) in %.0f ms, generated %s tokens in %.0f ms",
        timings.get("prompt_n"),
        timings.get("cache_n"),
        timings.get("prompt_ms", 0.0),
        timings.get("predicted_n"),
        timings.get("predicted_ms", 0.0),
    )
