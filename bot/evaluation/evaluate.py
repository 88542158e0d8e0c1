"""`kabar eval GOLD.jsonl`: run a gold set through the answering pipeline (or retrieval alone), record every
prediction as a JSON line and print the scores.

    kabar eval data/gold/seed.jsonl
    kabar eval ../shared/benchmarks/facqa/gold-valid.jsonl \\
        --articles ../shared/benchmarks/facqa/articles.jsonl --retrieval-only

The runner takes any `predict(item) -> Answer`, so it measures whichever pipeline it is handed: an answerer
(`.answer(question) -> Answer`) or, for `--retrieval-only`, a retriever (`.retrieve(query, k)` returning hits
with `.doc_id`). Scoring lives in `bot/evaluation/metrics.py`; `docs/evaluation.md` explains each metric.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from bot.evaluation.metrics import HIT_KS, GoldItem, Summary, score_item, summarise
from bot.schema import Answer, Timings

if TYPE_CHECKING:
    from bot.app import App

# Hits are chunks and an article has several: ask for enough chunks to fill the top 10 distinct articles.
CHUNKS_PER_QUERY = 3 * max(HIT_KS)


class EvalError(Exception):
    """The gold file or the evaluation setup cannot be used; the message says what to fix."""


class Answering(Protocol):
    def answer(self, question: str) -> Answer: ...


class HitLike(Protocol):
    @property
    def doc_id(self) -> str: ...


class Retrieving(Protocol):
    def retrieve(self, query: str, k: int) -> Sequence[HitLike]: ...


Predict = Callable[[GoldItem], Answer]


# --- gold file and records ------------------------------------------------------------------------------


def gold_files(paths: Sequence[Path]) -> list[Path]:
    """The gold files named: files as given, folders as the `*.jsonl` files inside them, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.jsonl"))
            if not found:
                raise EvalError(f"gold folder {path} holds no .jsonl file")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise EvalError(f"gold file {path} does not exist")
    return files


def load_gold(path: Path | Sequence[Path]) -> list[GoldItem]:
    """The gold items of JSONL files (or folders of them), in file order; any bad line is an `EvalError`
    naming it, and an id may be used once across all of them."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    for file in gold_files([path] if isinstance(path, Path) else path):
        items.extend(_load_gold_file(file, seen))
    return items


def _load_gold_file(path: Path, seen: set[str]) -> list[GoldItem]:
    items: list[GoldItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = GoldItem.model_validate_json(line)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            raise EvalError(f"{path}:{number}: not a gold item ({problems})") from None
        if item.id in seen:
            raise EvalError(f"{path}:{number}: id {item.id!r} is used twice; ids must be unique")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EvalError(f"gold file {path} holds no items")
    return items


def make_record(item: GoldItem, answer: Answer) -> dict[str, Any]:
    """One output line: the gold item's fields plus the prediction exactly as the pipeline returned it."""
    return {**item.model_dump(), "prediction": answer.model_dump()}


# --- predicting -----------------------------------------------------------------------------------------


def answer_with(answerer: Answering) -> Predict:
    """Predict through an answerer: the same call the REPL and Telegram make, nothing added."""
    return lambda item: answerer.answer(item.question)


def retrieve_with(retriever: Retrieving, k: int = CHUNKS_PER_QUERY) -> Predict:
    """Predict retrieval only: an unanswered `Answer` whose `retrieved` lists distinct articles by rank."""

    def predict(item: GoldItem) -> Answer:
        started = time.perf_counter()
        hits = retriever.retrieve(item.question, k)
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(
            question=item.question,
            text="",
            language=item.language,
            answered=False,
            retrieved=list(dict.fromkeys(hit.doc_id for hit in hits)),
            timings=Timings(retrieve_ms=elapsed, total_ms=elapsed),
            backend="retrieval-only",
        )

    return predict


def evaluate(
    items: Sequence[GoldItem], predict: Predict, retrieval_only: bool = False, out: TextIO | None = None
) -> Summary:
    """Predict every item in order, write each record to `out` as soon as it exists, and score them all."""
    scores = []
    for item in tqdm(items, unit="question", file=sys.stderr, disable=not sys.stderr.isatty()):
        answer = predict(item)
        if out is not None:
            out.write(json.dumps(make_record(item, answer), ensure_ascii=False) + "\n")
            out.flush()  # an interrupted run keeps the records it made
        scores.append(score_item(item, answer, retrieval_only=retrieval_only))
    return summarise(scores, retrieval_only=retrieval_only)


# --- summary table --------------------------------------------------------------------------------------

LABELS = {
    "key_fact_accuracy": "Key-fact accuracy",
    "citation_precision": "Citation precision",
    "citation_recall": "Citation recall",
    "hit_at_1": "Retrieval hit@1",
    "hit_at_5": "Retrieval hit@5",
    "hit_at_10": "Retrieval hit@10",
    "mrr": "Retrieval MRR",
    "disagreement_recall": "Disagreement recall",
    "disagreement_false_positive_rate": "Disagreement false positives",
    "abstention_recall": "Abstention recall",
    "over_refusal_rate": "Over-refusal rate",
    "unsupported_replies": "Replies stating what their citations do not",
    "language_match": "Answer-language match",
    "latency_p50_ms": "Latency p50",
    "latency_p95_ms": "Latency p95",
}
# What each metric's count is a count of, so "n" in the table is never ambiguous.
COUNTED = {"citation_precision": "citations", "citation_recall": "sources"}


def format_value(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name.endswith("_ms"):
        return f"{value:,.0f} ms"
    if name == "mrr":
        return f"{value:.3f}"
    return f"{value:.1%}"


def render_summary(summary: Summary, console: Console) -> None:
    """The metrics table, then every failing item with its reasons."""
    mode = "retrieval only" if summary.retrieval_only else "answers"
    table = Table(title=f"kabar eval: {summary.items} items ({mode})")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column("n", justify="right")
    for name, value in summary.metrics.items():
        count = summary.counts[name]
        unit = COUNTED.get(name, "items")
        table.add_row(LABELS.get(name, name), format_value(name, value), f"{count} {unit}")
    console.print(table)
    if not summary.failures:
        console.print("No failing items.")
        return
    failures = Table(title=f"Failing items: {len(summary.failures)} of {summary.items}")
    failures.add_column("Id", no_wrap=True)
    failures.add_column("Reasons")
    for failure in summary.failures:
        failures.add_row(failure.id, "\n".join(failure.reasons))
    console.print(failures)


# --- command line ---------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "gold", type=Path, nargs="+", help="gold questions, one JSON object a line (files or folders)"
    )
    parser.add_argument(
        "--articles",
        type=Path,
        nargs="+",
        help="ingest these article files or folders into a store of their own first",
    )
    parser.add_argument("--out", type=Path, help="where to write the records (default: eval-GOLD-TIME.jsonl)")
    parser.add_argument("--limit", type=_positive, help="evaluate only the first N items")
    parser.add_argument("--retrieval-only", action="store_true", help="score retrieval alone (fast)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def default_out(gold: Path) -> Path:
    return Path(f"eval-{gold.stem}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")


def _app_for_articles(app: App, articles: Sequence[Path]) -> App:
    """An `App` over a store of its own that holds exactly the articles under `articles`: built on first use,
    reused after (unchanged files are not embedded again), never mixed into the store users query."""
    from bot.app import App  # deferred: loading chroma and llama-index costs seconds
    from bot.interfaces.ingest import ingest

    where = "\n".join(str(path.resolve()) for path in articles)
    digest = hashlib.sha256(where.encode()).hexdigest()[:8]
    name = f"eval-{re.sub(r'[^A-Za-z0-9_-]', '-', articles[0].stem)}-{digest}"
    settings = app.settings
    store = settings.store.model_copy(
        update={"path": settings.store.path.parent / "eval" / name, "collection": name}
    )
    scoped = App(settings.model_copy(update={"store": store}))
    loaded, report = ingest(scoped, list(articles), prune=True)
    for error in loaded.errors:
        print(f"warning: {error}", file=sys.stderr)
    for doc_id, message in report.failed:
        print(f"warning: article {doc_id} was not stored: {message}", file=sys.stderr)
    if scoped.store.count() == 0:
        raise EvalError(f"no article from {articles} could be stored; see the warnings above")
    return scoped


def _fill_empty_store(app: App) -> App:
    """On a fresh checkout the configured store is empty: fill it from the bundled `data/articles`."""
    from bot.interfaces.ingest import ingest

    bundled = Path("data/articles")
    if not bundled.is_dir():
        raise EvalError("the store is empty: run `kabar ingest data/articles` first, or pass --articles PATH")
    print(f"the store is empty: ingesting {bundled} first", file=sys.stderr)
    ingest(app, [bundled])
    return app


def _predictor(app: App, retrieval_only: bool) -> Predict:
    # The same answerer the REPL and Telegram use, built once by `App`.
    return retrieve_with(app.retriever) if retrieval_only else answer_with(app.answerer)


def run(args: argparse.Namespace, app: App) -> int:
    """`kabar eval`: exit 0 when the evaluation ran (whatever its scores), 2 when it could not run."""
    try:
        items = load_gold(args.gold)[: args.limit]
        if args.articles is not None:
            app = _app_for_articles(app, args.articles)
        elif app.store.count() == 0:
            app = _fill_empty_store(app)
        predict = _predictor(app, args.retrieval_only)
        out_path: Path = args.out or default_out(args.gold[0])
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("w", encoding="utf-8") as out:
            summary = evaluate(items, predict, retrieval_only=args.retrieval_only, out=out)
    except EvalError as exc:
        print(f"kabar eval: {exc}", file=sys.stderr)
        return 2
    print(f"records: {out_path}", file=sys.stderr)
    if args.json:
        print(summary.model_dump_json(indent=2))
    else:
        render_summary(summary, Console())
    return 0
