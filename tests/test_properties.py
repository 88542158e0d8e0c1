"""Property tests (hypothesis): the number parser, the Telegram HTML renderer and splitter, and the `[n]`
marker clean-up, on whatever text a model, an article or a user can produce.

Example counts stay modest (see `FAST`) so the suite stays quick; hypothesis keeps the failures it found in
`.hypothesis/` and tries them first next time.
"""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.citations import cited_numbers, clean_markers
from bot.figures.numbers import find_quantities, format_number, parse_number
from bot.render.layout import message
from bot.render.telegram_html import (
    TELEGRAM_LIMIT,
    answer_html,
    escape,
    render_answer,
    split_html,
    telegram_length,
)
from bot.schema import Answer, Citation

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as it comes: both scripts, digits and their marks, markup characters, brackets, emoji (two UTF-16
# units each), newlines.
ANY_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from([*"0123456789.,:;-/[] <>&\"'\n", "&amp;", "[1]", "[2, 3]", "🙂", "ribu", "dua"]),
    ),
    max_size=200,
).map("".join)


# ---- numbers --------------------------------------------------------------------------------------


@FAST
@given(ANY_TEXT)
def test_number_parsing_never_fails_and_spans_point_at_the_figure(text: str) -> None:
    parse_number(text)
    found = find_quantities(text)

    previous_end = 0
    for quantity in found:
        assert text[quantity.start : quantity.end] == quantity.text
        assert quantity.start >= previous_end  # left to right, never overlapping
        previous_end = quantity.end
        if quantity.low is not None and quantity.high is not None:
            assert quantity.low <= quantity.high


@FAST
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["id", "en"]))
def test_a_whole_number_parses_back_from_how_it_is_written(n: int, language: str) -> None:
    assert parse_number(format_number(n, language)) == n


@FAST
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["id", "en"]))
def test_a_number_with_two_decimals_parses_back_from_how_it_is_written(cents: int, language: str) -> None:
    value = cents / 100

    assert parse_number(format_number(value, language)) == round(value, 2)


@FAST
@given(st.integers(min_value=1000, max_value=10**12))
@example(2000)
def test_grouped_thousands_mean_the_same_in_both_styles(n: int) -> None:
    # "2.000" (Indonesian) and "2,000" (English) are both two thousand, never two.
    assert parse_number(f"{n:,}".replace(",", ".")) == n
    assert parse_number(f"{n:,}") == n


@FAST
@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["id", "en"]))
def test_a_count_written_in_a_sentence_is_found_with_its_value(n: int, language: str) -> None:
    sentence = {"id": "Polisi menangkap {} orang pada Senin.", "en": "Police arrested {} people on Monday."}
    text = sentence[language].format(format_number(n, language))

    [quantity] = find_quantities(text)
    assert quantity.value == n and quantity.bound == "exact"


# ---- Telegram HTML --------------------------------------------------------------------------------

# Telegram's HTML subset (core.telegram.org/bots/api#html-style) and the only entities it knows.
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji", "code",
    "pre", "blockquote",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+=\"[^\"<>]*\")*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def telegram_problems(message: str) -> list[str]:
    """Why Telegram would refuse `message` as HTML: an unknown or unbalanced tag, a bare `<`, `>` or `&`."""
    problems = []
    stack: list[str] = []
    for match in _TAG.finditer(message):
        closing, name = match.group(1), match.group(2).lower()
        if name not in TELEGRAM_TAGS:
            problems.append(f"tag <{name}> is not Telegram HTML")
        elif not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            problems.append(f"</{name}> closes nothing open")
    problems += [f"<{name}> is never closed" for name in stack]
    text = _ENTITY.sub("", _TAG.sub("", message))
    problems += [f"bare {char!r} in the text" for char in "<>&" if char in text]
    return problems


def visible_text(messages: list[str]) -> str:
    """What a reader sees across `messages`, whitespace aside (the splitter cuts at whitespace)."""
    return "".join("".join(html.unescape(_TAG.sub("", message)).split()) for message in messages)


PLAIN = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), st.sampled_from(list("<>&\n []"))
    ),
    max_size=120,
)


def balanced_html() -> st.SearchStrategy[str]:
    """Escaped text inside Telegram tags, nested up to three deep, in paragraphs."""
    leaf = PLAIN.map(lambda t: html.escape(t, quote=False))
    tagged = st.recursive(
        leaf,
        lambda inner: st.tuples(
            st.sampled_from(["b", "i", "blockquote", "code", 'a href="https://example.org/x?a=1&amp;b=2"']),
            st.lists(inner, min_size=1, max_size=3),
        ).map(lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0].split()[0]}>"),
        max_leaves=8,
    )
    return st.lists(tagged, min_size=1, max_size=6).map("\n\n".join)


@FAST
@given(balanced_html(), st.integers(min_value=600, max_value=1500))  # room for the deepest tags
def test_split_html_parts_fit_parse_as_telegram_html_and_lose_no_text(text: str, limit: int) -> None:
    parts = split_html(text, limit)

    for part in parts:
        assert telegram_length(part) <= limit
        assert telegram_problems(part) == []
    assert visible_text(parts) == visible_text([text])


def citations() -> st.SearchStrategy[list[Citation]]:
    citation = st.builds(
        Citation,
        n=st.integers(min_value=1, max_value=9),
        doc_id=st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
        title=PLAIN,
        source=st.none() | PLAIN,
        url=st.none()
        | st.sampled_from(
            ["https://example.org/a?x=1&y=<2>", 'https://e.id/"quoted"', "https://e.id/" + "a" * 5000]
        ),
        quote=ANY_TEXT,
    )
    return st.lists(citation, max_size=4)


@settings(FAST, max_examples=60)
@given(
    st.lists(ANY_TEXT, min_size=1, max_size=4),
    st.integers(min_value=0, max_value=25),
    citations(),
    st.sampled_from(["id", "en"]),
)
def test_rendered_answers_are_valid_telegram_messages_within_the_limit(
    paragraphs: list[str], repeat: int, cited: list[Citation], language: str
) -> None:
    # Repeating paragraphs makes answers of up to ~20,000 characters, so long ones are split; none at
    # all is a blank answer.
    text = "\n\n".join(paragraphs * repeat)
    answer = Answer(question="?", text=text, language=language, answered=True, citations=cited)

    messages = render_answer(answer)

    assert messages
    for part in messages:
        assert telegram_length(part) <= TELEGRAM_LIMIT
        assert telegram_problems(part) == []
    shown = visible_text(messages)
    if visible_text([answer_html(answer)]):
        assert shown == visible_text([answer_html(answer)])
        assert "".join("".join(paragraphs * repeat).split()) in shown
    else:
        assert messages == [escape(message("failed", answer.language))]


# ---- `[n]` markers --------------------------------------------------------------------------------

MARKERISH = st.lists(
    st.one_of(
        st.sampled_from(
            ["[", "]", "[1]", "[2]", "[7]", "[1, 2]", "[3;9]", "[ 4 ]", " ", ".", ",", "\n", "1. ", "- "]
        ),
        st.sampled_from(["Polisi", "menangkap", "2.000", "2, 500", "orang", "Jawaban:", "Answer:"]),
        st.integers(min_value=0, max_value=12).map(str),
    ),
    max_size=40,
).map("".join)


@FAST
@given(MARKERISH, st.sets(st.integers(min_value=1, max_value=5), max_size=5))
@example("[[5]1]", {1})
@example("[[5]9]", {1})
@example("[2, 500", set())
def test_cleaned_text_cites_only_evidence_there_is_in_one_marker_form(text: str, valid: set[int]) -> None:
    cleaned = clean_markers(text, valid)

    assert set(cited_numbers(cleaned)) <= valid
    # Every marker left is written `[n]`: no lists, no spaces inside.
    markers = re.findall(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]", cleaned)
    assert all(re.fullmatch(r"\[\d+\]", marker) for marker in markers)


# Markers, stops and words without list items: a line starting "1. " may become a list only once a marker
# before it is gone, which is the list clean-up's business, not the markers'.
MARKERS_IN_PROSE = st.lists(
    st.sampled_from(
        ["[", "]", "[1]", "[2]", "[7]", "[1, 2]", "[3;9]", "[ 4 ]", " ", ".", ",", "!", "kota", "2"]
    ),
    max_size=30,
).map("".join)


@FAST
@given(MARKERS_IN_PROSE, st.sets(st.integers(min_value=1, max_value=5), max_size=5))
@example("[1].[1] [1]", {1})
@example("[2][2][2]", {2})
def test_cleaning_markers_twice_changes_nothing_more(text: str, valid: set[int]) -> None:
    once = clean_markers(text, valid)

    assert clean_markers(once, valid) == once
