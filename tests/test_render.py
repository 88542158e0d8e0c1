"""How an Answer looks: Telegram HTML (escaped, split under 4,096 characters) and terminal text."""

from __future__ import annotations

import re

import pytest
from botapi_stub import MESSAGE_LIMIT, parse_telegram_html
from rich.console import Console

from bot.render.telegram_html import render_answer, split_html
from bot.render.text import render_plain, render_rich
from bot.schema import Answer, Citation, Claim, Conflict


def _citation(n: int, **fields: object) -> Citation:
    values: dict[str, object] = {
        "doc_id": f"00{n}",
        "title": f"Artikel {n}",
        "source": "Kantor Berita",
        "url": None,
        "quote": f"Kalimat kutipan nomor {n}.",
    }
    values.update(fields)
    return Citation(n=n, **values)  # type: ignore[arg-type]


def _claim(value: str, doc_id: str, n: int | None, attribution: str | None) -> Claim:
    return Claim(
        value_text=value,
        value=float(value.split()[-1]),
        low=None,
        high=None,
        counted="anggota pasukan keamanan",
        predicate="killed",
        attribution=attribution,
        doc_id=doc_id,
        n=n,
        quote=f"... {value} anggota pasukan keamanan tewas ...",
    )


OFFICERS = Answer(
    question="Berapa aparat yang tewas?",
    text="Sedikitnya 18 anggota pasukan keamanan tewas [1], sedangkan televisi pemerintah menyebut 13 [2].",
    language="id",
    answered=True,
    citations=[
        _citation(1, doc_id="000", title="Rusia kirim pasukan", url="https://example.com/a?x=1&y=2"),
        _citation(2, doc_id="001", title="Kerusuhan Kazakhstan", source=None),
    ],
    conflicts=[
        Conflict(
            topic="anggota pasukan keamanan tewas",
            claims=[
                _claim("sedikitnya 18", "000", 1, "pihak berwenang"),
                _claim("13", "001", None, "televisi pemerintah"),
            ],
        )
    ],
)


def test_answer_html_parses_as_telegram_html_and_shows_sources_with_links_and_quotes() -> None:
    [message] = render_answer(OFFICERS)
    visible = parse_telegram_html(message)
    assert "Sumber" in visible
    assert "[1] Rusia kirim pasukan — Kantor Berita" in visible
    assert "[2] Kerusuhan Kazakhstan\n" in visible  # no outlet known: no dangling dash
    assert '<a href="https://example.com/a?x=1&amp;y=2">Rusia kirim pasukan</a>' in message
    assert "<blockquote>Kalimat kutipan nomor 1.</blockquote>" in message


def test_disagreement_block_gives_each_figure_its_citation_and_who_said_it() -> None:
    visible = parse_telegram_html(render_answer(OFFICERS)[0])
    # The second claim carries no number of its own: it is shown under its article's citation.
    assert (
        "⚠️ Laporan berbeda\n• sedikitnya 18 anggota pasukan keamanan tewas menurut pihak berwenang [1], "
        "13 menurut televisi pemerintah [2]." in visible
    )
    assert visible.index("Laporan berbeda") < visible.index("Sumber")


def test_the_disagreement_block_comes_from_the_structured_conflicts_never_from_the_text() -> None:
    # A "Laporan berbeda:" paragraph in the text (a model copying a planted one) is text, not the block.
    planted = "Laporan berbeda: 500 anggota tewas menurut sumber palsu [1]."
    answer = OFFICERS.model_copy(update={"text": f"Sedikitnya 18 tewas [1].\n\n{planted}"})
    visible = parse_telegram_html(render_answer(answer)[0])
    block = visible.split("⚠️ Laporan berbeda\n", 1)[1]
    assert "500" not in block and block.startswith("• sedikitnya 18 anggota pasukan keamanan tewas")
    plain = render_plain(answer)
    assert "  - sedikitnya 18 anggota pasukan keamanan tewas menurut pihak berwenang [1]" in plain


def test_english_answer_uses_english_labels() -> None:
    english = OFFICERS.model_copy(update={"language": "en", "text": "At least 18 officers died [1]."})
    visible = parse_telegram_html(render_answer(english)[0])
    assert "⚠️ Reports differ" in visible
    assert "killed according to the authorities [1]" in visible  # the source put into English
    assert "Sources" in visible and "Sumber" not in visible


def test_model_and_article_text_is_escaped_not_interpreted() -> None:
    hostile = Answer(
        question="q",
        text='Polisi <b>menembak</b> & "menangkap" <script>x</script> [1]',
        language="id",
        answered=True,
        citations=[
            _citation(1, title="A <i>title</i> & co", source="R&D <News>", quote="1 < 2 > 0 & <a href=x>")
        ],
    )
    [message] = render_answer(hostile)
    visible = parse_telegram_html(message)
    assert 'Polisi <b>menembak</b> & "menangkap" <script>x</script> [1]' in visible
    assert "A <i>title</i> & co — R&D <News>" in visible
    assert "1 < 2 > 0 & <a href=x>" in visible


def test_abstention_is_rendered_without_sources_or_disagreements() -> None:
    abstained = OFFICERS.model_copy(update={"answered": False, "text": "Artikel tidak menyebutkannya."})
    [message] = render_answer(abstained)
    assert parse_telegram_html(message) == "Artikel tidak menyebutkannya."
    assert "Sumber:" not in render_plain(abstained)


def _long_answer() -> Answer:
    paragraphs = [f"Paragraf {i}: " + " ".join(["kata"] * 120) + f" [{i % 9 + 1}]." for i in range(40)]
    citations = [_citation(n, quote="Sebuah kalimat panjang " + "x" * 300) for n in range(1, 10)]
    return Answer(
        question="q", text="\n\n".join(paragraphs), language="id", answered=True, citations=citations
    )


def test_long_answer_is_split_into_valid_messages_under_the_limit_on_paragraph_boundaries() -> None:
    answer = _long_answer()
    parts = render_answer(answer)
    assert len(parts) >= 5
    visible = [parse_telegram_html(part) for part in parts]  # each part parses on its own
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    for paragraph in answer.text.split("\n\n"):  # no paragraph is cut in two
        assert sum(paragraph in v for v in visible) == 1
    squeezed = re.sub(r"\s+", "", "".join(visible))
    assert squeezed.startswith(re.sub(r"\s+", "", answer.text))
    assert squeezed.count("[9]Artikel9") == 1  # the sources came through once, whole


@pytest.mark.parametrize("limit", [60, 200, 4096])
def test_a_paragraph_longer_than_the_limit_is_cut_inside_its_tags_and_reopened(limit: int) -> None:
    quote = " ".join(f"kata{i}" for i in range(2000))
    link = '<a href="https://x.example/?a=1&amp;b=2"><b>tautan</b></a>'
    html = f"<b>Judul</b>\n\n{link} <blockquote>{quote}</blockquote>"
    parts = split_html(html, limit)
    assert len(parts) > 1
    for part in parts:
        parse_telegram_html(part)
        assert len(part) <= limit
    assert parts[-1].endswith("</blockquote>")
    assert all(p.startswith("<blockquote>") for p in parts[2:])
    words = re.findall(r"kata\d+", " ".join(parts))
    assert words == [f"kata{i}" for i in range(2000)]


def test_plain_text_shows_answer_disagreement_and_quoted_sources() -> None:
    text = render_plain(OFFICERS)
    assert text.startswith("Sedikitnya 18 anggota pasukan keamanan tewas [1]")
    assert (
        "⚠️ Laporan berbeda\n  - sedikitnya 18 anggota pasukan keamanan tewas menurut pihak berwenang [1]"
        in text
    )
    assert "[1] Rusia kirim pasukan — Kantor Berita\n    https://example.com/a?x=1&y=2\n" in text
    assert "    “Kalimat kutipan nomor 2.”" in text
    assert "\x1b" not in text


def test_rich_rendering_highlights_the_disagreement_and_keeps_article_text_literal() -> None:
    hostile = OFFICERS.model_copy(update={"text": "Angka [bold]18[/bold] [1]."})
    console = Console(record=True, width=100, color_system="truecolor", force_terminal=True)
    console.print(render_rich(hostile))
    text = console.export_text(clear=False)
    assert "Angka [bold]18[/bold] [1]." in text  # rich markup in article text is not interpreted
    assert "⚠️ Laporan berbeda" in text and "sedikitnya 18 anggota pasukan keamanan tewas" in text
    assert "“Kalimat kutipan nomor 1.”" in text
    html = console.export_html(inline_styles=True)
    assert "#808000" in html or "yellow" in html.lower()  # the disagreement panel is drawn in yellow
