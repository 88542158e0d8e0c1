"""Figures in article sentences, read without a language model.

`extract_claims` turns evidence sentences into figures with what they count ("anggota pasukan keamanan"),
what happened to them (killed, arrested, sent...) and who said so. The same lexicon reads questions:
`predicates_in` ("How many were killed?" -> killed), `asks_how_many`, `counted_asked`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.numbers import Token, find_quantities, tokenize
from bot.schema import Claim, Evidence
from index.chunking import split_sentences


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What happened to the counted people or things. `_AFTER`: forms that follow them ("18 orang tewas", "were
# killed") or name the toll before the figure ("korban tewas mencapai 18"). `_BEFORE`: active verbs whose
# object is the counted phrase ("membunuh 18 petugas" means 18 officers were killed).
_AFTER = {
    "killed": "tewas terbunuh meninggal dibunuh mati gugur killed died dead slain perished",
    "injured": "terluka luka-luka cedera luka injured wounded hurt",
    "arrested": "ditangkap ditahan diamankan arrested detained",
    "hospitalised": "dirawat hospitalised hospitalized",
    "sent": "dikirim dikerahkan diterjunkan dipindahkan sent deployed dispatched",
    "evacuated": "dievakuasi diungsikan mengungsi evacuated displaced fled",
    "missing": "hilang missing",
}
_BEFORE = {
    "killed": "membunuh menewaskan tewasnya terbunuhnya meninggalnya killed killing kill deaths",
    "injured": "melukai injured injuring wounded wounding",
    "arrested": "menangkap menahan mengamankan penangkapan arrested detained arresting detaining arrest "
    "arrests",
    "sent": "mengirim mengirimkan mengerahkan menerjunkan pengerahan pengiriman sent deployed dispatched "
    "sending deploying deployment",
    "evacuated": "mengevakuasi evakuasi evacuated evacuating evacuation",
}
_TOLL = {"killed": "death deaths kematian"}
# How a predicate is said when a disagreement is described.
_PREDICATE_WORDS = {
    "killed": ("tewas", "killed"),
    "injured": ("terluka", "injured"),
    "arrested": ("ditangkap", "arrested"),
    "hospitalised": ("dirawat di rumah sakit", "hospitalised"),
    "sent": ("dikirim", "sent"),
    "evacuated": ("dievakuasi", "evacuated"),
    "missing": ("hilang", "missing"),
}


# Question words that ask about a predicate ("berapa yang tewas", "how many died", "injuries").
_ASKED = {
    "killed": "tewas terbunuh meninggal dibunuh mati gugur korban jiwa killed died dead deaths death toll",
    "injured": "terluka luka-luka luka cedera injured wounded hurt injuries injury",
    "arrested": "ditangkap ditahan penangkapan arrested detained arrests detentions",
    "hospitalised": "dirawat hospitalised hospitalized hospital",
    "sent": "dikirim dikerahkan sent deployed troops pasukan tentara",
    "evacuated": "dievakuasi mengungsi evacuated displaced",
    "missing": "hilang missing",
}


def predicates_in(text: str) -> set[str]:
    """The predicate classes a question asks about ("How many were killed?" -> {"killed"})."""
    words = set(re.findall(r"[\w-]+", text.lower()))
    return {predicate for predicate, asked in _ASKED.items() if words & set(asked.split())}


def mentions(predicates: set[str], text: str) -> bool:
    """Whether `text` says one of these predicates happened (in either language)."""
    words = set(re.findall(r"[\w-]+", text.lower()))
    return any(
        words & set((_AFTER.get(p, "") + " " + _BEFORE.get(p, "") + " " + _ASKED.get(p, "")).split())
        for p in predicates
    )


def indonesian_words(predicates: set[str]) -> list[str]:
    """How Indonesian articles say these predicates: a bilingual bridge for English questions."""
    return [_PREDICATE_WORDS[p][0] for p in sorted(predicates) if p in _PREDICATE_WORDS]


def predicate_word(predicate: str, language: str) -> str:
    """How a predicate is said in `language` ("killed", "id": "tewas")."""
    return _PREDICATE_WORDS[predicate][language == "en"]


def _index(table: dict[str, str]) -> dict[str, str]:
    return {word: predicate for predicate, words in table.items() for word in words.split()}


_AFTER_WORD, _BEFORE_WORD = _index(_AFTER), _index(_BEFORE)
_TOLL_WORD = _index(_TOLL)
_BACK_WORD = _AFTER_WORD | _TOLL_WORD

# Words between a counted phrase and its predicate ("18 orang dilaporkan tewas", "were reportedly killed").
_SKIP = _words(
    "telah sudah juga yang dilaporkan dikabarkan kini masih dinyatakan were was have has had been are is "
    "reportedly also now still remain remained remains all terpaksa harus sempat akhirnya"
)
# Words that end a counted phrase: "18 anggota pasukan keamanan | di ...", "dozens of rioters | overnight".
_NP_STOP = _SKIP | _words(
    """di ke dari dalam pada untuk dengan oleh selama sejak termasuk akibat karena saat ketika setelah sebelum
    hingga sampai semalam semalaman itu ini tersebut adalah akan bisa dapat tidak belum sedang pun lagi hanya
    mereka kata menurut atau sementara bahwa senin selasa rabu kamis jumat sabtu minggu pagi siang sore malam
    in on at during since after before including by from to for with as be being who that which while when
    but or according said says overnight per"""
)
_ANAPHORA = _words("diantaranya lainnya others")
_CONNECTORS = _words("dan serta and of")
_ANAPHORA_PAIRS = frozenset({("di", "antaranya"), ("of", "them"), ("of", "whom"), ("among", "them")})
_CLASSIFIERS = _words("orang buah ekor")
_NOUNS = _words("menteri diplomat direktur dinas diaspora armed masked")  # not verbs despite their shape


_ID_WORDS = _words("yang dan di ke dari itu ini dengan untuk pada telah orang tewas mengatakan tidak")
_EN_WORDS = _words("the and of to in were was have has that with for on said people killed by")


def sentence_language(text: str) -> str:
    """ "id" or "en", by counting common function words."""
    words = [t.lower for t in tokenize(text)]
    return "en" if sum(w in _EN_WORDS for w in words) > sum(w in _ID_WORDS for w in words) else "id"


# --- attribution -----------------------------------------------------------------------------------------

_SAY = (
    r"(?:mengatakan|melaporkan|menyatakan|menyebutkan|menyebut|mengumumkan|mencatat|said|says|reported|"
    r"announced|stated|told|estimated|added|menambahkan)"
)
_ATTRIBUTION = [
    re.compile(r"\bmengutip\s+(.+?)\s+(?:yang\s+)?" + _SAY + r"\b", re.I),
    re.compile(r"\b(?:quoted|cited|citing)\s+(.+?)\s+as\s+saying\b", re.I),
    re.compile(
        r"\b(?:menurut|according\s+to|citing)\s+(.+?)(?=[,.;:]|\s+(?-i:dalam|pada|in|on|as)\b|$)", re.I
    ),
    re.compile(
        r",\s*(?:kata|ujar|said|says)\s+(.+?)(?=[,.;:]|\s+(?-i:kepada|pada|dalam|to|on|in)\b|$)", re.I
    ),
    re.compile(r",\s*([^,.;\d]+?)\s+" + _SAY + r"\b(?=[^,;]*$)", re.I),
    re.compile(r"^([^,.;\d]+?)\s+" + _SAY + r"\b", re.I),
]
_CLAUSE_WORDS = _words("yang bahwa that who which")
_PRONOUNS = _words("dia ia mereka kami kita he she they it we i")
# Sources named by a common noun ("polisi"), not a name: written lower-case after "menurut".
COMMON_SOURCES = _words(
    "polisi police officials pejabat authorities witnesses saksi rescuers organisers pemerintah government"
)


def _attribution(sentence: str) -> str | None:
    for number, pattern in enumerate(_ATTRIBUTION):
        match = pattern.search(sentence)
        if not match:
            continue
        source = re.sub(r"^(?:the|a|an|para)\s+", "", match.group(1).strip(" ,\"'“”"), flags=re.I).strip()
        words = source.split()
        if not words or len(words) > 8 or words[0].lower() in _PRONOUNS or re.search(r"\d", source):
            continue
        if _CLAUSE_WORDS & {w.lower() for w in words}:
            continue  # "Pemerintah membantah isu yang mengatakan": a clause, not a source
        starts_sentence = number == len(_ATTRIBUTION) - 1 or match.start(1) == 0
        common = (len(words) > 1 and words[1][0].islower()) or words[0].lower() in COMMON_SOURCES
        if starts_sentence and common:  # "Pihak berwenang" has a capital only because it starts the sentence
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
        if word == "of" and not words and nxt not in ("them", "whom"):
            j += 1  # "dozens of residents"
            continue
        if not word[0].isalpha() or word in _NP_STOP or word in _AFTER_WORD:
            break
        if word in _CONNECTORS and (not words or nxt in _NP_STOP | _AFTER_WORD.keys() | _BEFORE_WORD.keys()):
            break  # "petugas penegak hukum dan tentara", but not "18 orang dan menyebabkan"
        if words and (word.endswith("ed") or re.match(r"(?:me|di)\w{4}", word)) and word not in _NOUNS:
            break  # a verb ("gathered", "menembak", "dimulai") ends the phrase
        words.append(word)
        j += 1
    while words and words[-1] in _CONNECTORS:
        words.pop()
    if len(words) > 1 and words[0] in _CLASSIFIERS | {"more", "lagi"}:
        words = words[1:]  # "18 orang polisi": "orang" only classifies
    if len(words) > 1 and words[-1] in _ANAPHORA:
        words = words[:-1]  # "15 penumpang lainnya"
    return [w for w in words if w != "the"], j


def _predicate(tokens: list[Token], begin: int, end: int, figures: set[int]) -> str | None:
    """What happened to the counted phrase at tokens[begin:end], looking after it, then before it."""
    j = end
    while j < len(tokens) and tokens[j].lower in _SKIP:
        j += 1
    if j + 1 < len(tokens) and tokens[j].text == "," and tokens[j + 1].lower in ("including", "termasuk"):
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
    while k >= 0 and (tokens[k].lower in _SKIP or tokens[k].lower == "of"):
        k -= 1  # "the deaths of 18 officers"
    if k >= 0 and tokens[k].lower in _BEFORE_WORD:
        return _BEFORE_WORD[tokens[k].lower]
    # A toll named before the figure: "korban tewas bertambah menjadi 56", "the death toll rose to 225".
    for k in range(begin - 1, max(begin - 11, -1), -1):
        word = tokens[k].lower
        if word in ",.;:" or k in figures or word in _CONNECTORS:
            break
        before = tokens[k - 1].lower if k else ""
        if word in _BACK_WORD and (before in ("korban", "yang", "of") or word in _TOLL_WORD):
            return _BACK_WORD[word]
    return None


def _sentence_claims(sentence: str, evidence: Evidence) -> list[Claim]:
    tokens = tokenize(sentence)
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i + 1 for i, t in enumerate(tokens)}
    language = sentence_language(sentence)
    attribution = _attribution(sentence)
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
        if not words and following and tokens[after].lower in ("dari", "of") and following[0] <= after + 2:
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
                counted=" ".join(words) or ("orang" if language == "id" else "people"),
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

_HOW_MANY = re.compile(r"\b(?:berapa|jumlah|how many|how much)\b(.*)", re.IGNORECASE)


def asks_how_many(question: str) -> bool:
    """Whether the question asks for a quantity ("berapa", "how many"), not a date or a name."""
    return bool(_HOW_MANY.search(question))


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
