"""Sentence splitting and chunking: sentences stay whole, and every offset quotes the article exactly."""

from __future__ import annotations

import pytest
from conftest import SEED_ARTICLES
from hypothesis import given, settings
from hypothesis import strategies as st

from index.articles import Article, load_paths
from index.chunking import chunk_article, split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.fixture(scope="module")
def seed() -> dict[str, Article]:
    return {article.id: article for article in load_paths([SEED_ARTICLES]).articles}


@pytest.mark.parametrize(
    ("article_id", "sentence"),
    [
        ("000_e9a991ac1f076a93", "Bahkan lebih dari 2.000 orang ditangkap."),
        (
            "000_e9a991ac1f076a93",
            "Almaty – Rusia mengirimkan pasukan terjun payungnya ke Kazakhstan, untuk menghadapi pemberontak "
            "di Almaty, kota utama Kazakhstan, Kamis (06/01).",
        ),
        (
            "000_e9a991ac1f076a93",
            "Pada Kamis (06/01) malam terjadi pertempuran baru di alun-alun utama Almaty, yang diduduki "
            "secara bergantian oleh pasukan dan ratusan pengunjuk rasa sepanjang hari.",
        ),
        (
            "003_c1c99dbedbe017a5",
            "Pada Kamis (6/1)malam, Kementerian Urusan Dalam Negeri Kazakhstan mengatakan telah mendapatkan "
            "kembali kendali atas semua gedung pemerintah di Almaty.",
        ),
        (
            "003_c1c99dbedbe017a5",
            "Kelompok itu telah mengirim sekitar 2.500 tentara ke Kazakhstan, dan jumlah itu bisa meningkat, "
            "kata sekretaris jenderalnya kepada kantor berita negara Rusia RIA Novosti.",
        ),
        (
            "001_154a6a091910b3c3",
            '"Ini adalah perusakan integritas negara dan yang paling penting ini adalah serangan terhadap '
            'warga kami yang meminta saya ... untuk membantu mereka segera," katanya.',
        ),
        (
            "001_154a6a091910b3c3",
            "Kantor berita TASS mengutip Kementerian Kesehatan Kazakh yang mengatakan bahwa lebih dari 1.000 "
            "orang terluka selama protes, dan lebih dari 400 di antaranya dirawat di rumah sakit.",
        ),
    ],
)
def test_numbers_dates_and_ellipses_in_seed_articles_do_not_split_a_sentence(seed, article_id, sentence):
    assert sentence in sentences(seed[article_id].text)


@pytest.mark.parametrize(
    ("article_id", "first", "second"),
    [
        (
            "001_154a6a091910b3c3",
            "Polisi mengatakan mereka telah membunuh puluhan perusuh di kota utama Almaty.",
            "Televisi pemerintah mengatakan 13 anggota pasukan keamanan tewas, termasuk dua orang yang "
            "dipenggal kepalanya.",
        ),
        (
            "003_c1c99dbedbe017a5",
            "Kekerasan menyebar sepanjang malam.",
            "Polisi menembaki para demonstran, beberapa dari mereka bersenjata.",
        ),
    ],
)
def test_real_sentence_ends_inside_a_line_split(seed, article_id, first, second):
    found = sentences(seed[article_id].text)
    assert found[found.index(first) + 1] == second


def test_every_line_of_a_seed_article_ends_a_sentence(seed):
    text = seed["000_e9a991ac1f076a93"].text
    found = sentences(text)
    assert all("\n" not in sentence for sentence in found)
    assert found[-1] == "“Serangan pada warga kami”"
    # Article 000 has one sentence per line.
    assert found == [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "Kantor itu ada di Jl. Sudirman No. 5 Jakarta.",
        "Korban dirawat oleh Dr. Budi di rumah sakit.",
        "Mereka membawa beras, gula, minyak, dll. Semua dibagikan kepada warga.",
        "Rapat dipimpin Prof. Dr. Ir. Siti Nurhaliza, M.Si. Di depan wartawan.",
        "Laporan ditulis oleh J. Smith untuk Reuters.",
        "Harga naik menjadi Rp 2.500 per liter.",
        "Sebanyak 1.000,5 ton dikirim (06/01) dan (6/1)Malam tiba.",
    ],
)
def test_abbreviations_and_numbers_do_not_split(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Satu. Dua.", ["Satu.", "Dua."]),
        ("Benarkah? Ya! Tentu.", ["Benarkah?", "Ya!", "Tentu."]),
        ('Ia berteriak, "Pergi!" Lalu dia lari.', ['Ia berteriak, "Pergi!"', "Lalu dia lari."]),
        ("Jumlahnya 2.000 orang. 300 lainnya luka.", ["Jumlahnya 2.000 orang.", "300 lainnya luka."]),
        ("Judul tanpa titik\n  Kalimat kedua.  \n\n", ["Judul tanpa titik", "Kalimat kedua."]),
    ],
)
def test_real_sentence_ends_split(text, expected):
    assert sentences(text) == expected


def _assert_offsets_quote_the_article(article: Article, max_chars: int) -> None:
    chunks = chunk_article(article, max_chars=max_chars)
    all_spans = [span for chunk in chunks for span in chunk.sentences]
    assert all_spans == split_sentences(article.text)  # every sentence once, in order, none cut
    for position, chunk in enumerate(chunks):
        assert chunk.position == position and chunk.doc_id == article.id
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end
            assert article.text[start:end] == chunk.text[start - chunk.start : end - chunk.start]
        assert len(chunk.text) <= max_chars or len(chunk.sentences) == 1


@pytest.mark.parametrize("max_chars", [80, 300, 2000])
def test_chunk_and_sentence_offsets_quote_the_seed_articles_exactly(seed, max_chars):
    for article in seed.values():
        _assert_offsets_quote_the_article(article, max_chars)


def test_chunks_hold_whole_sentences_up_to_the_size_limit(seed):
    chunks = chunk_article(seed["000_e9a991ac1f076a93"], max_chars=300)
    assert 1 < len(chunks) < len(split_sentences(seed["000_e9a991ac1f076a93"].text))
    arrested = next(c for c in chunks if "2.000 orang ditangkap" in c.text)
    assert "Bahkan lebih dari 2.000 orang ditangkap." in arrested.text


def test_a_sentence_longer_than_the_limit_is_its_own_chunk():
    long = "Kata " * 100 + "akhir."
    article = Article(id="x", text=f"Pendek. {long} Pendek lagi.", title="x")
    texts = [c.text for c in chunk_article(article, max_chars=50)]
    assert texts == ["Pendek.", long, "Pendek lagi."]


def test_chunk_ids_derive_from_article_id_and_position():
    article = Article(id="abc", text="Satu. Dua. Tiga.", title="abc")
    assert [c.id for c in chunk_article(article, max_chars=6)] == ["abc#0000", "abc#0001", "abc#0002"]
    assert chunk_article(article, max_chars=6) == chunk_article(article, max_chars=6)


PIECES = [*"aZ9 .!?…\n\t\r\"'“”()[]–-/,", "Dr.", "dll.", "Jl.", "2.000", "(6/1)", " Kata", "kata"]
TRICKY = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(TRICKY)
def test_any_text_splits_into_stripped_sentences_that_cover_every_visible_character(text):
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        sentence = text[start:end]
        assert sentence == sentence.strip() and "\n" not in sentence
        covered[start:end] = [True] * (end - start)
        previous_end = end
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))
    _assert_offsets_quote_the_article(Article(id="h", text=text, title="h"), max_chars=40)


def _sentences_before_the_linear_fix(text: str) -> list[tuple[int, int]]:
    """The splitter as it was, with its word-before search from the text's start (square time)."""
    import re

    from index import chunking

    word_before = re.compile(r"([\w.]+)$")

    def is_abbreviation(text: str, dot: int) -> bool:
        match = word_before.search(text, 0, dot)
        if not match:
            return False
        word = match.group(1).lower().rstrip(".")
        return (len(word) == 1 and word.isalpha()) or word in chunking.ABBREVIATIONS

    original = chunking._is_abbreviation
    chunking._is_abbreviation = is_abbreviation
    try:
        return split_sentences(text)
    finally:
        chunking._is_abbreviation = original


WORDY = st.lists(
    st.sampled_from([*PIECES, "_", "é", "ü", "Ü", "٣", "x_y.", "a.b.", "M.Si.", "U.S.", " Dr. Budi", "."]),
    max_size=150,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(WORDY)
def test_reading_the_word_before_a_full_stop_backwards_splits_as_before(text):
    assert split_sentences(text) == _sentences_before_the_linear_fix(text)


def test_a_long_one_line_article_splits_as_before(seed):
    text = seed["000_e9a991ac1f076a93"].text.replace("\n", " ") * 8  # ~20 KB on one line
    assert split_sentences(text) == _sentences_before_the_linear_fix(text)
    assert len(chunk_article(Article(id="long", title="long", text=text))) > 50
