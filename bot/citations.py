"""Check the `[n]` markers in generated text against the evidence and list what the text cites."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from bot.bound import names, unbound
from bot.grounding import named
from bot.lexicon import alternatives
from bot.schema import Citation, Evidence
from index.chunking import split_sentences
from index.language import strip_quotes

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# e5 cosine above which two articles' sentences say the same thing: paraphrases across the seed articles
# score 0.91-0.95, sentences on one topic that say different things ("13 tewas" / "18 tewas") up to 0.89.
CORROBORATION = 0.905
_WORD = re.compile(r"[^\W\d_][\w-]{2,}")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+", re.MULTILINE)
# The prompt's closing cue, which the model sometimes repeats (bot/lexicon/LANGUAGE.yaml, `answer_labels`).
_ANSWER_LABEL = re.compile(rf"^\s*{alternatives('answer_labels')}\s*:\s*", re.IGNORECASE)
_MARKER_AFTER_STOP = re.compile(r"([.!?])[ \t]*((?:\[\d+\])+)")  # "di kota itu. [1]" -> "di kota itu [1]."
_REPEATED_MARKER = re.compile(r"(\[\d+\])([.!?]?)\s*\1")  # "di kota itu [1]. [1]"
_SPLIT_NUMBER = re.compile(r"(?<=\d)([.,]) (?=\d{3}(?!\d))")  # "2, 500" as small models write "2,500"


def _sentences(text: str) -> list[str]:
    # The article splitter: it knows "2.000" and abbreviations do not end a sentence.
    return [text[start:end] for start, end in split_sentences(text)]


def _words(text: str) -> set[str]:
    """Its words of three letters or more, lower-cased, as names are looked up."""
    return {w.lower() for w in _WORD.findall(text)}


def first_sentence(text: str) -> str:
    return next(iter(_sentences(text)), "")


def _flatten_lists(text: str) -> str:
    """A list the model wrote ("adalah:\\n1. Balai kota\\n2. Gedung pengadilan") as one sentence."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not any(_LIST_ITEM.match(line) for line in lines):
        return text
    intro = "" if _LIST_ITEM.match(lines[0]) else lines.pop(0) + " "
    return intro + "; ".join(_LIST_ITEM.sub("", line).rstrip(".;") for line in lines) + "."


def clean_markers(text: str, valid: set[int]) -> str:
    """Drop markers that point at no evidence; write `[1, 2]` as `[1][2]`, "2, 500" as "2,500" and a
    list as one sentence; drop a leading "Jawaban:" the model repeated from the prompt."""
    text = _SPLIT_NUMBER.sub(r"\1", _flatten_lists(_ANSWER_LABEL.sub("", text)))

    def fix(match: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*[,;]\s*", match.group(1))]
        return "".join(f"[{n}]" for n in numbers if n in valid)

    def tidy(text: str) -> str:
        return _REPEATED_MARKER.sub(r"\1\2", _MARKER_AFTER_STOP.sub(r" \2\1", _MARKER.sub(fix, text)))

    # Until nothing changes: dropping "[5]" from "[[5]9]" leaves a marker "[9]" to check, and moving a
    # marker before its full stop can put it beside a copy of itself ("[1].[1] [1]").
    while (cleaned := tidy(text)) != text:
        text = cleaned
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()


def cited_numbers(text: str) -> list[int]:
    """Article numbers the text cites, in order of first appearance."""
    seen: list[int] = []
    for match in _MARKER.finditer(text):
        for n in re.split(r"\s*[,;]\s*", match.group(1)):
            if int(n) not in seen:
                seen.append(int(n))
    return seen


def build_citations(
    text: str, evidence: Sequence[Evidence], tokens: Callable[[str], list[str]]
) -> list[Citation]:
    """One citation per cited article, quoting the evidence sentence that best matches the cited claim."""
    claims: dict[int, str] = {}
    for sentence in _sentences(text):
        for n in cited_numbers(sentence):
            claims[n] = claims.get(n, "") + " " + sentence
    citations = []
    for n in cited_numbers(text):
        candidates = [e for e in evidence if e.n == n]
        if not candidates:
            continue
        # A sentence the text quotes whole is the one it cites ("Menurut artikel: “...” [1]").
        quoted = [e for e in candidates if e.text in text]
        best = quoted[0] if quoted else closest(claims.get(n, ""), candidates, tokens)
        citations.append(citation_of(best))
    return citations


def citation_of(evidence: Evidence, quote: str | None = None) -> Citation:
    """A citation of the article behind `evidence`, quoting its sentence (or `quote`)."""
    return Citation(
        n=evidence.n,
        doc_id=evidence.doc_id,
        title=evidence.title,
        source=evidence.source,
        url=evidence.url,
        published=evidence.published,
        quote=evidence.text if quote is None else quote,
    )


def _support(
    sentence: str, evidence: Sequence[Evidence], tokens: Callable[[str], list[str]], ignore: set[str]
) -> Evidence:
    """The evidence sentence, among the articles `sentence` cites, that shares most words with it, not
    counting the words in `ignore`."""
    cited = set(cited_numbers(sentence)) or {e.n for e in evidence}
    return closest(sentence, [e for e in evidence if e.n in cited], tokens, ignore)


def closest(
    text: str,
    candidates: Sequence[Evidence],
    tokens: Callable[[str], list[str]],
    ignore: set[str] | frozenset[str] = frozenset(),
) -> Evidence:
    """The candidate sharing most words with `text` (not counting `ignore` nor markers), one stating all
    its figures and names first: "stepped down in 2019" rests on the sentence with 2019, not on one sharing
    more words that says "three years ago"."""
    words = set(tokens(_MARKER.sub(" ", text))) - ignore
    numbers = {w for w in words if w[0].isdigit()}
    stated = names(text)
    return max(
        candidates,
        key=lambda e: (
            numbers <= (terms := set(tokens(e.text))) and not unbound(" ".join(stated), [e.text]),
            len(words & terms),
            e.score,
        ),
    )


def misattributed(
    text: str,
    evidence: Sequence[Evidence],
    actors: Sequence[Sequence[str]],
    tokens: Callable[[str], list[str]],
) -> bool:
    """Whether a sentence of `text` says something of one of `actors` (whom the question asks about, each
    by the names of one run: "Dara Arvani") that the evidence sentence it rests on says of someone else,
    while other evidence does name them.

    A small model lifts a sentence about one actor and writes the asked-about actor in: "Velmora responded
    by dismissing its cabinet [1]", where the sentence about the cabinet is about President Arvani.
    """
    known = _words(" ".join(e.text for e in evidence))
    # What is said of them decides which evidence a sentence rests on, not their names.
    ignore = set(tokens(" ".join(name for actor in actors for name in actor)))
    for sentence in _sentences(text):
        said, support = _words(sentence), _words(_support(sentence, evidence, tokens, ignore).text)
        for actor in actors:
            if (
                any(named(name, said) for name in actor)
                and any(named(name, known) for name in actor)
                and not any(named(name, support) for name in actor)
            ):
                return True
    return False


def corroborate(
    text: str,
    evidence: Sequence[Evidence],
    similarity: np.ndarray,
    tokens: Callable[[str], list[str]],
    threshold: float = CORROBORATION,
) -> str:
    """Cite beside each sentence's markers the other articles whose evidence says the same as the sentence
    it rests on: e5 cosine of at least `threshold` (`similarity` is the evidence's cosine matrix) and every
    figure of the sentence stated there too, so that "13 tewas" never corroborates "18 tewas". A fact two
    outlets report gets both: "[1][2]".
    """
    pieces = []
    for sentence in _sentences(text):
        cited = set(cited_numbers(sentence))
        markers = list(_MARKER.finditer(sentence))
        if not markers:
            pieces.append(sentence.strip())
            continue
        support = evidence.index(_support(sentence, evidence, tokens, set()))
        numbers = {t for t in tokens(_MARKER.sub(" ", sentence)) if t[0].isdigit()}
        extra = sorted(
            {
                other.n
                for j, other in enumerate(evidence)
                if other.n not in cited
                and similarity[support, j] >= threshold
                and numbers <= set(tokens(other.text))
            }
        )
        end = markers[-1].end()
        added = "".join(f"[{n}]" for n in extra)
        pieces.append((sentence[:end] + added + sentence[end:]).strip())
    return " ".join(pieces)


def align_citations(
    text: str, evidence: Sequence[Evidence], tokens: Callable[[str], list[str]], question: str = ""
) -> str | None:
    """Give each uncited sentence of `text` the article whose evidence shares most with it.

    Small models often leave markers out. A sentence is unsupported, and then the whole text is (None),
    when it shares no word with any evidence, or when it states a figure or a name that the evidence it
    cites (or, when uncited, the evidence it matches best, figures first) does not, nor the `question`.
    """
    pieces = []
    for sentence in _sentences(text):
        said = strip_quotes(sentence)
        cited = cited_numbers(sentence)
        if cited:
            if unbound(said, [e.text for e in evidence if e.n in cited], question):
                return None
            pieces.append(sentence.strip())
            continue
        best = closest(sentence, evidence, tokens) if evidence else None
        shared = set(tokens(_MARKER.sub(" ", sentence))) & set(tokens(best.text)) if best else set()
        if best is None or not shared or unbound(said, [best.text], question):
            return None
        body = sentence.strip()
        end = len(body.rstrip(".!?"))
        pieces.append(f"{body[:end]} [{best.n}]{body[end:]}")
    return " ".join(pieces) if pieces else None
