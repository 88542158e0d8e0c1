"""Prompt templates, one file per purpose and language under `prompts/`, read by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.schema import Language

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


@cache
def template(name: str, language: Language) -> str:
    """The text of `prompts/NAME.LANGUAGE.txt` (cached: the files do not change while running)."""
    path = PROMPTS / f"{name}.{language}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"prompt template {path} is missing; the prompts/ folder is incomplete"
        ) from None
