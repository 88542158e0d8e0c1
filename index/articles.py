"""Turn article files (`.txt`, `.md` with front matter, `.jsonl`) into `Article` objects.

Metadata for a `.txt` file lives in a sidecar `NAME.meta.yaml` beside it, so a newsroom can fill in hundreds
of files without touching the text. A file that cannot be read becomes a `LoadError` naming the file (and
line), never an exception that stops the other files. So does an article over the size limit, and a file
that changed while it was read (it is read again by the next ingest, whole).

Ids are unique across one run: when two files give the same id, the first file in the order given (a
folder's files sorted by path) keeps it, and the other article is refused, naming both files. Across runs an
id names one article: a later run that brings it from another file replaces it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from index.language import article_language

SUFFIXES = (".txt", ".md", ".jsonl")
MAX_ARTICLE_BYTES = 1_000_000  # a long news article is 50 KB; far larger is a wrong file, slow to embed
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
    language: str = ""  # as its metadata gives it; "" (not given): read from the text
    path: str | None = None
    story: str | None = None  # the event it reports, when its metadata names one; else grouping decides

    def __post_init__(self) -> None:
        if not self.language:  # an English article without metadata is not Indonesian
            object.__setattr__(self, "language", article_language(self.text))

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


@dataclass(frozen=True)
class Limits:
    """How large one article may be, and what the message tells a user to do about a larger one."""

    max_article_bytes: int = MAX_ARTICLE_BYTES
    hint: str = "split it, or raise the limit"

    def check(self, size: int) -> None:
        if size > self.max_article_bytes:
            raise _BadArticle(
                f"is {_megabytes(size)}, over the limit of {_megabytes(self.max_article_bytes)} for one "
                f"article; {self.hint}"
            )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.3g} MB"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise _BadArticle("looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadArticle(f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return text.replace("\r\n", "\n")


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def _unchanged_since(path: Path, before: tuple[int, int]) -> None:
    if _stamp(path) != before:
        raise _BadArticle("changed while it was being read; it is read again at the next ingest")


def _read_text(path: Path, limits: Limits) -> str:
    before = _stamp(path)
    limits.check(before[0])  # before reading: a 50 MB file is never loaded into memory
    with path.open("rb") as handle:
        data = handle.read(limits.max_article_bytes + 1)
    limits.check(len(data))  # it grew since
    _unchanged_since(path, before)
    return _decode(data)


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
        language=meta.get("language") or "",
        story=meta.get("story") or None,
        path=str(path.resolve()),  # absolute: `--prune` checks it later, maybe from another folder
    )


def _load_txt(path: Path, limits: Limits) -> Iterator[Article]:
    text = _read_text(path, limits)
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


def _load_md(path: Path, limits: Limits) -> Iterator[Article]:
    text = _read_text(path, limits)
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


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line: split at "\n" only, since a JSON text may hold U+2028 or U+0085,
    which `str.splitlines` would also split at."""
    for number, line in enumerate(handle, start=1):
        yield number, line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line


def _jsonl_article(path: Path, line: bytes, limits: Limits) -> Article:
    limits.check(len(line))
    try:
        raw = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _BadArticle(f"is not valid UTF-8 (byte {exc.start} of the line); save it as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise _BadArticle(f"not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise _BadArticle("must be a JSON object")
    text, article_id = raw.get("text"), raw.get("id")
    if not isinstance(text, str) or not text.strip():
        raise _BadArticle("has no 'text'")
    if not isinstance(article_id, (str, int)) or not str(article_id).strip():
        raise _BadArticle("has no 'id'")
    return _make(str(article_id).strip(), text, _clean_meta(raw, "line"), path)


def _load_jsonl(path: Path, limits: Limits, errors: list[LoadError]) -> list[tuple[Article, int | None]]:
    """(article, line number), one article a line; a bad line is reported and skipped, the good ones load.
    Read line by line, so a large feed is never held in memory as one text."""
    before = _stamp(path)
    loaded: list[tuple[Article, int | None]] = []
    seen_text = False
    with path.open("rb") as handle:
        if b"\x00" in handle.read(8192):
            raise _BadArticle("looks like a binary file, not text")
        handle.seek(0)
        for number, line in _lines(handle):
            if not line.strip():
                continue
            seen_text = True
            try:
                loaded.append((_jsonl_article(path, line, limits), number))
            except _BadArticle as exc:
                errors.append(LoadError(str(path), str(exc), number))
    if not seen_text:
        raise _BadArticle("is empty: it needs one JSON article a line")
    _unchanged_since(path, before)
    return loaded


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


def _load(path: Path, limits: Limits, errors: list[LoadError]) -> list[tuple[Article, int | None]]:
    if path.suffix == ".jsonl":
        return _load_jsonl(path, limits, errors)
    load = _load_md if path.suffix == ".md" else _load_txt
    return [(article, None) for article in load(path, limits)]


def load_paths(paths: Iterable[Path | str], limits: Limits | None = None) -> LoadResult:
    """Load every article under `paths` (files or folders); collect problems instead of raising."""
    limits = limits or Limits()
    result = LoadResult()
    result.files = _files(paths, result.errors)
    seen: dict[str, str] = {}
    for path in result.files:
        errors: list[LoadError] = []
        try:
            loaded = _load(path, limits, errors)
        except _BadArticle as exc:
            result.errors.append(LoadError(str(path), str(exc)))
            continue
        except OSError as exc:
            result.errors.append(LoadError(str(path), f"cannot be read: {exc.strerror}"))
            continue
        result.errors.extend(errors)
        for article, line in loaded:
            where = f"{path}:{line}" if line else str(path)
            if article.id in seen:
                message = f"article id {article.id!r} is also used by {seen[article.id]}, which keeps it"
                result.errors.append(LoadError(str(path), message, line))
                continue
            seen[article.id] = where
            result.articles.append(article)
    return result
