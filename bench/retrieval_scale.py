"""Retrieval latency (dense, BM25, hybrid) and process memory as the store grows.

    python -m bench.retrieval_scale                          # 1,000 and 10,000 chunks
    python -m bench.retrieval_scale --sizes 1000,10000,100000

Large stores are built from varied copies of the FacQA corpus: copy k of an article gets a new id and its
sentences shuffled. Embedding 100,000 chunks would take hours on 2 cores, so only the original chunks are
embedded (once, cached); a copy's chunk gets the mean embedding of the original chunks its sentences come
from, plus small Gaussian noise, renormalised. Chunks are written to chroma in batches with the store's
own writer, so the store is laid out as `kabar ingest` lays it (catalogue, profiles, stamps); each article
is its own story. Stores are cached under `.kabar/bench/scale/`.

Each size is measured in a fresh process that loads the e5 model, opens the store and builds BM25 (as a
bot process does), then times FacQA questions; its resident memory is read at the end. Then, with that
reader still open, another process ingests `--add` new articles (varied copies, embedded for real, with
no story given, so the store places each among the stored stories as `kabar ingest` does) and removes them
again; after each, the reader's catch-up and its first query are timed. Prints the figures,
writes `.kabar/bench/retrieval_scale.json` and plots `docs/retrieval_scale.png` (needs matplotlib).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import FACQA, REPO, cache_dir, peak_rss_mb, percentiles_ms, rss_mb, write_result
from index.articles import Article, load_paths
from index.chunking import Chunk, chunk_article, split_sentences
from index.embedding import E5Embedding
from index.retrieval import HybridRetriever
from index.store import Store, _Ready
from index.stories import profile

NOISE = 0.02  # standard deviation per dimension of the noise added to a copy's vectors (384 dimensions)
WRITE_BATCH = 500  # articles a chroma write
ADDED_COPY = 9999  # the copy number of the articles added to a built store (no built copy reaches it)


def base_corpus(embedder: E5Embedding, limit: int | None) -> tuple[list[Article], dict[str, np.ndarray]]:
    """The FacQA articles and one embedding per sentence text (its chunk's), embedded once and cached."""
    articles = load_paths([FACQA / "articles.jsonl"]).articles[:limit]
    cached = cache_dir() / f"facqa-sentences-{limit or 'all'}.npz"
    if cached.exists():
        data = np.load(cached, allow_pickle=False)
        return articles, dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    chunks = [(article, chunk) for article in articles for chunk in chunk_article(article)]
    texts = [chunk.text for _, chunk in chunks]
    embedded = np.concatenate(
        [embedder.embed_passages(texts[at : at + 32]) for at in range(0, len(texts), 32)]
    )
    sentence_vectors: dict[str, np.ndarray] = {}
    for (article, chunk), vector in zip(chunks, embedded, strict=True):
        for start, end in chunk.sentences:
            sentence_vectors[article.text[start:end]] = vector
    np.savez(
        cached, texts=np.array(list(sentence_vectors)), vectors=np.stack(list(sentence_vectors.values()))
    )
    return articles, sentence_vectors


def variant(article: Article, copy: int, rng: random.Random) -> Article:
    sentences = [article.text[start:end] for start, end in split_sentences(article.text)]
    rng.shuffle(sentences)
    return Article(id=f"{article.id}-v{copy}", title=article.title, text=" ".join(sentences))


def store_folder(size: int, base_articles: int | None) -> Path:
    """Where the store of `size` chunks copied from the first `base_articles` (None: all) is cached."""
    return cache_dir() / "scale" / f"chunks-{size}-base-{base_articles or 'all'}"


def copies(base: list[Article], size: int) -> Iterator[tuple[Article, Article, list[Chunk]]]:
    """(original, article, its chunks) until there are at least `size` chunks: the originals, then shuffled
    copies; the same for the same arguments."""
    rng, total, copy = random.Random(size), 0, 0
    while True:
        for original in base:
            article = original if copy == 0 else variant(original, copy, rng)
            chunks = chunk_article(article)
            yield original, article, chunks
            total += len(chunks)
            if total >= size:
                return
        copy += 1


def build(
    store_path: Path, size: int, base: list[Article], vectors: dict[str, np.ndarray], embedder: E5Embedding
) -> None:
    """A store of at least `size` chunks: the originals, then shuffled copies with derived vectors."""
    store = Store.open(embedder, path=store_path)
    noise = np.random.default_rng(size)
    total, batch = 0, []
    with store.writing():
        for original, article, chunks in copies(base, size):
            # Shuffling can change how a sentence splits: such a piece takes the article's mean vector.
            whole = np.mean([vectors[original.text[s:e]] for s, e in split_sentences(original.text)], axis=0)
            rows = []
            for chunk in chunks:
                mean = np.mean([vectors.get(article.text[s:e], whole) for s, e in chunk.sentences], axis=0)
                mean = mean + (noise.normal(0, NOISE, mean.shape) if article is not original else 0)
                rows.append(mean / np.linalg.norm(mean))
            matrix = np.asarray(rows, dtype=np.float32)
            item = profile(article.id, article.text, matrix, article.published)
            batch.append(_Ready(article, store._nodes(article, chunks, matrix.tolist()), article.id, item))
            total += len(chunks)
            if len(batch) == WRITE_BATCH:
                store._write(batch)  # the store's own batched writer: the layout ingest makes
                batch = []
        if batch:
            store._write(batch)
    (store_path / "complete").write_text(str(total))


def write(store_path: Path, action: str, count: int) -> dict[str, Any]:
    """Run in a process of its own: ingest `count` new articles into the store, or remove them again."""
    embedder = E5Embedding()
    rng = random.Random(count)
    originals = load_paths([FACQA / "articles.jsonl"]).articles[:count]
    articles = [variant(original, ADDED_COPY, rng) for original in originals]
    store = Store.open(embedder, path=store_path)
    spent = {"embedding_s": 0.0, "writing_s": 0.0}
    timed(E5Embedding, "embed_passages", spent, "embedding_s")
    timed(Store, "_write", spent, "writing_s")
    started = time.perf_counter()
    if action == "add":
        report = store.ingest(articles)
        done, chunks = len(report.added), report.chunks_written
    else:
        done, chunks = len(store.remove([a.id for a in articles])), 0
    total = time.perf_counter() - started
    split = {"reading_and_placing_s": total - sum(spent.values()), **spent} if action == "add" else {}
    return {
        "articles": done,
        "chunks": chunks,
        "writer_s": round(total, 2),
        **{key: round(value, 2) for key, value in split.items()},
    }


def timed(owner: type, name: str, spent: dict[str, float], key: str) -> None:
    """Add the time each call of `owner.name` takes to `spent[key]`."""
    original = getattr(owner, name)

    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started

    setattr(owner, name, run)


def catch_up(retriever: HybridRetriever, store_path: Path, question: str, count: int) -> dict[str, Any]:
    """Another process adds `count` articles, then removes them; after each, this open reader catches up
    (BM25 and the store's view) and answers its first query."""
    figures = {}
    for action in ("add", "remove"):
        command = [sys.executable, "-m", "bench.retrieval_scale", "--write", str(store_path), action]
        out = subprocess.run([*command, "--add", str(count)], capture_output=True, text=True, cwd=REPO)
        if out.returncode != 0:
            sys.exit(f"the writer failed:\n{out.stderr[-2000:]}")
        written = json.loads(out.stdout.strip().splitlines()[-1])
        started = time.perf_counter()
        retriever.bm25()
        caught_up = time.perf_counter() - started
        retriever.retrieve(question, k=12)
        first = time.perf_counter() - started
        figures[action] = {
            **written,
            "reader_catch_up_s": round(caught_up, 2),
            "first_query_s": round(first, 2),
        }
    return figures


def measure(store_path: Path, questions: list[str], added: int) -> dict[str, Any]:
    """Run in a fresh process: open the store as a bot does, time each kind of retrieval per question; then
    time this reader's catch-up with `added` articles written by another process."""
    embedder = E5Embedding()
    started = time.perf_counter()
    retriever = HybridRetriever(Store.open(embedder, path=store_path))
    retriever.bm25_search("warm up", 1)  # builds BM25 from the chunks in chroma
    open_s = time.perf_counter() - started
    retriever.retrieve(questions[0], k=12)
    times: dict[str, list[float]] = {"dense": [], "bm25": [], "hybrid": []}
    for question in questions:
        for kind, run in (
            ("dense", lambda q: retriever.dense_search(q, 12)),
            ("bm25", lambda q: retriever.bm25_search(q, 12)),
            ("hybrid", lambda q: retriever.retrieve(q, k=12)),
        ):
            started = time.perf_counter()
            run(question)
            times[kind].append(time.perf_counter() - started)
    result = {
        "chunks": retriever.store.count(),
        "open_and_bm25_build_s": round(open_s, 2),
        **{kind: percentiles_ms(values) for kind, values in times.items()},
        "rss_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if added:
        result["writes"] = catch_up(retriever, store_path, questions[0], added)
    return result


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["chunks"] for r in results]
    fig, (latency, memory) = plt.subplots(1, 2, figsize=(10, 4))
    for kind in ("dense", "bm25", "hybrid"):
        latency.plot(sizes, [r[kind]["p95_ms"] for r in results], marker="o", label=f"{kind} p95")
        latency.plot(
            sizes, [r[kind]["p50_ms"] for r in results], marker=".", linestyle=":", label=f"{kind} p50"
        )
    latency.set(
        xscale="log", xlabel="chunks in the store", ylabel="ms per question", title="Retrieval latency"
    )
    latency.legend(fontsize="small")
    memory.plot(sizes, [r["rss_mb"] for r in results], marker="o")
    memory.set(xscale="log", xlabel="chunks in the store", ylabel="MiB resident", title="Process memory")
    fig.suptitle(f"Kabar retrieval on {os.cpu_count()} cores (derived vectors; docs/performance.md)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="chunk counts, comma-separated")
    parser.add_argument("--questions", type=int, default=50, help="FacQA questions timed (default 50)")
    parser.add_argument(
        "--base-articles", type=int, default=None, help="FacQA articles to copy (default all)"
    )
    parser.add_argument(
        "--add",
        type=int,
        default=100,
        help="articles another process adds to an open reader's store (0: none)",
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process's job
    parser.add_argument(
        "--write", nargs=2, metavar=("STORE", "ACTION"), help=argparse.SUPPRESS
    )  # the writer's
    args = parser.parse_args()
    if args.write:
        print(json.dumps(write(Path(args.write[0]), args.write[1], args.add)))
        return
    gold = [json.loads(line) for line in (FACQA / "gold-valid.jsonl").open(encoding="utf-8")]
    questions = [g["question"] for g in gold[: args.questions]]
    if args.measure:
        print(json.dumps(measure(args.measure, questions, args.add)))
        return

    embedder = E5Embedding()
    base, vectors = base_corpus(embedder, args.base_articles)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        store_path = store_folder(size, args.base_articles)
        if not (store_path / "complete").exists():
            started = time.perf_counter()
            build(store_path, size, base, vectors, embedder)
            print(f"built {size} chunks in {time.perf_counter() - started:.0f} s: {store_path}")
        child = [sys.executable, "-m", "bench.retrieval_scale", "--questions", str(args.questions), "--add"]
        child.append(str(args.add))
        out = subprocess.run([*child, "--measure", str(store_path)], capture_output=True, text=True, cwd=REPO)
        if out.returncode != 0:
            sys.exit(f"measuring {store_path} failed:\n{out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{result['chunks']:>7} chunks: "
            + "  ".join(
                f"{k} p50 {result[k]['p50_ms']} / p95 {result[k]['p95_ms']} ms"
                for k in ("dense", "bm25", "hybrid")
            )
            + f"  RSS {result['rss_mb']} MiB, open + BM25 build {result['open_and_bm25_build_s']} s"
        )
        for action, done in result.get("writes", {}).items():
            chunks = f" ({done['chunks']} chunks)" if action == "add" else ""
            split = (
                f" (reading and placing {done['reading_and_placing_s']} s, embedding "
                f"{done['embedding_s']} s, writing {done['writing_s']} s)"
                if "embedding_s" in done
                else ""
            )
            print(
                f"{'':>7} {action} {done['articles']} articles{chunks} in another process: "
                f"{done['writer_s']} s{split}; this reader caught up in {done['reader_catch_up_s']} s "
                f"and answered its first query {done['first_query_s']} s after it began"
            )
    path = write_result("retrieval_scale", {"questions": len(questions), "noise": NOISE, "sizes": results})
    print(f"written to {path}")
    try:
        plot(results, REPO / "docs" / "retrieval_scale.png")
        print("plotted docs/retrieval_scale.png")
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no plot drawn")


if __name__ == "__main__":
    main()
