"""How `kabar eval` judges an answer: key-fact matching, language, per-item reasons, summary metrics."""

from __future__ import annotations

import pytest

from bot.evaluation.metrics import (
    GoldItem,
    detect_language,
    has_fact,
    missing_facts,
    percentile,
    score_item,
    summarise,
    unsupported_terms,
    without_quotes,
)
from bot.schema import Answer, Citation, Claim, Conflict, Timings

A, B, C = "000_a", "001_b", "003_c"


def cite(n: int, doc_id: str, quote: str = "a quoted sentence") -> Citation:
    return Citation(n=n, doc_id=doc_id, title=f"title of {doc_id}", quote=quote)


def officers_conflict() -> Conflict:
    claims = [
        Claim(
            value_text=v,
            value=float(v),
            low=float(v),
            high=float(v),
            counted="officers",
            predicate="killed",
            doc_id=d,
            quote=f"{v} officers killed",
        )
        for v, d in (("18", A), ("13", B))
    ]
    return Conflict(topic="officers killed", claims=claims)


def answer(
    text: str,
    *,
    answered: bool = True,
    cited: tuple[str, ...] = (),
    retrieved: tuple[str, ...] = (),
    conflict: bool = False,
    total_ms: float = 0.0,
    language: str = "id",
) -> Answer:
    return Answer(
        question="q",
        text=text,
        language=language,  # type: ignore[arg-type]
        answered=answered,
        # Each cited article quotes the sentence the answer rests on.
        citations=[cite(n, doc_id, text) for n, doc_id in enumerate(cited, start=1)],
        conflicts=[officers_conflict()] if conflict else [],
        retrieved=list(retrieved),
        timings=Timings(total_ms=total_ms),
    )


# --- evidence-bound replies ----------------------------------------------------------------------------


def bound(text: str, quote: str, question: str = "q") -> list[str]:
    reply = Answer(question=question, text=text, language="en", answered=True, citations=[cite(1, A, quote)])
    return unsupported_terms(reply)


def test_a_figure_or_name_the_cited_sentence_lacks_is_counted() -> None:
    quote = "Polisi Mardani mengatakan 21 orang tewas."
    assert bound("Police chief Mardani said 21 people died [1].", quote) == []
    assert bound("Police chief Mardani said 26 people died [1].", quote) == ["26"]
    assert bound("Governor Salim said 21 people died [1].", quote) == ["Salim"]


def test_figures_and_names_match_across_languages_and_spellings() -> None:
    quote = "Rusia mengirim dua ribu tentara dan 1.500 kendaraan."
    assert bound("Russia sent 2,000 troops and 1,500 vehicles [1].", quote) == []
    assert bound("Rusia mengirim 2.000 tentara [1].", quote) == []


def test_the_question_s_own_names_and_quoted_text_are_not_claims() -> None:
    quote = "Sungai itu meluap setelah hujan deras."
    reply = "In Sekar Wangi, the river burst its banks [1]. “Sungai itu meluap setelah hujan 3 hari.”"
    assert bound(reply, quote, question="Why did the flood hit Sekar Wangi?") == []


def test_who_published_a_cited_article_and_when_and_kabars_own_frame_are_not_claims() -> None:
    earlier = Citation(
        n=2, doc_id=B, title="t", source="Warta Timur", published="2025-03-11", quote="Ada 23 orang hilang."
    )
    reply = Answer(
        question="How many were missing?",
        text="19 people were missing [1]. An earlier report (Warta Timur, 2025-03-11) gave 23 [2].",
        language="en",
        answered=True,
        citations=[cite(1, A, "Sebanyak 19 orang masih hilang."), earlier],
    )
    assert unsupported_terms(reply) == []
    quoted = "Menurut artikel (kutipan dalam bahasa Inggris): “Nineteen people are missing.” [1]"
    assert bound(quoted, "Nineteen people are missing.") == []  # "Inggris" is Kabar's label, not a claim
    outlet = bound("Menurut Warta Timur, 19 orang hilang [1].", "Sebanyak 19 orang hilang.")
    assert outlet == ["Warta", "Timur"]  # an outlet no cited article has is a claim


# --- matching -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["lebih dari 2.000 orang", "more than 2,000 people", "2000 ditangkap"])
def test_a_number_matches_whatever_thousands_separator_the_answer_uses(text: str) -> None:
    assert has_fact(text, ["2000"])
    assert has_fact(text, ["2.000"])
    assert has_fact(text, ["2,000"])


def test_a_decimal_comma_is_not_read_as_a_thousands_separator() -> None:
    assert not has_fact("naik 2,5 persen", ["25"])
    assert has_fact("naik 2,5 persen", ["2.5"])
    assert has_fact("rose 2.5 percent", ["2,5"])


@pytest.mark.parametrize("text", ["pada 2018", "180 orang", "1.8 juta", "118 tewas", "18.000 tentara"])
def test_a_number_only_matches_as_a_whole_number(text: str) -> None:
    assert not has_fact(text, ["18"])


@pytest.mark.parametrize("text", ["18 tewas", "(18)", "tewas 18.", "18-an petugas", "sebanyak 18, bukan 13"])
def test_a_number_matches_next_to_punctuation(text: str) -> None:
    assert has_fact(text, ["18"])


def test_citation_markers_do_not_count_as_numbers_in_the_answer() -> None:
    assert not has_fact("Ada 18 petugas tewas [1].", ["1"])
    assert not has_fact("Ada 18 petugas tewas [13].", ["13"])


def test_any_one_alternative_satisfies_a_group_whatever_its_case() -> None:
    assert has_fact("Harga LPG naik", ["lpg", "gas cair"])
    assert has_fact("Harga Gas Cair naik", ["lpg", "gas cair"])
    assert not has_fact("Harga minyak naik", ["lpg", "gas cair"])


def test_an_alternative_matches_inside_a_longer_word() -> None:
    assert has_fact("Over 2,000 people were arrested.", ["arrest", "detain"])
    assert has_fact("Lebih dari 2.000 orang ditangkap.", ["tangkap"])


def test_missing_facts_names_each_group_without_a_match() -> None:
    text = "At least 18 officers were killed, officials said."
    assert missing_facts(text, [["18"], ["13"]]) == [["13"]]
    assert missing_facts(text + " State TV said 13.", [["18"], ["13"]]) == []


def test_a_blank_alternative_is_refused_because_it_would_match_anything() -> None:
    with pytest.raises(ValueError, match="non-blank"):
        GoldItem(id="x", question="q", language="en", key_facts=[["18", " "]])


# --- language -------------------------------------------------------------------------------------------


def test_answer_language_is_detected_for_both_languages() -> None:
    assert detect_language("Lebih dari 2.000 orang ditangkap selama kerusuhan [1].") == "id"
    assert detect_language("More than 2,000 people were arrested during the unrest [1].") == "en"


def test_quoted_indonesian_does_not_make_an_english_answer_indonesian() -> None:
    text = "The ministry said “lebih dari 1.000 orang terluka selama protes di seluruh negeri” [2], per TASS."
    assert "terluka" not in without_quotes(text)
    assert detect_language(text) == "en"


def test_too_short_an_answer_is_not_judged_for_language() -> None:
    gold = GoldItem(id="x", question="q", language="id", key_facts=[["Chevron"]], sources=[A])
    score = score_item(gold, answer("Chevron [1].", cited=(A,), retrieved=(A,)))
    assert score.language_ok is None
    assert score.reasons == []


# --- one item -------------------------------------------------------------------------------------------


def test_a_correct_cited_answer_has_no_failure_reasons() -> None:
    gold = GoldItem(id="kz-1", question="q", language="id", key_facts=[["2000"]], sources=[A], conflict=False)
    score = score_item(gold, answer("Lebih dari 2.000 orang ditangkap [1].", cited=(A,), retrieved=(A, B)))
    assert score.key_facts_ok is True
    assert score.reasons == []


def test_an_answer_missing_the_second_figure_of_a_disagreement_fails_with_reasons() -> None:
    gold = GoldItem(
        id="kz-2", question="q", language="en", key_facts=[["18"], ["13"]], sources=[A, B], conflict=True
    )
    score = score_item(
        gold, answer("At least 18 officers were killed [1].", cited=(A,), retrieved=(A, B), language="en")
    )
    assert score.reasons == [
        "missing key facts: 13",
        "did not report the disagreement between the articles",
    ]


def test_answering_an_unanswerable_question_is_a_failure() -> None:
    gold = GoldItem(id="kz-3", question="q", language="en", answerable=False, conflict=False)
    score = score_item(gold, answer("Argentina won the 2022 World Cup final.", language="en"))
    assert score.reasons == [
        "answered a question the articles cannot answer",
        "states what no cited sentence holds: 2022, World, Cup",
    ]


def test_citing_only_a_non_source_names_both_problems() -> None:
    gold = GoldItem(
        id="kz-4", question="q", language="id", key_facts=[["Chevron"]], sources=[A], conflict=False
    )
    score = score_item(
        gold, answer("Ladang Tengiz dioperasikan oleh Chevron [1].", cited=(C,), retrieved=(A,))
    )
    assert score.reasons == [
        "cited articles that do not support the answer: 003_c",
        "cited none of the sources: 000_a",
    ]


# --- summary over a hand-made set -----------------------------------------------------------------------

GOLD = [
    GoldItem(
        id="g1",
        question="q1",
        language="id",
        key_facts=[["2000"]],
        sources=[A],
        supporting=[B],
        conflict=False,
    ),
    GoldItem(
        id="g2", question="q2", language="en", key_facts=[["18"], ["13"]], sources=[A, B], conflict=True
    ),
    GoldItem(id="g3", question="q3", language="en", answerable=False, conflict=False),
    GoldItem(id="g4", question="q4", language="id", key_facts=[["Chevron"]], sources=[C], conflict=False),
]
PREDICTIONS = [
    # right, cites a source and a supporting article, but flags a disagreement that is not there
    answer(
        "Lebih dari 2.000 orang ditangkap [1][2].",
        cited=(A, B),
        retrieved=(A, B, C),
        conflict=True,
        total_ms=100,
    ),
    # half the disagreement, one wrong citation, no conflict reported, source at rank 2
    answer(
        "At least 18 officers were killed [1][2].",
        cited=(A, C),
        retrieved=(C, A, B),
        language="en",
        total_ms=300,
    ),
    # abstains correctly, but in Indonesian for an English question
    answer("Artikel tidak menyebutkan siapa pemenangnya.", answered=False, retrieved=(B,), total_ms=200),
    # refuses an answerable question; its source was never retrieved
    answer("Maaf, artikel tidak menyebutkan hal itu.", answered=False, retrieved=(B, A), total_ms=400),
]


def test_summary_metrics_match_hand_computed_values() -> None:
    summary = summarise([score_item(g, p) for g, p in zip(GOLD, PREDICTIONS, strict=True)])
    m = summary.metrics
    assert m["key_fact_accuracy"] == pytest.approx(1 / 3)  # g1 only, of g1 g2 g4
    assert m["citation_precision"] == pytest.approx(3 / 4)  # A,B for g1; A (not C) for g2
    assert m["citation_recall"] == pytest.approx(2 / 4)  # A of {A}; A of {A,B}; none of {C}
    assert m["hit_at_1"] == pytest.approx(1 / 3)  # ranks 1, 2, none
    assert m["hit_at_5"] == pytest.approx(2 / 3)
    assert m["hit_at_10"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert m["disagreement_recall"] == 0.0  # g2 not flagged
    assert m["disagreement_false_positive_rate"] == pytest.approx(1 / 3)  # g1 flagged, of g1 g3 g4
    assert m["abstention_recall"] == 1.0
    assert m["over_refusal_rate"] == pytest.approx(1 / 3)  # g4
    assert m["language_match"] == pytest.approx(3 / 4)  # g3 answered in Indonesian
    assert m["latency_p50_ms"] == pytest.approx(250)
    assert m["latency_p95_ms"] == pytest.approx(385)  # 300 + 0.85 * (400 - 300)
    assert summary.counts["citation_precision"] == 4
    assert summary.counts["citation_recall"] == 4


def test_summary_lists_each_failing_item_with_its_reasons() -> None:
    summary = summarise([score_item(g, p) for g, p in zip(GOLD, PREDICTIONS, strict=True)])
    reasons = {failure.id: failure.reasons for failure in summary.failures}
    assert reasons == {
        "g1": ["reported a disagreement the articles do not have (officers killed)"],
        "g2": [
            "missing key facts: 13",
            "cited articles that do not support the answer: 003_c",
            "did not report the disagreement between the articles",
        ],
        "g3": ["answer language is id, question is en"],
        "g4": ["no source among the retrieved articles", "abstained on an answerable question"],
    }


def test_retrieval_only_summary_scores_only_retrieval_and_flags_low_ranks() -> None:
    summary = summarise(
        [score_item(g, p, retrieval_only=True) for g, p in zip(GOLD, PREDICTIONS, strict=True)],
        retrieval_only=True,
    )
    assert list(summary.metrics) == ["hit_at_1", "hit_at_5", "hit_at_10", "mrr"]
    assert summary.metrics["mrr"] == pytest.approx(0.5)
    reasons = {failure.id: failure.reasons for failure in summary.failures}
    assert reasons == {
        "g2": ["first source retrieved at rank 2"],
        "g4": ["no source among the retrieved articles"],
    }


def test_a_metric_with_nothing_to_score_is_none_not_zero() -> None:
    summary = summarise([score_item(GOLD[0], PREDICTIONS[0])])
    assert summary.metrics["abstention_recall"] is None
    assert summary.counts["abstention_recall"] == 0


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([10, 20, 30, 40], 0.5) == pytest.approx(25)
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None
