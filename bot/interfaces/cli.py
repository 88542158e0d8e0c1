"""The `kabar` command: parses arguments and hands each subcommand to its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.app import App
from bot.evaluation import evaluate
from bot.interfaces import ask, ingest, repl, telegram
from bot.render.text import render_stories_plain
from bot.settings import ConfigError, load_settings
from index.embedding import EmbeddingError
from index.store import StoreError


def _sources(args: argparse.Namespace, app: App) -> int:
    sources = app.store.sources()
    if not sources:
        print("The store is empty: run `kabar ingest data/articles` first.")
        return 0
    for info in sources:
        outlet = f" ({info.source})" if info.source else ""
        print(f"{info.id}\t{info.chunks} chunks\t{info.title}{outlet}")
    return 0


def _stories(args: argparse.Namespace, app: App) -> int:
    stories = app.store.stories()
    if not stories:
        print("The store is empty: run `kabar ingest data/articles` first.")
        return 0
    print(render_stories_plain(stories, "en"))
    return 0


def _search(args: argparse.Namespace, app: App) -> int:
    hits = app.retriever.retrieve(args.query, k=args.k)
    if not hits:
        print("No chunks found: is the store empty? Run `kabar ingest data/articles` first.")
    for rank, hit in enumerate(hits, start=1):
        span = f"[{hit.metadata.get('start')}:{hit.metadata.get('end')}]"
        print(f"{rank}. {hit.doc_id}  score={hit.score:.4f}  {span}")
        print(f"   {hit.text}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kabar", description="Question answering over news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub = commands.add_parser("sources", help="list the indexed articles")
    sub.set_defaults(handler=_sources)

    sub = commands.add_parser("stories", help="list the stories (events) and their articles")
    sub.set_defaults(handler=_stories)

    sub = commands.add_parser("search", help="show the chunks retrieval finds for a query")
    sub.add_argument("query")
    sub.add_argument("-k", type=int, default=5, help="how many chunks (default 5)")
    sub.set_defaults(handler=_search)
    for name, module, text in (
        ("ingest", ingest, "store article files in the vector store"),
        ("ask", ask, "answer one question with numbered sources"),
        ("repl", repl, "ask questions in a terminal (piped input: answer each line, then exit)"),
        ("telegram", telegram, "serve the Telegram bot (long polling; a webhook when one is configured)"),
        ("eval", evaluate, "score answers against a gold Q&A set"),
    ):
        sub = commands.add_parser(name, help=text)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    for noisy in ("bm25s", "httpx", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        app = App(load_settings())
        return int(args.handler(args, app))
    except (ConfigError, StoreError, EmbeddingError) as exc:
        print(f"kabar: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
