"""Settings: `KABAR_*` from the environment and `.env`, nested with `__`; a bad value stops start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO
from pydantic import BaseModel

from bot.interfaces.cli import main
from bot.settings import ConfigError, Settings, load_settings


def setting_names(model: type[BaseModel] = Settings, prefix: str = "KABAR_") -> set[str]:
    """Every environment variable name the settings object reads."""
    names = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= setting_names(kind, f"{prefix}{name.upper()}__")
        else:
            names.add(prefix + name.upper())
    return names


def test_defaults_use_a_local_store_under_dot_kabar():
    settings = load_settings()
    assert settings.store.path == Path(".kabar/store")
    assert settings.chroma.host is None and settings.chroma.port == 8000


def test_settings_are_read_from_dot_env_in_the_current_folder(tmp_path):
    (tmp_path / ".env").write_text(
        "# a comment\nKABAR_STORE__PATH=/data/kabar\nKABAR_CHROMA__HOST=chroma.internal\n"
        "KABAR_CHROMA__PORT=9000\nKABAR_RETRIEVAL__TOP_K=3\nKABAR_TELEGRAM__TOKEN=123:abc\n"
        "KABAR_TELEGRAM__ALLOWED_CHAT_IDS=1,-100\nUNRELATED=1\n"
    )
    settings = load_settings()
    assert settings.store.path == Path("/data/kabar")
    assert (settings.chroma.host, settings.chroma.port) == ("chroma.internal", 9000)
    assert settings.retrieval.top_k == 3
    assert settings.telegram.allowed_chat_ids == [1, -100]
    assert settings.telegram.token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings) and "123:abc" not in str(settings.model_dump())


def test_environment_overrides_dot_env_and_nests_with_double_underscore(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("KABAR_CHROMA__PORT=9000\nKABAR_CHROMA__HOST=from-file\n")
    monkeypatch.setenv("KABAR_CHROMA__PORT", "9100")
    monkeypatch.setenv("KABAR_GENERATION__BACKEND", "extractive")
    settings = load_settings()
    assert (settings.chroma.host, settings.chroma.port) == ("from-file", 9100)
    assert settings.generation.backend == "extractive"


def test_a_dot_env_elsewhere_is_not_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("KABAR_CHROMA__PORT=9000\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert load_settings().chroma.port == 8000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KABAR_CHROMA__PORT", "abc"),
        ("KABAR_CHROMA__PORT", "70000"),
        ("KABAR_RETRIEVAL__TOP_K", "0"),
        ("KABAR_GENERATION__BACKEND", "gpt-9"),
    ],
)
def test_a_bad_value_in_the_environment_is_a_config_error_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as error:
        load_settings()
    assert value in str(error.value)


def test_a_bad_value_in_dot_env_stops_kabar_with_exit_code_2(tmp_path, capsys):
    (tmp_path / ".env").write_text("KABAR_EMBEDDING__BATCH_SIZE=lots\n")
    assert main(["sources"]) == 2
    err = capsys.readouterr().err
    assert "KABAR_EMBEDDING__BATCH_SIZE" in err and "Traceback" not in err


def test_kabar_sources_with_a_bad_port_exits_2_naming_the_setting(monkeypatch, capsys):
    monkeypatch.setenv("KABAR_CHROMA__PORT", "abc")
    assert main(["sources"]) == 2
    captured = capsys.readouterr()
    assert "KABAR_CHROMA__PORT" in captured.err and "'abc'" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def _example_lines() -> list[str]:
    return (REPO / ".env.example").read_text(encoding="utf-8").splitlines()


def test_env_example_lists_every_setting_once_each_with_a_comment_above():
    lines = _example_lines()
    listed = []
    for number, line in enumerate(lines):
        match = re.match(r"^(?:# )?(KABAR_\w+)=", line)
        if match:
            listed.append(match.group(1))
            above = lines[number - 1]
            assert above.startswith("# ") and not re.match(r"^# KABAR_\w+=", above), f"no comment for {line}"
    assert sorted(listed) == sorted(setting_names())


def test_env_example_as_dot_env_gives_valid_settings(tmp_path):
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text(encoding="utf-8"))
    settings = load_settings()
    assert settings.chroma.host is None  # the example keeps the local store
    assert settings == Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_group_given_as_one_bad_value_is_a_config_error(monkeypatch):
    monkeypatch.setenv("KABAR_CHROMA", "not-json")
    with pytest.raises(ConfigError, match="KABAR_GROUP__FIELD"):
        load_settings(env_file=None)


def test_a_bad_secret_is_named_but_never_shown(monkeypatch):
    monkeypatch.setenv("KABAR_TELEGRAM__TOKEN", "123456:do-not-print-me")
    monkeypatch.setenv("KABAR_TELEGRAM__ALLOWED_CHAT_IDS", "not-a-number")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert "KABAR_TELEGRAM__ALLOWED_CHAT_IDS" in str(caught.value)
    assert "do-not-print-me" not in str(caught.value)
