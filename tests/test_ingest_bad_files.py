"""`kabar ingest` on the files a newsroom really has: huge ones, huge feeds with a broken line, one id in
two files, other scripts, odd file names, files that change or vanish while they are read. Each bad file is
named with what is wrong; the good ones go in; nothing already stored changes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from conftest import REPO
from test_ingest_cli import GOOD_A, run_kabar, snapshot, summary

from bot.app import App
from bot.settings import IngestSettings, Settings, StoreSettings
from index.articles import load_paths

ARABIC = "ضرب زلزال قوي مدينة حلب صباح الأحد. وقالت السلطات إن 200 شخص أصيبوا.\nوصلت فرق الإنقاذ بعد ساعات."
CHINESE = "周日上午，一场强烈地震袭击了阿勒颇市。当局表示，有200人受伤。\n救援队在数小时后抵达。"


def test_a_50_mb_text_file_is_refused_naming_it_and_the_limit_and_nothing_stored_changes(
    app, make_files, tmp_path, capsys
):
    make_files({"news/a.txt": GOOD_A})
    run_kabar(app, "ingest", "news")
    before = snapshot(app.store)
    with (tmp_path / "news" / "dump.txt").open("wb") as handle:
        handle.truncate(50_000_000)  # 50 MB, written sparse: the loader must refuse it before reading
    capsys.readouterr()
    assert run_kabar(app, "ingest", "news/dump.txt") == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: news/dump.txt: is 50 MB, over the limit of 1 MB for one article; "
        "split it, or raise KABAR_INGEST__MAX_ARTICLE_MB"
    )
    assert snapshot(app.store) == before


def test_the_size_limit_is_a_setting_and_holds_for_each_line_of_a_feed(
    make_files, embedder, tmp_path, capsys
):
    small = App(
        Settings(store=StoreSettings(path=tmp_path / "store"), ingest=IngestSettings(max_article_mb=0.0002))
    )
    small.embedder = embedder
    long_line = json.dumps({"id": "long", "text": "Kata panjang. " * 30})
    make_files({"feed.jsonl": json.dumps({"id": "short", "text": "Pendek."}) + "\n" + long_line + "\n"})
    assert run_kabar(small, "ingest", "feed.jsonl") == 0
    err = capsys.readouterr().err
    assert "feed.jsonl:2: is 0.000" in err and "over the limit of 0.0002 MB" in err
    assert [s.id for s in small.store.sources()] == ["short"]


def feed_lines(count: int, broken: int) -> str:
    """`count` one-sentence articles a line, line `broken` cut short; built as one string, cheaply."""
    lines = [
        f'{{"id": "n{i:06d}", "text": "Berita nomor {i} tentang banjir di kota."}}\n' for i in range(count)
    ]
    lines[broken - 1] = '{"id": "broken", "text": "terpotong\n'
    return "".join(lines)


def test_a_feed_of_100000_lines_loads_all_but_its_one_broken_line_named_by_number(make_files):
    # Loading is the path every line takes; embedding 100,000 articles proves nothing more (see the
    # end-to-end run below on a smaller feed, and docs/reliability.md for the full-size run).
    make_files({"feed.jsonl": feed_lines(100_000, broken=50_000)})
    loaded = load_paths(["feed.jsonl"])
    assert len(loaded.articles) == 99_999
    assert [str(e) for e in loaded.errors] == [
        "feed.jsonl:50000: not valid JSON (Invalid control character at)"
    ]
    assert loaded.articles[49_999].id == "n050000" and "nomor 50000 " in loaded.articles[49_999].text


def test_a_feed_with_a_broken_line_in_the_middle_stores_every_other_line(app, make_files, capsys):
    make_files({"feed.jsonl": feed_lines(40, broken=20)})
    assert run_kabar(app, "ingest", "feed.jsonl") == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: feed.jsonl:20: not valid JSON (Invalid control character at)"
    assert summary(captured.out)["added"] == 39
    ids = [s.id for s in app.store.sources()]
    assert len(ids) == 39 and "n000019" not in ids and {"n000018", "n000020"} <= set(ids)


def test_one_id_in_two_files_keeps_the_first_and_names_both(app, make_files, capsys):
    make_files(
        {
            "a/feed.jsonl": json.dumps({"id": "x1", "text": "Versi pertama."}) + "\n",
            "b/x1.txt": "Versi kedua.\n",
            "b/feed.jsonl": "\n" + json.dumps({"id": "x1", "text": "Versi ketiga."}) + "\n",
        }
    )
    assert run_kabar(app, "ingest", "a", "b") == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: b/feed.jsonl:2: article id 'x1' is also used by a/feed.jsonl:1, which keeps it",
        "error: b/x1.txt: article id 'x1' is also used by a/feed.jsonl:1, which keeps it",
    ]
    assert [text for _, text, _ in snapshot(app.store).values()] == ["Versi pertama."]


def test_arabic_and_chinese_articles_are_stored_quoted_exactly_and_found(app, make_files, capsys):
    make_files({"news/halab-ar.txt": ARABIC, "news/halab-zh.txt": CHINESE, "news/a.txt": GOOD_A})
    assert run_kabar(app, "ingest", "news") == 0
    assert summary(capsys.readouterr().out)["added"] == 3
    for _, text, meta in app.store.chunks():
        source = {"halab-ar": ARABIC, "halab-zh": CHINESE, "a": GOOD_A}[meta["doc_id"]]
        assert source[meta["start"] : meta["end"]] == text
    assert app.retriever.retrieve("地震 阿勒颇", k=1)[0].doc_id == "halab-zh"
    assert app.retriever.retrieve("زلزال حلب", k=1)[0].doc_id == "halab-ar"


def kabar_in(folder: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KABAR_STORE__PATH": str(folder / "store")}
    return subprocess.run(
        [sys.executable, "-m", "bot.interfaces.cli", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_file_names_with_spaces_and_non_ascii_characters_ingest_list_and_prune(make_files, tmp_path):
    make_files(
        {
            "berita baru/Gempa di Palu – laporan ü.txt": "Gempa mengguncang Palu pada Jumat.\n",
            "berita baru/Gempa di Palu – laporan ü.meta.yaml": "title: Gempa Palu\n",
            "berita baru/بيان.md": "---\ntitle: Bayan\n---\n" + ARABIC,
            "berita baru/新闻 1.txt": CHINESE,
        }
    )
    ingested = kabar_in(tmp_path, "ingest", "berita baru")
    assert ingested.returncode == 0 and "added 3" in ingested.stdout, ingested.stderr
    rows = [line.split("\t") for line in kabar_in(tmp_path, "sources").stdout.splitlines()]
    assert [(row[0], row[2]) for row in rows] == [
        ("Gempa di Palu – laporan ü", "Gempa Palu"),
        ("بيان", "Bayan"),
        ("新闻 1", CHINESE.splitlines()[0]),
    ]
    (tmp_path / "berita baru" / "新闻 1.txt").unlink()
    pruned = kabar_in(tmp_path, "ingest", "berita baru", "--prune")
    assert "removed 1" in pruned.stdout, pruned.stderr
    assert [line.split("\t")[0] for line in kabar_in(tmp_path, "sources").stdout.splitlines()] == [
        "Gempa di Palu – laporan ü",
        "بيان",
    ]


PATH_OPEN = pathlib.Path.open


def racing_open(monkeypatch, target: pathlib.Path, race) -> None:
    """Another writer acts on `target` just as the loader opens it: a race no test can time from outside
    (reading a small file takes microseconds), so `Path.open` is wrapped to run `race` first."""

    def opened(self, *args, **kwargs):
        if self.resolve() == target.resolve():
            race(target)
        return PATH_OPEN(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", opened)


def test_a_file_that_changes_while_it_is_read_is_refused_and_read_whole_next_time(
    app, make_files, tmp_path, monkeypatch, capsys
):
    make_files({"news/a.txt": GOOD_A, "news/feed.jsonl": json.dumps({"id": "f1", "text": "Lama."}) + "\n"})
    run_kabar(app, "ingest", "news")
    before = snapshot(app.store)
    feed = tmp_path / "news" / "feed.jsonl"

    def append(path: pathlib.Path) -> None:
        with open(path, "a", encoding="utf-8") as handle:  # not the wrapped Path.open
            handle.write(json.dumps({"id": "f2", "text": "Baru ditulis."}) + "\n")

    racing_open(monkeypatch, feed, append)
    capsys.readouterr()
    assert run_kabar(app, "ingest", "news") == 0
    err = capsys.readouterr().err
    assert "feed.jsonl: changed while it was being read; it is read again at the next ingest" in err
    assert snapshot(app.store) == before
    monkeypatch.setattr(pathlib.Path, "open", PATH_OPEN)  # the writer is done
    assert run_kabar(app, "ingest", "news") == 0
    assert [s.id for s in app.store.sources()] == ["a", "f1", "f2"]


def test_a_file_that_disappears_before_it_is_read_is_named_and_the_others_go_in(
    app, make_files, tmp_path, monkeypatch, capsys
):
    make_files({"news/a.txt": GOOD_A, "news/gone.txt": "Akan hilang.\n"})
    racing_open(monkeypatch, tmp_path / "news" / "gone.txt", pathlib.Path.unlink)
    assert run_kabar(app, "ingest", "news") == 0
    assert "news/gone.txt: cannot be read: No such file or directory" in capsys.readouterr().err
    assert [s.id for s in app.store.sources()] == ["a"]
