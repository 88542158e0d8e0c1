"""The bot process's resident memory with the embedded model loaded and a large store open.

    python -m bench.bot_memory                   # the 100,000-chunk store of bench.retrieval_scale
    python -m bench.bot_memory --size 10000 --questions 3

The store is the one `bench.retrieval_scale` builds (FacQA and its varied copies), built here if missing.
Then one fresh process does what a bot process does, through the same factory (`bot.app.App`): loads the
embedded answer model, opens the store with its retriever, and answers FacQA validation questions. It reads
its resident memory after each step: peak (the most it held) and steady (after the last answer). Prints
the figures and writes `.kabar/bench/bot_memory.json`.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import FACQA, REPO, peak_rss_mb, rss_mb, write_result
from bench.retrieval_scale import base_corpus, build, store_folder
from index.embedding import E5Embedding


def measure(store_path: Path, questions: list[str]) -> dict[str, Any]:
    """Run in a fresh process: the bot's parts built as the bot builds them, memory read after each."""
    from bot.app import App
    from bot.settings import GenerationSettings, Settings, StoreSettings

    steps = {"started": rss_mb()}
    app = App(
        Settings(store=StoreSettings(path=store_path), generation=GenerationSettings(backend="embedded"))
    )
    app.backend  # noqa: B018  # loads the model
    steps["model_loaded"] = rss_mb()
    app.embedder  # noqa: B018
    steps["embedder_loaded"] = rss_mb()
    started = time.perf_counter()
    app.retriever.bm25_search("warm up", 1)  # opens the store and builds BM25, as the first question would
    open_s = time.perf_counter() - started
    steps["store_open"] = rss_mb()
    seconds = []
    for question in questions:
        started = time.perf_counter()
        app.answerer.answer(question)
        seconds.append(time.perf_counter() - started)
    gc.collect()
    steps["answered"] = rss_mb()
    return {
        "chunks": app.store.count(),
        "questions": len(questions),
        "open_and_bm25_build_s": round(open_s, 2),
        "answer_s": [round(s, 2) for s in seconds],
        "rss_mb": {step: round(value, 1) for step, value in steps.items()},
        "steady_rss_mb": round(steps["answered"], 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="chunks in the store (default 100,000)")
    parser.add_argument("--questions", type=int, default=5, help="FacQA questions answered (default 5)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process's job
    args = parser.parse_args()
    gold = [json.loads(line) for line in (FACQA / "gold-valid.jsonl").open(encoding="utf-8")]
    questions = [g["question"] for g in gold[: args.questions]]
    if args.measure:
        print(json.dumps(measure(args.measure, questions)))
        return

    store_path = store_folder(args.size, None)
    if not (store_path / "complete").exists():
        embedder = E5Embedding()
        started = time.perf_counter()
        build(store_path, args.size, *base_corpus(embedder, None), embedder)
        print(f"built {args.size} chunks in {time.perf_counter() - started:.0f} s: {store_path}")
    child = [sys.executable, "-m", "bench.bot_memory", "--questions", str(args.questions)]
    out = subprocess.run([*child, "--measure", str(store_path)], capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        sys.exit(f"measuring {store_path} failed:\n{out.stderr[-2000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    path = write_result("bot_memory", figures)
    steps = ", ".join(f"{step} {value} MiB" for step, value in figures["rss_mb"].items())
    print(
        f"{figures['chunks']} chunks, {figures['questions']} questions answered: "
        f"peak {figures['peak_rss_mb']} MiB, steady {figures['steady_rss_mb']} MiB ({steps}); "
        f"store open + BM25 build "
        f"{figures['open_and_bm25_build_s']} s"
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
