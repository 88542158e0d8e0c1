"""An `Answer` for a terminal: plain text for pipes and logs, a rich layout for an interactive REPL.

Both show the same things as the Telegram message: the text with `[n]` markers, the disagreement block
when articles differ, and the numbered sources with the sentence each one quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from bot.render.layout import LABELS, ArticleInfo, StoryListing, layout, message
from bot.schema import Answer, Citation, Language


def _source_heading(citation: Citation) -> str:
    heading = f"[{citation.n}] {citation.title or citation.doc_id}"
    if citation.source:
        heading += f" — {citation.source}"
    return heading


def render_plain(answer: Answer) -> str:
    """The answer as plain text, for pipes: no colour, no escape codes."""
    shown = layout(answer)
    words = LABELS[answer.language]
    blocks = list(shown.paragraphs)
    if shown.conflicts:
        blocks.append("\n".join([words["conflicts"], *(f"  - {line}" for line in shown.conflicts)]))
    if shown.citations:
        lines = [f"{words['sources']}:"]
        for citation in shown.citations:
            lines.append(_source_heading(citation))
            if citation.url:
                lines.append(f"    {citation.url}")
            if citation.quote:
                lines.append(f"    “{citation.quote}”")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _marked(text: str, style: str = "") -> Text:
    """Text with its `[n]` markers picked out, built without markup so article text stays literal."""
    rendered = Text(text, style=style)
    rendered.highlight_regex(r"\[\d+\]", "bold cyan")
    return rendered


def render_rich(answer: Answer) -> RenderableType:
    """The answer for an interactive terminal: disagreements in a yellow panel, quotes dimmed."""
    shown = layout(answer)
    words = LABELS[answer.language]
    if not answer.answered:
        return Text("\n\n".join(shown.paragraphs), style="italic")
    parts: list[RenderableType] = [_marked(p) for p in shown.paragraphs]
    if shown.conflicts:
        body = Text("\n").join(_marked(f"• {line}") for line in shown.conflicts)
        parts.append(Panel(body, title=words["conflicts"], title_align="left", border_style="yellow"))
    if shown.citations:
        sources = Text()
        sources.append(words["sources"], style="bold")
        for citation in shown.citations:
            sources.append("\n")
            sources.append(f"[{citation.n}] ", style="bold cyan")
            sources.append(citation.title or citation.doc_id, style="bold")
            if citation.source:
                sources.append(f" — {citation.source}")
            if citation.url:
                sources.append(f"\n    {citation.url}", style="blue underline")
            if citation.quote:
                sources.append(f"\n    “{citation.quote}”", style="dim italic")
        parts.append(sources)
    spaced: list[RenderableType] = []
    for part in parts:  # a blank line between paragraphs, disagreements and sources
        spaced += [Text(""), part] if spaced else [part]
    return Group(*spaced)


def _article_line(article: ArticleInfo) -> str:
    line = f"  {article.id}  {article.title or article.id}"
    if article.source:
        line += f" — {article.source}"
    if article.url:
        line += f"  {article.url}"
    return line


def render_sources_plain(articles: Sequence[ArticleInfo], language: Language = "id") -> str:
    """The `:sources` listing: one line per indexed article."""
    if not articles:
        return message("no_sources", language)
    lines = [message("sources_header", language, count=len(articles))]
    return "\n".join(lines + [_article_line(article) for article in articles])


def render_stories_plain(stories: Sequence[StoryListing], language: Language = "id") -> str:
    """The `kabar stories` and `:stories` listing: each story, then its articles."""
    if not stories:
        return message("no_sources", language)
    blocks = [message("stories_header", language, count=len(stories))]
    for story in stories:
        count = message("story_articles", language, count=len(story.articles))
        blocks.append("\n".join([f"{story.id} ({count})", *(_article_line(a) for a in story.articles)]))
    return "\n\n".join(blocks)
