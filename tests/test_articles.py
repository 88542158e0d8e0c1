"""Loading article files: `.txt` (+ `.meta.yaml` sidecar), `.md` with front matter, `.jsonl`; bad files."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEED_ARTICLES

from index.articles import load_paths

LEAD = "Polisi menangkap 2.000 orang di Almaty, Kamis (06/01).\nKerusuhan meluas ke kota lain.\n"


def _only_article(result):
    assert not result.errors, [str(e) for e in result.errors]
    assert len(result.articles) == 1
    return result.articles[0]


def test_txt_without_sidecar_takes_id_from_stem_and_title_from_first_line(make_files):
    make_files({"news/berita_1.txt": LEAD})
    article = _only_article(load_paths(["news/berita_1.txt"]))
    assert article.id == "berita_1"
    assert article.text == LEAD
    assert article.title == "Polisi menangkap 2.000 orang di Almaty, Kamis (06/01)."
    assert (article.source, article.url, article.published, article.language) == (None, None, None, "id")


def test_long_first_line_gives_a_title_cut_at_a_word(make_files):
    make_files({"a.txt": "kata " * 40 + "\nLagi."})
    title = _only_article(load_paths(["a.txt"])).title
    assert len(title) <= 91 and title.endswith("…") and "kat…" not in title


def test_txt_sidecar_supplies_metadata_and_stays_out_of_the_text(make_files):
    make_files(
        {
            "news/a.txt": LEAD,
            "news/a.meta.yaml": "# filled in by the desk\ntitle: Ribuan ditangkap\nsource: Reuters\n"
            "url: https://example.org/a\npublished: 2022-01-07\nlanguage: en\n",
        }
    )
    article = _only_article(load_paths(["news"]))
    assert article.title == "Ribuan ditangkap"
    assert article.source == "Reuters"
    assert article.url == "https://example.org/a"
    assert article.published == "2022-01-07"  # an unquoted YAML date still reads as the same text
    assert article.language == "en"
    assert article.text == LEAD


def test_sidecar_that_is_not_yaml_is_reported_by_file(make_files):
    make_files({"a.txt": LEAD, "a.meta.yaml": "title: [unclosed\n"})
    result = load_paths(["a.txt"])
    assert result.articles == []
    assert "a.txt" in str(result.errors[0]) and "a.meta.yaml" in str(result.errors[0])


def test_md_front_matter_becomes_metadata_and_is_not_part_of_the_text(make_files):
    make_files(
        {
            "b.md": "---\ntitle: Pasukan tiba\nsource: NYT\npublished: '2022-01-06'\n---\n\n"
            "# Pasukan tiba\n\nPasukan tiba di Almaty.\n"
        }
    )
    article = _only_article(load_paths(["b.md"]))
    assert article.id == "b"
    assert (article.title, article.source, article.published) == ("Pasukan tiba", "NYT", "2022-01-06")
    assert article.text == "# Pasukan tiba\n\nPasukan tiba di Almaty.\n"


def test_md_without_front_matter_is_all_text(make_files):
    make_files({"c.md": "Pasukan tiba di Almaty.\n---\nCatatan redaksi.\n"})
    article = _only_article(load_paths(["c.md"]))
    assert article.text == "Pasukan tiba di Almaty.\n---\nCatatan redaksi.\n"
    assert article.title == "Pasukan tiba di Almaty."


def test_md_with_empty_front_matter_loads_the_body(make_files):
    make_files({"d.md": "---\n---\nIsi berita.\n"})
    assert _only_article(load_paths(["d.md"])).text == "Isi berita.\n"


def test_md_front_matter_never_closed_is_reported(make_files):
    make_files({"e.md": "---\ntitle: x\nIsi berita.\n"})
    result = load_paths(["e.md"])
    assert result.articles == [] and "e.md" in str(result.errors[0])


def test_jsonl_holds_one_article_a_line_with_optional_fields(make_files):
    lines = [
        {
            "id": "f1",
            "text": "Teks pertama.",
            "title": "Judul",
            "source": "Antara",
            "url": "https://x.id/1",
            "published": "2022-01-05",
            "language": "id",
        },
        {"id": 17, "text": "Second text."},
        {"id": "f3", "text": "Third.", "language": "en", "extra": "ignored"},
    ]
    make_files({"feed.jsonl": "\n".join(json.dumps(line) for line in lines) + "\n\n"})
    result = load_paths(["feed.jsonl"])
    assert not result.errors
    first, second, third = result.articles
    assert (first.id, first.title, first.source, first.url, first.published) == (
        "f1",
        "Judul",
        "Antara",
        "https://x.id/1",
        "2022-01-05",
    )
    assert (second.id, second.text, second.title, second.source, second.language) == (
        "17",
        "Second text.",
        "Second text.",
        None,
        "en",  # no language given: read from the text
    )
    assert third.language == "en"


def test_an_article_whose_metadata_gives_no_language_is_read_for_it(make_files):
    make_files(
        {
            "news/flood.txt": "The river burst its banks on Monday night and thousands of residents fled.",
            "news/banjir.txt": "Sungai meluap pada Senin malam dan ribuan warga mengungsi ke tempat aman.",
            "news/labelled.txt": "The river burst its banks on Monday night.",
            "news/labelled.meta.yaml": "language: id\n",  # what the metadata says stands
        }
    )
    result = load_paths(["news"])
    assert {a.id: a.language for a in result.articles} == {"banjir": "id", "flood": "en", "labelled": "id"}


def test_jsonl_bad_lines_are_reported_by_line_and_good_lines_still_load(make_files):
    make_files(
        {
            "feed.jsonl": '{"id": "ok1", "text": "Baik."}\n'
            "{not json\n"
            '{"id": "no_text", "title": "Tanpa teks"}\n'
            '["a list"]\n'
            '{"text": "Tanpa id."}\n'
            '{"id": "ok2", "text": "Baik juga."}\n'
        }
    )
    result = load_paths(["feed.jsonl"])
    assert [a.id for a in result.articles] == ["ok1", "ok2"]
    assert [(Path(e.path).name, e.line) for e in result.errors] == [
        ("feed.jsonl", 2),
        ("feed.jsonl", 3),
        ("feed.jsonl", 4),
        ("feed.jsonl", 5),
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("feed.jsonl:2: ") and "JSON" in messages[0]
    assert "text" in messages[1]
    assert "id" in messages[3]


def test_folder_loads_every_format_and_skips_sidecars_and_other_files(make_files):
    make_files(
        {
            "news/a.txt": "A.",
            "news/a.meta.yaml": "title: A\n",
            "news/sub/b.md": "B.",
            "news/sub/c.jsonl": '{"id": "c", "text": "C."}\n',
            "news/photo.jpg": b"\xff\xd8\xff",
            "news/notes.csv": "x,y\n",
        }
    )
    result = load_paths(["news"])
    assert not result.errors
    assert sorted(a.id for a in result.articles) == ["a", "b", "c"]


def test_utf8_bom_and_windows_line_ends_are_removed(make_files):
    make_files({"w.txt": "\ufeffBaris satu.\r\nBaris dua.\r\n".encode()})
    assert _only_article(load_paths(["w.txt"])).text == "Baris satu.\nBaris dua.\n"


def test_each_bad_input_is_reported_naming_its_file_and_good_files_still_load(make_files):
    make_files(
        {
            "good.txt": LEAD,
            "empty.txt": "",
            "blank.md": "  \n\n",
            "empty.jsonl": "\n",
            "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "latin1.txt": "Kota Almaty, café".encode("latin-1"),
            "table.csv": "a,b\n",
        }
    )
    names = [
        "good.txt",
        "empty.txt",
        "blank.md",
        "empty.jsonl",
        "image.txt",
        "latin1.txt",
        "table.csv",
        "gone.txt",
    ]
    result = load_paths(names)
    assert [a.id for a in result.articles] == ["good"]
    reported = {Path(e.path).name: e.message for e in result.errors}
    assert sorted(reported) == sorted(names[1:])
    assert "empty" in reported["empty.txt"] and "empty" in reported["blank.md"]
    assert "empty" in reported["empty.jsonl"]
    assert "binary" in reported["image.txt"]
    assert "UTF-8" in reported["latin1.txt"]
    assert ".txt" in reported["table.csv"]  # says which extensions would work
    assert "does not exist" in reported["gone.txt"]


def test_same_id_twice_is_reported_and_the_first_is_kept(make_files):
    make_files({"a/x.txt": "Satu.", "b/x.md": "Dua."})
    result = load_paths(["a", "b"])
    assert [(a.id, a.text) for a in result.articles] == [("x", "Satu.")]
    assert "b/x.md" in str(result.errors[0]) and "a/x.txt" in str(result.errors[0])


def test_content_hash_follows_text_and_metadata(make_files):
    make_files({"a/x.txt": "Satu.", "b/x.txt": "Satu.", "c/x.txt": "Dua.", "d/x.txt": "Satu."})
    make_files({"d/x.meta.yaml": "title: Lain\n"})
    a, b, c, d = (_only_article(load_paths([folder])) for folder in "abcd")
    assert a.content_hash == b.content_hash  # where the file lives does not matter
    assert c.content_hash != a.content_hash
    assert d.content_hash != a.content_hash


def test_seed_articles_load_with_their_sidecar_metadata():
    result = load_paths([SEED_ARTICLES])
    assert not result.errors
    by_id = {a.id: a for a in result.articles}
    assert sorted(by_id) == ["000_e9a991ac1f076a93", "001_154a6a091910b3c3", "003_c1c99dbedbe017a5"]
    assert all(a.language == "id" and a.title and a.source and a.published for a in by_id.values())
    assert by_id["003_c1c99dbedbe017a5"].source == "New York Times (terjemahan)"
    assert by_id["000_e9a991ac1f076a93"].text == (SEED_ARTICLES / "000_e9a991ac1f076a93.txt").read_text(
        "utf-8"
    )
