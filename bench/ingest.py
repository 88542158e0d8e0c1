"""Ingest throughput on the FacQA corpus beside the embedder's own speed, measured in the same run.

    python -m bench.ingest                 # the first 300 FacQA articles
    python -m bench.ingest --all           # all 1,355 articles (1,861 chunks)
    python -m bench.ingest --reingest-scale 100000

The embedder alone embeds every chunk (in batches, as ingest does) before and after the ingest; the faster
of the two gives its tokens/s. Between them the articles are ingested into an empty store under
`.kabar/bench/ingest-store`, then ingested again unchanged.
Prints the figures and writes `.kabar/bench/ingest.json`.

`--reingest-scale N` times instead what `kabar ingest` does with an unchanged corpus of N chunks: the store
of `bench.retrieval_scale` (FacQA and its varied copies, built if missing), its articles written to a jsonl
file, then that file loaded and ingested into that store, which must find every article unchanged. Writes
`.kabar/bench/reingest_scale.json`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import time
from pathlib import Path

from bench.common import FACQA, cache_dir, peak_rss_mb, write_result
from bench.retrieval_scale import base_corpus, build, copies, store_folder
from index.articles import META_FIELDS, load_paths
from index.chunking import chunk_article
from index.embedding import E5Embedding
from index.store import Store


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def write_corpus(path: Path, size: int) -> None:
    """The articles of the `size`-chunk scale store as a jsonl feed, one article a line."""
    base = load_paths([FACQA / "articles.jsonl"]).articles
    partial = path.with_suffix(".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("w", encoding="utf-8") as out:
        for _, article, _ in copies(base, size):
            fields = dataclasses.asdict(article)
            record = {"id": article.id, "text": article.text}
            record |= {key: fields[key] for key in META_FIELDS if fields[key] is not None}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)


def reingest_scale(size: int, batch_size: int) -> None:
    embedder = E5Embedding(embed_batch_size=batch_size)
    store_path = store_folder(size, None)
    if not (store_path / "complete").exists():
        started = time.perf_counter()
        build(store_path, size, *base_corpus(embedder, None), embedder)
        print(f"built {size} chunks in {time.perf_counter() - started:.0f} s: {store_path}")
    corpus = store_path.with_name(f"{store_path.name}.jsonl")
    if not corpus.exists():
        write_corpus(corpus, size)

    started = time.perf_counter()
    loaded = load_paths([corpus])
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    store = Store.open(embedder, path=store_path)
    report = store.ingest(loaded.articles, batch_size)
    ingest_s = time.perf_counter() - started
    assert len(report.unchanged) == len(loaded.articles) and not loaded.errors, (
        "the corpus is not the store's"
    )
    figures = {
        "articles": len(loaded.articles),
        "chunks": store.count(),
        "corpus_mb": round(corpus.stat().st_size / 1e6, 1),
        "load_s": round(load_s, 2),
        "open_and_ingest_s": round(ingest_s, 2),
        "total_s": round(load_s + ingest_s, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    path = write_result("reingest_scale", figures)
    print(
        f"re-ingest of {figures['articles']} unchanged articles ({figures['chunks']} chunks): "
        f"{figures['total_s']} s ({figures['load_s']} s reading the {figures['corpus_mb']} MB file, "
        f"{figures['open_and_ingest_s']} s opening the store and ingesting); peak memory "
        f"{figures['peak_rss_mb']} MiB"
    )
    print(f"written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=FACQA / "articles.jsonl")
    parser.add_argument("--articles", type=int, default=300, help="the first N articles (default 300)")
    parser.add_argument("--all", action="store_true", help="the whole corpus")
    parser.add_argument("--batch-size", type=int, default=32, help="chunks embedded a call (default 32)")
    parser.add_argument(
        "--reingest-scale", type=int, metavar="N", help="time re-ingesting an unchanged N-chunk corpus"
    )
    args = parser.parse_args()
    if args.reingest_scale:
        reingest_scale(args.reingest_scale, args.batch_size)
        return

    loaded = load_paths([args.corpus])
    articles = loaded.articles if args.all else loaded.articles[: args.articles]
    texts = [chunk.text for article in articles for chunk in chunk_article(article)]
    embedder = E5Embedding(embed_batch_size=args.batch_size)
    tokens = sum(embedder.token_count(text) for text in texts)
    embedder.embed_passages(texts[: args.batch_size])  # warm up

    def embed_alone() -> float:
        started = time.perf_counter()
        for at in range(0, len(texts), args.batch_size):
            embedder.embed_passages(texts[at : at + args.batch_size])
        return time.perf_counter() - started

    before_s = embed_alone()
    folder = cache_dir() / "ingest-store"
    shutil.rmtree(folder, ignore_errors=True)
    store = Store.open(embedder, path=folder)
    started = time.perf_counter()
    report = store.ingest(articles, args.batch_size)
    ingest_s = time.perf_counter() - started
    assert not report.failed, report.failed[:3]
    started = time.perf_counter()
    again = store.ingest(articles, args.batch_size)
    reingest_s = time.perf_counter() - started
    assert len(again.unchanged) == len(articles)
    # Once before the ingest and once after: on a shared machine, the faster is the embedder's own speed.
    after_s = embed_alone()
    embed_s = min(before_s, after_s)

    figures = {
        "corpus": str(args.corpus.name),
        "articles": len(articles),
        "chunks": len(texts),
        "embedded_tokens": tokens,
        "embedder_alone": {
            "seconds": round(embed_s, 2),
            "tokens_per_s": round(tokens / embed_s, 1),
            "chunks_per_s": round(len(texts) / embed_s, 2),
            "before_and_after_ingest_s": [round(before_s, 2), round(after_s, 2)],
        },
        "ingest": {
            "seconds": round(ingest_s, 2),
            "articles_per_s": round(len(articles) / ingest_s, 2),
            "chunks_per_s": round(len(texts) / ingest_s, 2),
            "tokens_per_s": round(tokens / ingest_s, 1),
            "share_of_embedder_speed": round(embed_s / ingest_s, 3),
        },
        "reingest_unchanged_s": round(reingest_s, 2),
        "store_mb": round(folder_mb(folder), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "batch_size": args.batch_size,
    }
    path = write_result("ingest", figures)
    e, i = figures["embedder_alone"], figures["ingest"]
    print(f"{len(articles)} articles, {len(texts)} chunks, {tokens} tokens")
    print(
        f"embedder alone: {e['tokens_per_s']} tokens/s, {e['chunks_per_s']} chunks/s ({e['seconds']} s; "
        f"before and after the ingest: {before_s:.1f} s, {after_s:.1f} s)"
    )
    print(
        f"ingest: {i['articles_per_s']} articles/s, {i['chunks_per_s']} chunks/s, "
        f"{i['tokens_per_s']} tokens/s ({i['seconds']} s) = {i['share_of_embedder_speed']:.0%} of the "
        "embedder's speed"
    )
    print(
        f"re-ingest unchanged: {figures['reingest_unchanged_s']} s; store {figures['store_mb']} MB on disk; "
        f"peak memory {figures['peak_rss_mb']} MiB"
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
