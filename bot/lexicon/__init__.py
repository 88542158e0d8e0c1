"""The words the rules read, one data file per language (`bot/lexicon/LANGUAGE.yaml`), read by name.

Every file holds only its own language's words, under the same keys ("predicates.killed.after", "skip",
...). A rule reads one language (`lexicon("id").words("skip")`) or all of them at once (`words("skip")`):
adding a language is adding its file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICONS = Path(__file__).resolve().parent
FALLBACK = "en"  # the language a text is written in when it is asked for in a language with no file


@dataclass(frozen=True)
class Lexicon:
    language: str
    data: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        """The value at a dotted key ("predicates.killed.after"); `default` where this language has none."""
        value: Any = self.data
        for part in key.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    def words(self, key: str) -> frozenset[str]:
        """The list at `key`, lower-cased; empty where this language has none."""
        found = self.get(key) or []
        if not isinstance(found, list) or not all(isinstance(word, str) for word in found):
            # YAML reads a bare on/no/yes as true/false: such words must be quoted
            raise ValueError(f"lexicon {self.language}: {key} must be a list of words, got {found!r}")
        return frozenset(word.lower() for word in found)


@cache
def languages() -> tuple[str, ...]:
    """The languages that have a data file, sorted."""
    return tuple(sorted(path.stem for path in LEXICONS.glob("*.yaml")))


@cache
def lexicon(language: str) -> Lexicon:
    """The words of `bot/lexicon/LANGUAGE.yaml` (cached: the files do not change while running)."""
    path = LEXICONS / f"{language}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise FileNotFoundError(f"no lexicon for language {language!r}: {path} is missing") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"lexicon {path} must hold key: value pairs")
    return Lexicon(language, data)


def resolve(language: str) -> str:
    """`language` when it has a file, else the fallback language."""
    return language if language in languages() else FALLBACK


def lexicons() -> list[Lexicon]:
    return [lexicon(language) for language in languages()]


def words(key: str) -> frozenset[str]:
    """The list at `key` in every language, lower-cased, as one set."""
    return frozenset().union(*(lex.words(key) for lex in lexicons()))


def mapping(key: str) -> dict[str, Any]:
    """The mappings at `key` in every language merged (word -> value: "dua" -> 2, "two" -> 2)."""
    merged: dict[str, Any] = {}
    for lex in lexicons():
        merged |= {str(word).lower(): value for word, value in (lex.get(key) or {}).items()}
    return merged


def word_sets(key: str, field: str = "") -> dict[str, frozenset[str]]:
    """For each name under `key`, its list (or its `field`'s) joined over every language:
    `word_sets("predicates", "after")` -> {"killed": {"tewas", "killed", ...}, ...}."""
    joined: dict[str, frozenset[str]] = {}
    for lex in lexicons():
        for name in lex.get(key) or {}:
            found = lex.words(f"{key}.{name}.{field}" if field else f"{key}.{name}")
            joined[name] = joined.get(name, frozenset()) | found
    return joined


def alternatives(key: str) -> str:
    """The phrases at `key` in every language as one regex group, longest first ("according\\s+to"); a
    group that matches nothing where no language has any."""
    phrases = sorted(words(key), key=lambda phrase: (-len(phrase), phrase))
    if not phrases:
        return "(?!)"
    return "(?:" + "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in phrases) + ")"
