"""Many users at once: a bounded queue that says when it is full, and a load run in which every question
gets exactly one reply (`bench/telegram_load.py` runs the full 20 users x 5 questions and prints figures).
"""

from __future__ import annotations

import threading

import pytest
from botapi_stub import BotApiStub
from telegram_harness import Recorder, run_load, serving, shows

from bot.answer import Answerer

pytestmark = pytest.mark.anyio


async def test_a_full_queue_tells_the_user_in_their_language_and_frees_up_after(
    answerer: Answerer, stub: BotApiStub
) -> None:
    recorder = Recorder(answerer, gate=threading.Event())
    async with serving(recorder, stub, max_queued=2):
        await stub.push_message(1, "Berapa orang yang ditangkap?")
        await stub.push_message(2, "How many people were arrested?")
        await stub.wait_for(lambda calls: shows(stub, 1, "⏳") and shows(stub, 2, "⏳"))
        await stub.push_message(3, "Berapa orang yang terluka?")
        await stub.push_message(4, "How many people were injured?")
        await stub.wait_for(lambda calls: bool(stub.shown(3)) and bool(stub.shown(4)))
        recorder.gate.set()  # type: ignore[union-attr]
        await stub.wait_for(lambda calls: shows(stub, 1, "Sumber") and shows(stub, 2, "Sources"), timeout=60)
        await stub.push_message(3, "Berapa orang yang terluka?")
        await stub.wait_for(lambda calls: shows(stub, 3, "Sumber"), timeout=60)

    assert stub.shown(3)[0] == "Maaf, sedang banyak pertanyaan yang antre. Silakan coba lagi sebentar lagi."
    [busy] = stub.shown(4)
    assert busy == "Sorry, many questions are waiting to be answered. Please try again in a moment."
    assert [q for q, _, _ in recorder.calls] == [
        "Berapa orang yang ditangkap?",
        "How many people were arrested?",
        "Berapa orang yang terluka?",
    ]


async def test_many_users_at_once_each_question_gets_exactly_one_reply(
    answerer: Answerer, stub: BotApiStub
) -> None:
    # 8 users x 5 questions in 10 s, at most 4 a minute each and 6 waiting: some are refused, none lost.
    result = await run_load(
        answerer, stub, users=8, questions_per_user=5, within_s=10, rate_limit_per_minute=4, max_queued=6
    )
    print(result.summary())  # the figures, for the report (pytest -s)

    for chat, counts in result.outcomes.items():
        assert counts["left"] == 0, (chat, counts)
        assert counts["answer"] + counts["rate_limited"] + counts["busy"] == 5, (chat, counts)
        assert counts["answer"] <= 4 and counts["rate_limited"] + counts["busy"] >= 1, (chat, counts)
    assert result.answered_by_model == result.total("answer")  # each accepted question answered once
    assert len(result.queue_waits_s) == result.total("answer")
    assert len(result.help_s) >= 9 and max(result.help_s) < 10  # /help kept coming back meanwhile
    assert not stub.rejected and not stub.faulted
