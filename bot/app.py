"""Builds Kabar's long-lived parts from settings, once per process, for every interface to share."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import llama_index.core

from bot.answer import Answerer, AnswerOptions
from bot.generation.base import Backend, GenerationError
from bot.generation.model_file import ModelError
from bot.settings import ConfigError, EmbeddingSettings, GenerationSettings, Settings
from index.embedding import Embedder, EmbeddingError
from index.retrieval import Fusion, HybridRetriever
from index.store import Store, StoreError

# What the parts built here raise when the user can fix the cause: the message says what to do, so the
# interfaces print it alone, without a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    StoreError,
    ModelError,
    GenerationError,
    EmbeddingError,
)


def build_backend(settings: GenerationSettings) -> Backend | None:
    """The backend `settings.backend` names, ready to use; None for `extractive`, which needs no model.

    `embedded` assembles the model file on first use (see `bot.generation.model_file`) unless `model_path`
    is set, then loads it: call this once per process and share the result.
    """
    # Imported here so that choosing one backend never loads the other's dependencies.
    if settings.backend == "extractive":
        return None
    if settings.backend == "openai":
        from bot.generation.openai_compatible import OpenAIBackend

        return OpenAIBackend(
            settings.openai_base_url,
            settings.openai_model,
            settings.openai_api_key,
            timeout_s=settings.timeout_s,
            seed=settings.seed,
        )
    from bot.generation.embedded import EmbeddedBackend
    from bot.generation.model_file import ensure_model

    model_path = settings.model_path or ensure_model(settings.model_cache)
    return EmbeddedBackend(
        model_path, threads=settings.threads, context_size=settings.context_size, seed=settings.seed
    )


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The embedder `settings.backend` names: e5 in this process, or an OpenAI-compatible server."""
    if settings.backend == "openai":
        from index.embedding_server import ServerEmbedding

        return ServerEmbedding(
            settings.openai_base_url,
            settings.openai_model,
            settings.openai_api_key,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            dimension=settings.dimension,
            timeout_s=settings.timeout_s,
            embed_batch_size=settings.batch_size,
        )
    from index.embedding import E5Embedding

    return E5Embedding(embed_batch_size=settings.batch_size)


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
    def embedder(self) -> Embedder:
        return build_embedder(self.settings.embedding)

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
            lock_timeout_s=s.store.lock_timeout_s,
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
