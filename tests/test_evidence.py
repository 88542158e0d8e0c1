"""Evidence selection: which sentences of a story's articles an answer rests on."""

from __future__ import annotations

from pathlib import Path

from bot.answer import Answerer
from bot.question import Question
from index.articles import Article
from index.embedding import E5Embedding
from index.retrieval import HybridRetriever
from index.store import Store

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
    store = Store.open(embedder, path=tmp_path / "store")
    store.ingest([FERRY])
    answerer = Answerer(HybridRetriever(store), None)
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
