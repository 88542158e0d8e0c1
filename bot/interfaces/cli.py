"""The `kabar` command: parses arguments and hands each subcommand to its own module."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.app import USER_ERRORS, App
from bot.evaluation import evaluate
from bot.interfaces import ask, ingest, repl, telegram
from bot.interfaces.redaction import keep_out_of_logs, redact
from bot.render.text import render_stories_plain
from bot.settings import load_settings

log = logging.getLogger(__name__)


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


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line, without secrets; library messages can span many lines."""
    return redact(" ".join(str(exc).split()))


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
    """Run one command; every failure ends as one line on stderr and a non-zero exit, never a traceback.

    Exit codes: 2 for a problem the message says how to fix (settings, store, model), 1 for anything
    unexpected (`-v` adds its traceback), 130 on Ctrl-C, 141 when the reader of stdout went away.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    for noisy in ("bm25s", "httpx", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        for secret in (
            settings.telegram.token,
            settings.telegram.webhook_secret_token,
            settings.generation.openai_api_key,
            settings.embedding.openai_api_key,
        ):
            keep_out_of_logs(secret.get_secret_value())
        return int(args.handler(args, App(settings)))
    except USER_ERRORS as exc:
        print(f"kabar: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `kabar ask ... | head -1`: the reader has all it wanted. Point stdout at /dev/null so that
        # Python's own flush at exit does not fail on the closed pipe a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a process ended by SIGPIPE
    except KeyboardInterrupt:
        print("kabar: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last resort: a bug or a library failure nothing above expected
        log.info("unexpected error", exc_info=True)  # shown with -v; the record factory scrubs secrets
        hint = "" if args.verbose else " (run with -v for the traceback)"
        print(f"kabar: unexpected error: {type(exc).__name__}: {_one_line(exc)}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
