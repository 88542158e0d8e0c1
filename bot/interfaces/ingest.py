"""`kabar ingest PATH...`: load article files, store new and changed ones, report what happened."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from bot.app import App
from index.articles import Limits, LoadResult, load_paths
from index.store import IngestReport, Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="article files or folders (.txt, .md, .jsonl)")
    parser.add_argument("--prune", action="store_true", help="remove stored articles whose files are gone")


def stale_articles(store: Store, loaded: LoadResult) -> list[str]:
    """Stored articles whose file is gone, or whose file was read this run without them."""
    # Stored paths are absolute; the ones in `loaded` are as the user typed them.
    read_ok = {str(path.resolve()) for path in loaded.files} - {
        str(Path(e.path).resolve()) for e in loaded.errors
    }
    present = {article.id for article in loaded.articles}
    return [
        doc_id
        for doc_id, path in store.article_paths().items()
        if doc_id not in present and (not Path(path).exists() or path in read_ok)
    ]


def _waiting(app: App) -> None:
    timeout = app.settings.store.lock_timeout_s
    print(f"waiting up to {timeout:g} s for another ingest into this store to finish…", file=sys.stderr)


def ingest(app: App, paths: list[Path], prune: bool = False) -> tuple[LoadResult, IngestReport]:
    limit = round(app.settings.ingest.max_article_mb * 1_000_000)
    loaded = load_paths(paths, Limits(limit, "split it, or raise KABAR_INGEST__MAX_ARTICLE_MB"))
    store = app.store
    # One lock over storing and pruning: no other ingest runs between them.
    with store.writing(on_wait=lambda: _waiting(app)):
        with tqdm(total=len(loaded.articles), unit="article", disable=not sys.stderr.isatty()) as bar:
            report = store.ingest(
                loaded.articles,
                app.settings.embedding.batch_size,
                progress=bar.update,
                write_batch=app.settings.ingest.write_batch,
            )
        if prune:
            report.removed = store.remove(stale_articles(store, loaded))
    return loaded, report


def run(args: argparse.Namespace, app: App) -> int:
    loaded, report = ingest(app, args.paths, args.prune)
    for error in loaded.errors:
        print(f"error: {error}", file=sys.stderr)
    for doc_id, message in report.failed:
        print(f"error: article {doc_id} was not stored: {message}", file=sys.stderr)
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(loaded.errors) + len(report.failed)}; "
        f"{report.chunks_written} chunks written, {app.store.count()} chunks in the store"
    )
    stored = report.added or report.updated or report.unchanged
    return 0 if stored or not (loaded.errors or report.failed) else 1
