"""Answer latency per stage and time to the first streamed piece, for each backend, in one run.

    python -m bench.answer_latency                       # the seed gold set, embedded and extractive
    python -m bench.answer_latency --backends extractive --limit 20

The articles are ingested into `.kabar/bench/answer-store` (kept while they are unchanged), then every
question of the gold set is answered by each backend with a draft callback, as the REPL and Telegram
answer. Reported per backend, p50 and p95: question parsing, retrieval, evidence selection, comparing the
articles' figures, the model's calls, the first streamed piece, the total; and, for the embedded model,
its own prompt and generation tokens/s over the run (llama.cpp's timings), the floor no pipeline gets
under. Prints the figures and writes `.kabar/bench/answer_latency.json`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, cache_dir, peak_rss_mb, percentiles_ms, write_result
from bot.app import App
from bot.generation.embedded import EmbeddedBackend
from bot.settings import GenerationSettings, Settings, StoreSettings
from index.articles import load_paths

STAGES = ("parse_ms", "retrieve_ms", "evidence_ms", "compare_ms", "generate_ms", "first_token_ms", "total_ms")


def run_backend(backend: str, store: Path, questions: list[str]) -> dict[str, Any]:
    app = App(Settings(store=StoreSettings(path=store), generation=GenerationSettings(backend=backend)))
    started = time.perf_counter()
    answerer = app.answerer
    answerer.answer(questions[0])  # loads the model and fills its cache with the instructions
    load_s = time.perf_counter() - started
    model = answerer.backend
    before = model.usage.__dict__.copy() if isinstance(model, EmbeddedBackend) else {}
    timings = [answerer.answer(q, on_draft=lambda _: None).timings for q in questions]
    figures: dict[str, Any] = {"questions": len(questions), "load_and_first_answer_s": round(load_s, 1)}
    for stage in STAGES:
        values = [getattr(t, stage) for t in timings if getattr(t, stage) is not None]
        if values:
            figures[stage] = percentiles_ms([v / 1000 for v in values]) | {"answers": len(values)}
    figures["model_calls"] = sum(t.model_calls for t in timings)
    if isinstance(model, EmbeddedBackend):
        used = {k: v - before[k] for k, v in model.usage.__dict__.items()}
        rate = lambda tokens, ms: round(used[tokens] / max(used[ms], 1) * 1000, 1)  # noqa: E731
        figures["model"] = {
            "prompt_tokens": used["prompt_tokens"],
            "cached_tokens": used["cached_tokens"],
            "prompt_tokens_per_s": rate("prompt_tokens", "prompt_ms"),
            "generated_tokens": used["generated_tokens"],
            "generated_tokens_per_s": rate("generated_tokens", "generated_ms"),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=REPO / "data" / "gold" / "seed.jsonl")
    parser.add_argument("--articles", type=Path, nargs="+", default=[REPO / "data" / "articles"])
    parser.add_argument("--backends", default="embedded,extractive", help="comma-separated")
    parser.add_argument("--limit", type=int, default=0, help="the first N questions (default all)")
    args = parser.parse_args()

    lines = args.gold.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    questions = questions[: args.limit] if args.limit else questions
    store = cache_dir() / "answer-store"
    app = App(Settings(store=StoreSettings(path=store), generation=GenerationSettings(backend="extractive")))
    app.store.ingest(load_paths(args.articles).articles)

    results = {backend: run_backend(backend, store, questions) for backend in args.backends.split(",")}
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    path = write_result("answer_latency", {"gold": str(args.gold), "backends": results})
    print(json.dumps(results, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
