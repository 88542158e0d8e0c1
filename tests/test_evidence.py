"""Evidence selection: which sentences of a story's articles an answer rests on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot import grounding
from bot.answer import Answerer
from bot.figures.sources import narrowing
from bot.question import Question
from bot.render.layout import shown_text
from index.articles import Article
from index.embedding import E5Embedding
from index.retrieval import HybridRetriever
from index.store import Store
from tests.test_answer import ScriptedModel


def _extractive(tmp_path: Path, embedder: E5Embedding, *articles: Article) -> Answerer:
    """An extractive answerer over a fresh store of `articles`."""
    store = Store.open(embedder, path=tmp_path / "store")
    store.ingest(list(articles))
    return Answerer(HybridRetriever(store), None)


# Every sentence names the ferry and the strait (a fictional story); one says who operated the ferry.
FERRY = Article(
    id="ferry",
    title="KMP Lunara Tenggelam di Selat Qorva",
    published="2025-06-09",
    story="lunara",
    text="QORVA, KORAN SELATAN - Kapal motor penumpang KMP Lunara tenggelam di Selat Qorva pada Minggu malam "
    "saat berlayar dari Pelabuhan Qorva menuju Pulau Tamsi.\n"
    "Tim SAR gabungan masih mencari korban KMP Lunara di perairan Selat Qorva hingga Senin.\n"
    "Menurut syahbandar, KMP Lunara dioperasikan oleh PT Samudra Veka.\n"
    "Keluarga penumpang KMP Lunara menunggu kabar di Pelabuhan Qorva.",
)


def test_the_answer_rests_on_what_the_question_asks_not_on_the_names_every_sentence_shares(
    tmp_path: Path, embedder: E5Embedding
) -> None:
    answerer = _extractive(tmp_path, embedder, FERRY)
    answer = answerer.answer("Perusahaan apa yang mengoperasikan KMP Lunara di Selat Qorva?")
    # Before: a sentence holding the question's every name won ("Tim SAR ... KMP Lunara ... Selat Qorva").
    assert answer.answered and "PT Samudra Veka" in answer.text, answer.text
    assert "PT Samudra Veka" in answer.citations[0].quote


def test_what_a_question_asks_is_its_words_without_the_names_that_place_it() -> None:
    question = Question.parse("Which company operated the KMP Lunara in the Qorva Strait?", "en")
    assert question.names == ("KMP", "Lunara", "Qorva", "Strait")
    assert question.asks == "Which company operated the in the"
    assert Question.parse("Siapa Budi?", "id").asks == "Siapa"
    assert Question.parse("Kapan?", "id").asks == "Kapan?"  # nothing but the question word: kept whole


# A province's election (fictional): the province's count in most sentences, one city's count in one.
ELECTION = Article(
    id="election",
    title="Pemungutan Suara Pilgub Velora Berjalan Lancar",
    published="2025-09-18",
    story="velora",
    text="Pemungutan suara pemilihan gubernur Provinsi Velora digelar di 8.412 tempat pemungutan suara (TPS) "
    "pada Rabu.\n"
    "KPU Provinsi Velora mencatat tingkat partisipasi pemilih mencapai 74 persen.\n"
    "Di Kota Marisa, pemungutan suara berlangsung di 1.236 tempat pemungutan suara tanpa gangguan.\n"
    "Sebanyak 12.600 personel keamanan berjaga di seluruh Provinsi Velora.\n"
    "Gubernur Velora meminta warga menunggu hasil resmi.",
)


def test_a_count_asked_of_a_part_of_the_story_is_that_parts_count(
    tmp_path: Path, embedder: E5Embedding
) -> None:
    answerer = _extractive(tmp_path, embedder, ELECTION)
    city = answerer.answer("Berapa tempat pemungutan suara di Kota Marisa?")
    assert city.answered and "1.236" in city.text and "8.412" not in city.text, city.text
    province = answerer.answer("Berapa tempat pemungutan suara di Provinsi Velora?")
    assert province.answered and "8.412" in province.text, province.text
    # A small model gives the province's count as the city's, twice: that is not what the user reads.
    misreading = ScriptedModel(*["Ada 8.412 TPS di Kota Marisa [1]."] * 4)
    city = Answerer(answerer.retriever, misreading).answer(city.question)
    assert "8.412" not in shown_text(city) and "1.236" in shown_text(city), city.text


def test_the_names_narrowing_a_question_are_those_few_of_its_storys_sentences_hold() -> None:
    sentences = ELECTION.text.splitlines()
    asked = Question.parse("Berapa tempat pemungutan suara di Kota Marisa, Provinsi Velora?", "id")
    assert grounding.scope(asked, sentences, share=0.25) == {"Marisa"}
    province = Question.parse("Berapa tempat di Provinsi Velora?", "id")
    assert grounding.scope(province, sentences, share=0.25) == set()


# A strike (fictional): the plant is named where the clash began, not in the sentence counting the injured.
CLASH = Article(
    id="clash-union",
    title="Police and strikers clash at textile plant",
    published="2025-06-04",
    story="strike",
    text="KORVALA - Scuffles broke out on Wednesday on the picket line outside the Tamsi plant of a textile "
    "company, where workers have been on strike for three days.\n"
    "The union said 27 workers were injured in the clash.\n"
    "Police arrested 14 people after the scuffles.\n"
    "The strike began on Monday after the company froze wages for the year.\n"
    "Talks between the company and the union are due to resume next week.",
)


def test_a_place_that_only_sets_the_scene_of_a_count_does_not_narrow_it(
    tmp_path: Path, embedder: E5Embedding
) -> None:
    answerer = _extractive(tmp_path, embedder, CLASH)
    asked = "How many workers were injured in the clash at the Tamsi plant?"
    # Before: "Tamsi" narrowed the count, the sentence counting the injured does not name the plant, and
    # the right reply was declined as "The articles do not say".
    model = ScriptedModel(*["The union said 27 workers were injured in the clash [1]."] * 4)
    injured = Answerer(answerer.retriever, model).answer(asked)
    assert injured.answered and "27 workers were injured" in injured.text, injured.text
    # Where the story counts it for that part, the part's count is asked (as in Kota Marisa above).
    sentences = ELECTION.text.splitlines()
    city = Question.parse("Berapa tempat pemungutan suara di Kota Marisa?", "id")
    city = replace(city, scope=grounding.scope(city, sentences, share=0.25))
    assert narrowing(city, sentences) == {"Marisa"}
    plant = Question.parse("How many workers were injured in the clash at the Tamsi plant?", "en")
    lines = CLASH.text.splitlines()
    plant = replace(plant, scope=grounding.scope(plant, lines, share=0.25))
    assert plant.scope == {"Tamsi"} and narrowing(plant, lines) == set()


def test_a_why_question_about_what_its_story_never_reports_is_declined(
    tmp_path: Path, embedder: E5Embedding
) -> None:
    answerer = _extractive(tmp_path, embedder, FERRY)
    fire = answerer.answer("Mengapa KMP Lunara terbakar di Selat Qorva?")
    assert not fire.answered and "terbakar" in fire.text, fire.text
    # Asked how many, one word the story lacks is not enough: stories word a count many ways.
    count = answerer.answer("Berapa penumpang KMP Lunara yang dievakuasi?")
    assert "dievakuasi" not in count.text
