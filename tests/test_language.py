"""The answer language is the question's, whatever language its names are in."""

import pytest

from index.language import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("When did the flash flood hit Lembah Tirta?", "en"),
        ("When did the strike at PT Tenun Arunika begin?", "en"),
        ("Berapa korban banjir di Green Valley?", "id"),
        ("Kapan Wall Street Journal menerbitkan laporan itu?", "id"),
        ("Siapa Kepala BPBD Kabupaten Sekar Wangi?", "id"),  # all names but one word: judged whole
        ("Who is Budi Santoso?", "en"),
    ],
)
def test_names_do_not_decide_the_language(detector: LanguageDetector, question: str, language: str) -> None:
    assert detector.detect(question) == language


def test_quoted_passages_and_markers_do_not_count(detector: LanguageDetector) -> None:
    assert detector.detect("19 [1]") == "id"  # nothing to judge: the default
