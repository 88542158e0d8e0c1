"""`kabar eval`: reading gold files, the record per question, the printed summary, the seed gold set."""

from __future__ import annotations

import argparse
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from bot.evaluation.evaluate import (
    EvalError,
    add_arguments,
    answer_with,
    evaluate,
    load_gold,
    render_summary,
    retrieve_with,
    run,
)
from bot.evaluation.metrics import GoldItem, has_fact, missing_facts
from bot.schema import Answer, Citation, Timings

ROOT = Path(__file__).resolve().parents[1]
SEED_GOLD = ROOT / "data" / "gold" / "seed.jsonl"
SEED_ARTICLES = ROOT / "data" / "articles"

GOLD_LINES = [
    {
        "id": "t-1",
        "question": "Berapa orang ditangkap?",
        "language": "id",
        "answer": "Lebih dari 2.000.",
        "key_facts": [["2000"]],
        "sources": ["000_a"],
        "supporting": [],
        "conflict": False,
        "answerable": True,
    },
    {
        "id": "t-2",
        "question": "Who won the World Cup?",
        "language": "en",
        "answer": "Not in the articles.",
        "key_facts": [],
        "sources": [],
        "conflict": False,
        "answerable": False,
        "note": "kept as is",
    },
]


def write_gold(path: Path, lines: list[dict] | None = None) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in (lines or GOLD_LINES)), encoding="utf-8")
    return path


class ScriptedAnswerer:
    """An answering pipeline with fixed replies, so the runner is tested without a model."""

    def __init__(self, replies: dict[str, Answer]) -> None:
        self.replies = replies

    def answer(self, question: str) -> Answer:
        return self.replies[question]


def scripted() -> ScriptedAnswerer:
    return ScriptedAnswerer(
        {
            "Berapa orang ditangkap?": Answer(
                question="Berapa orang ditangkap?",
                text="Lebih dari 2.000 orang ditangkap selama kerusuhan [1].",
                language="id",
                answered=True,
                citations=[
                    Citation(
                        n=1,
                        doc_id="000_a",
                        title="Rusia kirim pasukan",
                        quote="Bahkan lebih dari 2.000 orang ditangkap.",
                    )
                ],
                retrieved=["000_a", "001_b"],
                timings=Timings(retrieve_ms=20, generate_ms=80, total_ms=100),
            ),
            "Who won the World Cup?": Answer(
                question="Who won the World Cup?",
                text="The articles do not say who won the World Cup.",
                language="en",
                answered=False,
                retrieved=["001_b"],
                timings=Timings(retrieve_ms=20, total_ms=20),
            ),
        }
    )


@dataclass
class FakeHit:
    doc_id: str


class ListRetriever:
    """Returns the same ranked chunks for any query."""

    def __init__(self, doc_ids: list[str]) -> None:
        self.doc_ids = doc_ids
        self.asked_k: list[int] = []

    def retrieve(self, query: str, k: int) -> list[FakeHit]:
        self.asked_k.append(k)
        return [FakeHit(doc_id) for doc_id in self.doc_ids[:k]]


# --- gold files -----------------------------------------------------------------------------------------


def test_gold_items_load_in_file_order_keeping_unknown_fields(tmp_path: Path) -> None:
    items = load_gold(write_gold(tmp_path / "gold.jsonl"))
    assert [item.id for item in items] == ["t-1", "t-2"]
    assert items[1].model_dump()["note"] == "kept as is"


def test_a_bad_gold_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD_LINES[0]) + "\n" + '{"id": "t-2", "question": "q", "language": "fr"}\n')
    with pytest.raises(EvalError, match=r"gold.jsonl:2: not a gold item \(language"):
        load_gold(path)


def test_a_repeated_gold_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="'t-1' is used twice"):
        load_gold(write_gold(tmp_path / "gold.jsonl", [GOLD_LINES[0], GOLD_LINES[0]]))


def test_a_missing_gold_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="does not exist"):
        load_gold(tmp_path / "nope.jsonl")


# --- records and summary --------------------------------------------------------------------------------


def test_each_record_is_the_gold_item_plus_the_prediction_as_returned(tmp_path: Path) -> None:
    items = load_gold(write_gold(tmp_path / "gold.jsonl"))
    out = io.StringIO()
    evaluate(items, answer_with(scripted()), out=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == 2
    first = records[0]
    assert {k: v for k, v in first.items() if k != "prediction"} == GOLD_LINES[0]
    prediction = first["prediction"]
    assert prediction["text"].startswith("Lebih dari 2.000")
    assert prediction["language"] == "id" and prediction["answered"] is True
    assert prediction["citations"][0] == {
        "n": 1,
        "doc_id": "000_a",
        "title": "Rusia kirim pasukan",
        "source": None,
        "url": None,
        "published": None,
        "quote": "Bahkan lebih dari 2.000 orang ditangkap.",
    }
    assert prediction["conflicts"] == []
    assert prediction["retrieved"] == ["000_a", "001_b"]
    timings = prediction["timings"]
    assert (timings["retrieve_ms"], timings["generate_ms"], timings["total_ms"]) == (20, 80, 100)
    assert records[1]["note"] == "kept as is"


def test_a_correct_run_has_full_scores_and_no_failures(tmp_path: Path) -> None:
    summary = evaluate(load_gold(write_gold(tmp_path / "gold.jsonl")), answer_with(scripted()))
    assert summary.metrics["key_fact_accuracy"] == 1.0
    assert summary.metrics["abstention_recall"] == 1.0
    assert summary.metrics["language_match"] == 1.0
    assert summary.failures == []


def test_retrieval_only_records_distinct_articles_in_rank_order(tmp_path: Path) -> None:
    items = load_gold(write_gold(tmp_path / "gold.jsonl"))
    retriever = ListRetriever(["001_b", "001_b", "000_a", "001_b", "003_c"])
    out = io.StringIO()
    summary = evaluate(items, retrieve_with(retriever), retrieval_only=True, out=out)
    prediction = json.loads(out.getvalue().splitlines()[0])["prediction"]
    assert prediction["retrieved"] == ["001_b", "000_a", "003_c"]
    assert prediction["timings"]["total_ms"] == prediction["timings"]["retrieve_ms"] > 0
    assert retriever.asked_k[0] >= 10  # enough chunks to fill ten distinct articles
    assert summary.metrics == {"hit_at_1": 0.0, "hit_at_5": 1.0, "hit_at_10": 1.0, "mrr": 0.5}
    assert [(f.id, f.reasons) for f in summary.failures] == [("t-1", ["first source retrieved at rank 2"])]


def test_printed_table_shows_metrics_and_failing_items_with_reasons(tmp_path: Path) -> None:
    wrong = scripted()
    wrong.replies["Berapa orang ditangkap?"] = wrong.replies["Berapa orang ditangkap?"].model_copy(
        update={"text": "Ratusan orang ditangkap selama kerusuhan [1]."}
    )
    summary = evaluate(load_gold(write_gold(tmp_path / "gold.jsonl")), answer_with(wrong))
    console = Console(file=io.StringIO(), width=160)
    render_summary(summary, console)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Key-fact accuracy" in shown and "0.0%" in shown
    assert "Abstention recall" in shown and "100.0%" in shown
    assert "t-1" in shown and "missing key facts: 2000" in shown


# --- the command ----------------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def fake_app(chunks: int = 5, **parts: object) -> SimpleNamespace:
    return SimpleNamespace(store=SimpleNamespace(count=lambda: chunks), **parts)


def test_eval_command_writes_records_and_prints_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = write_gold(tmp_path / "gold.jsonl")
    out = tmp_path / "runs" / "eval.jsonl"
    code = run(parse(str(gold), "--out", str(out), "--limit", "1", "--json"), fake_app(answerer=scripted()))
    assert code == 0
    assert len(out.read_text().splitlines()) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["items"] == 1
    assert summary["metrics"]["key_fact_accuracy"] == 1.0
    assert summary["failures"] == []


def test_eval_command_on_an_empty_store_tells_how_to_fill_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = write_gold(tmp_path / "gold.jsonl")
    code = run(parse(str(gold), "--out", str(tmp_path / "e.jsonl")), fake_app(chunks=0, answerer=scripted()))
    assert code == 2
    assert "kabar ingest data/articles" in capsys.readouterr().err


def test_eval_on_a_fresh_checkout_fills_the_empty_store_from_data_articles(
    tmp_path: Path, app, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = tmp_path / "data" / "articles"
    articles.mkdir(parents=True)
    (articles / "a1.txt").write_text("Polisi mengatakan 2.000 orang ditangkap di Almaty.\n", encoding="utf-8")
    gold = write_gold(tmp_path / "gold.jsonl")
    app.settings.generation.backend = "extractive"
    code = run(parse(str(gold), "--out", str(tmp_path / "e.jsonl"), "--limit", "1"), app)
    assert code == 0
    assert "ingesting data/articles" in capsys.readouterr().err
    assert [s.id for s in app.store.sources()] == ["a1"]


def test_limit_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        parse("gold.jsonl", "--limit", "0")


# --- the seed gold set ----------------------------------------------------------------------------------


def seed_items() -> list[GoldItem]:
    return load_gold(SEED_GOLD)


def test_seed_gold_set_has_the_mix_the_issue_asks_for() -> None:
    items = seed_items()
    languages = Counter(item.language for item in items)
    assert len(items) >= 44
    assert languages["id"] >= 17 and languages["en"] >= 17
    assert sum(not item.answerable for item in items) >= 7
    conflicts = [item for item in items if item.conflict]
    assert len(conflicts) >= 5
    assert {item.language for item in conflicts} == {"id", "en"}


def test_seed_gold_items_are_consistent_with_their_kind() -> None:
    for item in seed_items():
        if item.answerable:
            assert item.sources and item.key_facts and item.conflict is not None, item.id
        else:
            assert not item.sources and not item.key_facts and item.conflict is False, item.id
        if item.conflict:
            assert len(item.key_facts) >= 2 and len(item.sources) >= 2, item.id


def test_seed_gold_sources_are_real_articles_that_state_the_facts() -> None:
    articles = {path.stem: path.read_text(encoding="utf-8") for path in SEED_ARTICLES.glob("*.txt")}
    for item in seed_items():
        assert set(item.sources + item.supporting) <= set(articles), item.id
        for group in item.key_facts:
            # An Indonesian fact, or a fact that is only a figure, must be stated by one of the sources.
            only_figures = all(alt.replace(".", "").replace(",", "").isdigit() for alt in group)
            if item.language == "id" or only_figures:
                assert any(has_fact(articles[s], group) for s in item.sources), (item.id, group)


def test_each_seed_reference_answer_passes_its_own_key_facts() -> None:
    for item in seed_items():
        assert missing_facts(item.answer, item.key_facts) == [], item.id
