"""The terminal REPL, as a user runs it: piped (`echo QUESTION | kabar repl`) and in a real terminal.

Both run a fresh process over the session's seed store with the extractive backend, so the answers
come from the real pipeline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from index.store import Store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repl_env(seed_store: Store) -> dict[str, str]:
    store_path = seed_store.client.get_settings().persist_directory
    base = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    return {
        **base,
        "PYTHONPATH": str(REPO),
        "KABAR_STORE__PATH": store_path,
        "KABAR_GENERATION__BACKEND": "extractive",
    }


def test_piped_questions_are_answered_in_plain_text_and_the_repl_exits(
    repl_env: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        "Berapa orang yang ditangkap?",
        "Dan berapa yang terluka?",
        ":lang en",
        "How many people were arrested?",
        ":sources",
        ":frobnicate",
        ":quit",
        "Berapa orang yang ditangkap?",  # after :quit: never read
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot.interfaces.repl"],
        input="\n".join(lines),
        cwd=tmp_path,
        env=repl_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out  # plain text: no colours, no cursor codes
    blocks = out.split("\n\n")
    sources = [i for i, block in enumerate(blocks) if block.startswith(("Sumber:", "Sources:"))]
    assert len(sources) == 3  # three answers, each with its numbered sources
    first, follow_up = "\n\n".join(blocks[: sources[0]]), "\n\n".join(blocks[sources[0] + 1 : sources[1]])
    assert "2.000 orang ditangkap" in first
    assert blocks[sources[0]].startswith("Sumber:\n[1] ")
    assert "\n    “" in blocks[sources[0]]  # each source carries its quoted sentence
    assert "terluka" in follow_up  # the follow-up was answered about the injured
    assert "Answer language: English." in out
    english = "\n\n".join(blocks[sources[1] + 1 : sources[2]])
    assert "More than 2,000 people were arrested [1]" in english and blocks[sources[2]].startswith(
        "Sources:\n[1] "
    )
    assert blocks[-2].startswith("Articles I know (3):\n  000_e9a991ac1f076a93")
    assert blocks[-1] == "? :frobnicate — :help\n"  # and nothing after :quit


def test_terminal_session_renders_answers_keeps_history_and_ends_on_ctrl_d(
    repl_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**repl_env, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "120"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.interfaces.repl"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=90,
        dimensions=(40, 120),
        use_poll=True,  # late in a full run this process holds over 1,024 descriptors, past select()
    )
    try:
        child.expect("Kabar — tanya apa saja")
        child.expect("kabar>")
        child.sendline("Berapa anggota pasukan keamanan yang tewas?")
        child.expect("Sumber")
        answer = child.before
        child.expect("kabar>")
        answer += child.before
        assert "Laporan berbeda" in answer and "18" in answer and "13" in answer
        assert "\x1b[33m" in answer  # the disagreement panel is drawn in yellow
        assert "“" in answer  # quoted sentences under the sources
        child.sendline(":reset")
        child.expect("Percakapan dilupakan")
        child.expect("kabar>")
        child.sendline(":lang")
        child.expect("Pakai :lang id, :lang en atau :lang auto.")
        child.expect("kabar>")  # Ctrl-D must reach the prompt, not the gap between two prompts
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = Path(repl_env["KABAR_STORE__PATH"]).parent / "repl_history"
    assert "Berapa anggota pasukan keamanan yang tewas?" in history.read_text(encoding="utf-8")


def test_terminal_shows_the_models_draft_as_it_is_written_then_the_answer(
    repl_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **repl_env,
        "KABAR_GENERATION__BACKEND": "embedded",
        "KABAR_GENERATION__MODEL_CACHE": str(REPO / ".kabar" / "models"),
        "TERM": "xterm-256color",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.interfaces.repl"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=240,
        dimensions=(40, 120),
        use_poll=True,
    )
    try:
        child.expect("kabar>")
        child.sendline("Which company operates Kazakhstan's Tengiz oil field?")
        child.expect("Sources")
        shown = child.before
        child.expect("kabar>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    # The draft is drawn dimmed (SGR 2) while the model writes, before the rendered answer and its sources.
    draft = shown.find("\x1b[2m")
    assert draft != -1 and "Chevron" in shown[draft:]
    assert "Chevron" in shown.rsplit("\x1b[2m", 1)[-1]  # and the final answer after the last draft
