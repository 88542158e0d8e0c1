"""The quantity parser: Indonesian and English figures, bounds, ranges, number words, what is not a count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.figures.numbers import find_quantities, format_number, parse_number, parse_quantity, render_quantity


def only(text: str):
    found = find_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2.000", 2000),
        ("2.500", 2500),
        ("1.234.567", 1234567),
        ("1,5", 1.5),
        ("1.234,5", 1234.5),
        ("2,000", 2000),
        ("1.5", 1.5),
        ("1,234,567", 1234567),
        ("1,234.5", 1234.5),
        ("750", 750),
    ],
)
def test_digits_in_indonesian_and_english_style(text, value):
    assert parse_number(text) == value


def test_same_number_written_three_ways_is_equal():
    assert only("2.000 orang").value == only("2,000 people").value == only("dua ribu orang").value == 2000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,5 juta orang", 1_500_000),
        ("19 juta", 19_000_000),
        ("2 miliar", 2e9),
        ("2 ribu", 2000),
        ("1.5 million people", 1_500_000),
        ("3 thousand", 3000),
        ("2.5 billion", 2.5e9),
    ],
)
def test_scale_words_multiply(text, value):
    assert only(text).value == value


@pytest.mark.parametrize(
    ("text", "bound", "low", "high"),
    [
        ("sedikitnya 18 anggota", "at_least", 18, None),
        ("setidaknya 18", "at_least", 18, None),
        ("paling sedikit 18", "at_least", 18, None),
        ("at least 18", "at_least", 18, None),
        ("lebih dari 1.000 orang", "more_than", 1000, None),
        ("more than 1,000", "more_than", 1000, None),
        ("over 400", "more_than", 400, None),
        ("sekitar 2.500 tentara", "about", 2250, 2750),
        ("about 2,500", "about", 2250, 2750),
        ("hampir 2.000", "nearly", 1800, 2000),
        ("nearly 2,000", "nearly", 1800, 2000),
        ("kurang dari 50", "less_than", 0, 50),
        ("up to 300", "up_to", 0, 300),
        ("18", "exact", 18, 18),
    ],
)
def test_bound_words_set_the_interval(text, bound, low, high):
    quantity = only(text)
    assert (quantity.bound, quantity.low, quantity.high) == (bound, low, high)


@pytest.mark.parametrize(
    "text", ["200-300 pengunjuk rasa", "antara 200 dan 300 orang", "between 200 and 300", "200 hingga 300"]
)
def test_ranges_keep_both_ends(text):
    quantity = only(text)
    assert (quantity.bound, quantity.low, quantity.high) == ("range", 200, 300)


def test_two_figures_joined_by_and_are_not_a_range():
    assert [q.value for q in find_quantities("18 killed and 750 injured")] == [18, 750]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("satu", 1),
        ("dua", 2),
        ("sembilan", 9),
        ("sepuluh", 10),
        ("sebelas", 11),
        ("dua belas", 12),
        ("tiga puluh", 30),
        ("tiga puluh lima", 35),
        ("seratus", 100),
        ("dua ratus", 200),
        ("seribu", 1000),
        ("dua ribu", 2000),
        ("seratus dua puluh lima", 125),
        ("dua ratus tiga puluh lima ribu", 235_000),
        ("seorang polisi", 1),
        ("one", 1),
        ("seven", 7),
        ("twelve", 12),
        ("twenty", 20),
        ("twenty-five", 25),
        ("a dozen", 12),
        ("two hundred and fifty", 250),
        ("one thousand two hundred", 1200),
    ],
)
def test_number_words(text, value):
    assert only(text).value == value


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("belasan", 11, 19),
        ("puluhan perusuh", 10, 99),
        ("ratusan", 100, 999),
        ("ribuan", 1000, 9999),
        ("dozens of rioters", 10, 99),
        ("hundreds", 100, 999),
        ("thousands", 1000, 9999),
        ("puluhan ribu", 10_000, 99_999),
        ("tens of thousands", 10_000, 99_999),
    ],
)
def test_vague_words_carry_wide_bounds(text, low, high):
    quantity = only(text)
    assert quantity.vague and (quantity.low, quantity.high) == (low, high)


@pytest.mark.parametrize(
    "text",
    [
        "Kamis (06/01) malam",
        "pada Kamis (6/1)",
        "pada 5 Januari 2022",
        "on January 5, 2022",
        "mengundurkan diri pada 2019",
        "pukul 10.30",
        "pukul 10.00 WIB",
        "at 10:30",
        "naik lebih dari 1 persen",
        "rose 5%",
        "pemimpin berusia 81 tahun",
        "mengundurkan diri tiga tahun lalu",
        "an 81-year-old leader",
        "dalam 30 tahun kemerdekaan",
        "ratusan miliar dolar investasi",
        "Rp 5 juta",
        "$2 million",
        "(New York Times/Nur/OL-09)",
        "COVID-19",
        "gempa bermagnitudo 6,2",
        "salah satu pertambangan",
    ],
)
def test_dates_years_times_percentages_ages_and_money_are_not_counts(text):
    assert find_quantities(text) == []


def test_a_count_next_to_a_date_is_still_found():
    quantities = find_quantities("Pada Kamis (6/1), sedikitnya 18 orang tewas pada 5 Januari 2022.")
    assert [(q.text, q.value) for q in quantities] == [("sedikitnya 18", 18)]


def test_quantity_keeps_its_place_in_the_sentence():
    sentence = "Bahkan lebih dari 2.000 orang ditangkap."
    quantity = only(sentence)
    assert sentence[quantity.start : quantity.end] == quantity.text == "lebih dari 2.000"


def test_format_number_in_each_language_style():
    assert format_number(2000, "id") == "2.000"
    assert format_number(2000, "en") == "2,000"
    assert format_number(1.5, "id") == "1,5"
    assert format_number(1234567.25, "en") == "1,234,567.25"


@pytest.mark.parametrize(
    ("text", "id_text", "en_text"),
    [
        ("lebih dari 1.000", "lebih dari 1.000", "more than 1,000"),
        ("at least 18", "sedikitnya 18", "at least 18"),
        ("sekitar 2.500", "sekitar 2.500", "about 2,500"),
        ("200-300", "200-300", "200-300"),
        ("puluhan", "puluhan", "dozens"),
        ("thousands", "ribuan", "thousands"),
    ],
)
def test_render_quantity_in_either_language(text, id_text, en_text):
    quantity = parse_quantity(text)
    assert quantity is not None
    assert render_quantity(quantity, "id") == id_text
    assert render_quantity(quantity, "en") == en_text


# --- round trips -------------------------------------------------------------------------------------------

_ID_UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]
_EN_UNITS += ["twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell_id(n: int) -> str:
    """Indonesian number words as a newspaper writes them ("dua ratus tiga puluh lima ribu")."""
    if n < 10:
        return _ID_UNITS[n]
    if n < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(n, f"{_ID_UNITS[n - 10]} belas")
    for size, word, single in ((10**9, "miliar", None), (10**6, "juta", None), (1000, "ribu", "seribu")):
        if n >= size:
            head = single if n // size == 1 and single else f"{spell_id(n // size)} {word}"
            return head + (f" {spell_id(n % size)}" if n % size else "")
    if n >= 100:
        head = "seratus" if n // 100 == 1 else f"{_ID_UNITS[n // 100]} ratus"
        return head + (f" {spell_id(n % 100)}" if n % 100 else "")
    return f"{_ID_UNITS[n // 10]} puluh" + (f" {_ID_UNITS[n % 10]}" if n % 10 else "")


def spell_en(n: int) -> str:
    """English number words ("two hundred and fifty thousand", "twenty-five")."""
    if n < 20:
        return _EN_UNITS[n]
    for size, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            return f"{spell_en(n // size)} {word}" + (f" {spell_en(n % size)}" if n % size else "")
    if n >= 100:
        return f"{_EN_UNITS[n // 100]} hundred" + (f" and {spell_en(n % 100)}" if n % 100 else "")
    return _EN_TENS[n // 10] + (f"-{_EN_UNITS[n % 10]}" if n % 10 else "")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["id", "en"]))
def test_formatted_whole_numbers_parse_back(n, language):
    assert parse_number(format_number(n, language)) == n


@given(st.integers(min_value=0, max_value=10**8), st.sampled_from(["id", "en"]))
def test_formatted_decimals_parse_back(hundredths, language):
    value = hundredths / 100
    assert parse_number(format_number(value, language)) == pytest.approx(value)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["id", "en"]))
def test_formatted_counts_in_a_sentence_are_found_with_their_value(n, language):
    template = "{} orang tewas" if language == "id" else "{} died"
    sentence = template.format(format_number(n, language))
    assert [q.value for q in find_quantities(sentence)] == [n]


@given(st.integers(min_value=0, max_value=999_999_999))
def test_indonesian_number_words_parse_back(n):
    assert [q.value for q in find_quantities(f"{spell_id(n)} orang")] == [n]


@given(st.integers(min_value=0, max_value=999_999_999))
def test_english_number_words_parse_back(n):
    assert [q.value for q in find_quantities(f"{spell_en(n)} people")] == [n]
