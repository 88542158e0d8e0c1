"""Builds Kabar's long-lived parts from settings, once per process, for every interface to share."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import llama_index.core

from bot.answer import Answerer, AnswerOptions
from bot.generation import Backend, build_backend
from bot.settings import Settings
from index.embedding import E5Embedding
from index.retrieval import Fusion, HybridRetriever
from index.store import Store


def prepare_offline() -> None:
    """Point tiktoken at llama-index's bundled encodings so nothing is downloaded at run time."""
    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))


class App:
    """The process's embedder, store, retriever and answerer, each created on first use."""

    def __init__(self, settings: Settings) -> None:
        prepare_offline()
        self.settings = settings

    @cached_property
    def embedder(self) -> E5Embedding:
        return E5Embedding(embed_batch_size=self.settings.embedding.batch_size)

    @cached_property
    def store(self) -> Store:
        s = self.settings
        return Store.open(
            self.embedder,
            path=s.store.path,
            host=s.chroma.host,
            port=s.chroma.port,
            ssl=s.chroma.ssl,
            collection=s.store.collection,
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        r = self.settings.retrieval
        return HybridRetriever(self.store, Fusion(dense_weight=r.dense_weight, bm25_weight=r.bm25_weight))

    @cached_property
    def backend(self) -> Backend | None:
        return build_backend(self.settings.generation)

    @cached_property
    def answerer(self) -> Answerer:
        g = self.settings.generation
        options = AnswerOptions(
            top_k=self.settings.retrieval.top_k, max_tokens=g.max_tokens, temperature=g.temperature
        )
        return Answerer(self.retriever, self.backend, options=options)
