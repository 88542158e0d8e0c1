"""Stories: which articles report the same event, so that answers never mix two events.

An article's `story` comes from its metadata when given. Otherwise it joins the story of the most similar
article already stored, or founds a new one; once assigned it stays (re-ingesting the same files changes
nothing, and a later article cannot move an earlier one). Similarity reads three things an editor would:
what the articles say (the cosine of their mean e5 chunk embeddings), whom and where they name (the
rarity-weighted share of capitalised names they have in common, the same in either language), and when they
were published.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from index.chunking import split_sentences

_MARGIN = 1e-3  # far above float32 rounding of a 384-wide dot product
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]{2,}")


@dataclass(frozen=True)
class Profile:
    """What grouping knows of one article."""

    doc_id: str
    centroid: np.ndarray  # mean of its chunk embeddings, L2-normalised
    names: frozenset[str]  # lower-cased capitalised words that do not start a sentence
    published: date | None = None


@dataclass(frozen=True)
class Grouping:
    """When two articles report the same event.

    Tuned on pairs of articles (docs/stories.md has the figures): the development stories of
    `data/stories/dev`, the seed articles and `tests/data/conflicts` (72 same-story pairs) against the first
    400 FacQA articles and every cross-story pair (101,854 pairs). These values join 54 of the 72 same-story
    pairs and 0.66% of the others; the misses are two-sentence test articles that name nobody, which still
    join their story through a third article when it names more.
    """

    cosine_with_names: float = 0.86  # similar text, and ...
    shared_names: float = 0.15  # ... this share of the rarer article's names (idf-weighted) in common
    cosine_alone: float = 0.95  # near-identical text needs no names
    max_days: int = 14  # articles dated further apart report different events


def names_in(text: str) -> frozenset[str]:
    """Capitalised words that are not a sentence's first: the people, places and bodies it names."""
    found = set()
    for start, end in split_sentences(text):
        for match in list(_CAPITALISED.finditer(text, start, end))[1:]:
            found.add(match.group(0).lower())
        first = _CAPITALISED.match(text, start)
        if first is None:  # a sentence opening with a quote or a number: its first capital is a name too
            found.update(m.group(0).lower() for m in _CAPITALISED.finditer(text, start, end))
    return frozenset(found)


def published_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def profile(doc_id: str, text: str, vectors: np.ndarray, published: str | None) -> Profile:
    centroid = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    return Profile(doc_id, centroid / norm if norm else centroid, names_in(text), published_date(published))


class StoryIndex:
    """Profiles by story; `place` decides the story of a new one.

    Centroids are kept as rows of one matrix, so that a new article is compared with every row by one
    matrix product; names are compared only for the few rows similar enough for them to matter. A store
    holds here only the stored profiles near the articles it places (`add(..., stored=...)`), and gives the
    names' document frequencies over all of them (`count_stored`), so that rarity weighs as if every
    stored profile were a row."""

    def __init__(self, grouping: Grouping | None = None) -> None:
        self.grouping = grouping or Grouping()
        self._df: Counter[str] = Counter()  # the names of the rows added uncounted elsewhere
        self._counted = 0  # how many rows those are
        self._stored_df: dict[str, int] = {}  # names of the profiles `count_stored` speaks for
        self._stored_total = 0
        self._idfs: dict[str, float] = {}  # computed since the last `add`
        self._rank: dict[str, tuple[Any, ...]] = {}  # story -> the key of its first member: least wins a tie
        self._held: set[str] = set()  # doc ids of the rows
        self._rows: list[tuple[str, Profile]] = []  # (its story, the profile), one per matrix row
        self._centroids = np.zeros((0, 0), dtype=np.float32)  # grown by doubling; rows past len(_rows) unused

    def __contains__(self, story: object) -> bool:
        return story in self._rank

    def holds(self, doc_id: str) -> bool:
        return doc_id in self._held

    def add(self, story: str, item: Profile, stored: tuple[int, str] | None = None) -> None:
        """A row for `item` in `story`. `stored`: a stored profile's (write sequence, doc id), which
        `count_stored` already counts, and which ranks its story before those added without."""
        if stored is None:
            self._df.update(item.names)
            self._counted += 1
            self._idfs.clear()  # every name's rarity changes with the count of articles
        key: tuple[Any, ...] = (0, *stored) if stored is not None else (1, len(self._rows))
        if story not in self._rank or key < self._rank[story]:
            self._rank[story] = key
        n = len(self._rows)
        if n == len(self._centroids):
            grown = np.zeros((max(64, 2 * n), len(item.centroid)), dtype=np.float32)
            if n:
                grown[:n] = self._centroids
            self._centroids = grown
        self._centroids[n] = item.centroid
        self._rows.append((story, item))
        self._held.add(item.doc_id)

    def count_stored(self, total: int, frequencies: Mapping[str, int]) -> None:
        """`total` profiles besides the rows added uncounted, using these names so many times each (the
        names not given are taken as used by none; frequencies given before are kept)."""
        self._stored_total = total
        self._stored_df.update(frequencies)
        self._idfs.clear()

    def _idf(self, name: str) -> float:
        found = self._idfs.get(name)
        if found is None:
            total = self._stored_total + self._counted + 1
            df = self._stored_df.get(name, 0) + self._df.get(name, 0)
            found = self._idfs[name] = math.log(1 + total / (1 + df))
        return found

    def _shared(self, a: frozenset[str], b: frozenset[str]) -> float:
        both = a & b
        if not both:  # most pairs above the cosine floor: no need to weigh their names
            return 0.0
        common = sum(self._idf(n) for n in both)
        return common / min(sum(self._idf(n) for n in a), sum(self._idf(n) for n in b))

    def same_event(self, a: Profile, b: Profile) -> float:
        """The cosine of two articles when they pass as reports of one event, else 0."""
        g = self.grouping
        if a.published and b.published and abs((a.published - b.published).days) > g.max_days:
            return 0.0
        cosine = float(a.centroid @ b.centroid)
        if cosine >= g.cosine_alone or (
            cosine >= g.cosine_with_names and self._shared(a.names, b.names) >= g.shared_names
        ):
            return cosine
        return 0.0

    def place(self, item: Profile) -> str | None:
        """The story whose closest member passes as the same event as `item`, if any; of stories equally
        close, the first stored."""
        if not self._rows:
            return None
        cosines = self._centroids[: len(self._rows)] @ item.centroid
        # The matrix product may round differently from one dot product: candidates get a margin, and
        # `same_event` decides each of them on its own dot product.
        candidates = sorted(
            (self._rows[i] for i in np.flatnonzero(cosines >= placement_floor(self.grouping))),
            key=lambda row: self._rank[row[0]],
        )
        best, best_score = None, 0.0
        for story, member in candidates:
            score = self.same_event(item, member)
            if score > best_score:
                best, best_score = story, score
        return best


def placement_floor(grouping: Grouping) -> float:
    """The cosine below which no stored article can share a story with a new one (less a margin)."""
    return min(grouping.cosine_with_names, grouping.cosine_alone) - _MARGIN


def slug(title: str, taken: Container[str], fallback: str) -> str:
    """A readable story id from the title of its first article ("banjir-bandang-melanda-lima-desa")."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)[:5]
    base = "-".join(words) or fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def group_order(articles: Sequence[tuple[str, str | None]]) -> list[int]:
    """The order new articles, as (id, publication date), are placed in: by date, then id, so that results
    do not depend on the order files were listed in."""
    return sorted(
        range(len(articles)), key=lambda i: (published_date(articles[i][1]) or date.max, articles[i][0])
    )


def members_by_story(stories: Mapping[str, str]) -> dict[str, list[str]]:
    """doc id -> story, turned into story -> doc ids (sorted)."""
    grouped: dict[str, list[str]] = {}
    for doc_id, story in sorted(stories.items()):
        grouped.setdefault(story, []).append(doc_id)
    return grouped
