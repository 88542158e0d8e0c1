"""Figures in article sentences, read without a language model.

`extract_claims` turns evidence sentences into figures with what they count ("anggota pasukan keamanan"),
what happened to them (killed, arrested, sent...) and who said so. The same lexicon reads questions:
`predicates_in` ("How many were killed?" -> killed), `asks_how_many`, `counted_asked`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence

from bot.figures.groups import group_of
from bot.figures.numbers import Token, find_quantities, tokenize
from bot.lexicon import alternatives, languages, lexicon, word_sets, words
from bot.schema import Claim, Evidence
from index.chunking import split_sentences

# What happened to the counted people or things, in every language (bot/lexicon/LANGUAGE.yaml). `_AFTER`:
# forms that follow them ("18 orang tewas", "were killed") or name the toll before the figure ("korban tewas
# mencapai 18"). `_BEFORE`: active verbs whose object is the counted phrase ("membunuh 18 petugas" means 18
# officers were killed). `_ASKED`: question words that ask about a predicate ("berapa yang tewas", "how
# many died", "injuries").
_AFTER = word_sets("predicates", "after")
_BEFORE = word_sets("predicates", "before")
_TOLL = word_sets("predicates", "toll")
_ASKED = word_sets("predicates", "asked")


def predicates_in(text: str) -> set[str]:
    """The predicate classes a question asks about ("How many were killed?" -> {"killed"})."""
    words = set(re.findall(r"[\w-]+", text.lower()))
    return {predicate for predicate, asked in _ASKED.items() if words & asked}


def mentions(predicates: Collection[str], text: str) -> bool:
    """Whether `text` says one of these predicates happened (in either language)."""
    words = set(re.findall(r"[\w-]+", text.lower()))
    empty: frozenset[str] = frozenset()
    return any(
        words & (_AFTER.get(p, empty) | _BEFORE.get(p, empty) | _ASKED.get(p, empty)) for p in predicates
    )


def bridge_words(predicates: Collection[str], head: str, language: str) -> list[str]:
    """How articles in the other languages say what a question in `language` asks about: the words of its
    predicates ("ditangkap": arrested) and of the group it counts ("anak-anak": children). A bilingual
    bridge for the word-matching side of retrieval, which finds no English article for an Indonesian
    question otherwise, nor the reverse."""
    group = group_of(head) if head else None
    found = []
    for other in (lang for lang in languages() if lang != language):
        said = lexicon(other)
        found += [said.get(f"predicates.{p}.word") for p in sorted(predicates)]
        if group and group != "people":  # "orang", "people": every article counts them
            found.append(said.get(f"groups.{group}.label"))
    return [str(word) for word in found if word]


def predicate_word(predicate: str, language: str) -> str:
    """How a predicate is said in `language` ("killed", "id": "tewas")."""
    return str(lexicon(language).get(f"predicates.{predicate}.word", predicate))


def _index(table: dict[str, frozenset[str]]) -> dict[str, str]:
    return {word: predicate for predicate, words in table.items() for word in words}


_AFTER_WORD, _BEFORE_WORD = _index(_AFTER), _index(_BEFORE)
_TOLL_WORD = _index(_TOLL)
_BACK_WORD = _AFTER_WORD | _TOLL_WORD

# Words between a counted phrase and its predicate ("18 orang dilaporkan tewas", "were reportedly killed").
_SKIP = words("skip")
# Words that end a counted phrase: "18 anggota pasukan keamanan | di ...", "dozens of rioters | overnight".
_NP_STOP = _SKIP | words("phrase_end")
_ANAPHORA = words("anaphora")  # "15 penumpang lainnya"
_ANAPHORA_PAIRS = frozenset(
    (first.lower(), second.lower())
    for language in languages()
    for first, second in lexicon(language).get("anaphora_pairs") or ()
)
_CONNECTORS = words("connectors")
_CLASSIFIERS = words("classifiers") | words("more")  # "18 orang polisi", "18 more people"
_PARTITIVE = words("partitive")
_LINKING = words("linking")  # "dozens of residents", "the deaths of 18 officers"
_INCLUDING = words("including")
_TOLL_LEAD = words("toll_lead")
_PART_OF = words("part_of")
_COUNTED_DROP = words("counted_drop")
_NOUNS = words("not_verbs")  # not verbs despite their shape
_VERB_PREFIX = re.compile(alternatives("verb_prefixes") + r"\w{4}")  # "menembak", "dimulai"
_VERB_SUFFIXES = tuple(sorted(words("verb_suffixes")))


_FUNCTION_WORDS = {language: lexicon(language).words("function_words") for language in languages()}


def sentence_language(text: str, default: str = "id") -> str:
    """The language whose common function words the text uses most ("id", "en"); `default` on a tie."""
    found = [t.lower for t in tokenize(text)]
    counts = {language: sum(w in common for w in found) for language, common in _FUNCTION_WORDS.items()}
    return max(counts, key=lambda language: (counts[language], language == default))


# --- attribution -----------------------------------------------------------------------------------------

_SAY = alternatives("attribution.say")
# Source patterns, most explicit first: "mengutip X yang mengatakan", "quoted X as saying", "menurut X",
# ", kata X", ", X said" and, last, "X said" opening the sentence.
_ATTRIBUTION = [
    re.compile(
        rf"\b{alternatives('attribution.quoting')}\s+(.+?)\s+"
        rf"(?:{alternatives('attribution.quoting_relative')}\s+)?{_SAY}\b",
        re.I,
    ),
    re.compile(
        rf"\b{alternatives('attribution.quoting_as')}\s+(.+?)\s+{alternatives('attribution.as_saying')}\b",
        re.I,
    ),
    re.compile(
        rf"\b{alternatives('attribution.according')}\s+(.+?)"
        rf"(?=[,.;:]|\s+(?-i:{alternatives('attribution.according_end')})\b|$)",
        re.I,
    ),
    re.compile(
        rf",\s*[”\"]?\s*{alternatives('attribution.said_after')}\s+(.+?)"
        rf"(?=[,.;:]|\s+(?-i:{alternatives('attribution.said_after_end')})\b|$)",
        re.I,
    ),
    # '"...," Nama Orang, head of the office, told reporters': a name after the closing quote.
    re.compile(r"[”\"]\s*((?-i:[A-Z])[^,.;\d\"“”]+?)\s*(?:,[^,;\"“”]{1,80},\s*)?" + _SAY + r"\b"),
    re.compile(r",\s*([^,.;\d]+?)\s+" + _SAY + r"\b(?=[^,;]*$)", re.I),
    re.compile(r"^([^,.;\d]+?)\s+" + _SAY + r"\b", re.I),
]
_ARTICLE = re.compile(rf"^{alternatives('attribution.articles')}\s+", re.I)  # "para saksi", "the police"
_CLAUSE_WORDS = words("attribution.clause")
_PRONOUNS = words("attribution.pronouns")
# Sources named by a common noun ("polisi"), not a name: written lower-case after "menurut".
COMMON_SOURCES = words("attribution.common_sources")


def attribution_of(sentence: str) -> str | None:
    for number, pattern in enumerate(_ATTRIBUTION):
        match = pattern.search(sentence)
        if not match:
            continue
        source = _ARTICLE.sub("", match.group(1).strip(" ,\"'“”")).strip()
        words = source.split()
        if not words or len(words) > 8 or words[0].lower() in _PRONOUNS or re.search(r"\d", source):
            continue
        if _CLAUSE_WORDS & {w.lower() for w in words}:
            continue  # "Pemerintah membantah isu yang mengatakan": a clause, not a source
        starts_sentence = number == len(_ATTRIBUTION) - 1 or match.start(1) == 0
        common = (len(words) > 1 and words[1][0].islower()) or words[0].lower() in COMMON_SOURCES
        # "Pihak berwenang" has a capital only because it starts the sentence; an acronym keeps its case.
        if starts_sentence and common and not words[0].isupper():
            source = source[0].lower() + source[1:]
        return source
    return None


# --- claims ----------------------------------------------------------------------------------------------


def _counted(tokens: list[Token], j: int, figures: set[int]) -> tuple[list[str], int]:
    """The counted phrase starting at tokens[j] ("anggota pasukan keamanan") and the index after it."""
    words: list[str] = []
    while j < len(tokens) and len(words) < 6 and j not in figures:
        word = tokens[j].lower
        nxt = tokens[j + 1].lower if j + 1 < len(tokens) else ""
        if word in _LINKING and not words and (word, nxt) not in _ANAPHORA_PAIRS:
            j += 1  # "dozens of residents"
            continue
        if not word[0].isalpha() or word in _NP_STOP or word in _AFTER_WORD:
            break
        if word in _CONNECTORS and (not words or nxt in _NP_STOP | _AFTER_WORD.keys() | _BEFORE_WORD.keys()):
            break  # "petugas penegak hukum dan tentara", but not "18 orang dan menyebabkan"
        if words and (word.endswith(_VERB_SUFFIXES) or _VERB_PREFIX.match(word)) and word not in _NOUNS:
            break  # a verb ("gathered", "menembak", "dimulai") ends the phrase
        words.append(word)
        j += 1
    while words and words[-1] in _CONNECTORS:
        words.pop()
    if len(words) > 1 and words[0] in _CLASSIFIERS:
        words = words[1:]  # "18 orang polisi": "orang" only classifies
    if len(words) > 1 and words[-1] in _ANAPHORA:
        words = words[:-1]  # "15 penumpang lainnya"
    return [w for w in words if w not in _COUNTED_DROP], j


def _predicate(tokens: list[Token], begin: int, end: int, figures: set[int]) -> str | None:
    """What happened to the counted phrase at tokens[begin:end], looking after it, then before it."""
    j = end
    while j < len(tokens) and tokens[j].lower in _SKIP:
        j += 1
    if j + 1 < len(tokens) and tokens[j].text == "," and tokens[j + 1].lower in _INCLUDING:
        # "164 people, including three children, had been killed": look past the aside
        close = next((k for k in range(j + 2, len(tokens)) if tokens[k].text == ","), len(tokens))
        found = _predicate(tokens, close + 1, close + 1, figures) if close < len(tokens) else None
        if found:
            return found
    if j < len(tokens) and tokens[j].lower in _AFTER_WORD:
        return _AFTER_WORD[tokens[j].lower]
    if j + 1 < len(tokens) and (tokens[j].lower, tokens[j + 1].lower) in _ANAPHORA_PAIRS:
        return _predicate(tokens, j + 2, j + 2, figures)  # "400 di antaranya dirawat", "two of them died"
    k = begin - 1
    while k >= 0 and (tokens[k].lower in _SKIP or tokens[k].lower in _LINKING):
        k -= 1  # "the deaths of 18 officers"
    if k >= 0 and tokens[k].lower in _BEFORE_WORD:
        return _BEFORE_WORD[tokens[k].lower]
    # A toll named before the figure: "korban tewas bertambah menjadi 56", "the death toll rose to 225".
    for k in range(begin - 1, max(begin - 11, -1), -1):
        word = tokens[k].lower
        if word in ",.;:" or k in figures or word in _CONNECTORS:
            break
        before = tokens[k - 1].lower if k else ""
        if word in _BACK_WORD and (before in _TOLL_LEAD or word in _TOLL_WORD):
            return _BACK_WORD[word]
    return None


def _sentence_claims(sentence: str, evidence: Evidence) -> list[Claim]:
    tokens = tokenize(sentence)
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i + 1 for i, t in enumerate(tokens)}
    language = sentence_language(sentence)
    attribution = attribution_of(sentence)
    claims: list[Claim] = []
    previous: list[str] = []
    quantities = find_quantities(sentence)
    spans = [(starts[q.start], ends[q.end]) for q in quantities]
    figures = {i for begin, end in spans for i in range(begin, end)}
    skip = False
    for index, (quantity, (begin, end)) in enumerate(zip(quantities, spans, strict=True)):
        if skip:  # the total in "211 dari 1.367 dosen": its noun and predicate went to the part
            skip = False
            continue
        words, after = _counted(tokens, end, figures)
        following = spans[index + 1] if index + 1 < len(spans) else None
        if not words and following and tokens[after].lower in _PART_OF and following[0] <= after + 2:
            words, after = _counted(tokens, following[1], figures)
            skip = True
        if (not words or words[0] in _ANAPHORA) and previous:
            words = previous
        elif words and words[0] in _ANAPHORA:
            words = []
        previous = words or previous
        predicate = _predicate(tokens, begin, after, figures)
        if predicate is None:
            continue
        claims.append(
            Claim(
                value_text=quantity.text,
                value=quantity.value,
                low=quantity.low,
                high=quantity.high,
                counted=" ".join(words) or str(lexicon(language).get("counted_default", "")),
                predicate=predicate,
                attribution=attribution,
                doc_id=evidence.doc_id,
                n=evidence.n,
                quote=sentence,
            )
        )
    return claims


def extract_claims(evidence: Sequence[Evidence]) -> list[Claim]:
    """Every figure in the evidence with a known predicate (killed, injured, arrested, ...), in order."""
    claims = []
    for item in evidence:  # an evidence item may hold several sentences; a claim quotes one
        for start, end in split_sentences(item.text):
            claims.extend(_sentence_claims(item.text[start:end], item))
    return claims


# --- questions -------------------------------------------------------------------------------------------

_HOW_MANY = re.compile(rf"\b{alternatives('how_many')}\b(.*)", re.IGNORECASE)


def asks_how_many(question: str) -> bool:
    """Whether the question asks for a quantity ("berapa", "how many"), not a date or a name."""
    return bool(_HOW_MANY.search(question))


def counted_head(question: str) -> str:
    """The head noun of what a "how many" question counts: "Berapa jumlah terakhir korban yang tewas?" ->
    "korban", "How many ferry survivors were in hospital?" -> "survivors"; "" when it names nothing.

    The phrase runs from the question word to the first word that ends a phrase ("yang", "were"). Its head
    is the word the group lexicon knows, or else the first (Indonesian) or last (English) word of it."""
    asking = words("how_many") | words("question_words")
    # A capitalised word is a name ("Pada tahun berapa Arvani mundur?" asks a year, not how many Arvanis).
    names = {w.lower() for w in re.findall(r"[\w-]+", question)[1:] if w[:1].isupper()}
    asked = [w for w in counted_asked(question).split() if w not in asking]
    if asked and asked[0] in names:
        return ""
    ends = words("skip") | words("phrase_end")
    phrase = list(itertools.takewhile(lambda w: w not in ends, asked))
    # "Berapa orang yang berada di kapal?" counts people: a classifier before "yang" is the whole phrase.
    if phrase and all(w in _CLASSIFIERS for w in phrase):
        return phrase[0]
    nouns = [w for w in phrase if w not in _CLASSIFIERS and w not in _PARTITIVE]
    if _head_last(question):
        nouns.reverse()
    return next((w for w in nouns if group_of(w)), nouns[0] if nouns else "")


def _head_last(question: str) -> bool:
    """Whether the language whose "how many" words the question uses puts a phrase's head last."""
    lowered = question.lower()
    for language in languages():
        found = lexicon(language).words("how_many")
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in found):
            return lexicon(language).get("head") == "last"
    return False


def counted_asked(question: str) -> str:
    """What a "how many" question counts, its words before the verb: "How many police officers and
    soldiers died?" -> "police officers and soldiers"; "" when it names nothing ("Berapa yang tewas?")."""
    match = _HOW_MANY.search(question)
    words = []
    for word in re.findall(r"[\w-]+", match.group(1).lower()) if match else []:
        if word in _AFTER_WORD or word in _BEFORE_WORD:
            break
        words.append(word)
    return " ".join(words)
