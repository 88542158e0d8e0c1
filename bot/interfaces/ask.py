"""`kabar ask "QUESTION"`: one question, answered with numbered sources (or as JSON with `--json`)."""

from __future__ import annotations

import argparse
import json

from bot.app import App
from bot.render.text import render_plain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question")
    parser.add_argument(
        "--json", action="store_true", help="print the structured answer (the eval record shape)"
    )
    parser.add_argument(
        "--backend", choices=["embedded", "openai", "extractive"], help="override KABAR_GENERATION__BACKEND"
    )
    parser.add_argument(
        "--lang", choices=["id", "en"], help="answer in this language instead of the question's"
    )


def run(args: argparse.Namespace, app: App) -> int:
    if args.backend:
        app.settings.generation.backend = args.backend
    answer = app.answerer.answer(args.question, language=args.lang)
    if args.json:
        print(json.dumps(answer.model_dump(), ensure_ascii=False, indent=2))
    else:
        print(render_plain(answer))
    return 0
