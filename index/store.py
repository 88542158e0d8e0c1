"""The chromadb store of article chunks, written and read through llama-index's `ChromaVectorStore`.

Three collections: `NAME` holds the chunks (text, embedding, offsets); `NAME_articles` is the catalogue, one
record per article with its content hash (so an unchanged article is never embedded twice) and its story;
`NAME_profiles` holds what story grouping compares (`index/stories.py`): each article's mean embedding and
the names it uses. Writes go in an
order that never loses what was stored: new chunks are embedded before anything is touched, added under ids
that carry the content hash, then the old chunks are removed, and the catalogue record is written last.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaClientSettings
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.articles import Article
from index.chunking import CHUNKING_VERSION, Chunk, chunk_article
from index.embedding import E5Embedding
from index.stories import Profile, StoryIndex, group_order, members_by_story, profile, published_date, slug

PAGE = 1000  # rows per chroma read; keeps memory flat on large stores


class StoreError(Exception):
    """The store cannot be opened or written; the message says what to check."""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk. `metadata` holds title, source, url, offsets and sentence spans."""

    chunk_id: str
    doc_id: str
    text: str
    score: float
    metadata: dict[str, Any]

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """Absolute sentence spans of this chunk inside its article."""
        return [tuple(span) for span in json.loads(self.metadata.get("sentences", "[]"))]  # type: ignore[misc]

    @property
    def sentence_texts(self) -> list[str]:
        """This chunk's sentences, in order."""
        offset = int(self.metadata.get("start", 0))
        return [self.text[start - offset : end - offset] for start, end in self.sentences]


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    chunks: int
    story: str = ""
    language: str = ""


@dataclass(frozen=True)
class StoryInfo:
    id: str
    articles: list[SourceInfo]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0


def _none_if_empty(value: Any) -> Any:
    return value if value not in ("", None) else None


class Store:
    """Article chunks in chroma; `revision` grows with every write made through this object."""

    def __init__(self, client: Any, embedder: E5Embedding, collection: str = "articles") -> None:
        self.client = client
        self.embedder = embedder
        # embedding_function=None: chroma must never embed by itself (its default downloads a model).
        self._chunks = client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._catalogue = client.get_or_create_collection(f"{collection}_articles", embedding_function=None)
        self._profiles = client.get_or_create_collection(
            f"{collection}_profiles", embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.vectors = ChromaVectorStore(chroma_collection=self._chunks)
        self.revision = 0

    @classmethod
    def open(
        cls,
        embedder: E5Embedding,
        *,
        path: Path | str | None = None,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        collection: str = "articles",
    ) -> Store:
        """A local store under `path`, or a chroma server at `host:port` when a host is given."""
        settings = ChromaClientSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
                client.heartbeat()
            else:
                if path is None:
                    raise StoreError("no store path given")
                Path(path).mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=settings)
        except StoreError:
            raise
        except Exception as exc:  # chroma raises many types; all mean the same to a user
            where = f"chroma server {host}:{port}" if host else f"store folder {path}"
            raise StoreError(f"cannot open the {where}: {exc}") from exc
        return cls(client, embedder, collection)

    # ---- reading -------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._chunks.count())

    def _catalogue_records(self) -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = {}
        total = self._catalogue.count()
        for offset in range(0, total, PAGE):
            page = self._catalogue.get(include=["metadatas"], limit=PAGE, offset=offset)
            for doc_id, meta in zip(page["ids"], page["metadatas"] or [], strict=False):
                records[doc_id] = dict(meta or {})
        return records

    def sources(self) -> list[SourceInfo]:
        """The indexed articles, sorted by id."""
        return [
            SourceInfo(
                id=doc_id,
                title=str(meta.get("title", "")),
                source=_none_if_empty(meta.get("source")),
                url=_none_if_empty(meta.get("url")),
                published=_none_if_empty(meta.get("published")),
                chunks=int(meta.get("chunks", 0)),
                story=str(meta.get("story", "")),
                language=str(meta.get("language", "")),
            )
            for doc_id, meta in sorted(self._catalogue_records().items())
        ]

    def stories(self) -> list[StoryInfo]:
        """The stories with their articles, the largest first."""
        grouped: dict[str, list[SourceInfo]] = {}
        for info in self.sources():
            grouped.setdefault(info.story or info.id, []).append(info)
        found = [
            StoryInfo(story, sorted(items, key=lambda i: (i.published or "", i.id)))
            for story, items in grouped.items()
        ]
        return sorted(found, key=lambda s: (-len(s.articles), s.id))

    def story_members(self) -> dict[str, list[str]]:
        """story -> the ids of its articles; an article stored before stories existed is its own story."""
        return members_by_story(
            {doc_id: str(meta.get("story") or doc_id) for doc_id, meta in self._catalogue_records().items()}
        )

    def chunks(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every stored chunk as (chunk id, text, metadata), page by page."""
        total = self._chunks.count()
        for offset in range(0, total, PAGE):
            page = self._chunks.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            yield from zip(page["ids"], page["documents"] or [], page["metadatas"] or [], strict=False)

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored (L2-normalised) embeddings of these chunks; ids not in the store are left out."""
        got = self._chunks.get(ids=list(chunk_ids), include=["embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], vectors, strict=True)}

    def dense_search(self, query: str, k: int) -> list[Hit]:
        """The `k` chunks nearest to `query` by cosine similarity of e5 embeddings."""
        if k <= 0 or self.count() == 0:
            return []
        return self.nearest(self.embedder.get_query_embedding(query), k)

    def nearest(self, embedding: Sequence[float], k: int, within: Collection[str] | None = None) -> list[Hit]:
        """The `k` chunks nearest to an already embedded query (of the articles `within`, when given);
        `score` is the cosine."""
        count = self.count()
        if k <= 0 or count == 0 or (within is not None and not within):
            return []
        filters = None
        if within is not None:
            filters = MetadataFilters(
                filters=[MetadataFilter(key="doc_id", value=sorted(within), operator=FilterOperator.IN)]
            )
        result = self.vectors.query(
            VectorStoreQuery(query_embedding=list(embedding), similarity_top_k=min(k, count), filters=filters)
        )
        hits = []
        for node, node_id, similarity in zip(
            result.nodes or [], result.ids or [], result.similarities or [], strict=False
        ):
            meta = dict(node.metadata)
            # ChromaVectorStore reports exp(-distance); with cosine distance, 1 + ln() is the cosine itself.
            score = 1.0 + math.log(max(similarity, 1e-12))
            hits.append(Hit(node_id, str(meta.get("doc_id")), node.get_content(), score, meta))
        return hits

    # ---- writing -------------------------------------------------------------------------------------

    def _nodes(
        self, article: Article, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> list[BaseNode]:
        version = article.content_hash[:12]
        nodes: list[BaseNode] = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            metadata = {
                "doc_id": article.id,
                "title": article.title,
                "source": article.source or "",
                "url": article.url or "",
                "published": article.published or "",
                "language": article.language,
                "position": chunk.position,
                "start": chunk.start,
                "end": chunk.end,
                "sentences": json.dumps(chunk.sentences),
                "content_hash": article.content_hash,
            }
            nodes.append(
                TextNode(
                    id_=f"{chunk.id}@{version}",
                    text=chunk.text,
                    metadata=metadata,
                    embedding=list(vector),
                    start_char_idx=chunk.start,
                    end_char_idx=chunk.end,
                    # ChromaVectorStore writes the node's source id into the `doc_id` metadata key, over ours;
                    # without a source it writes "None" and chunks can no longer be found by article.
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
                    excluded_embed_metadata_keys=list(metadata),
                    excluded_llm_metadata_keys=list(metadata),
                )
            )
        return nodes

    def _chunk_ids(self, doc_id: str) -> list[str]:
        return list(self._chunks.get(where={"doc_id": doc_id}, include=[])["ids"])

    def _write(self, article: Article, nodes: list[BaseNode], story: str, item: Profile) -> None:
        new_ids = [node.node_id for node in nodes]
        old_ids = [i for i in self._chunk_ids(article.id) if i not in set(new_ids)]
        # Ids already present can only be left by an interrupted write of this same version.
        self._chunks.delete(ids=new_ids)
        self.vectors.add(nodes)
        if old_ids:
            self._chunks.delete(ids=old_ids)
        self._write_profile(item)
        self._catalogue.upsert(
            ids=[article.id],
            embeddings=[[1.0]],
            metadatas=[
                {
                    "title": article.title,
                    "source": article.source or "",
                    "url": article.url or "",
                    "published": article.published or "",
                    "language": article.language,
                    "content_hash": article.content_hash,
                    "chunks": len(nodes),
                    "chunking": CHUNKING_VERSION,
                    "path": article.path or "",
                    "story": story,
                    "story_given": bool(article.story),
                }
            ],
        )
        self.revision += 1

    def _write_profile(self, item: Profile) -> None:
        self._profiles.upsert(
            ids=[item.doc_id],
            embeddings=[item.centroid.tolist()],
            metadatas=[
                {
                    "names": json.dumps(sorted(item.names), ensure_ascii=False),
                    "published": item.published.isoformat() if item.published else "",
                }
            ],
        )

    def _story_index(self, known: dict[str, dict[str, Any]]) -> StoryIndex:
        """The stored articles' profiles, by the story each belongs to."""
        stories = StoryIndex()
        total = self._profiles.count()
        for offset in range(0, total, PAGE):
            page = self._profiles.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
            vectors = page["embeddings"] if page["embeddings"] is not None else []
            for doc_id, vector, meta in zip(page["ids"], vectors, page["metadatas"] or [], strict=False):
                story = known.get(doc_id, {}).get("story")
                if story:
                    meta = dict(meta or {})
                    stories.add(
                        str(story),
                        Profile(
                            doc_id,
                            np.asarray(vector, dtype=np.float32),
                            frozenset(json.loads(str(meta.get("names", "[]")))),
                            published_date(str(meta.get("published", ""))),
                        ),
                    )
        return stories

    def _assign_story(
        self, article: Article, item: Profile, previous: dict[str, Any] | None, stories: StoryIndex
    ) -> str:
        """The metadata's story; else the one the article already had; else the closest, or a new one."""
        if article.story:
            story = article.story
        elif previous and previous.get("story") and not previous.get("story_given"):
            story = str(previous["story"])  # a changed article stays in its story
        else:
            story = stories.place(item) or slug(article.title, stories.members, article.id)
        stories.add(story, item)
        return story

    def _stored_profile(self, doc_id: str, meta: dict[str, Any]) -> Profile:
        """The profile of an article stored before stories existed, from its stored chunks."""
        got = self._chunks.get(where={"doc_id": doc_id}, include=["embeddings", "documents"])
        vectors = np.asarray(got["embeddings"] if got["embeddings"] is not None else [], dtype=np.float32)
        return profile(doc_id, " ".join(got["documents"] or []), vectors, meta.get("published"))

    def _assign_missing(self, known: dict[str, dict[str, Any]], stories: StoryIndex) -> None:
        """Give a story to every stored article that has none (stores written before stories existed)."""
        missing = [(doc_id, meta) for doc_id, meta in known.items() if not meta.get("story")]
        if not missing:
            return
        items = [(None, self._stored_profile(doc_id, meta)) for doc_id, meta in missing]
        for i in group_order(items):
            doc_id, meta = missing[i]
            item = items[i][1]
            story = stories.place(item) or slug(str(meta.get("title", "")), stories.members, doc_id)
            stories.add(story, item)
            self._write_profile(item)
            self._catalogue.update(ids=[doc_id], metadatas=[{**meta, "story": story, "story_given": False}])
            known[doc_id] = {**meta, "story": story}
        self.revision += 1

    def ingest(
        self,
        articles: Sequence[Article],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Add new articles, replace changed ones, skip unchanged ones; `progress(n)` after each article.

        New articles are embedded first, then placed in stories in publication order and written."""
        report = IngestReport()
        known = self._catalogue_records()
        stories = self._story_index(known)
        self._assign_missing(known, stories)
        pending: list[tuple[Article, list[Chunk], np.ndarray]] = []
        for article in articles:
            previous = known.get(article.id)
            if (
                previous
                and previous.get("content_hash") == article.content_hash
                and previous.get("chunking") == CHUNKING_VERSION
            ):
                report.unchanged.append(article.id)
                if progress:
                    progress(1)
                continue
            try:
                chunks = chunk_article(article)
                batches = [
                    self.embedder.embed_passages([c.text for c in chunks[at : at + batch_size]])
                    for at in range(0, len(chunks), batch_size)
                ]
                pending.append((article, chunks, np.concatenate(batches)))
            except Exception as exc:  # one bad article must not stop the others
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
                if progress:
                    progress(1)
        items = [
            (article.story, profile(article.id, article.text, vectors, article.published))
            for article, _, vectors in pending
        ]
        for i in group_order(items):
            article, chunks, vectors = pending[i]
            previous = known.get(article.id)
            try:
                story = self._assign_story(article, items[i][1], previous, stories)
                self._write(article, self._nodes(article, chunks, vectors.tolist()), story, items[i][1])
            except Exception as exc:
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
            else:
                (report.updated if previous else report.added).append(article.id)
                report.chunks_written += len(chunks)
            if progress:
                progress(1)
        return report

    def remove(self, doc_ids: Iterable[str]) -> list[str]:
        """Delete these articles and their chunks; returns the ids that were there."""
        known = self._catalogue_records()
        removed = [doc_id for doc_id in doc_ids if doc_id in known]
        for doc_id in removed:
            self._chunks.delete(where={"doc_id": doc_id})
            self._profiles.delete(ids=[doc_id])
            self._catalogue.delete(ids=[doc_id])
        if removed:
            self.revision += 1
        return removed

    def article_paths(self) -> dict[str, str]:
        """Where each indexed article was loaded from (for `--prune`)."""
        return {doc_id: str(meta.get("path", "")) for doc_id, meta in self._catalogue_records().items()}
