"""Placing new articles in stories against a store, reading only the stored profiles near them.

`StoryIndex` (`index/stories.py`) decides; this module gives it what it needs of the store. For each batch
of new articles, the profiles collection (an HNSW index, cosine space) is asked for the stored profiles
near each new centroid, as many as could still pass the placement floor; the catalogue gives the story of
just those. A name's rarity counts every stored profile: `NAME_names` holds how many profiles use each
name, and the store's stamps how many profiles those counts were made for. Counts that do not match the
profiles (a store older than them, a write killed while changing them) are made again from every profile,
once: the only whole read.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from index.stamps import Stamps
from index.stories import _MARGIN, Profile, StoryIndex, placement_floor, published_date

PAGE = 1000  # ids a chroma read
NEIGHBOURS = 32  # stored profiles first asked near each new article; doubled while the last still passes


def _pages(ids: Sequence[str]) -> Iterable[list[str]]:
    for at in range(0, len(ids), PAGE):
        yield list(ids[at : at + PAGE])


def stored_profile(doc_id: str, vector: Any, meta: Mapping[str, Any] | None) -> Profile:
    """A profile as the profiles collection holds it."""
    meta = meta or {}
    return Profile(
        doc_id,
        np.asarray(vector, dtype=np.float32),
        frozenset(json.loads(str(meta.get("names", "[]")))),
        published_date(str(meta.get("published", ""))),
    )


def profiles_of(profiles: Any, doc_ids: Sequence[str]) -> list[Profile]:
    """The stored profiles of these articles (those that have one), without their centroids."""
    found = []
    for page in _pages(doc_ids):
        got = profiles.get(ids=page, include=["metadatas"])
        found += [stored_profile(i, [], m) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)]
    return found


class NameCounts:
    """How many stored profiles use each name (`NAME_names`, one record a name)."""

    def __init__(self, client: Any, collection: str, stamps: Stamps) -> None:
        self._client = client
        self._name = f"{collection}_names"
        self._stamps = stamps
        self._counts = client.get_or_create_collection(self._name, embedding_function=None)

    def valid(self, profiles: int) -> bool:
        """Whether the counts stand for these many profiles, and no write left them half changed."""
        return self._stamps.names_counted() == profiles

    def get(self, names: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for page in _pages(sorted(set(names))):
            got = self._counts.get(ids=page, include=["metadatas"])
            found.update(
                (name, int((meta or {}).get("count", 0)))
                for name, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
            )
        return found

    def begin(self) -> None:
        """Called before a write changes profiles: until `apply`, the counts are not taken as right."""
        self._stamps.record_names_counted(None)

    def apply(self, delta: Mapping[str, int], profiles: int) -> None:
        """Add `delta` to the counts, which then stand for `profiles` profiles."""
        now = self.get(name for name, change in delta.items() if change)
        counts = {name: now.get(name, 0) + change for name, change in delta.items() if change}
        self._put({name: n for name, n in counts.items() if n > 0})
        gone = [name for name, n in counts.items() if n <= 0]
        for page in _pages(gone):
            self._counts.delete(ids=page)
        self._stamps.record_names_counted(profiles)

    def rebuild(self, profiles: Any) -> None:
        """Count the names of every profile in the `profiles` collection afresh."""
        self.begin()
        counts: Counter[str] = Counter()
        total = profiles.count()
        for offset in range(0, total, PAGE):
            page = profiles.get(include=["metadatas"], limit=PAGE, offset=offset)
            for meta in page["metadatas"] or []:
                counts.update(json.loads(str((meta or {}).get("names", "[]"))))
        self._client.delete_collection(self._name)
        self._counts = self._client.get_or_create_collection(self._name, embedding_function=None)
        self._put(counts)
        self._stamps.record_names_counted(total)

    def _put(self, counts: Mapping[str, int]) -> None:
        names = sorted(counts)
        for page in _pages(names):
            self._counts.upsert(
                ids=page, embeddings=[[1.0]] * len(page), metadatas=[{"count": counts[n]} for n in page]
            )


class Placement:
    """One ingest's stories: a `StoryIndex` holding the stored profiles near its articles and the articles
    it has placed, counting names over every stored profile; and the change it makes to the name counts.

    `rewriting` are the stored profiles of the articles this ingest writes again: they are left out (their
    names too) until the new version is added, as if the old one were already replaced."""

    def __init__(
        self,
        profiles: Any,
        catalogue: Any,
        names: NameCounts,
        writing: Iterable[str],
        rewriting: Sequence[Profile],
    ) -> None:
        self.stories = StoryIndex()
        self._profiles = profiles
        self._catalogue = catalogue
        self._names = names
        self._writing = set(writing)
        self._profiles_after = profiles.count()  # grows with each new article's profile written
        self._stored = self._profiles_after - len(rewriting)
        self._left_out: Counter[str] = Counter(n for item in rewriting for n in item.names)
        self._rewritten = {item.doc_id: item for item in rewriting}
        self._counted: set[str] = set()
        self._delta: Counter[str] = Counter()
        self._begun = self._broken = False
        self.taken = _Taken(self.stories, catalogue)

    def prepare(self, items: Sequence[Profile], placing: Sequence[Profile]) -> None:
        """Before these articles are added: the stored profiles near each of `placing` (the ones whose story
        is to be decided), and the counts of every name they and those profiles use."""
        found = []
        for page in _pages(self._near(placing)):
            got = self._profiles.get(ids=page, include=["embeddings", "metadatas"])
            catalogue = self._catalogue.get(ids=page, include=["metadatas"])
            records = dict(zip(catalogue["ids"], catalogue["metadatas"] or [], strict=True))
            vectors = got["embeddings"] if got["embeddings"] is not None else []
            for doc_id, vector, meta in zip(got["ids"], vectors, got["metadatas"] or [], strict=True):
                record = dict(records.get(doc_id) or {})
                if record.get("story"):  # as the whole index held only profiles with a story
                    item = stored_profile(doc_id, vector, meta)
                    self.stories.add(str(record["story"]), item, (int(record.get("sequence", 0)), doc_id))
                    found.append(item)
        wanted = {n for item in (*items, *found) for n in item.names} - self._counted
        counts = self._names.get(wanted)
        self._counted |= wanted
        self.stories.count_stored(
            self._stored, {n: counts.get(n, 0) - self._left_out.get(n, 0) for n in wanted}
        )

    def _near(self, placing: Sequence[Profile]) -> list[str]:
        """The stored profiles (not held yet, not written by this ingest) whose cosine with one of
        `placing` could pass the floor, by the HNSW index; asked again, for more, while the last passes."""
        total = self._profiles.count()
        floor = placement_floor(self.stories.grouping) - _MARGIN  # the index rounds in its own way
        found: set[str] = set()
        asking, k = list(placing), min(NEIGHBOURS, total)
        while asking and k:
            got = self._profiles.query(
                query_embeddings=[item.centroid.tolist() for item in asking],
                n_results=k,
                include=["distances"],
            )
            again = []
            for item, ids, distances in zip(asking, got["ids"], got["distances"] or [], strict=True):
                found.update(i for i, d in zip(ids, distances, strict=True) if 1 - d >= floor)
                if len(ids) == k and k < total and 1 - distances[-1] >= floor:
                    again.append(item)
            asking, k = again, min(2 * k, total)
        return sorted(i for i in found if i not in self._writing and not self.stories.holds(i))

    def begin(self) -> None:
        """Called before this ingest's first write of profiles."""
        if not self._begun:
            self._names.begin()
            self._begun = True

    def written(self, items: Sequence[Profile], ok: bool) -> None:
        """These profiles were written (`ok`), or their write failed and left the counts unknown."""
        if not ok:
            self._broken = True
            return
        for item in items:
            self._delta.update(item.names)
            old = self._rewritten.pop(item.doc_id, None)
            if old is not None:
                self._delta.subtract(old.names)
            else:
                self._profiles_after += 1  # a new article: a profile more

    def finish(self) -> None:
        """Bring the name counts up to this ingest's writes (unless one failed: counted again next time)."""
        if self._begun and not self._broken:
            self._names.apply(self._delta, self._profiles_after)


class _Taken:
    """The story ids in use: those the index holds, else the catalogue is asked (`slug` tries a few)."""

    def __init__(self, stories: StoryIndex, catalogue: Any) -> None:
        self._stories = stories
        self._catalogue = catalogue

    def __contains__(self, story: object) -> bool:
        if story in self._stories:
            return True
        return bool(self._catalogue.get(where={"story": str(story)}, limit=1, include=[])["ids"])
