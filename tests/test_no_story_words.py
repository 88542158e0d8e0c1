"""No story in the code: nothing under bot/, index/ or prompts/ names a person, place, outlet or event of the
articles Kabar was built and tested on; their words live in per-language data files (bot/lexicon/).

The names are read from the corpora themselves (data/articles, data/stories, whatever is there): the
metadata's `source` and `story`, and the capitalised words of titles and texts that the corpora never write
lower-case and that are capitalised somewhere other than at the start of a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from bot.lexicon import Lexicon, lexicon, lexicons, words
from index.articles import Article, load_paths

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "data" / "articles", ROOT / "data" / "stories"]
CODE = [ROOT / "bot", ROOT / "index", ROOT / "prompts"]
SUFFIXES = (".py", ".yaml", ".yml", ".txt")

# The story the first rules were fitted to, by name, in case its articles ever leave the corpora.
SEED_STORY = re.compile(
    r"\b(?:kazakh|almaty|tokayev|tokaev|nazarbayev|csto|astana|nur-sultan|tenge|rubel|ruble|tass|"
    r"ria novosti|kirgistan|tengiz|chevron|zhanaozen)",
    re.IGNORECASE,
)
# General words the corpora happen to write only with a capital, inside names ("Kementerian Kesehatan",
# "Dinas Tenaga Kerja", "New York Times", "pukul 21.40 WITA"). No country or city belongs here.
ALLOWED = frozenset(
    """kementerian kesehatan pertahanan keuangan pendidikan perhubungan energi badan dinas tenaga kerja
    penanggulangan bencana pelajar panjang kita mengapa general lines times wib wita wit""".split()
)

_WORD = re.compile(r"[^\W\d_]+")
_OPENERS = "\"'“‘«(["
_SENTENCE_ENDS = ".!?:;…\n-–—"  # "WERANG - Kapal ...": a dateline's dash starts the sentence too


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t").rstrip(_OPENERS).rstrip(" \t")
    return not before or before[-1] in _SENTENCE_ENDS


def _title_case(title: str) -> bool:
    """ "12 Penumpang Meninggal di Selat": its capitals say nothing about names."""
    long = [w for w in _WORD.findall(title) if len(w) >= 4]
    return sum(w[0].isupper() for w in long) * 2 > len(long)


def _calendar() -> set[str]:
    return {
        name.lower() for lex in lexicons() for month in lex.get("dates.months") or () for name in month
    } | set(words("dates.weekdays"))


def _language_names() -> set[str]:
    return {word for name in words("language_names") for word in name.split()}


def corpus_names(articles: Iterable[Article]) -> set[str]:
    """Lower-cased names (words and phrases) that the articles use as proper names."""
    articles = list(articles)
    lower: set[str] = set()
    capitalised: dict[str, bool] = {}  # word -> capitalised somewhere other than a sentence's start
    for article in articles:
        title = "" if _title_case(article.title) else article.title
        for text in (article.text, title):
            for match in _WORD.finditer(text):
                word = match.group()
                if word[0].islower():
                    lower.add(word.lower())
                elif word[0].isupper():
                    inside = not _starts_sentence(text, match.start())
                    capitalised[word.lower()] = capitalised.get(word.lower(), False) or inside
    names = {word for word, inside in capitalised.items() if inside and len(word) >= 4 and word not in lower}
    for article in articles:
        for field in (article.source, article.story):
            phrase = re.sub(r"\s*\([^)]*\)", "", field or "").strip().lower()  # "Reuters (terjemahan)"
            phrase = re.sub(r"^the\s+", "", phrase)  # "The Coral Gazette"
            if len(phrase) >= 4:
                names.add(phrase)
    return names - ALLOWED - _calendar() - _language_names()


@cache
def _names_pattern() -> re.Pattern[str] | None:
    articles = load_paths(path for path in CORPORA if path.exists()).articles
    names = sorted(corpus_names(articles), key=lambda name: (-len(name), name))
    if not names:
        return None
    return re.compile(
        r"\b(?:" + "|".join(r"\s+".join(map(re.escape, n.split())) for n in names) + r")\b", re.I
    )


def _code_files() -> list[Path]:
    return sorted(
        path
        for folder in CODE
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts
    )


def _hits(path: Path, pattern: re.Pattern[str]) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"{path.relative_to(ROOT)}:{number}: {match.group()!r}"
        for number, line in enumerate(lines, start=1)
        for match in pattern.finditer(line)
    ]


FILES = _code_files()
IDS = [str(path.relative_to(ROOT)) for path in FILES]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_file_names_a_person_place_outlet_or_event_of_the_corpora(path: Path) -> None:
    pattern = _names_pattern()
    hits = _hits(path, pattern) if pattern else []
    assert not hits, "names from the articles:\n" + "\n".join(hits)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_file_names_the_seed_story(path: Path) -> None:
    hits = _hits(path, SEED_STORY)
    assert not hits, "names of the seed story:\n" + "\n".join(hits)


# --- how names are told from words ---------------------------------------------------------------------


def _article(text: str, title: str = "Judul", source: str | None = None, story: str | None = None) -> Article:
    return Article(id="a", text=text, title=title, source=source, story=story)


def test_names_are_capitalised_words_the_articles_never_write_lower_case():
    articles = [
        _article(
            "Banjir melanda Lembah Tarvo pada Senin. Warga mengungsi ke balai desa, kata Dara Wenlo.\n"
            "Polisi mengatakan 12 orang hilang.",
            title="Banjir di Lembah Tarvo, 12 orang hilang",
            source="Warta Kelana (terjemahan)",
            story="banjir-tarvo",
        ),
        _article("Air naik di lembah itu; warga menunggu di Tarvo.", title="Air naik"),
    ]
    names = corpus_names(articles)
    assert {"tarvo", "dara", "wenlo", "warta kelana", "banjir-tarvo"} <= names
    # "Lembah" and "Warga" are written lower-case elsewhere; "Polisi", "Banjir" only start sentences;
    # "Senin" is a weekday.
    assert names.isdisjoint({"lembah", "warga", "polisi", "banjir", "senin"})


def test_title_case_titles_tell_no_names():
    names = corpus_names(
        [_article("Kapal itu tenggelam.", title="Kapal Tenggelam di Selat, Penumpang Hilang")]
    )
    assert names.isdisjoint({"tenggelam", "selat", "penumpang", "hilang"})


def test_the_seed_story_pattern_finds_its_names_in_any_form():
    assert SEED_STORY.search("the Kazakhstan unrest") and SEED_STORY.search("Tokayev's cabinet")
    assert not SEED_STORY.search("the passengers were rescued")


# --- the lexicon files -------------------------------------------------------------------------------------


def test_a_word_list_is_joined_over_every_language():
    assert {"tewas", "killed"} <= words("predicates.killed.after")
    assert "tewas" in lexicon("id").words("predicates.killed.after")
    assert "tewas" not in lexicon("en").words("predicates.killed.after")


def test_a_language_without_a_file_is_refused_by_name():
    with pytest.raises(FileNotFoundError, match="xx"):
        lexicon("xx")


def test_a_word_yaml_reads_as_something_else_is_refused():
    with pytest.raises(ValueError, match="must be a list of words"):
        Lexicon("xx", {"skip": ["on", False]}).words("skip")  # a bare `no` in YAML is False
