"""Whom or what a figure counts, as a group: a figure about one group never conflicts with a figure about
another ("18 anggota pasukan keamanan tewas" and "13 perusuh tewas" both stand).

A lexicon in both languages places most counted phrases; multilingual-e5 embeddings place the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bot.lexicon import lexicon, resolve, word_sets
from bot.schema import Claim

Similar = Callable[[list[str]], np.ndarray]

# Whom or what a figure counts, in every language (bot/lexicon/LANGUAGE.yaml, `groups`): phrases are matched
# longest first on the counted phrase; a group's label in a language names it when a figure has to change
# language.
_GROUPS = word_sets("groups", "phrases")
_GROUP_KEYS = sorted(
    ((tuple(key.split()), group) for group, keys in _GROUPS.items() for key in sorted(keys)),
    key=lambda item: -len(item[0]),
)
_FORCES = frozenset({"security", "police", "soldiers"})

# Embedding thresholds, measured with multilingual-e5-small on phrases outside the lexicon ("aparat gabungan",
# "pria bersenjata", "relawan medis" vs "pelajar", "nelayan", "sapi"): short phrases all score 0.85-0.95
# against each other, so a phrase joins a group only when it is clearly nearer to it than to any other one.
_TEMPLATE = "sejumlah {}"
_GROUP_FLOOR, _GROUP_MARGIN, _PAIR_FLOOR = 0.95, 0.015, 0.95


def group_of(counted: str) -> str | None:
    """The lexicon's group for a counted phrase ("anggota pasukan keamanan": "security"), or None."""
    words = counted.lower().split()
    groups: set[str] = set()
    i = 0
    while i < len(words):
        for key, group in _GROUP_KEYS:
            if tuple(words[i : i + len(key)]) == key:
                groups.add(group)
                i += len(key)
                break
        else:
            i += 1
    if len(groups) > 1:
        groups.discard("people")  # "orang bersenjata" was matched whole; a stray "orang" adds nothing
    if len(groups) > 1 and groups <= _FORCES:
        return "security"  # "polisi dan tentara" together are security forces
    return "+".join(sorted(groups)) or None


def group_terms(group: str) -> frozenset[str]:
    """The words of every phrase the lexicon places in `group`, in all languages."""
    return frozenset(word for key, name in _GROUP_KEYS if name == group for word in key)


def label(group: str | None, language: str) -> str | None:
    """How the group is named in `language` ("security", "en": "security force members"), if it has a name."""
    found = lexicon(resolve(language)).get(f"groups.{group}.label") if group else None
    return str(found) if found else None


_PROTOTYPES: dict[Similar, np.ndarray] = {}


def _prototypes(similar: Similar) -> np.ndarray:
    """The lexicon's phrases embedded once per embedder (about a hundred phrases: seconds on a small CPU)."""
    if similar not in _PROTOTYPES:
        _PROTOTYPES.clear()
        _PROTOTYPES[similar] = similar([_TEMPLATE.format(" ".join(key)) for key, _ in _GROUP_KEYS])
    return _PROTOTYPES[similar]


def _embedded_group(vector: np.ndarray, prototypes: np.ndarray) -> str | None:
    best: dict[str, float] = {}
    for (_, group), score in zip(_GROUP_KEYS, prototypes @ vector, strict=True):
        best[group] = max(best.get(group, -1.0), float(score))
    (top, score), (_, runner_up) = sorted(best.items(), key=lambda item: -item[1])[:2]
    return top if score >= _GROUP_FLOOR and score - runner_up >= _GROUP_MARGIN else None


def _jaccard(a: str, b: str) -> float:
    left, right = set(a.split()), set(b.split())
    return len(left & right) / len(left | right)


def same_counted(claims: Sequence[Claim], similar: Similar | None) -> Callable[[int, int], bool]:
    """A test whether claims i and j count the same group (lexicon, then embeddings, then word overlap)."""
    phrases = [c.counted.lower() for c in claims]
    groups = {p: group_of(p) for p in phrases}
    # Only phrases that could meet a figure from another article are worth embedding.
    articles: dict[str, set[str]] = {}
    for claim in claims:
        articles.setdefault(claim.predicate, set()).add(claim.doc_id)
    unknown = sorted(
        {
            p
            for p, c in zip(phrases, claims, strict=True)
            if groups[p] is None and len(articles[c.predicate]) > 1
        }
    )
    vectors: dict[str, np.ndarray] = {}
    if similar is not None and unknown:
        vectors = dict(zip(unknown, similar([_TEMPLATE.format(p) for p in unknown]), strict=True))
        prototypes = _prototypes(similar)
        groups |= {p: _embedded_group(v, prototypes) for p, v in vectors.items()}

    def same(i: int, j: int) -> bool:
        a, b = phrases[i], phrases[j]
        if a == b:
            return True
        if groups[a] is not None and groups[b] is not None:
            return groups[a] == groups[b]
        if groups[a] is None and groups[b] is None and a in vectors and b in vectors:
            return float(vectors[a] @ vectors[b]) >= _PAIR_FLOOR
        return similar is None and _jaccard(a, b) >= 0.5

    return same
