"""Kabar in a terminal: `kabar repl` asks questions and shows cited answers, with line editing and history.

On a terminal it uses prompt_toolkit (history kept beside the store) and renders answers with rich:
the text with `[n]` markers, disagreements in a yellow panel, sources with their quoted sentences.
With stdin not a terminal (`echo "Berapa orang ditangkap?" | kabar repl`) it answers each line in
plain text and exits at the end of input. Lines starting with `:` are commands (`:help` lists them).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.interfaces.conversation import LANGUAGE_CHOICES, Answering, Conversations
from bot.render.layout import HELP, ArticleInfo, StoryListing, message
from bot.render.text import render_plain, render_rich, render_sources_plain, render_stories_plain
from bot.schema import Answer, Language

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

HISTORY_FILE = "repl_history"  # in the data folder, beside the store
CHAT = "repl"  # the one conversation a REPL holds


class Quit(Exception):
    """`:quit` was typed."""


class Session:
    """One REPL conversation: its commands and its questions, whatever the terminal."""

    def __init__(
        self,
        answerer: Answering,
        sources: Callable[[], Sequence[ArticleInfo]],
        history_turns: int = 3,
        stories: Callable[[], Sequence[StoryListing]] = list,
    ) -> None:
        self.answerer = answerer
        self.list_sources = sources
        self.list_stories = stories
        self.conversations = Conversations(max_turns=history_turns)

    @property
    def language(self) -> Language:
        """The language for replies that are not answers."""
        return self.conversations.get(CHAT).forced_language or "id"

    def command(self, line: str) -> str:
        """Run a `:command` and return what to print; raises `Quit` on `:quit`."""
        name, _, argument = line[1:].strip().partition(" ")
        name, argument = name.lower(), argument.strip().lower()
        if name in ("quit", "q", "exit"):
            raise Quit
        if name == "help":
            return HELP["repl"]
        if name == "sources":
            return render_sources_plain(self.list_sources(), self.language)
        if name == "stories":
            return render_stories_plain(self.list_stories(), self.language)
        if name == "reset":
            self.conversations.reset(CHAT)
            return message("reset", self.language)
        if name == "lang" and argument in LANGUAGE_CHOICES:
            self.conversations.set_language(CHAT, argument)  # type: ignore[arg-type]
            return message("lang_auto" if argument == "auto" else "lang_set", self.language)
        if name == "lang":
            return message("lang_usage", self.language).replace("/lang", ":lang")
        return f"? :{name} — :help"

    def ask(self, question: str, on_draft: Callable[[str], None] | None = None) -> Answer:
        """Answer `question` with the conversation so far, and remember the turn; `on_draft` sees the
        model's reply as it is written."""
        conversation = self.conversations.get(CHAT)
        answer = self.answerer.answer(
            question, tuple(conversation.turns), conversation.forced_language, on_draft=on_draft
        )
        self.conversations.remember(CHAT, question, answer.text)
        return answer


def run_piped(session: Session, lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Answer each line in plain text, a blank line between replies; 1 if any question failed, else 0."""
    failed = False
    replied = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        try:
            reply = session.command(line) if line.startswith(":") else render_plain(session.ask(line))
        except Quit:
            break
        except Exception as exc:  # one failed question must not lose the answers to the others
            log.debug("answering failed", exc_info=True)
            print(f"error: could not answer {line!r}: {exc}", file=err)
            failed = True
            continue
        print(f"\n{reply}" if replied else reply, file=out, flush=True)
        replied = True
    return 1 if failed else 0


def run_interactive(session: Session, history_path: Path) -> int:
    """The terminal REPL: prompt_toolkit for input, rich for output."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, History, InMemoryHistory
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(highlight=False)
    history: History
    try:
        history_path.parent.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(history_path))
    except OSError:  # a read-only data folder costs the history, not the REPL
        history = InMemoryHistory()
    prompt = PromptSession[str](history=history)
    console.print(
        "Kabar — tanya apa saja / ask anything. :help untuk bantuan / for help, :quit untuk keluar / to exit."
    )
    while True:
        try:
            line = prompt.prompt("kabar> ").strip()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not line:
            continue
        if line.startswith(":"):
            try:
                console.print(session.command(line), markup=False)
            except Quit:
                break
            continue
        try:
            # The model's draft is shown as it is written, dimmed, then replaced by the checked answer.
            working = Text(message("working", session.language), style="dim")
            with Live(working, console=console, transient=True, refresh_per_second=8) as live:
                answer = session.ask(line, on_draft=lambda draft: live.update(Text(draft, style="dim")))
        except KeyboardInterrupt:
            continue
        except Exception as exc:
            log.debug("answering failed", exc_info=True)
            console.print(f"error: {exc}", style="red", markup=False)
            continue
        console.print(render_rich(answer))
        console.print()
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Ask questions in a terminal. With stdin not a terminal, answer each line in plain text and exit."
    )
    parser.add_argument(
        "--lang", choices=LANGUAGE_CHOICES, default="auto", help="answer language (default: auto)"
    )


def run(args: argparse.Namespace, app: App) -> int:
    """The REPL on a terminal, or plain answers to each line of piped input."""
    settings = app.settings
    session = Session(app.answerer, app.store.sources, settings.telegram.history_turns, app.store.stories)
    session.conversations.set_language(CHAT, getattr(args, "lang", "auto"))
    if not sys.stdin.isatty():
        return run_piped(session, sys.stdin, sys.stdout, sys.stderr)
    return run_interactive(session, Path(settings.store.path).parent / HISTORY_FILE)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.interfaces.repl`: `kabar repl` where the console script is not installed."""
    from bot.interfaces import cli  # here: cli imports this module

    return cli.main(["repl", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
