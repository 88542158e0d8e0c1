"""An `Answer` as Telegram HTML messages, each within Telegram's 4,096-character limit.

Only tags from Telegram's HTML subset are produced (`b`, `i`, `a`, `blockquote`), and every piece of
model or article text is escaped, so a `<` in an article can never break a message. Long answers are
split on paragraph boundaries; a cut that must fall inside a tag closes it and reopens it in the next part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.render.layout import LABELS, ArticleInfo, StoryListing, layout, message
from bot.schema import Answer, Citation, Language

TELEGRAM_LIMIT = 4096
MAX_URL = 2048  # longer is no article address a reader could use, and its tag could outgrow a message


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _linked(title_html: str, url: str | None) -> str | None:
    """`title_html` as a link to `url`, or None unless `url` is a web address (an article's metadata may
    say `javascript:` or anything else) short enough to send (no message could hold a longer tag)."""
    if not url or len(url) > MAX_URL or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return f'<a href="{html.escape(url.strip(), quote=True)}">{title_html}</a>'


def _source_html(citation: Citation) -> str:
    title = escape(citation.title or citation.doc_id)
    title = _linked(title, citation.url) or f"<b>{title}</b>"
    outlet = f" — {escape(citation.source)}" if citation.source else ""
    quote = f"\n<blockquote>{escape(citation.quote)}</blockquote>" if citation.quote else ""
    return f"[{citation.n}] {title}{outlet}{quote}"


def answer_html(answer: Answer) -> str:
    """The whole answer as one HTML string: text, disagreements, then the numbered sources."""
    shown = layout(answer)
    words = LABELS[answer.language]
    paragraphs = [escape(p) for p in shown.paragraphs]
    if shown.conflicts:
        lines = [f"<b>{escape(words['conflicts'])}</b>"] + [f"• {escape(line)}" for line in shown.conflicts]
        paragraphs.append("\n".join(lines))
    if shown.citations:
        # One paragraph: the splitter cuts it between entries if it must, at a newline.
        sources = [f"<b>{escape(words['sources'])}</b>"] + [_source_html(c) for c in shown.citations]
        paragraphs.append("\n".join(sources))
    return "\n\n".join(paragraphs)


def render_answer(answer: Answer, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The answer as one or more Telegram HTML messages, in order; an answer with nothing to show (blank
    text) is the apology for a failed answer, never no message at all."""
    return split_html(answer_html(answer), limit) or [escape(message("failed", answer.language))]


def render_sources(
    articles: Sequence[ArticleInfo], language: Language = "id", limit: int = TELEGRAM_LIMIT
) -> list[str]:
    """The `/sources` listing: one line per indexed article."""
    if not articles:
        return [escape(message("no_sources", language))]
    header = f"<b>{escape(message('sources_header', language, count=len(articles)))}</b>"
    lines = [f"• {_article_html(article)}" for article in articles]
    return split_html(header + "\n\n" + "\n".join(lines), limit)


def _article_html(article: ArticleInfo) -> str:
    title = escape(article.title or article.id)
    title = _linked(title, article.url) or title
    outlet = f" — {escape(article.source)}" if article.source else ""
    return f"{title}{outlet} <code>{escape(article.id)}</code>"


def render_stories(
    stories: Sequence[StoryListing], language: Language = "id", limit: int = TELEGRAM_LIMIT
) -> list[str]:
    """The `/stories` listing: each story with its articles."""
    if not stories:
        return [escape(message("no_sources", language))]
    blocks = [f"<b>{escape(message('stories_header', language, count=len(stories)))}</b>"]
    for story in stories:
        count = escape(message("story_articles", language, count=len(story.articles)))
        lines = [f"<b>{escape(story.id)}</b> ({count})"]
        lines += [f"• {_article_html(article)}" for article in story.articles]
        blocks.append("\n".join(lines))
    return split_html("\n\n".join(blocks), limit)


# ---- splitting -------------------------------------------------------------------------------------

# Tags, entities and whitespace are atoms; words are capped so a cut is always possible.
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]{1,200}|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")
Stack = tuple[tuple[str, str], ...]  # open tags: (name, the opening tag as written)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); raw HTML is never shorter than what it shows."""
    return len(text.encode("utf-16-le")) // 2


def _closing(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _step(stack: Stack, token: str) -> Stack:
    """The open-tag stack after `token`."""
    if not token.startswith("<") or len(token) < 3:
        return stack
    match = _TAG_NAME.match(token)
    if not match:
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == name:
                return stack[:depth]
        return stack
    return (*stack, (name, token))


def _balanced(fragment: str) -> bool:
    stack: Stack = ()
    for token in _TOKEN.findall(fragment):
        stack = _step(stack, token)
    return not stack


def _cut(fragment: str, limit: int) -> list[str]:
    """Cut one oversized fragment at whitespace (newlines first), closing and reopening open tags."""
    tokens = _TOKEN.findall(fragment)
    pieces: list[str] = []
    stack: Stack = ()
    # The piece being built: (token, stack after it, index in `tokens` or None for a reopened tag).
    current: list[tuple[str, Stack, int | None]] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        after = _step(stack, token)
        before = "".join(t for t, _, _ in current)
        text = before + token
        has_text = any(i is not None and not t.startswith("<") for t, _, i in current)
        if not has_text and len(token) > 1 and not token.startswith(("<", "&")):
            # A word too long to fit beside the open tags even alone: it is cut where the room ends.
            room = _room(before, token, _closing(after), limit)
            if room < len(token):
                tokens[at : at + 1] = [token[:room], token[room:]]
                continue
        if not has_text or telegram_length(text + _closing(after)) <= limit:
            current.append((token, after, at))
            stack = after
            at += 1
            continue
        # Prefer the last newline in the second half of the piece, then any whitespace, else cut here.
        spaces = [k for k, (t, _, i) in enumerate(current) if i is not None and t.isspace() and k > 0]
        newlines = [k for k in spaces if "\n" in current[k][0] and k > len(current) // 2]
        cut = newlines[-1] if newlines else (spaces[-1] if spaces else len(current))
        if not any(i is not None and not t.isspace() and not t.startswith("<") for t, _, i in current[:cut]):
            cut = len(current)
        kept = current[:cut]
        open_at_cut = kept[-1][1]
        pieces.append("".join(t for t, _, _ in kept) + _closing(open_at_cut))
        if cut < len(current):  # resume after the whitespace we cut at
            resume = current[cut][2]
            assert resume is not None
            at = resume + 1
        stack = open_at_cut
        current = [(tag, open_at_cut[: k + 1], None) for k, (_, tag) in enumerate(open_at_cut)]
    if any(i is not None and not t.startswith("<") for t, _, i in current):
        pieces.append("".join(t for t, _, _ in current) + _closing(stack))
    return [p.strip() for p in pieces if p.strip()]


def _room(before: str, word: str, after: str, limit: int) -> int:
    """How many characters of `word` fit between `before` and `after` within `limit` (at least one)."""
    room = len(word)
    while room > 1 and telegram_length(before + word[:room] + after) > limit:
        room -= 1
    return room


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split balanced HTML into parts of at most `limit`, on paragraph boundaries where possible."""
    # Paragraphs that leave a tag open (a blockquote with a blank line) are glued to the next one.
    paragraphs: list[str] = []
    pending = ""
    for paragraph in text.split("\n\n"):
        pending = f"{pending}\n\n{paragraph}" if pending else paragraph
        if _balanced(pending):
            paragraphs.append(pending)
            pending = ""
    if pending:
        paragraphs.append(pending)

    parts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if telegram_length(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        if telegram_length(paragraph) <= limit:
            current = paragraph
        else:
            *full, current = _cut(paragraph, limit) or [""]  # tags with no text in them show nothing
            parts.extend(full)
    if current.strip():
        parts.append(current)
    return parts
