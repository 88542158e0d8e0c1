"""Disagreements between articles, found without a language model.

`extract_claims` turns evidence sentences into figures with what they count, what happened to them and who
said so; `find_conflicts` keeps figures from different articles about the same thing that cannot all be true;
`describe_conflicts` states each disagreement in Indonesian or English with every figure and its citation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

import numpy as np

from bot.numbers import Quantity, Token, find_quantities, parse_quantity, render_quantity, tokenize
from bot.schema import Claim, Conflict, Evidence
from index.chunking import split_sentences

Similar = Callable[[list[str]], np.ndarray]


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

# Counted groups: a figure about one group never conflicts with a figure about another. Keys are matched
# longest first on the counted phrase; labels name the group when the phrase has to change language.
_GROUPS = {
    "security": "pasukan keamanan|aparat keamanan|aparat|petugas keamanan|petugas|security forces|"
    "security force|security officers|security personnel|officers",
    "police": "polisi|kepolisian|penegak hukum|police|policemen|police officers|law enforcement",
    "soldiers": "tentara|prajurit|militer|personel militer|pasukan|pasukan terjun payung|soldiers|troops|"
    "paratroopers|servicemen|military personnel",
    "protesters": "pengunjuk rasa|demonstran|pendemo|protesters|protestors|demonstrators",
    "rioters": "perusuh|militan|pemberontak|teroris|orang bersenjata|rioters|militants|rebels|insurgents|"
    "gunmen|terrorists",
    "civilians": "warga sipil|penduduk sipil|civilians",
    "people": "orang|warga|penduduk|korban|jiwa|people|persons|residents|victims",
    "foreigners": "orang asing|warga negara asing|foreigners|foreign nationals|foreign citizens",
    "journalists": "jurnalis|wartawan|journalists|reporters",
    "children": "anak-anak|anak|balita|children|minors|kids",
    "miners": "penambang|pekerja tambang|miners|mine workers",
    "workers": "pekerja|buruh|karyawan|workers|employees",
    "passengers": "penumpang|passengers",
    "medics": "petugas medis|tenaga medis|dokter|perawat|medics|doctors|nurses|health workers",
    "buildings": "rumah|bangunan|gedung|houses|homes|buildings",
    "vehicles": "kendaraan|mobil|vehicles|cars",
}
_GROUP_LABELS = {
    "security": ("anggota pasukan keamanan", "security force members"),
    "police": ("polisi", "police officers"),
    "soldiers": ("tentara", "troops"),
    "protesters": ("pengunjuk rasa", "protesters"),
    "rioters": ("perusuh", "rioters"),
    "civilians": ("warga sipil", "civilians"),
    "people": ("orang", "people"),
    "foreigners": ("warga negara asing", "foreign nationals"),
    "journalists": ("wartawan", "journalists"),
    "children": ("anak-anak", "children"),
    "miners": ("penambang", "miners"),
    "workers": ("pekerja", "workers"),
    "passengers": ("penumpang", "passengers"),
    "medics": ("tenaga medis", "medical workers"),
    "buildings": ("bangunan", "buildings"),
    "vehicles": ("kendaraan", "vehicles"),
}
_GROUP_KEYS = sorted(
    ((tuple(key.split()), group) for group, keys in _GROUPS.items() for key in keys.split("|")),
    key=lambda item: -len(item[0]),
)
_FORCES = frozenset({"security", "police", "soldiers"})

# Embedding thresholds, measured with multilingual-e5-small on phrases outside the lexicon ("aparat gabungan",
# "pria bersenjata", "relawan medis" vs "pelajar", "nelayan", "sapi"): short phrases all score 0.85-0.95
# against each other, so a phrase joins a group only when it is clearly nearer to it than to any other one.
_TEMPLATE = "sejumlah {}"
_GROUP_FLOOR, _GROUP_MARGIN, _PAIR_FLOOR = 0.95, 0.015, 0.95

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
_COMMON_SOURCES = _words(
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
        common = (len(words) > 1 and words[1][0].islower()) or words[0].lower() in _COMMON_SOURCES
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


# --- comparison ------------------------------------------------------------------------------------------

_WEEKDAYS = {
    **dict.fromkeys(["senin", "monday"], 1),
    **dict.fromkeys(["selasa", "tuesday"], 2),
    **dict.fromkeys(["rabu", "wednesday"], 3),
    **dict.fromkeys(["kamis", "thursday"], 4),
    **dict.fromkeys(["jumat", "friday"], 5),
    **dict.fromkeys(["sabtu", "saturday"], 6),
    **dict.fromkeys(["minggu", "sunday"], 7),
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "januari january jan",
            "februari february feb",
            "maret march mar",
            "april apr",
            "mei may",
            "juni june jun",
            "juli july jul",
            "agustus august aug agu",
            "september sep sept",
            "oktober october okt oct",
            "november nov",
            "desember december des dec",
        ],
        start=1,
    )
    for name in names.split()
}
# A figure that "rose to" a higher one updates an earlier count rather than contradicting it.
_UPDATE = re.compile(
    r"\b(?:bertambah|naik|meningkat|rose|risen|climbed|increased|grew)\s+(?:menjadi|to)\b|"
    r"\b(?:kini|now)\b",
    re.I,
)


def _dates(sentence: str) -> tuple[set[int], set[tuple[int, int]]]:
    """Weekdays and (day, month) dates a sentence mentions: figures from different days are not compared."""
    words = re.findall(r"[^\W\d_]+", sentence)
    # "minggu" is also "week": only "Minggu" names Sunday.
    days = {_WEEKDAYS[w.lower()] for w in words if w.lower() in _WEEKDAYS and (w != "minggu")}
    dates = {(int(d), int(m)) for d, m in re.findall(r"\b(\d{1,2})/(\d{1,2})\b", sentence)}
    for day, month in re.findall(r"\b(\d{1,2})\s+([^\W\d_]+)", sentence):
        if month.lower() in _MONTHS:
            dates.add((int(day), _MONTHS[month.lower()]))
    for month, day in re.findall(r"\b([^\W\d_]+)\.?\s+(\d{1,2})\b", sentence):
        if month.lower() in _MONTHS:
            dates.add((int(day), _MONTHS[month.lower()]))
    return days, dates


def _interval(claim: Claim) -> tuple[float, float]:
    low = claim.low if claim.low is not None else 0.0
    high = claim.high if claim.high is not None else float("inf")
    quantity = parse_quantity(claim.value_text)
    if quantity is not None and quantity.vague:
        return low / 2, high * 2  # "puluhan" is loose: it alone should not make a disagreement
    return low, high


def _comparable(a: Claim, b: Claim) -> bool:
    """Two figures that should agree if both reports are right: other articles, same day, not an update."""
    if a.doc_id == b.doc_id:
        return False
    (days_a, dates_a), (days_b, dates_b) = _dates(a.quote), _dates(b.quote)
    if (days_a and days_b and not days_a & days_b) or (dates_a and dates_b and not dates_a & dates_b):
        return False
    for new, old in ((a, b), (b, a)):
        if _UPDATE.search(new.quote) and _interval(new)[0] >= _interval(old)[0]:
            return False
    return True


def _incompatible(a: Claim, b: Claim) -> bool:
    (low_a, high_a), (low_b, high_b) = _interval(a), _interval(b)
    return high_a < low_b or high_b < low_a


_HOW_MANY = re.compile(r"\b(?:berapa|jumlah|how many|how much)\b(.*)", re.IGNORECASE)


def asks_how_many(question: str) -> bool:
    """Whether the question asks for a quantity ("berapa", "how many"), not a date or a name."""
    return bool(_HOW_MANY.search(question))


def group_of(counted: str) -> str | None:
    """The lexicon's group for what a claim counts ("anggota pasukan keamanan": "security"), or None."""
    return _lexical_group(counted)


def group_asked(question: str) -> str | None:
    """The group a "how many" question counts, from its words before the verb: "How many police officers
    and soldiers died?" -> "security"; None when it names none ("Berapa yang tewas?")."""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    words = []
    for word in re.findall(r"[\w-]+", match.group(1).lower()):
        if word in _AFTER_WORD or word in _BEFORE_WORD:
            break
        words.append(word)
    return _lexical_group(" ".join(words))


def _lexical_group(counted: str) -> str | None:
    words = counted.lower().split()
    groups: set[str] = set()
    i = 0
    while i < len(words):
        for key, group in _GROUP_KEYS:
            if tuple(words[i : i + len(key)]) == key:
                groups.add(group)
                i += len(key)
                break
        else:
            i += 1
    if len(groups) > 1:
        groups.discard("people")  # "orang bersenjata" was matched whole; a stray "orang" adds nothing
    if len(groups) > 1 and groups <= _FORCES:
        return "security"  # "petugas penegak hukum dan tentara" are security forces
    return "+".join(sorted(groups)) or None


_PROTOTYPES: dict[Similar, np.ndarray] = {}


def _prototypes(similar: Similar) -> np.ndarray:
    """The lexicon's phrases embedded once per embedder (about a hundred phrases: seconds on a small CPU)."""
    if similar not in _PROTOTYPES:
        _PROTOTYPES.clear()
        _PROTOTYPES[similar] = similar([_TEMPLATE.format(" ".join(key)) for key, _ in _GROUP_KEYS])
    return _PROTOTYPES[similar]


def _embedded_group(vector: np.ndarray, prototypes: np.ndarray) -> str | None:
    best: dict[str, float] = {}
    for (_, group), score in zip(_GROUP_KEYS, prototypes @ vector, strict=True):
        best[group] = max(best.get(group, -1.0), float(score))
    (top, score), (_, runner_up) = sorted(best.items(), key=lambda item: -item[1])[:2]
    return top if score >= _GROUP_FLOOR and score - runner_up >= _GROUP_MARGIN else None


def _jaccard(a: str, b: str) -> float:
    left, right = set(a.split()), set(b.split())
    return len(left & right) / len(left | right)


def _same_counted(claims: Sequence[Claim], similar: Similar | None) -> Callable[[int, int], bool]:
    """A test whether claims i and j count the same group (lexicon, then embeddings, then word overlap)."""
    phrases = [c.counted.lower() for c in claims]
    groups = {p: _lexical_group(p) for p in phrases}
    # Only phrases that could meet a figure from another article are worth embedding.
    articles: dict[str, set[str]] = {}
    for claim in claims:
        articles.setdefault(claim.predicate, set()).add(claim.doc_id)
    unknown = sorted(
        {
            p
            for p, c in zip(phrases, claims, strict=True)
            if groups[p] is None and len(articles[c.predicate]) > 1
        }
    )
    vectors: dict[str, np.ndarray] = {}
    if similar is not None and unknown:
        vectors = dict(zip(unknown, similar([_TEMPLATE.format(p) for p in unknown]), strict=True))
        prototypes = _prototypes(similar)
        groups |= {p: _embedded_group(v, prototypes) for p, v in vectors.items()}

    def same(i: int, j: int) -> bool:
        a, b = phrases[i], phrases[j]
        if a == b:
            return True
        if groups[a] is not None and groups[b] is not None:
            return groups[a] == groups[b]
        if groups[a] is None and groups[b] is None and a in vectors and b in vectors:
            return float(vectors[a] @ vectors[b]) >= _PAIR_FLOOR
        return similar is None and _jaccard(a, b) >= 0.5

    return same


def find_conflicts(claims: Sequence[Claim], similar: Similar | None = None) -> list[Conflict]:
    """Groups of figures about the same thing in which two articles' figures cannot both be true.

    `similar` embeds phrases into normalised vectors; it places counted phrases the lexicon does not know.
    """
    claims = list(claims)
    same = _same_counted(claims, similar)
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(claims)):
        for j in range(i + 1, len(claims)):
            if claims[i].predicate == claims[j].predicate and same(i, j):
                parent[root(j)] = root(i)
    conflicts = []
    for members in _components(parent, root):
        clashing = {
            k
            for i, j in itertools.combinations(members, 2)
            if _comparable(claims[i], claims[j]) and _incompatible(claims[i], claims[j])
            for k in (i, j)
        }
        if not clashing:
            continue
        # Show the clashing figures and those that agree with one of them (same day, not an update).
        shown = [
            claims[i]
            for i in members
            if i in clashing or any(_comparable(claims[i], claims[k]) for k in clashing)
        ]
        shown = _unique(sorted(shown, key=lambda c: (c.n if c.n is not None else 1 << 30, c.doc_id)))
        conflicts.append(Conflict(topic=_topic(shown, sentence_language(shown[0].quote)), claims=shown))
    return conflicts


def _components(parent: list[int], root: Callable[[int], int]) -> list[list[int]]:
    components: dict[int, list[int]] = {}
    for i in range(len(parent)):
        components.setdefault(root(i), []).append(i)
    return list(components.values())


def _unique(claims: list[Claim]) -> list[Claim]:
    seen: set[tuple[str, float, float | None, float | None]] = set()
    kept = []
    for claim in claims:
        key = (claim.doc_id, claim.value, claim.low, claim.high)
        if key not in seen:
            seen.add(key)
            kept.append(claim)
    return kept


# --- rendering -------------------------------------------------------------------------------------------

# Common sources in both languages; other sources (names, agencies) are quoted as written.
_SOURCE_PAIRS = [
    ("pihak berwenang", "the authorities"),
    ("otoritas", "the authorities"),
    ("televisi pemerintah", "state television"),
    ("media pemerintah", "state media"),
    ("polisi", "police"),
    ("pihak kepolisian", "police"),
    ("para saksi", "witnesses"),
    ("pejabat", "officials"),
    ("Kementerian Kesehatan", "the health ministry"),
    ("Kementerian Kesehatan Kazakh", "the Kazakh health ministry"),
    ("Kementerian Dalam Negeri", "the interior ministry"),
    ("Kementerian Pertahanan", "the defence ministry"),
    ("Kementerian Situasi Darurat", "the emergencies ministry"),
    ("badan penanggulangan bencana", "the disaster agency"),
    ("tim penyelamat", "rescuers"),
    ("penyelenggara", "organisers"),
]
_SOURCES_EN = {id_name.lower(): en_name for id_name, en_name in _SOURCE_PAIRS} | {"saksi": "witnesses"}
_SOURCES_ID = {en_name.removeprefix("the ").lower(): id_name for id_name, en_name in reversed(_SOURCE_PAIRS)}


def _source(claim: Claim, language: str) -> str:
    """Who said it, in `language` when the glossary knows the source; names stay as written."""
    attribution = claim.attribution or ""
    key = attribution.lower()
    if language == "id":
        return _SOURCES_ID.get(key.removeprefix("the "), attribution)
    if key in _SOURCES_EN:
        return _SOURCES_EN[key]
    english = sentence_language(claim.quote) == "en"
    if english and attribution[0].islower() and key not in _COMMON_SOURCES:
        return "the " + attribution  # "disaster agency" -> "the disaster agency"
    return attribution


def _counted_in(claims: Sequence[Claim], language: str) -> str:
    """What the claims count, in `language`: as written when a claim is in it, else the group's label."""
    native = [c for c in claims if sentence_language(c.quote) == language]
    if native:
        return native[0].counted
    labels = _GROUP_LABELS.get(_lexical_group(claims[0].counted) or "")
    return labels[language == "en"] if labels else claims[0].counted


def _topic(claims: Sequence[Claim], language: str) -> str:
    """ "anggota pasukan keamanan tewas" / "security force members killed", in `language`."""
    return f"{_counted_in(claims, language)} {_PREDICATE_WORDS[claims[0].predicate][language == 'en']}"


def _figure(claim: Claim, language: str) -> str:
    quantity: Quantity | None = parse_quantity(claim.value_text)
    return render_quantity(quantity, language) if quantity else claim.value_text


def describe_claim(claim: Claim, language: str) -> str:
    """The claim as a sentence in `language`: "More than 400 people were hospitalised, according to the
    Kazakh health ministry [1]." A source the glossary cannot put into English is left out there."""
    lang = "id" if language == "id" else "en"
    counted, predicate = _counted_in([claim], lang), _PREDICATE_WORDS[claim.predicate][lang == "en"]
    sentence = f"{_figure(claim, lang)} {counted} {'' if lang == 'id' else 'were '}{predicate}"
    source = _source(claim, lang) if claim.attribution else None
    if source and (lang == "id" or source != claim.attribution):
        sentence += f", {'menurut' if lang == 'id' else 'according to'} {source}"
    if claim.n is not None:
        sentence += f" [{claim.n}]"
    return sentence[:1].upper() + sentence[1:] + "."


def describe_conflicts(conflicts: Sequence[Conflict], language: str) -> str:
    """One sentence per disagreement with every figure, its source when known and its citation `[n]`."""
    lang = "id" if language == "id" else "en"
    according = "menurut" if lang == "id" else "according to"
    sentences = []
    for conflict in conflicts:
        parts = []
        for position, claim in enumerate(conflict.claims):
            part = _figure(claim, lang)
            if position == 0:
                part += " " + _topic(conflict.claims, lang)
            if claim.attribution:
                part += f" {according} {_source(claim, lang)}"
            if claim.n is not None:
                part += f" [{claim.n}]"
            parts.append(part)
        opening = "Laporan berbeda" if lang == "id" else "Reports differ"
        sentences.append(f"{opening}: {', '.join(parts)}.")
    return " ".join(sentences)
