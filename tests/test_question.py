"""The question, parsed once: what every answering step reads."""

from bot.question import Question
from bot.schema import Turn


def test_how_many_question_names_what_it_counts_and_whom() -> None:
    q = Question.parse("  How many police officers of Velmora were killed in Arvani?  ", "en")
    assert q.text == "How many police officers of Velmora were killed in Arvani?"
    assert q.how_many and "killed" in q.asked
    assert q.head == "officers" and q.counted.startswith("police officers")
    assert q.names == ("Velmora", "Arvani")
    assert q.actors == (("Velmora",),)  # "in Arvani" is where it happened, not to whom


def test_the_focus_bridges_to_the_other_languages_words_for_the_event_and_what_is_counted() -> None:
    q = Question.parse("How many people were arrested?", "en")
    assert q.query == q.focus and q.focus.startswith(q.text) and len(q.focus) > len(q.text)
    children = Question.parse("Berapa anak-anak yang tewas?", "id")
    assert children.query.startswith(children.text) and children.focus == children.text
    assert {"killed", "children"} <= set(children.query.split())
    # Everyone counts people: a word for them bridges nothing.
    assert Question.parse("Berapa orang yang hadir?", "id").query == "Berapa orang yang hadir?"


def test_a_question_for_a_name_or_a_date_counts_nothing() -> None:
    for text in ("Siapa Kepala BPBD Kabupaten Tirta?", "Pada tahun berapa Arvani mundur?"):
        q = Question.parse(text, "id")
        assert q.head == ""


def test_follow_up_is_retrieved_with_the_question_before_it_but_focused_on_itself() -> None:
    history = [Turn(question="Berapa orang yang tewas di Velmora?", answer="12 orang [1].")]
    follow = Question.parse("Dan berapa yang terluka?", "id", history)
    assert follow.query.startswith("Berapa orang yang tewas di Velmora?")
    assert follow.focus == "Dan berapa yang terluka?"
    fresh = Question.parse("Siapa gubernur Velmora?", "id", history)
    assert fresh.query == fresh.text
