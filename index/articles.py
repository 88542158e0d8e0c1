"""Turn article files (`.txt`, `.md` with front matter, `.jsonl`) into `Article` objects.

Metadata for a `.txt` file lives in a sidecar `NAME.meta.yaml` beside it, so a newsroom can fill in hundreds
of files without touching the text. A file that cannot be read becomes a `LoadError` naming the file (and
line), never an exception that stops the other files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUFFIXES = (".txt", ".md", ".jsonl")
SIDECAR_SUFFIX = ".meta.yaml"
META_FIELDS = ("title", "source", "url", "published", "language", "story")


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str = "id"
    path: str | None = None
    story: str | None = None  # the event it reports, when its metadata names one; else grouping decides

    @property
    def content_hash(self) -> str:
        """Changes whenever the text or any metadata a reader sees changes."""
        fields = [self.text, self.title, self.source, self.url, self.published, self.language]
        if self.story:  # appended only when set, so articles stored before stories existed keep their hash
            fields.append(self.story)
        payload = json.dumps(fields, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadError:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


class _BadArticle(ValueError):
    """Raised inside the loaders; turned into a `LoadError` by `load_paths`."""


def title_from_text(text: str, limit: int = 90) -> str:
    """A title derived from the lead: its first line, cut at a word boundary."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–-") + "…"


def _clean_meta(raw: dict, where: str) -> dict[str, str]:
    meta = {}
    for key in META_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            raise _BadArticle(f"metadata field {key!r} must be text, got {type(value).__name__} ({where})")
        meta[key] = str(value).strip()
    return meta


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise _BadArticle("looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadArticle(f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return text.replace("\r\n", "\n")


def _make(article_id: str, text: str, meta: dict[str, str], path: Path) -> Article:
    if not text.strip():
        raise _BadArticle("is empty: an article needs text")
    return Article(
        id=article_id,
        text=text,
        title=meta.get("title") or title_from_text(text),
        source=meta.get("source") or None,
        url=meta.get("url") or None,
        published=meta.get("published") or None,
        language=meta.get("language") or "id",
        story=meta.get("story") or None,
        path=str(path.resolve()),  # absolute: `--prune` checks it later, maybe from another folder
    )


def _load_txt(path: Path) -> Iterator[Article]:
    text = _read_text(path)
    meta: dict[str, str] = {}
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if sidecar.exists():
        try:
            raw = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise _BadArticle(f"its metadata file {sidecar.name} is not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise _BadArticle(f"its metadata file {sidecar.name} must hold key: value pairs")
        meta = _clean_meta(raw, sidecar.name)
    yield _make(path.stem, text, meta, path)


def _load_md(path: Path) -> Iterator[Article]:
    text = _read_text(path)
    meta: dict[str, str] = {}
    if text.startswith("---\n"):
        end = text.find("\n---", 3)  # from 3: an empty front matter closes at once
        if end == -1:
            raise _BadArticle("front matter opened with '---' is never closed")
        try:
            raw = yaml.safe_load(text[4:end]) or {}
        except yaml.YAMLError as exc:
            raise _BadArticle(f"front matter is not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise _BadArticle("front matter must hold key: value pairs")
        meta = _clean_meta(raw, "front matter")
        text = text[end + 4 :].lstrip("\n")
    yield _make(path.stem, text, meta, path)


def _load_jsonl(path: Path, errors: list[LoadError]) -> Iterator[Article]:
    """One article a line; a bad line is reported and skipped, the good ones still load."""
    lines = _read_text(path).splitlines()
    if not any(line.strip() for line in lines):
        raise _BadArticle("is empty: it needs one JSON article a line")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(LoadError(str(path), f"not valid JSON ({exc.msg})", number))
            continue
        if not isinstance(raw, dict):
            errors.append(LoadError(str(path), "must be a JSON object", number))
            continue
        text, article_id = raw.get("text"), raw.get("id")
        if not isinstance(text, str) or not text.strip():
            errors.append(LoadError(str(path), "has no 'text'", number))
            continue
        if not isinstance(article_id, (str, int)) or not str(article_id).strip():
            errors.append(LoadError(str(path), "has no 'id'", number))
            continue
        try:
            yield _make(str(article_id).strip(), text, _clean_meta(raw, "line"), path)
        except _BadArticle as exc:
            errors.append(LoadError(str(path), str(exc), number))


def _files(paths: Iterable[Path | str], errors: list[LoadError]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES))
        elif not path.exists():
            errors.append(LoadError(str(path), "does not exist"))
        elif path.name.endswith(SIDECAR_SUFFIX):
            continue
        elif path.suffix not in SUFFIXES:
            errors.append(LoadError(str(path), f"has an unknown extension; use one of {', '.join(SUFFIXES)}"))
        else:
            found.append(path)
    return found


def load_paths(paths: Iterable[Path | str]) -> LoadResult:
    """Load every article under `paths` (files or folders); collect problems instead of raising."""
    result = LoadResult()
    result.files = _files(paths, result.errors)
    seen: dict[str, str] = {}
    for path in result.files:
        try:
            if path.suffix == ".jsonl":
                loaded = list(_load_jsonl(path, result.errors))
            elif path.suffix == ".md":
                loaded = list(_load_md(path))
            else:
                loaded = list(_load_txt(path))
        except _BadArticle as exc:
            result.errors.append(LoadError(str(path), str(exc)))
            continue
        except OSError as exc:
            result.errors.append(LoadError(str(path), f"cannot be read: {exc.strerror}"))
            continue
        for article in loaded:
            if article.id in seen:
                result.errors.append(
                    LoadError(str(path), f"article id {article.id!r} is also used by {seen[article.id]}")
                )
                continue
            seen[article.id] = str(path)
            result.articles.append(article)
    return result
