"""The one answering call: `Answerer.answer(question, history) -> Answer`, shared by every interface.

An `Answerer` holds the parts that are expensive to make (retriever, embedder, model backend) and no
per-question state, so one instance serves every chat and thread of a process.
"""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot import grounding
from bot.bound import figures
from bot.citations import (
    align_citations,
    build_citations,
    citation_of,
    cited_numbers,
    clean_markers,
    closest,
    corroborate,
    first_sentence,
    misattributed,
)
from bot.evidence import SentenceVectors, evidence_of, format_evidence, select_evidence
from bot.figures.claims import extract_claims, mentions
from bot.figures.conflicts import describe_claim, find_conflicts, topic
from bot.figures.groups import group_of
from bot.figures.sources import (
    SourceFigure,
    best_figure,
    counted_figures,
    counted_forms,
    disagreement,
    generic_head,
    narrowing,
)
from bot.figures.speakers import Speaker, speakers
from bot.generation.base import Backend, GenerationError
from bot.lexicon import words
from bot.prompts import template
from bot.question import Question
from bot.render.layout import QUOTE_LEAD
from bot.schema import Answer, Citation, Claim, Conflict, Evidence, Language, Timings, Turn
from bot.shape import gives
from index.language import LanguageDetector, strip_quotes
from index.retrieval import HybridRetriever
from index.store import Hit
from index.vocabulary import forms, word_forms

__all__ = ["AnswerOptions", "Answerer", "Turn"]

log = logging.getLogger(__name__)

NOT_FOUND = {"id": "Artikel-artikel yang ada tidak menyebutkan hal itu.", "en": "The articles do not say."}
# What the closest articles are about, after NOT_FOUND: a reader learns what can be asked.
# After a figure, what an earlier report of the same story said (figures change as a story unfolds).
EARLIER = {
    "id": "Laporan sebelumnya ({when}) menyebut {figure} [{n}].",
    "en": "An earlier report ({when}) gave {figure} [{n}].",
}
# Who gave a figure, one or more speakers each with the article crediting them.
SAID_BY = {"id": "Angka itu disebut oleh {names}.", "en": "That figure was given by {names}."}
AND = {"id": "dan", "en": "and"}
ABSENT = {"id": "Artikelnya tidak memuat kata {words}.", "en": "They never mention {words}."}
COVERS = {"id": "Artikel terdekat membahas “{title}”.", "en": "The closest articles report “{title}”."}
# What the model writes when the excerpts lack the answer (the prompts ask for the first form).
_MODEL_ABSTAINS = re.compile(
    r"tidak ada di artikel|tidak (?:di)?sebut|tidak (?:di)?jelaskan|tidak ada (?:informasi|keterangan)"
    r"|not in the articles|do(?:es)? not (?:say|mention|state|specify)|no information"
    r"|(?:is|are|was|were) not (?:mentioned|given|provided|specified|stated)",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class AnswerOptions:
    top_k: int = 12
    max_sentences: int = 5
    min_evidence_score: float = 0.80  # below it the articles are taken not to hold the answer
    asked_boost: float = 0.1  # for a sentence saying what the question asks happened (killed, arrested)
    shape_boost: float = 0.2  # for a sentence giving the time, place or cause a question asks for
    max_tokens: int = 200
    temperature: float = 0.0
    conflict_rank: int = 3  # a disagreement is reported when one of its sentences ranks this high
    # A question with this many content words that no article of its story uses, in a language the story
    # is written in, asks about something the story does not report ("Mengapa bendungan jebol?" of a flood
    # with no dam). Only words less ordinary than `index.vocabulary.ORDINARY` count: "akibat" is absent
    # from a story by chance, "bendungan" because there is no dam. Tuned on the development stories
    # (data/gold/dev, 96 questions, store of dev and seed articles): 2 such words decline 15 of the 32
    # unanswerable questions and 6 of the 64 answerable ones; counting every absent word, 20 and 9; one
    # word, 27 and 17. A "why" question needs only one (dev: 5 of 16 false premises declined, none of
    # the answerable "why" questions).
    absent_words: int = 2
    # A name of the question that at most this share of its story's retrieved sentences hold narrows it
    # to a part of the story (`grounding.scope`), and a figure answering it must be said of that part.
    scope_share: float = 0.25
    second_look: int = 2  # when the model finds nothing, it is asked again with this many best; 0: never


class Answerer:
    """Answers questions from the store behind `retriever`, with `backend` (None = extractive only)."""

    def __init__(
        self,
        retriever: HybridRetriever,
        backend: Backend | None,
        detector: LanguageDetector | None = None,
        options: AnswerOptions | None = None,
    ) -> None:
        self.retriever = retriever
        self.embedder = retriever.store.embedder
        self.tokens = retriever.tokenizer
        self.vectors = SentenceVectors(self.embedder)
        self.backend = backend
        self.detector = detector or LanguageDetector()
        self.options = options or AnswerOptions()

    @property
    def backend_name(self) -> str:
        return self.backend.name if self.backend else "extractive"

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        on_draft: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` in its language (or `language`), citing the articles it uses.

        `on_draft`, when given, is called with the model's reply so far as it is written (each call with
        the whole draft), for an interface to show while the answer is checked and completed; the answer
        returned is what counts, and may differ from the last draft.
        """
        call = _Call(on_draft)
        language = language or self.detector.detect(question.strip())
        q = Question.parse(question, language, history)
        call.lap("parse_ms")
        found = self.retriever.retrieve_story(q.query, k=self.options.top_k)
        hits = found.hits
        sentences = [text for hit in hits for text in hit.sentence_texts]
        q = replace(q, scope=grounding.scope(q, sentences, self.options.scope_share))
        if q.how_many:
            q = replace(q, scope=narrowing(q, sentences))
        call.lap("retrieve_ms")
        evidence = select_evidence(
            q.focus,
            hits,
            self.vectors,
            self.tokens,
            asks=q.asks,
            max_sentences=self.options.max_sentences,
            boost=lambda text: (
                self.options.asked_boost * mentions(q.asked, text)
                + self.options.shape_boost * gives(q.shape, text, q.text)
            ),
        )
        retrieved = list(dict.fromkeys(hit.doc_id for hit in hits))
        call.lap("evidence_ms")

        result = Answer(
            question=q.text,
            text=_not_found(language, hits),
            language=language,
            answered=False,
            story=found.story,
            retrieved=retrieved,
            backend=self.backend_name,
        )
        absent = self._absent(q, found.story)
        if absent:
            result.text = _not_found(language, hits, absent)
        elif self._grounded(q, evidence, hits):
            claims = extract_claims(evidence)
            conflicts = self._conflicts(q, evidence, claims)
            figures = self._source_figures(q, found.story)
            if not conflicts:
                conflicts = self._per_source(figures, language, evidence)
            figure = self._stated_figure(q, evidence, claims)
            if figure and not conflicts:
                figure = self._latest(figure, figures, evidence)
            said = self._speakers(q, found.story)
            call.lap("compare_ms")
            if said:  # each article's own speaker, cited with the sentence crediting them, nothing else
                text, conflicts = self._said_by(said, language, evidence), []
            elif figure:
                text = describe_claim(figure, language) + _earlier(
                    figure, claims, evidence, conflicts, language
                )
            else:
                text = self._body(q, evidence, conflicts, figures, call)
            if text and not said:  # others saying the same are cited too
                vectors = self.vectors([e.text for e in evidence])
                text = corroborate(text, evidence, vectors @ vectors.T, self.tokens)
            if text:  # "" is the model saying the articles lack the answer
                result.text, result.answered, result.conflicts = text, True, conflicts
                result.citations = build_citations(text, evidence, self.tokens)
                result.citations += _conflict_citations(conflicts, evidence, result.citations)
        call.timings.total_ms = call.elapsed()
        result.timings, result.model_failed = call.timings, call.model_failed
        return result

    # ---- steps ---------------------------------------------------------------------------------------

    def _body(
        self,
        question: Question,
        evidence: list[Evidence],
        conflicts: list[Conflict],
        figures: Sequence[SourceFigure],
        call: _Call,
    ) -> str:
        """The model's answer or, when there is no model or it fails, the best evidence sentence; "" when
        the model finds the articles lack the answer. For "how many X", an article's own figure of X
        (`figures`) answers before the best sentence does, and when the model finds nothing."""
        language = question.language
        text = self._generate(question, evidence, conflicts, call) if self.backend else None
        if text == "" and 0 < self.options.second_look < len(evidence):
            # A small model reading five sentences misses an answer worded unlike the question
            # ("pengelolanya PT Zyxo" for "perusahaan apa yang mengoperasikan"); shown the best, it sees it.
            log.info("model found nothing; a second look at the best %d sentences", self.options.second_look)
            text = self._generate(question, evidence[: self.options.second_look], conflicts, call)
        best = best_figure(figures)
        # The model found no figure it could support (or there is no model), or answered "how many" with no
        # figure at all, or says the articles do not tell while they give disagreeing figures, or while an
        # article gives a figure of something specific beside the question's other words ("11 anak-anak"
        # among the dead): that figure answers. When the model says the articles do not tell and none
        # gives such a figure, that stands.
        overlooked = text == "" and best is not None and (bool(conflicts) or _specific(best, question))
        figureless = text is not None and text != "" and not _new_figures(text, question)
        if (text is None or isinstance(text, _Unstated) or overlooked or figureless) and best is not None:
            n = self._cite(best, evidence)
            resting = f"{best.claim.value_text} {best.claim.counted} [{n}]"
            return self._extractive(language, [e for e in evidence if e.n == n], resting)
        if text == "" and conflicts:
            log.info("model found nothing, but the articles disagree on what is asked")
            text = None
        return self._extractive(language, evidence) if text is None else text

    def _absent(self, question: Question, story: str | None) -> list[str]:
        """The question's words its story never uses, when there are enough of them to decline."""
        language = question.language
        if story is None or language not in self.retriever.story_languages(story):
            return []  # an English question over Indonesian articles shares few words with them anyway
        ignore = words("question_words") | words("coverage_words")
        absent = self.retriever.absent_words(question.text, story, language, ignore)
        # "Why was the agency head dismissed?" of a story that never says "dismissed" asks about nothing
        # it reports: one such word declines a "why" question.
        needed = 1 if question.why else self.options.absent_words
        return absent if len(absent) >= needed else []

    def _grounded(self, question: Question, evidence: list[Evidence], hits: Sequence[Hit]) -> bool:
        """Whether the retrieved text can hold the answer: relevant enough, naming what the question
        names (even spelt the other language's way: Germany/Jerman), and saying the asked event of whom
        it is asked."""
        if not evidence or evidence[0].score < self.options.min_evidence_score:
            return False
        sentences = [text for hit in hits for text in hit.sentence_texts]
        return grounding.names_present(question, sentences) and grounding.premise_supported(
            question, sentences
        )

    def _stated_figure(
        self, question: Question, evidence: list[Evidence], claims: list[Claim]
    ) -> Claim | None:
        """For a "how many" question about what is `asked` (killed, arrested, sent...), the figure the best
        evidence states for it ("Berapa orang yang ditangkap?": "lebih dari 2.000 orang ditangkap"), if any.

        The claim parser reads such figures exactly; a small model misreads them (the 1,000 injured for the
        400 hospitalised in the same sentence), so these answers are written from the claim, no model needed.
        """
        if not question.asked or not question.how_many:
            return None
        top = self._top(evidence)
        stated = [
            c
            for c in claims
            if c.predicate in question.asked
            and (c.doc_id, c.quote) in top
            and grounding.in_scope(c.quote, question.scope)
        ]
        stated = [c for c in stated if _counts_asked(question, c)]
        # The latest report first: a toll counted again later supersedes the earlier count.
        published = _published(evidence)
        stated.sort(key=lambda c: published.get(c.doc_id, ""), reverse=True)
        return stated[0] if stated else None

    def _latest(self, figure: Claim, figures: Sequence[SourceFigure], evidence: list[Evidence]) -> Claim:
        """`figure`, or a later article's own figure of the same count, which supersedes it: a toll is
        counted again as a story unfolds, and the latest report need not be among the best evidence. The
        later figure must say the same event and share as many of the question's words."""
        published = _published(evidence)
        own = max((f.score for f in figures if f.claim.doc_id == figure.doc_id), default=1)
        later = [
            f
            for f in figures
            if figure.predicate in f.events
            and f.score >= own
            and str(f.hit.metadata.get("published", "")) > published.get(figure.doc_id, "")
        ]
        if not later:
            return figure
        latest = max(later, key=lambda f: (str(f.hit.metadata.get("published", "")), f.score))
        log.info("a later report gives %s: it supersedes %s", latest.claim.value_text, figure.value_text)
        return latest.claim.model_copy(update={"n": self._cite(latest, evidence)})

    def _conflicts(self, question: Question, evidence: list[Evidence], claims: list[Claim]) -> list[Conflict]:
        """Disagreements about what the question asks (or, if it names nothing, about its best evidence)."""
        found = find_conflicts(claims, similar=self.embedder.embed_passages)
        if question.head and not generic_head(question.head):
            # "How many children died?": a dispute over the whole toll is not about what is asked.
            found = [c for c in found if _counts_asked(question, c.claims[0])]
        if question.asked:
            return [c for c in found if c.claims[0].predicate in question.asked]
        top = self._top(evidence)
        return [c for c in found if any((claim.doc_id, claim.quote) in top for claim in c.claims)]

    def _source_figures(self, question: Question, story: str | None) -> list[SourceFigure]:
        """For "how many X", each article of the story read whole for its own figure of X."""
        if story is None or not question.how_many:
            return []
        ignore = words("question_words") | self.tokens.stopwords
        return counted_figures(question, self.retriever.story_chunks(story), ignore)

    def _speakers(self, question: Question, story: str | None) -> list[Speaker]:
        """For "who gave figure X", whom each article of the story credits with it."""
        if story is None or not question.who:
            return []
        ignore = words("question_words") | self.tokens.stopwords
        return speakers(question, self.retriever.story_chunks(story), ignore)

    def _said_by(self, said: Sequence[Speaker], language: Language, evidence: list[Evidence]) -> str:
        """The reply naming each article's speaker, each cited with the sentence crediting them."""
        numbered = sorted((self._cite(speaker, evidence), speaker.name) for speaker in said)
        cited = [f"{name} [{n}]" for n, name in numbered]
        names = cited[0] if len(cited) == 1 else f"{', '.join(cited[:-1])} {AND[language]} {cited[-1]}"
        return SAID_BY[language].format(names=names)

    def _per_source(
        self, figures: Sequence[SourceFigure], language: Language, evidence: list[Evidence]
    ) -> list[Conflict]:
        """The articles' own figures of what is counted, when they disagree; the sentences stating them
        join the evidence (in place), so that the reply cites them."""
        clash = disagreement(figures, language)
        if not clash:
            return []
        claims = [figure.claim.model_copy(update={"n": self._cite(figure, evidence)}) for figure in clash]
        claims.sort(key=lambda c: c.n or 0)
        return [Conflict(topic=topic(claims, language), claims=claims)]

    @staticmethod
    def _cite(source: SourceFigure | Speaker, evidence: list[Evidence]) -> int:
        """The article number of the sentence `source` rests on, added to the evidence if not there yet."""
        doc_id = source.hit.doc_id
        numbers = {e.doc_id: e.n for e in evidence}
        n = numbers.get(doc_id, max(numbers.values(), default=0) + 1)
        if not any(e.doc_id == doc_id and e.start == source.start for e in evidence):
            evidence.append(evidence_of(source.hit, n, source.sentence, source.start, source.end))
        return n

    def _top(self, evidence: list[Evidence]) -> set[tuple[str, str]]:
        """The best evidence sentences, as (article, sentence), that a claim must be in to count as stated."""
        return {(e.doc_id, e.text) for e in evidence[: self.options.conflict_rank]}

    def _messages(
        self, question: Question, evidence: list[Evidence], conflicts: list[Conflict]
    ) -> list[dict[str, str]]:
        language = question.language
        notes = []
        for conflict in conflicts:
            claims = ", ".join(f"{c.value_text} [{c.n}]" for c in conflict.claims)
            notes.append(template("conflict_note", language).format(claims=claims))
        prompt = template("question", language).format(
            evidence=format_evidence(evidence), notes="\n".join(notes), question=question.text
        )
        return [
            {"role": "system", "content": template("answer", language)},
            {"role": "user", "content": prompt},
        ]

    def _complete(self, messages: list[dict[str, str]], call: _Call) -> str:
        """One call of the model, streamed to `call.on_draft` when the interface shows drafts."""
        assert self.backend is not None
        max_tokens, temperature = self.options.max_tokens, self.options.temperature
        started = time.perf_counter()
        call.timings.model_calls += 1
        try:
            if call.on_draft is None:
                return self.backend.generate(messages, max_tokens=max_tokens, temperature=temperature)
            pieces: list[str] = []
            for piece in self.backend.stream(messages, max_tokens=max_tokens, temperature=temperature):
                if call.timings.first_token_ms is None:
                    call.timings.first_token_ms = call.elapsed()
                pieces.append(piece)
                call.draft("".join(pieces))
            return "".join(pieces)
        finally:
            call.timings.generate_ms += (time.perf_counter() - started) * 1000

    def _generate(
        self, question: Question, evidence: list[Evidence], conflicts: list[Conflict], call: _Call
    ) -> str | None:
        """The model's cited answer; "" when the model says the articles lack it (or, asked how many, gives
        a figure they do not state); None to fall back to the evidence.

        A reply in the wrong language, or with something the evidence does not support, is sent back once
        with a firmer instruction.
        """
        assert self.backend is not None
        language = question.language
        messages = self._messages(question, evidence, conflicts)
        valid = {e.n for e in evidence}
        problem = ""
        for attempt in range(2):
            try:
                raw = self._complete(messages, call)
            except GenerationError as exc:
                log.warning("generation failed, answering from the evidence instead: %s", exc)
                call.model_failed = True
                return None
            log.debug("model said: %r", raw)
            if _loops(raw):  # a small model at temperature 0 can repeat itself until it runs out of tokens
                log.info("model answer repeats itself; answering from the evidence instead")
                return None
            cleaned = _without_echo(clean_markers(raw, valid), question.text)
            if _MODEL_ABSTAINS.search(first_sentence(cleaned)):
                return ""  # even when it cites the excerpt it found wanting
            text = align_citations(cleaned, evidence, self.tokens, question.text)
            if (
                text is None
                or misattributed(text, evidence, list(question.actors), self.tokens)
                or not _counts_what_is_asked(question, text, evidence)
            ):
                problem = "unsupported"
            elif _bare(strip_quotes(text)):
                if attempt == 1:  # still bare: the sentence it rests on, quoted, says it in full
                    return self._extractive(language, evidence, resting=text)
                problem = "bare"  # "19 juta [1]", "Pak Wibisono [1]" read as no answer: ask for a sentence
            elif sum(w.islower() for w in _WORDS.findall(strip_quotes(text))) < 3:
                return text  # names and figures ("Jerman, Prancis dan Belanda [1]") are in no language
            elif self.detector.detect(strip_quotes(text)) != language:
                problem = "wrong_language"
            else:
                return text
            log.info("model answer: %s (attempt %d)", problem, attempt + 1)
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": template(problem, language)},
            ]
        if problem == "unsupported" and question.how_many:
            return UNSTATED  # a figure its evidence does not state, twice: the evidence does not give it
        return None

    def _extractive(self, language: Language, evidence: list[Evidence], resting: str = "") -> str:
        """The best evidence sentence quoted, or the one a bare reply (`resting`: "26 orang [1]") rests on
        after that reply."""
        best = evidence[0]
        if resting:
            cited = set(cited_numbers(resting))
            best = closest(resting, [e for e in evidence if e.n in cited] or evidence, self.tokens)
        quoted = self.detector.detect(best.text)
        lead = f"{QUOTE_LEAD[language, quoted]} “{best.text}” [{best.n}]"
        return f"{clean_markers(resting, set()).rstrip(' .,;')} [{best.n}]. {lead}" if resting else lead


@dataclass
class _Call:
    """One question's way through `Answerer.answer`: its clock, its timings and where drafts go."""

    on_draft: Callable[[str], None] | None
    started: float = field(default_factory=time.perf_counter)
    timings: Timings = field(default_factory=Timings)
    model_failed: bool = False
    _lapped: float = 0.0

    def elapsed(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def lap(self, stage: str) -> None:
        """Record the time since the last lap as `stage` (a `Timings` field)."""
        now = self.elapsed()
        setattr(self.timings, stage, now - self._lapped)
        self._lapped = now

    def draft(self, text: str) -> None:
        """Show the draft; an interface failing to show it costs the drafts, never the answer."""
        if self.on_draft is None:
            return
        try:
            self.on_draft(text)
        except Exception:
            log.warning("showing a draft failed; no more drafts for this answer", exc_info=True)
            self.on_draft = None


def _loops(text: str, span: int = 5, times: int = 3) -> bool:
    """Whether some run of `span` words comes back `times` times or more: a reply caught in a loop."""
    said = _WORDS.findall(text.lower())
    runs = Counter(tuple(said[i : i + span]) for i in range(len(said) - span + 1))
    return any(count >= times for count in runs.values())


def _counts_what_is_asked(question: Question, text: str, evidence: Sequence[Evidence]) -> bool:
    """For "how many X", whether every figure of the reply stands in a cited sentence that speaks of X (or
    of X's group in any language): a toll is no answer to how many houses were damaged; and of the part
    of the story the question asks about, when it names one (`Question.scope`): the province's count of
    polling stations is no answer to how many its capital had."""
    stated = _new_figures(text, question)
    cited = set(cited_numbers(text))
    if question.how_many and question.scope:
        scoped = [e.text for e in evidence if e.n in cited and grounding.in_scope(e.text, question.scope)]
        if not all(any(figure in figures(s) for s in scoped) for figure in stated):
            return False
    if not question.head:
        return True
    wanted = counted_forms(question.head)
    if not any(word_forms(e.text) & wanted for e in evidence):
        return True  # no evidence says X in any words known here (another language): nothing to check
    sentences = [e.text for e in evidence if e.n in cited]
    return all(any(figure in figures(s) and word_forms(s) & wanted for s in sentences) for figure in stated)


def _new_figures(text: str, question: Question) -> set[str]:
    """The figures `text` states (outside quotes) that the question does not: "Berapa ...?" wants one."""
    return figures(strip_quotes(text)) - figures(question.text)


def _counts_asked(question: Question, claim: Claim) -> bool:
    """Whether `claim` counts whom a "how many" question asks about: its group ("How many police officers
    and soldiers died?" is not answered by dozens of protesters), or for a group the lexicon does not
    know, its word ("Berapa ekor ternak yang mati?" is not answered by the people who died)."""
    group = group_of(question.counted)
    if group:
        return group_of(claim.counted) == group
    return not question.head or bool(word_forms(claim.counted) & forms(question.head))


def _specific(figure: SourceFigure, question: Question) -> bool:
    """Whether `figure` counts something specific the question asks about, beside its other words."""
    return figure.score > 0 and not generic_head(question.head)


def _conflict_citations(
    conflicts: Sequence[Conflict], evidence: Sequence[Evidence], cited: Sequence[Citation]
) -> list[Citation]:
    """A citation for each sentence a disagreement quotes that the text does not cite already: an article
    the text cites for another sentence is listed again, with this one."""
    quoted = {(c.n, c.quote) for c in cited}
    found = []
    for claim in (claim for conflict in conflicts for claim in conflict.claims):
        source = next((e for e in evidence if e.n == claim.n), None)
        if source is None or (claim.n, claim.quote) in quoted:
            continue
        quoted.add((source.n, claim.quote))
        found.append(citation_of(source, claim.quote))
    return found


def _published(evidence: Sequence[Evidence]) -> dict[str, str]:
    return {e.doc_id: e.published or "" for e in evidence}


def _earlier(
    figure: Claim,
    claims: Sequence[Claim],
    evidence: Sequence[Evidence],
    conflicts: Sequence[Conflict],
    language: Language,
) -> str:
    """A sentence naming the earlier report of the same count with another figure, when one is in the
    evidence and is not part of a disagreement already reported ("revised from 26 to 33")."""
    published = _published(evidence)
    latest = published.get(figure.doc_id, "")
    disputed = {(c.doc_id, c.value) for conflict in conflicts for c in conflict.claims}
    earlier = [
        c
        for c in claims
        if c.predicate == figure.predicate
        and group_of(c.counted) == group_of(figure.counted)
        and c.value != figure.value
        and published.get(c.doc_id, "") < latest
        and (c.doc_id, c.value) not in disputed
        and c.n is not None
    ]
    if not earlier:
        return ""
    old = max(earlier, key=lambda c: published.get(c.doc_id, ""))
    outlet = next((e.source for e in evidence if e.doc_id == old.doc_id and e.source), None)
    when = ", ".join(part for part in (outlet, published.get(old.doc_id)) if part)
    return " " + EARLIER[language].format(when=when, figure=old.value_text, n=old.n)


class _Unstated(str):
    """An empty reply that means: asked how many, the model twice gave a figure its evidence lacks."""


UNSTATED = _Unstated("")


def _bare(text: str) -> bool:
    """A reply of a figure or a name and little else: under three words, or under two that are not names."""
    words = _WORDS.findall(text)
    return len(words) < 3 or sum(w.islower() for w in words[1:]) + 1 < 2


def _not_found(language: Language, hits: Sequence[Hit], absent: Sequence[str] = ()) -> str:
    """The abstention: what the articles do not mention, and what the closest of them report."""
    parts = [NOT_FOUND[language]]
    if absent:
        parts.append(ABSENT[language].format(words=", ".join(f"“{w}”" for w in absent)))
    title = str(hits[0].metadata.get("title", "")).strip() if hits else ""
    if title:
        parts.append(COVERS[language].format(title=title))
    return " ".join(parts)


def _without_echo(text: str, question: str) -> str:
    """The reply without a first sentence repeating the question, as a small model sometimes starts."""
    first = first_sentence(text)
    plain = " ".join(_WORDS.findall(first.lower()))
    if (
        first
        and difflib.SequenceMatcher(None, plain, " ".join(_WORDS.findall(question.lower()))).ratio() > 0.9
    ):
        return text[len(first) :].strip()
    return text
