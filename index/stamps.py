"""What a store records about itself, in a small `NAME_meta` collection beside its chunks.

- `embedder`: the backend, model and dimension that embedded the chunks. Vectors of two embedders cannot be
  compared, so a store is refused to any other.
- `generation`: a stamp written after every change. A process holding the store open compares it before it
  reads, to learn cheaply that another process has written since. Beside it, the `sequence` of the last
  committed write: each write gives the catalogue records it commits (and the tombstones of the articles it
  removes) the next number, then stamps it here, so a reader asks for the articles changed after the
  sequence it last saw instead of reading the whole store again. Writers of a local store take turns (the
  write lock); on a chroma server there is no lock, so run one writer at a time there: two at once could
  take the same number, and a reader could then miss the later one's articles until they change again.
- `names`: how many story profiles the name counts (`index/placement.py`) were last made for; -1 while a
  write changes them, so that counts a killed write left half done never pass as right.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

EMBEDDER = "embedder"
GENERATION = "generation"
NAMES = "names"


class Generation(NamedTuple):
    value: str  # "" for a store never written since stamps existed
    sequence: int  # 0 for a store never written since sequences existed


class Stamps:
    def __init__(self, client: Any, collection: str) -> None:
        self._meta = client.get_or_create_collection(f"{collection}_meta", embedding_function=None)

    def _read(self, key: str) -> dict[str, Any] | None:
        got = self._meta.get(ids=[key], include=["metadatas"])
        metadatas = got["metadatas"] or []
        return dict(metadatas[0] or {}) if metadatas else None

    def _write(self, key: str, values: dict[str, Any]) -> None:
        self._meta.upsert(ids=[key], embeddings=[[1.0]], metadatas=[values])

    def generation(self) -> Generation:
        """The current stamp and the sequence of the last committed write."""
        stamp = self._read(GENERATION) or {}
        return Generation(str(stamp.get("value", "")), int(stamp.get("sequence", 0)))

    def bump(self, sequence: int | None = None) -> str:
        """Write a new stamp (with `sequence` once a write numbered so is committed) and return it."""
        value = uuid.uuid4().hex
        if sequence is None:
            sequence = self.generation().sequence
        self._write(GENERATION, {"value": value, "sequence": sequence})
        return value

    def embedder(self) -> dict[str, Any] | None:
        """The embedder recorded as having built the store, if one is."""
        return self._read(EMBEDDER)

    def record_embedder(self, identity: dict[str, Any]) -> None:
        self._write(EMBEDDER, identity)

    def names_counted(self) -> int | None:
        """How many profiles the name counts stand for; None if unknown or being changed."""
        counted = int((self._read(NAMES) or {}).get("profiles", -1))
        return counted if counted >= 0 else None

    def record_names_counted(self, profiles: int | None) -> None:
        self._write(NAMES, {"profiles": -1 if profiles is None else profiles})
