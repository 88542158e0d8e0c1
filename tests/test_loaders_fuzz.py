"""Property tests of the `.md` (front matter) and `.jsonl` loaders: any bytes at all end in articles or in
`LoadError`s, never in an exception; and what a writer puts in comes back: id, title and text."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from index.articles import LoadError, load_paths

FRONT_MATTER_BITS = [
    "---\n",
    "\n---\n",
    "title: ",
    "story: [a, b]\n",
    ": :\n",
    "\t",
    "'",
    '"',
    "\r\n",
    "\x00",
]
JSONL_BITS = [
    '{"id": ',
    '"text": ',
    "1",
    '"x"',
    "}",
    "{",
    ",",
    "\n",
    "\u2028",
    "\x85",
    "\ufeff",
    "null",
    "[]",
]


def load(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return load_paths([path])


def noise(bits: list[str]) -> st.SearchStrategy[bytes]:
    pieces = st.one_of(st.sampled_from(bits), st.text(max_size=8))
    as_text = st.lists(pieces, max_size=30).map(lambda p: "".join(p).encode("utf-8", "surrogatepass"))
    return st.one_of(as_text, st.binary(max_size=200))


@settings(max_examples=300, deadline=None)
@given(noise(FRONT_MATTER_BITS))
def test_any_md_file_loads_or_gives_load_errors(data):
    result = load("a.md", data)
    assert all(isinstance(e, LoadError) and "a.md" in str(e) for e in result.errors)
    assert len(result.articles) + len(result.errors) == 1


@settings(max_examples=300, deadline=None)
@given(noise(JSONL_BITS))
def test_any_jsonl_file_loads_or_gives_load_errors(data):
    result = load("feed.jsonl", data)
    assert all(isinstance(e, LoadError) and "feed.jsonl" in str(e) for e in result.errors)
    assert result.articles or result.errors


# What a writer would put in: printable text of any script, with inner line breaks, not blank.
TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\u2028\x85"), min_size=1)
LINE = st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1).filter(
    lambda s: s.strip() == s and s
)


def body(text: str) -> str:
    """An article body as the `.md` loader keeps it: no leading blank lines, CRLF read as LF."""
    return text.replace("\r\n", "\n").lstrip("\n")


@settings(max_examples=200, deadline=None)
@given(title=LINE, text=TEXT.filter(lambda t: body(t).strip() and not body(t).startswith("---")))
def test_md_front_matter_round_trips_title_and_text(title, text):
    data = "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True) + "---\n" + text
    result = load("berita.md", data.encode("utf-8"))
    assert not result.errors, [str(e) for e in result.errors]
    [article] = result.articles
    assert (article.id, article.title, article.text) == ("berita", title, body(text))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(LINE, LINE, TEXT.filter(str.strip)), min_size=1, max_size=5, unique_by=lambda a: a[0]),
    st.booleans(),
)
def test_jsonl_round_trips_id_title_and_text(items, ascii_only):
    lines = [json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=ascii_only) for i, t, x in items]
    result = load("feed.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
    assert not result.errors, [str(e) for e in result.errors]
    assert [(a.id, a.title, a.text) for a in result.articles] == list(items)
