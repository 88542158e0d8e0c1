"""`kabar ingest`, `sources` and `search` as a user runs them: messages, exit codes, the store after.

Most runs go through the real parser and command handlers in this process, with the session's embedder (see
`run_kabar`); persistence is checked across real processes.
"""

from __future__ import annotations

import json
import re

import pytest

from bot.interfaces.cli import build_parser
from index.store import Store

GOOD_A = "Polisi menangkap 2.000 orang di Almaty.\nBandara direbut kembali oleh tentara pada Kamis.\n"
GOOD_B = "Pemerintah Kazakhstan mundur pada Rabu (5/1). Harga gas diturunkan lagi.\n"
FEED = [
    {"id": "f1", "text": "Internet dimatikan di seluruh negeri."},
    {"id": "f2", "text": "Harga minyak naik."},
]


def run_kabar(app, *argv: str) -> int:
    """`kabar ARGV` through the real parser and handler, over `app` (so no second model is loaded)."""
    args = build_parser().parse_args(list(argv))
    return int(args.handler(args, app))


def snapshot(store: Store) -> dict[str, tuple[str, str, str]]:
    """Everything a reader of the store sees: chunk id -> (article, text, content hash)."""
    return {cid: (meta["doc_id"], text, meta["content_hash"]) for cid, text, meta in store.chunks()}


def summary(out: str) -> dict[str, int]:
    """The numbers of the summary line `added 1, updated 0, ...; 3 chunks written, 5 chunks in the store`."""
    line = out.strip().splitlines()[-1]
    counts = {name: int(n) for name, n in re.findall(r"(added|updated|unchanged|removed|failed) (\d+)", line)}
    written, total = re.search(r"(\d+) chunks written, (\d+) chunks in the store", line).groups()
    return counts | {"written": int(written), "chunks": int(total)}


def feed(lines) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def test_ingest_twice_adds_nothing_the_second_time(app, make_files, capsys):
    make_files({"news/a.txt": GOOD_A, "news/b.md": GOOD_B, "news/feed.jsonl": feed(FEED)})
    assert run_kabar(app, "ingest", "news") == 0
    first = summary(capsys.readouterr().out)
    assert first["added"] == 4 and first["failed"] == 0
    assert first["written"] == first["chunks"] == app.store.count() > 0

    assert run_kabar(app, "ingest", "news") == 0
    second = summary(capsys.readouterr().out)
    assert (second["added"], second["updated"], second["unchanged"], second["written"]) == (0, 0, 4, 0)
    assert second["chunks"] == first["chunks"]


def test_ingest_reports_a_changed_file_as_updated(app, make_files, capsys):
    make_files({"news/a.txt": GOOD_A, "news/b.md": GOOD_B})
    run_kabar(app, "ingest", "news")
    make_files({"news/a.txt": "Polisi menangkap 3.000 orang di Almaty.\n"})
    capsys.readouterr()
    assert run_kabar(app, "ingest", "news") == 0
    counts = summary(capsys.readouterr().out)
    assert (counts["added"], counts["updated"], counts["unchanged"]) == (0, 1, 1)
    texts = [text for _, text, _ in snapshot(app.store).values()]
    assert "Polisi menangkap 3.000 orang di Almaty." in texts and not any("2.000" in t for t in texts)


BAD_INPUTS = {
    "empty file": ("empty.txt", b"", "empty"),
    "binary file": ("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    "invalid UTF-8": ("latin1.md", "Almaty, café, señor".encode("latin-1"), "UTF-8"),
    "jsonl line that is not JSON": ("feed.jsonl", b'{"id": "f1", "text": "Baik."\n', "feed.jsonl:1"),
    "jsonl line without text": ("feed.jsonl", b'{"id": "f1", "title": "Tanpa teks"}\n', "feed.jsonl:1"),
    "unknown extension": ("article.pdf", b"%PDF-1.4", "extension"),
    "empty jsonl": ("feed.jsonl", b"", "empty"),
}


@pytest.mark.parametrize(("name", "content", "says"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_a_bad_file_alone_fails_with_a_message_naming_it(app, make_files, capsys, name, content, says):
    make_files({name: content})
    assert run_kabar(app, "ingest", name) == 1
    err = capsys.readouterr().err
    assert name in err and says in err
    assert app.store.count() == 0


def test_a_path_that_does_not_exist_fails_naming_it(app, capsys):
    assert run_kabar(app, "ingest", "no/such/folder") == 1
    err = capsys.readouterr().err
    assert "no/such/folder" in err and "does not exist" in err


def test_good_files_go_in_even_when_the_same_run_has_bad_ones(app, make_files, capsys):
    bad = {name: content for name, content, _ in BAD_INPUTS.values() if not name.endswith(".jsonl")}
    make_files(
        {
            "in/good.txt": GOOD_A,
            "in/mixed.jsonl": feed(FEED) + "{broken\n",
            **{f"in/{k}": v for k, v in bad.items()},
        }
    )
    assert run_kabar(app, "ingest", "in", "in/article.pdf", "missing.txt") == 0
    captured = capsys.readouterr()
    for name in [*bad, "mixed.jsonl:3", "missing.txt"]:
        assert name in captured.err
    assert summary(captured.out)["added"] == 3
    assert [s.id for s in app.store.sources()] == ["f1", "f2", "good"]


def test_a_run_with_bad_files_leaves_what_was_stored_unchanged(app, make_files, capsys):
    make_files({"news/a.txt": GOOD_A, "news/feed.jsonl": feed(FEED)})
    run_kabar(app, "ingest", "news")
    before = snapshot(app.store)
    # Every stored file goes bad at once; even --prune must not take their articles away.
    make_files(
        {
            "news/a.txt": b"\x00\x01binary now",
            "news/feed.jsonl": "{not json any more\n" + json.dumps(FEED[1]) + "\n",
            "news/new.txt": "",
        }
    )
    capsys.readouterr()
    run_kabar(app, "ingest", "news", "--prune")
    captured = capsys.readouterr()
    assert "a.txt" in captured.err and "feed.jsonl:1" in captured.err and "new.txt" in captured.err
    assert summary(captured.out)["removed"] == 0
    assert snapshot(app.store) == before
    assert [s.id for s in app.store.sources()] == ["a", "f1", "f2"]


def test_prune_removes_articles_whose_files_are_gone_and_keeps_the_others(app, make_files, tmp_path, capsys):
    make_files({"news/a.txt": GOOD_A, "news/b.md": GOOD_B, "other/c.txt": "Artikel lain.\n"})
    run_kabar(app, "ingest", "news", "other")
    (tmp_path / "news" / "b.md").unlink()
    capsys.readouterr()
    assert run_kabar(app, "ingest", "news", "--prune") == 0
    assert summary(capsys.readouterr().out)["removed"] == 1
    assert [s.id for s in app.store.sources()] == ["a", "c"]
    assert {doc for doc, _, _ in snapshot(app.store).values()} == {"a", "c"}


def test_without_prune_articles_of_deleted_files_stay(app, make_files, tmp_path):
    make_files({"news/a.txt": GOOD_A, "news/b.md": GOOD_B})
    run_kabar(app, "ingest", "news")
    (tmp_path / "news" / "b.md").unlink()
    run_kabar(app, "ingest", "news")
    assert [s.id for s in app.store.sources()] == ["a", "b"]


def test_prune_removes_an_article_dropped_from_a_jsonl_file_that_still_exists(app, make_files, capsys):
    make_files({"feed.jsonl": feed(FEED)})
    run_kabar(app, "ingest", "feed.jsonl")
    make_files({"feed.jsonl": feed(FEED[:1])})
    run_kabar(app, "ingest", "feed.jsonl", "--prune")
    assert [s.id for s in app.store.sources()] == ["f1"]


def test_prune_from_another_folder_keeps_articles_ingested_by_relative_path(
    app, make_files, tmp_path, monkeypatch
):
    make_files({"news/a.txt": GOOD_A, "elsewhere/other/c.txt": "Artikel lain.\n"})
    run_kabar(app, "ingest", "news")  # relative to tmp_path
    monkeypatch.chdir(tmp_path / "elsewhere")
    run_kabar(app, "ingest", "other", "--prune")
    assert [s.id for s in app.store.sources()] == ["a", "c"]


def test_sources_lists_id_chunks_title_and_outlet(app, make_files, capsys):
    make_files({"news/a.txt": GOOD_A, "news/a.meta.yaml": "title: Ribuan ditangkap\nsource: Antara\n"})
    run_kabar(app, "ingest", "news")
    capsys.readouterr()
    assert run_kabar(app, "sources") == 0
    chunks = app.store.sources()[0].chunks
    assert capsys.readouterr().out.splitlines() == [f"a\t{chunks} chunks\tRibuan ditangkap (Antara)"]


def test_stories_lists_the_story_named_in_front_matter_with_its_articles(app, make_files, capsys):
    story = "---\ntitle: {title}\nsource: {source}\nstory: banjir-2025\n---\n"
    make_files(
        {
            "news/a.md": story.format(title="Banjir melanda", source="Warta") + GOOD_A,
            "news/b.md": story.format(title="Flood hits", source="Herald") + GOOD_B,
        }
    )
    run_kabar(app, "ingest", "news")
    capsys.readouterr()
    assert run_kabar(app, "stories") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Stories I follow (1):",
        "",
        "banjir-2025 (2 articles)",
        "  a  Banjir melanda — Warta",
        "  b  Flood hits — Herald",
    ]


def test_sources_on_an_empty_store_says_how_to_fill_it(app, capsys):
    assert run_kabar(app, "sources") == 0
    assert "kabar ingest" in capsys.readouterr().out


@pytest.mark.parametrize("query", ["berapa orang ditangkap", "how many people were arrested"])
def test_search_ranks_the_arrest_sentence_first(app, seed_store, capsys, query):
    app.store = seed_store
    assert run_kabar(app, "search", query) == 0
    first = capsys.readouterr().out.split("\n\n")[0]
    header, text = first.split("\n", 1)
    assert header.startswith("1. 000_e9a991ac1f076a93 ")
    assert "2.000 orang ditangkap" in text


def test_ingest_and_sources_persist_across_processes(make_files, kabar):
    make_files({"news/a.txt": GOOD_A, "news/a.meta.yaml": "title: Ribuan ditangkap\n", "news/b.md": GOOD_B})
    ingested = kabar("ingest", "news")
    assert ingested.returncode == 0, ingested.stderr
    assert "added 2" in ingested.stdout
    assert "%|" not in ingested.stderr  # no progress bar when stderr is not a terminal
    listed = kabar("sources")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(row[0], row[2]) for row in rows] == [("a", "Ribuan ditangkap"), ("b", GOOD_B.split("\n")[0])]
