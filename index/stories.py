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
    """The stored articles' profiles by story; `place` decides the story of a new one.

    Centroids are kept as rows of one matrix, so that a new article is compared with every stored one by
    one matrix product; names are compared only for the few rows similar enough for them to matter."""

    def __init__(self, grouping: Grouping | None = None) -> None:
        self.grouping = grouping or Grouping()
        self._df: Counter[str] = Counter()
        self._idfs: dict[str, float] = {}  # computed since the last `add`
        self._stories: list[str] = []  # in the order each was first added: the first wins a tie
        self._rank: dict[str, int] = {}  # story -> its place in `_stories`
        self._rows: list[tuple[int, Profile]] = []  # (its story's rank, the profile), one per matrix row
        self._centroids = np.zeros((0, 0), dtype=np.float32)  # grown by doubling; rows past len(_rows) unused

    def __contains__(self, story: object) -> bool:
        return story in self._rank

    def add(self, story: str, item: Profile) -> None:
        self._df.update(item.names)
        self._idfs.clear()  # every name's rarity changes with the count of articles
        if story not in self._rank:
            self._rank[story] = len(self._stories)
            self._stories.append(story)
        rank = self._rank[story]
        n = len(self._rows)
        if n == len(self._centroids):
            grown = np.zeros((max(64, 2 * n), len(item.centroid)), dtype=np.float32)
            if n:
                grown[:n] = self._centroids
            self._centroids = grown
        self._centroids[n] = item.centroid
        self._rows.append((rank, item))

    def _idf(self, name: str) -> float:
        found = self._idfs.get(name)
        if found is None:
            total = len(self._rows) + 1
            found = self._idfs[name] = math.log(1 + total / (1 + self._df.get(name, 0)))
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
        g = self.grouping
        cosines = self._centroids[: len(self._rows)] @ item.centroid
        # The matrix product may round differently from one dot product: candidates get a margin, and
        # `same_event` decides each of them on its own dot product.
        floor = min(g.cosine_with_names, g.cosine_alone) - _MARGIN
        candidates = sorted((self._rows[i] for i in np.flatnonzero(cosines >= floor)), key=lambda r: r[0])
        best, best_score = None, 0.0
        for rank, member in candidates:
            score = self.same_event(item, member)
            if score > best_score:
                best, best_score = rank, score
        return None if best is None else self._stories[best]


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
