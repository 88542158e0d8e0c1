"""The chromadb store of article chunks, written and read through llama-index's `ChromaVectorStore`.

Collections: `NAME` holds the chunks (text, embedding, offsets); `NAME_articles` is the catalogue, one
record per article with its content hash (so an unchanged article is never embedded twice) and its story;
`NAME_profiles` holds what story grouping compares (`index/stories.py`): each article's mean embedding and
the names it uses; `NAME_names` how many profiles use each name (`index/placement.py`); `NAME_meta` the
embedder and the generation stamp (`index/stamps.py`); `NAME_pending` the articles whose write has begun
and not yet finished; `NAME_removed` a tombstone for each removed article.

Each article changes at once for a reader, even if the process is killed midway. Its new chunks are added
under ids that carry the content hash, beside the old ones; the catalogue record is the commit: readers see
only chunks whose hash the catalogue holds, so the old version until that write and the new one after it.
Then the old chunks are removed. A write killed midway is finished by the next write (`writing`), which
removes the chunks of whichever version the catalogue does not hold.

Every write is numbered: the catalogue records it commits and the tombstones of the articles it removes carry
its `sequence`, stamped once it is committed, so a reader learns which articles changed since the write it
last saw (`changes`) and reads only their chunks (`chunks_of`), not the whole store. A writer, too, reads
only what it writes: the catalogue records of those articles, and the stored profiles near the new ones.
"""

from __future__ import annotations

import errno
import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import chromadb
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaClientSettings
from chromadb.errors import InternalError
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
from index.embedding import Embedder, EmbeddingError
from index.locking import LockTimeout, WriteLock
from index.placement import NameCounts, Placement, profiles_of, stored_profile
from index.stamps import Stamps
from index.stories import Profile, StoryIndex, group_order, members_by_story, profile, slug

PAGE = 1000  # rows per chroma read; keeps memory flat on large stores
T = TypeVar("T")


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
        """This chunk's sentences, in order, as they are quoted: without bracketed numbers ("[7]"), which
        an article may carry as footnotes or plant as fakes, and which would read as citation markers."""
        offset = int(self.metadata.get("start", 0))
        sentences = (self.text[start - offset : end - offset] for start, end in self.sentences)
        return [" ".join(_BRACKETED_NUMBER.sub(" ", s).split()) for s in sentences]


# Room a local store keeps free beyond a write's own size: chroma's logs and compaction need it.
MIN_FREE_BYTES = 2 * 1024 * 1024


def _disk_full(exc: BaseException) -> bool:
    """Whether a write failed because the disk is full (SQLite and the OS say it in words)."""
    text = str(exc).lower()
    return "disk is full" in text or "no space left" in text or getattr(exc, "errno", None) == errno.ENOSPC


_BRACKETED_NUMBER = re.compile(r"\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")


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


StoredChunk = tuple[str, str, dict[str, Any]]  # chunk id, text, metadata as chroma holds them


class Changes(NamedTuple):
    """What `Store.changes` found: the articles changed, and the sequence to ask from next time."""

    sequence: int
    articles: Mapping[str, dict[str, Any] | None]  # article id -> its catalogue record; None once removed


class _Ready(NamedTuple):
    """An article ready to write: its chunks as nodes (with vectors), its story and its profile."""

    article: Article
    nodes: list[BaseNode]
    story: str
    profile: Profile


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


def _local_client(folder: Path) -> Any:
    """A chroma client on a local folder as it is now. Not the one chroma shares per folder in a process:
    that one keeps the vector index it loaded, and never sees what other processes wrote since."""
    SharedSystemClient._identifier_to_system.pop(str(folder), None)
    SharedSystemClient._identifier_to_refcount.pop(str(folder), None)
    settings = ChromaClientSettings(anonymized_telemetry=False)
    return chromadb.PersistentClient(path=str(folder), settings=settings)


def _describe(identity: dict[str, Any]) -> str:
    model = " ".join(str(identity[k]) for k in ("backend", "model") if identity.get(k))
    return f"{model or 'an unknown embedder'} ({identity.get('dimension')} dimensions)"


class Store:
    """Article chunks in chroma. `generation()` changes with every write, by this process or another.

    `where` names the store in messages; `lock` serialises writers of a local store; `reconnect` opens the
    local folder afresh, to see other processes' writes (a chroma server client always sees them)."""

    def __init__(
        self,
        client: Any,
        embedder: Embedder,
        collection: str = "articles",
        *,
        where: str = "the store",
        lock: WriteLock | None = None,
        reconnect: Callable[[], Any] | None = None,
    ) -> None:
        self.embedder = embedder
        self.collection = collection
        self.where = where
        self._lock = lock
        self._reconnect = reconnect
        self._connect(client)
        self._check_embedder()
        self._generation, self._sequence = self._stamps.generation()
        self._visible_at: str | None = None
        self._visible_sequence = 0
        self._visible_hashes: dict[str, str] = {}

    def _connect(self, client: Any) -> None:
        self.client = client
        # embedding_function=None: chroma must never embed by itself (its default downloads a model).
        self._chunks = client.get_or_create_collection(
            self.collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._catalogue = client.get_or_create_collection(
            f"{self.collection}_articles", embedding_function=None
        )
        self._profiles = client.get_or_create_collection(
            f"{self.collection}_profiles", embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._pending = client.get_or_create_collection(f"{self.collection}_pending", embedding_function=None)
        self._removed = client.get_or_create_collection(f"{self.collection}_removed", embedding_function=None)
        self._stamps = Stamps(client, self.collection)
        self._names = NameCounts(client, self.collection, self._stamps)
        self.vectors = ChromaVectorStore(chroma_collection=self._chunks)

    @classmethod
    def open(
        cls,
        embedder: Embedder,
        *,
        path: Path | str | None = None,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        collection: str = "articles",
        lock_timeout_s: float = 300.0,
    ) -> Store:
        """A local store under `path`, or a chroma server at `host:port` when a host is given; a second
        writer of a local store waits up to `lock_timeout_s` for the first."""
        where = f"the chroma server {host}:{port}" if host else f"the store folder {path}"
        try:
            if host:
                settings = ChromaClientSettings(anonymized_telemetry=False)
                client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
                client.heartbeat()
                return cls(client, embedder, collection, where=where)
            if path is None:
                raise StoreError("no store path given")
            folder = Path(path)
            folder.mkdir(parents=True, exist_ok=True)
            lock = WriteLock(folder, lock_timeout_s)
            # Creating a store writes to it: two processes creating one at once would clash.
            with nullcontext() if (folder / "chroma.sqlite3").exists() else lock.held():
                return cls(
                    _local_client(folder),
                    embedder,
                    collection,
                    where=where,
                    lock=lock,
                    reconnect=lambda: _local_client(folder),
                )
        except (StoreError, EmbeddingError):
            raise
        except Exception as exc:  # chroma raises many types; all mean the same to a user
            raise StoreError(f"cannot open {where}: {exc}") from exc

    def _check_embedder(self) -> None:
        ours = self.embedder.identity
        theirs = self._stamps.embedder()
        if theirs is None:  # written before the embedder was recorded: the width of its vectors tells
            sample = self._chunks.peek(1)["embeddings"]
            if sample is None or len(sample) == 0 or len(sample[0]) == ours["dimension"]:
                return
            theirs = {"dimension": len(sample[0])}
        if {key: theirs.get(key) for key in ours} != ours:
            raise StoreError(
                f"{self.where} was built with {_describe(theirs)}, but Kabar embeds with {_describe(ours)}; "
                "vectors of two embedders cannot be compared: ingest into another store folder or "
                "collection, or use the embedder that built it"
            )

    # ---- seeing other processes' writes --------------------------------------------------------------

    def generation(self) -> str:
        """The store's current stamp, changed by every write. When another process wrote since this object
        last looked, a local store is reopened first, so that what it reads next includes those writes."""
        current, self._sequence = self._stamps.generation()
        if current != self._generation:
            if self._reconnect is not None:
                self._connect(self._reconnect())
            self._generation = current
        return current

    def changes(self, since: int | None = None) -> Changes:
        """The articles changed by the writes after the one numbered `since` (None: every article)."""
        self.generation()
        sequence = self._sequence  # read first: a write numbered later may show in part, and is read again
        if since is None:
            records = self._catalogue_records()
            if self._visible_at is None:  # this object's own view, from the same read (costly at scale)
                self._visible_hashes = {doc: str(m.get("content_hash", "")) for doc, m in records.items()}
                self._visible_at, self._visible_sequence = self._generation, sequence
            return Changes(sequence, records)
        after = {"sequence": {"$gt": since}}
        changed = sorted(
            set(self._catalogue.get(where=after, include=[])["ids"])
            | set(self._removed.get(where=after, include=[])["ids"])
        )
        articles: dict[str, dict[str, Any] | None] = dict.fromkeys(changed)
        if changed:  # the catalogue as it is now decides: an article removed, then added again, is there
            got = self._catalogue.get(ids=changed, include=["metadatas"])
            articles.update(zip(got["ids"], (dict(m or {}) for m in got["metadatas"] or []), strict=True))
        return Changes(sequence, articles)

    def _next_sequence(self) -> int:
        return self._stamps.generation().sequence + 1

    def _read(self, read: Callable[..., T], *args: Any) -> T:
        """`read(*args)`; once more on the store opened afresh when chroma fails on ids that another
        process removed after this one last looked (a local client's vector index is a snapshot)."""
        try:
            return read(*args)
        except InternalError:
            if self._reconnect is None:
                raise
            self._connect(self._reconnect())
            return read(*args)

    def _page(self, offset: int) -> Any:
        return self._chunks.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)

    def _page_of(self, doc_ids: list[str]) -> Any:
        return self._chunks.get(where={"doc_id": {"$in": doc_ids}}, include=["documents", "metadatas"])

    def _query(self, query: VectorStoreQuery) -> Any:
        return self.vectors.query(query)

    def _visible(self) -> dict[str, str]:
        """article id -> the content hash of its committed version; chunks of any other are not shown."""
        generation = self.generation()
        if self._visible_at != generation:
            changes = self.changes(None if self._visible_at is None else self._visible_sequence)
            for doc, meta in changes.articles.items():
                if meta is None:
                    self._visible_hashes.pop(doc, None)
                else:
                    self._visible_hashes[doc] = str(meta.get("content_hash", ""))
            self._visible_at, self._visible_sequence = generation, changes.sequence
        return self._visible_hashes

    @contextmanager
    def writing(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the write lock (`on_wait()` is called if another process has it), see what others wrote,
        and finish any write a killed process left midway. Writes inside are made under it."""
        with ExitStack() as stack:
            first = True
            if self._lock is not None:
                try:
                    first = stack.enter_context(self._lock.held(on_wait))
                except LockTimeout:
                    raise StoreError(
                        f"another process is writing to {self.where} and did not finish within "
                        f"{self._lock.timeout_s:g} s; run this again once it has"
                    ) from None
            if first:
                self.generation()
                self._finish_interrupted()
                if self._stamps.embedder() is None:
                    self._stamps.record_embedder(self.embedder.identity)
            yield

    def _finish_interrupted(self) -> None:
        """Remove the chunks of the version the catalogue does not hold, for each article left pending."""
        pending = list(self._pending.get(include=[])["ids"])
        if not pending:
            return
        known = self._records(pending)
        for doc_id in pending:
            committed = known.get(doc_id, {}).get("content_hash")
            got = self._chunks.get(where={"doc_id": doc_id}, include=["metadatas"])
            stale = [
                chunk_id
                for chunk_id, meta in zip(got["ids"], got["metadatas"] or [], strict=False)
                if (meta or {}).get("content_hash") != committed
            ]
            if stale:
                self._chunks.delete(ids=stale)
            if committed is None:
                self._profiles.delete(ids=[doc_id])
        self._pending.delete(ids=pending)
        self._generation = self._stamps.bump()

    # ---- reading -------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._chunks.count())

    def _records(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The catalogue records of these articles (those stored)."""
        records: dict[str, dict[str, Any]] = {}
        for at in range(0, len(doc_ids), PAGE):
            got = self._catalogue.get(ids=list(doc_ids[at : at + PAGE]), include=["metadatas"])
            records.update(
                (doc, dict(meta or {})) for doc, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
            )
        return records

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
        """Every chunk of every article's committed version as (chunk id, text, metadata), page by page."""
        visible = self._visible()
        total = self._chunks.count()
        for offset in range(0, total, PAGE):
            page = self._read(self._page, offset)
            for chunk_id, text, meta in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=False
            ):
                if visible.get(str(meta.get("doc_id"))) == meta.get("content_hash"):
                    yield chunk_id, text, meta

    def chunks_of(self, articles: Mapping[str, Mapping[str, Any]]) -> dict[str, list[StoredChunk]]:
        """The chunks of each article's version its catalogue record names (as `changes` gives them), by
        article, in store order; an article whose version is no longer all there (replaced or removed since
        the record was read) is left out."""
        wanted = {doc: meta.get("content_hash") for doc, meta in articles.items()}
        found: dict[str, list[StoredChunk]] = {}

        def take(page: Any) -> None:
            for chunk_id, text, meta in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=False
            ):
                doc = str(meta.get("doc_id"))
                if doc in wanted and wanted[doc] == meta.get("content_hash"):
                    found.setdefault(doc, []).append((chunk_id, text, meta))

        def complete(doc: str) -> bool:
            expected = articles[doc].get("chunks")  # None in stores written before it was recorded
            return expected is None or len(found.get(doc, [])) == int(expected)

        if len(wanted) > PAGE:  # one pass over the store costs less than asking for so many articles
            for offset in range(0, self._chunks.count(), PAGE):
                take(self._read(self._page, offset))
        # Asked by article, what is missing: pages read while another process deleted chunks skip some.
        missing = [doc for doc in wanted if doc not in found or not complete(doc)]
        for at in range(0, len(missing), PAGE):
            group = missing[at : at + PAGE]
            for doc in group:
                found.pop(doc, None)
            take(self._read(self._page_of, group))
        return {doc: found.get(doc, []) for doc in wanted if complete(doc)}

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored (L2-normalised) embeddings of these chunks; ids not in the store are left out."""
        got = self._read(lambda: self._chunks.get(ids=list(chunk_ids), include=["embeddings"]))
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
        visible = self._visible()
        asked = min(k, count)
        while True:
            query = VectorStoreQuery(query_embedding=list(embedding), similarity_top_k=asked, filters=filters)
            result = self._read(self._query, query)
            hits = []
            for node, node_id, similarity in zip(
                result.nodes or [], result.ids or [], result.similarities or [], strict=False
            ):
                meta = dict(node.metadata)
                if visible.get(str(meta.get("doc_id"))) != meta.get("content_hash"):
                    continue  # a version not (or no longer) committed
                # ChromaVectorStore reports exp(-distance); with cosine distance, 1 + ln() is the cosine.
                score = 1.0 + math.log(max(similarity, 1e-12))
                hits.append(Hit(node_id, str(meta.get("doc_id")), node.get_content(), score, meta))
            if len(hits) >= k or len(result.ids or []) < asked or asked >= count:
                return hits[:k]
            asked = min(2 * asked, count)  # uncommitted chunks took places: ask for more

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

    def _mark_pending(self, doc_ids: list[str]) -> None:
        self._pending.upsert(
            ids=doc_ids, embeddings=[[1.0]] * len(doc_ids), metadatas=[{"doc_id": d} for d in doc_ids]
        )

    def _check_room(self, batch: Sequence[_Ready]) -> None:
        """Refuse a write the disk of a local store has no room for (raises ENOSPC): chroma, running out of
        space in the middle of a write, can fail in words no one reads as a full disk, or never return."""
        if self._lock is None:  # a chroma server minds its own disk
            return
        texts = sum(len(node.get_content().encode()) for ready in batch for node in ready.nodes)
        vectors = sum(len(ready.nodes) for ready in batch) * int(self.embedder.identity["dimension"]) * 4
        need = MIN_FREE_BYTES + 4 * (texts + vectors)  # the text and vector, their index, the log
        free = shutil.disk_usage(self._lock.path.parent).free
        if free < need:
            room = f"{free // 1024} KB free, {need // 1024} KB needed"
            raise OSError(errno.ENOSPC, f"no space left on device: {room}")

    def _write(self, batch: Sequence[_Ready]) -> None:
        """Store these articles with a few chroma calls for all of them: each is still committed whole, by
        its catalogue record, and a write killed midway is finished for each of them (`writing`)."""
        self._check_room(batch)
        doc_ids = [ready.article.id for ready in batch]
        sequence = self._next_sequence()
        self._mark_pending(doc_ids)
        nodes = [node for ready in batch for node in ready.nodes]
        if nodes:
            self.vectors.add(nodes)
        self._write_profiles([ready.profile for ready in batch])
        self._catalogue.upsert(
            ids=doc_ids,
            embeddings=[[1.0]] * len(batch),
            metadatas=[
                {
                    "title": ready.article.title,
                    "source": ready.article.source or "",
                    "url": ready.article.url or "",
                    "published": ready.article.published or "",
                    "language": ready.article.language,
                    "content_hash": ready.article.content_hash,
                    "chunks": len(ready.nodes),
                    "chunking": CHUNKING_VERSION,
                    "path": ready.article.path or "",
                    "story": ready.story,
                    "story_given": bool(ready.article.story),
                    "sequence": sequence,
                }
                for ready in batch
            ],
        )
        self._generation = self._stamps.bump(sequence)  # before the old chunks go: readers switch first
        new_ids = {node.node_id for node in nodes}
        stored = self._chunks.get(where={"doc_id": {"$in": doc_ids}}, include=[])["ids"]
        old_ids = [i for i in stored if i not in new_ids]
        if old_ids:
            self._chunks.delete(ids=old_ids)
        self._pending.delete(ids=doc_ids)

    def _write_profiles(self, items: Sequence[Profile]) -> None:
        self._profiles.upsert(
            ids=[item.doc_id for item in items],
            embeddings=[item.centroid.tolist() for item in items],
            metadatas=[
                {
                    "names": json.dumps(sorted(item.names), ensure_ascii=False),
                    "published": item.published.isoformat() if item.published else "",
                }
                for item in items
            ],
        )

    def _story_index(self, known: dict[str, dict[str, Any]]) -> tuple[StoryIndex, set[str]]:
        """Every stored profile of an article with a story, by that story; and the ids of every profile."""
        stories, profiled = StoryIndex(), set()
        total = self._profiles.count()
        for offset in range(0, total, PAGE):
            page = self._profiles.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
            vectors = page["embeddings"] if page["embeddings"] is not None else []
            for doc_id, vector, meta in zip(page["ids"], vectors, page["metadatas"] or [], strict=False):
                profiled.add(doc_id)
                story = known.get(doc_id, {}).get("story")
                if story:
                    stories.add(str(story), stored_profile(doc_id, vector, meta))
        return stories, profiled

    def _assign_story(
        self, article: Article, item: Profile, previous: dict[str, Any] | None, placement: Placement
    ) -> str:
        """The metadata's story; else the one the article already had; else the closest, or a new one."""
        story = self._kept_story(article, previous)
        if story is None:
            story = placement.stories.place(item) or slug(article.title, placement.taken, article.id)
        placement.stories.add(story, item)
        return story

    @staticmethod
    def _kept_story(article: Article, previous: dict[str, Any] | None) -> str | None:
        """The story an article has without being placed: its metadata's, or the one it already had."""
        if article.story:
            return article.story
        if previous and previous.get("story") and not previous.get("story_given"):
            return str(previous["story"])  # a changed article stays in its story
        return None

    def _stored_profile(self, doc_id: str, meta: dict[str, Any]) -> Profile:
        """The profile of an article stored before stories existed, from its stored chunks."""
        got = self._chunks.get(where={"doc_id": doc_id}, include=["embeddings", "documents"])
        vectors = np.asarray(got["embeddings"] if got["embeddings"] is not None else [], dtype=np.float32)
        return profile(doc_id, " ".join(got["documents"] or []), vectors, meta.get("published"))

    def _assign_missing(self) -> None:
        """Give a story and a profile to every stored article that lacks one (stores written before stories
        existed, or such a write cut short), drop profiles of articles no longer stored, and count names
        afresh. Reads the whole catalogue and every profile: only while their counts differ."""
        known = self._catalogue_records()
        stories, profiled = self._story_index(known)
        orphans = sorted(profiled - set(known))
        for at in range(0, len(orphans), PAGE):
            self._profiles.delete(ids=orphans[at : at + PAGE])
        missing = [
            (doc_id, meta)
            for doc_id, meta in known.items()
            if not meta.get("story") or doc_id not in profiled
        ]
        sequence = self._next_sequence()
        for i in group_order([(doc_id, meta.get("published")) for doc_id, meta in missing]):
            doc_id, meta = missing[i]
            item = self._stored_profile(doc_id, meta)
            story = (
                str(meta.get("story") or "")
                or stories.place(item)
                or slug(str(meta.get("title", "")), stories, doc_id)
            )
            stories.add(story, item)
            if story != meta.get("story"):  # the story first: killed before the profile, this runs again
                meta = {**meta, "story": story, "story_given": False, "sequence": sequence}
                self._catalogue.update(ids=[doc_id], metadatas=[meta])
            self._write_profiles([item])
        if missing:
            self._generation = self._stamps.bump(sequence)
        self._names.rebuild(self._profiles)

    def ingest(
        self,
        articles: Sequence[Article],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
        write_batch: int = 200,
    ) -> IngestReport:
        """Add new articles, replace changed ones, skip unchanged ones; `progress(n)` after n articles.

        New articles are taken in publication order, `write_batch` at a time: embedded `batch_size` chunks
        a call across articles, placed in stories, and written while the next batch is embedded; all under
        the write lock (`writing`). Readers see each article at once, old or new."""
        with self.writing():
            return self._ingest(articles, batch_size, write_batch, progress or (lambda n: None))

    def _ingest(
        self, articles: Sequence[Article], batch_size: int, write_batch: int, progress: Callable[[int], None]
    ) -> IngestReport:
        report = IngestReport()
        known = self._records(list(dict.fromkeys(article.id for article in articles)))
        todo: list[tuple[Article, list[Chunk]]] = []
        for article in articles:
            previous = known.get(article.id)
            if (
                previous
                and previous.get("content_hash") == article.content_hash
                and previous.get("chunking") == CHUNKING_VERSION
            ):
                report.unchanged.append(article.id)
                progress(1)
                continue
            try:
                todo.append((article, chunk_article(article)))
            except Exception as exc:  # one bad article must not stop the others
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
                progress(1)
        # Every stored article with a story has a profile, and no profile outlives its article: as many
        # profiles as articles means none lacks either (`_finish_interrupted` dropped those of cut writes).
        if self._profiles.count() != self._catalogue.count():
            self._assign_missing()
            known = self._records(list(known))
        if not todo:
            return report
        if not self._names.valid(self._profiles.count()):
            self._names.rebuild(self._profiles)
        todo = [todo[i] for i in group_order([(article.id, article.published) for article, _ in todo])]
        writing = [article.id for article, _ in todo]
        rewriting = profiles_of(self._profiles, [i for i in writing if i in known])
        placement = Placement(self._profiles, self._catalogue, self._names, writing, rewriting)
        # While one batch is written, the next is embedded: the embedder runs outside Python's lock.
        with ThreadPoolExecutor(max_workers=1) as writer:
            written: tuple[Future[None], list[_Ready]] | None = None
            try:
                for at in range(0, len(todo), write_batch):
                    embedded = self._embed(todo[at : at + write_batch], batch_size, report, progress)
                    batch = self._place(embedded, known, placement, report, progress)
                    if written is not None:
                        self._written(*written, known, placement, report, progress)
                    if batch:
                        placement.begin()
                    written = (writer.submit(self._write, batch), batch) if batch else None
                if written is not None:
                    self._written(*written, known, placement, report, progress)
                    written = None
            finally:
                if written is not None:  # stopped while a write went on: its profiles are not known
                    placement.written([], ok=False)
                placement.finish()
        return report

    def _place(
        self,
        embedded: list[tuple[Article, list[Chunk], np.ndarray]],
        known: dict[str, dict[str, Any]],
        placement: Placement,
        report: IngestReport,
        progress: Callable[[int], None],
    ) -> list[_Ready]:
        """These embedded articles, in order, each in its story and with its chunks as nodes."""
        profiled = []
        for article, chunks, vectors in embedded:
            try:
                profiled.append(
                    (article, chunks, vectors, profile(article.id, article.text, vectors, article.published))
                )
            except Exception as exc:
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
                progress(1)
        placing = [
            item
            for article, _, _, item in profiled
            if self._kept_story(article, known.get(article.id)) is None
        ]
        placement.prepare([item for *_, item in profiled], placing)
        batch = []
        for article, chunks, vectors, item in profiled:
            try:
                story = self._assign_story(article, item, known.get(article.id), placement)
                nodes = self._nodes(article, chunks, vectors.tolist())
            except Exception as exc:
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
                progress(1)
            else:
                batch.append(_Ready(article, nodes, story, item))
        return batch

    def _written(
        self,
        write: Future[None],
        batch: list[_Ready],
        known: dict[str, dict[str, Any]],
        placement: Placement,
        report: IngestReport,
        progress: Callable[[int], None],
    ) -> None:
        """Wait for the write of `batch` and report it."""
        try:
            write.result()
        except Exception as exc:
            placement.written([], ok=False)
            if _disk_full(exc):  # every later write would fail too (chroma may even hang on it)
                stored = len(report.added) + len(report.updated)
                raise StoreError(
                    f"the disk holding the store is full ({exc}); {stored} articles were stored "
                    "before it filled: free some space and run the ingest again to add the rest"
                ) from exc
            report.failed.extend((ready.article.id, f"{type(exc).__name__}: {exc}") for ready in batch)
        else:
            placement.written([ready.profile for ready in batch], ok=True)
            for ready in batch:
                (report.updated if ready.article.id in known else report.added).append(ready.article.id)
                report.chunks_written += len(ready.nodes)
        progress(len(batch))

    def _embed(
        self,
        todo: Sequence[tuple[Article, list[Chunk]]],
        batch_size: int,
        report: IngestReport,
        progress: Callable[[int], None],
    ) -> list[tuple[Article, list[Chunk], np.ndarray]]:
        """The articles with their chunks' vectors, embedded exactly `batch_size` chunks a call across
        articles (one chunk a call is several times slower). An article whose own call fails is reported
        failed; the articles of a shared call that fails are tried one by one, so that only the bad one is.
        An `EmbeddingError` (the embedder, not an article) stops the ingest: no later article is written."""
        owners = [n for n, (_, chunks) in enumerate(todo) for _ in chunks]
        texts = [chunk.text for _, chunks in todo for chunk in chunks]
        rows: list[np.ndarray] = [np.empty(0)] * len(texts)
        failed: dict[int, Exception] = {}
        alone: set[int] = set()
        for at in range(0, len(texts), batch_size):
            try:
                rows[at : at + batch_size] = list(self.embedder.embed_passages(texts[at : at + batch_size]))
            except EmbeddingError:
                raise
            except Exception as exc:  # one bad article must not stop the others
                involved = set(owners[at : at + batch_size])
                if len(involved) == 1:
                    failed.setdefault(owners[at], exc)
                else:
                    alone |= involved
        done, at = [], 0
        for n, (article, chunks) in enumerate(todo):
            vectors, at = rows[at : at + len(chunks)], at + len(chunks)
            try:
                if not chunks:
                    raise ValueError("the article has no text to embed")
                if n in failed:
                    raise failed[n]
                if n in alone:
                    own = [chunk.text for chunk in chunks]
                    vectors = [
                        v
                        for i in range(0, len(own), batch_size)
                        for v in self.embedder.embed_passages(own[i : i + batch_size])
                    ]
            except EmbeddingError:
                raise
            except Exception as exc:
                report.failed.append((article.id, f"{type(exc).__name__}: {exc}"))
                progress(1)
            else:
                done.append((article, chunks, np.asarray(vectors, dtype=np.float32)))
        return done

    def remove(self, doc_ids: Iterable[str]) -> list[str]:
        """Delete these articles and their chunks, in one numbered write; returns the ids that were there."""
        with self.writing():
            asked = list(dict.fromkeys(doc_ids))
            known = self._records(asked)
            removed = [doc_id for doc_id in asked if doc_id in known]
            if not removed:
                return []
            profiles = self._profiles.count()
            counted = self._names.valid(profiles)
            gone = profiles_of(self._profiles, removed)
            names = Counter(name for item in gone for name in item.names)
            self._names.begin()
            pages = [removed[at : at + PAGE] for at in range(0, len(removed), PAGE)]
            for page in pages:
                self._mark_pending(page)
            sequence = self._next_sequence()
            for page in pages:  # a tombstone before the commit: a reader told of a change finds it there
                self._removed.upsert(
                    ids=page, embeddings=[[1.0]] * len(page), metadatas=[{"sequence": sequence}] * len(page)
                )
            for page in pages:
                self._catalogue.delete(ids=page)  # the commit: from here on readers no longer see them
            self._generation = self._stamps.bump(sequence)
            for page in pages:
                self._chunks.delete(where={"doc_id": {"$in": page}})
                self._profiles.delete(ids=page)
                self._pending.delete(ids=page)
            if counted:
                self._names.apply({n: -c for n, c in names.items()}, profiles - len(gone))
            return removed

    def article_paths(self) -> dict[str, str]:
        """Where each indexed article was loaded from (for `--prune`)."""
        return {doc_id: str(meta.get("path", "")) for doc_id, meta in self._catalogue_records().items()}
