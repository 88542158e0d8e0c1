"""What Kabar's interfaces say to people, in Indonesian and English, and what every rendering shares.

`telegram_html` (Telegram) and `text` (terminal) lay an `Answer` out; the words they use, the
replies to commands and the small decisions both must make the same way (which number a disagreeing
figure is cited under) live here, so the two interfaces never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.figures.conflicts import describe_conflict
from bot.schema import Answer, Citation, Conflict, Language


class ArticleInfo(Protocol):
    """One indexed article as listed by `/sources` and `:sources` (the store's `SourceInfo`)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...


class StoryListing(Protocol):
    """One story as listed by `/stories` and `:stories` (the store's `StoryInfo`)."""

    @property
    def id(self) -> str: ...
    @property
    def articles(self) -> Sequence[ArticleInfo]: ...


LABELS: dict[Language, dict[str, str]] = {
    "id": {
        "sources": "Sumber",
        "conflicts": "⚠️ Laporan berbeda",
    },
    "en": {
        "sources": "Sources",
        "conflicts": "⚠️ Reports differ",
    },
}

# Replies that are not answers. Keys are situations; each has both languages.
# The lead of a quoted sentence, by (answer language, quote language): a quote says what language it is in.
QUOTE_LEAD: dict[tuple[Language, Language], str] = {
    ("id", "id"): "Menurut artikel:",
    ("id", "en"): "Menurut artikel (kutipan dalam bahasa Inggris):",
    ("en", "en"): "According to the articles:",
    ("en", "id"): "According to the articles (quoted in Indonesian):",
}
MESSAGES: dict[str, dict[Language, str]] = {
    "working": {
        "id": "⏳ Sedang mencari jawabannya di artikel…",
        "en": "⏳ Looking for the answer in the articles…",
    },
    "text_only": {
        "id": "Maaf, saya hanya membaca pertanyaan berupa teks. Silakan ketik pertanyaan Anda.",
        "en": "Sorry, I only read text questions. Please type your question.",
    },
    "too_long": {
        "id": "Pertanyaannya terlalu panjang ({length} karakter). Mohon ringkas, paling banyak {limit}.",
        "en": "That question is too long ({length} characters). Please keep it to {limit} or fewer.",
    },
    "rate_limited": {
        "id": "Pelan-pelan 🙂 Anda sudah bertanya {limit} kali dalam semenit. Coba lagi dalam {wait} detik.",
        "en": "Easy 🙂 you have asked {limit} questions in a minute. Please try again in {wait} seconds.",
    },
    "not_allowed": {
        "id": "Maaf, bot ini tidak melayani obrolan ini.",
        "en": "Sorry, this bot does not serve this chat.",
    },
    "busy": {
        "id": "Maaf, sedang banyak pertanyaan yang antre. Silakan coba lagi sebentar lagi.",
        "en": "Sorry, many questions are waiting to be answered. Please try again in a moment.",
    },
    "model_unavailable": {
        "id": "Maaf, model bahasa sedang tidak dapat dihubungi; ini kalimat artikel yang paling dekat.",
        "en": "Sorry, the language model cannot be reached right now; here is the closest article sentence.",
    },
    "failed": {
        "id": "Maaf, terjadi kesalahan saat menjawab. Silakan coba lagi sebentar lagi.",
        "en": "Sorry, something went wrong while answering. Please try again in a moment.",
    },
    "empty_ask": {
        "id": "Tulis pertanyaannya setelah perintah, misalnya: /ask Berapa orang yang ditangkap?",
        "en": "Put the question after the command, for example: /ask How many people were arrested?",
    },
    "reset": {
        "id": "Percakapan dilupakan. Silakan mulai pertanyaan baru.",
        "en": "Conversation forgotten. Ask a new question whenever you like.",
    },
    "lang_set": {
        "id": "Bahasa jawaban: Indonesia.",
        "en": "Answer language: English.",
    },
    "lang_auto": {
        "id": "Bahasa jawaban: otomatis, mengikuti bahasa pertanyaan. / Answer language: automatic.",
        "en": "Answer language: automatic, following each question. / Bahasa jawaban: otomatis.",
    },
    "lang_usage": {
        "id": "Pakai /lang id, /lang en atau /lang auto.",
        "en": "Use /lang id, /lang en or /lang auto.",
    },
    "no_sources": {
        "id": "Belum ada artikel yang diindeks.",
        "en": "No articles are indexed yet.",
    },
    "stories_header": {
        "id": "Cerita yang saya ikuti ({count}):",
        "en": "Stories I follow ({count}):",
    },
    "story_articles": {"id": "{count} artikel", "en": "{count} articles"},
    "sources_header": {
        "id": "Artikel yang saya ketahui ({count}):",
        "en": "Articles I know ({count}):",
    },
}

# /start and /help speak both languages at once: the bot does not know the user's language yet.
HELP = {
    "telegram": (
        "👋 Halo! Saya Kabar: saya menjawab pertanyaan dari artikel berita yang sudah diindeks, "
        "dengan sumber dan kutipan kalimatnya. Jika artikel saling berbeda, saya tunjukkan keduanya.\n"
        "Tanyakan langsung, misalnya: <i>Berapa orang yang ditangkap?</i> Pertanyaan lanjutan juga bisa.\n"
        "Di grup: sebut saya atau pakai /ask PERTANYAAN.\n\n"
        "👋 Hi! I am Kabar: I answer questions from indexed news articles, citing the source and quoting "
        "the sentence. When articles disagree, I show both reports.\n"
        "Just ask, for example: <i>How many people were arrested?</i> Follow-up questions work too.\n"
        "In groups: mention me or use /ask QUESTION.\n\n"
        "/sources — artikel yang diindeks / indexed articles\n"
        "/stories — cerita dan artikelnya / stories and their articles\n"
        "/lang id|en|auto — bahasa jawaban / answer language\n"
        "/reset — lupakan percakapan / forget the conversation\n"
        "/help — bantuan ini / this help"
    ),
    "repl": (
        "Tanyakan apa saja tentang artikel yang diindeks; jawaban disertai sumber. "
        "Ask anything about the indexed articles; answers come with their sources.\n"
        ":sources   artikel yang diindeks / indexed articles\n"
        ":stories   cerita dan artikelnya / stories and their articles\n"
        ":lang id|en|auto   bahasa jawaban / answer language\n"
        ":reset     lupakan percakapan / forget the conversation\n"
        ":help      bantuan ini / this help\n"
        ":quit      keluar / exit (Ctrl-D)"
    ),
}


def message(key: str, language: Language, **values: object) -> str:
    """The reply for situation `key` in `language`, with `{placeholders}` filled."""
    return MESSAGES[key][language].format(**values)


@dataclass(frozen=True)
class Layout:
    """What every rendering shows, in order: text paragraphs, disagreement lines, numbered sources."""

    paragraphs: list[str]
    conflicts: list[str]
    citations: list[Citation]


def layout(answer: Answer) -> Layout:
    """Lay an answer out. An abstention shows its text only: it cites nothing. Each disagreement is a line
    built from `answer.conflicts` (structured to here: nothing is read back out of the text)."""
    paragraphs = [p.strip() for p in answer.text.split("\n\n") if p.strip()]
    if answer.model_failed:  # the user learns why the reply is a quote, in their language
        paragraphs.insert(0, message("model_unavailable", answer.language))
    if not answer.answered:
        return Layout(paragraphs, [], [])
    lines = [
        describe_conflict(_numbered(c, answer.citations), answer.language) + "." for c in answer.conflicts
    ]
    return Layout(paragraphs, lines, sorted(answer.citations, key=lambda c: c.n))


def _numbered(conflict: Conflict, citations: Sequence[Citation]) -> Conflict:
    """The disagreement with each figure under a `[n]`: its own, else its article's citation number."""
    numbers = {c.doc_id: c.n for c in citations}
    claims = [
        c if c.n is not None else c.model_copy(update={"n": numbers.get(c.doc_id)}) for c in conflict.claims
    ]
    return conflict.model_copy(update={"claims": claims})


def shown_text(answer: Answer) -> str:
    """What a reader is told, sources aside: the text and a line per disagreement."""
    shown = layout(answer)
    return "\n\n".join([*shown.paragraphs, *shown.conflicts])
