"""Every setting Kabar reads, from the environment and `.env` (prefix `KABAR_`, groups joined by `__`).

This is the only place that reads the environment. `load_settings()` turns a bad value into a
`ConfigError` that names the setting, so start-up stops with a message a user can act on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError


class ConfigError(Exception):
    """A setting is missing or has a value Kabar cannot use."""


class StoreSettings(BaseModel):
    path: Path = Path(".kabar/store")
    collection: str = "articles"
    lock_timeout_s: float = Field(300.0, ge=0)  # how long a second writer of a local store waits


class ChromaSettings(BaseModel):
    host: str | None = None
    port: int = Field(8000, ge=1, le=65535)
    ssl: bool = False


class IngestSettings(BaseModel):
    max_article_mb: float = Field(1.0, gt=0)
    write_batch: int = Field(200, ge=1, le=10_000)  # articles written to the store with one set of calls


class EmbeddingSettings(BaseModel):
    backend: Literal["embedded", "openai"] = "embedded"
    batch_size: int = Field(32, ge=1, le=1024)
    openai_base_url: str = "http://127.0.0.1:8081/v1"
    openai_model: str = "intfloat/multilingual-e5-small"
    openai_api_key: SecretStr = SecretStr("")
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    dimension: int | None = Field(None, ge=1)
    timeout_s: float = Field(60.0, gt=0)


class RetrievalSettings(BaseModel):
    top_k: int = Field(12, ge=1, le=100)
    dense_weight: float = Field(0.75, ge=0.0)
    bm25_weight: float = Field(0.2, ge=0.0)


class GenerationSettings(BaseModel):
    backend: Literal["embedded", "openai", "extractive"] = "embedded"
    model_cache: Path = Path(".kabar/models")
    model_path: Path | None = None
    threads: int = Field(2, ge=1, le=64)
    context_size: int = Field(4096, ge=512)
    max_tokens: int = Field(256, ge=16, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int = Field(42, ge=0)  # fixed sampling seed: the same question gets the same answer
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_model: str = "qwen2.5-1.5b-instruct"
    openai_api_key: SecretStr = SecretStr("")
    timeout_s: float = Field(120.0, gt=0)


class TelegramSettings(BaseModel):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    # Empty = anyone may use the bot (start-up warns). `[1,-100]`, `1,-100` and `1 -100` are all accepted.
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(default=6, ge=0, le=1000)  # questions per user a minute; 0 = no limit
    max_question_chars: int = Field(default=500, ge=10, le=4000)
    history_turns: int = Field(default=3, ge=0, le=20)
    # Questions waiting or being answered, all chats together; more get a "busy, try again" reply.
    max_queued: int = Field(default=20, ge=1, le=10000)
    request_timeout_s: float = Field(default=10.0, gt=0, le=300)  # per Bot API call, besides long polling
    retry_for_s: float = Field(default=120.0, ge=0, le=3600)  # how long a failing reply is retried
    # Webhook mode when `webhook_url` is set (the public https URL Telegram posts to); else long polling.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr = SecretStr("")

    @field_validator("allowed_chat_ids", mode="before")
    @classmethod
    def _parse_chat_ids(cls, value: object) -> object:
        # NoDecode hands us the raw env string, so a plain comma list works as well as JSON.
        if isinstance(value, str):
            value = value.strip()
            return json.loads(value) if value.startswith("[") else value.replace(",", " ").split()
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KABAR_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    store: StoreSettings = StoreSettings()
    chroma: ChromaSettings = ChromaSettings()
    ingest: IngestSettings = IngestSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()
    telegram: TelegramSettings = TelegramSettings()


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read settings from the environment and `env_file`; raise `ConfigError` naming a bad setting.

    The offending value is shown only when it is short, plain text and not a secret.
    """
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except SettingsError as exc:  # a group given as one value that is not JSON, e.g. KABAR_CHROMA=x
        hint = "set the group's fields one by one (KABAR_GROUP__FIELD)"
        raise ConfigError(f"bad setting: {exc}; {hint}") from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            parts = [str(part).upper() for part in err["loc"] if not isinstance(part, int)]
            name = "KABAR_" + "__".join(parts)
            value = err.get("input")
            secret = any(word in name for word in ("TOKEN", "KEY", "SECRET"))
            shown = f" (got {value!r})" if isinstance(value, str | int | float) and not secret else ""
            problems.append(f"{name}: {err['msg']}{shown}")
        raise ConfigError("bad setting: " + "; ".join(problems)) from None
