"""Secrets out of logs: once registered, a secret (the Telegram bot token) is written as `***` in every log
record, whichever library made it."""

from __future__ import annotations

import logging
from typing import Any

_SECRETS: set[str] = set()


def keep_out_of_logs(secret: str) -> None:
    """Replace `secret` with `***` in every log record from now on, whichever logger made it.

    The token is part of every Bot API URL: httpx logs request URLs at INFO, python-telegram-bot logs
    its API URL at DEBUG and quotes a rejected token in `InvalidToken`. A record factory sees every
    record before any handler or filter does, so no handler configuration can let the token through.
    """
    for name in ("httpx", "httpcore"):  # one line per request is noise anyway
        logging.getLogger(name).setLevel(logging.WARNING)
    if not secret:
        return
    if not _SECRETS:
        make_record = logging.getLogRecordFactory()

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return _redact(make_record(*args, **kwargs))

        logging.setLogRecordFactory(redacting_factory)
    _SECRETS.add(secret)


def scrub(text: str) -> str:
    """`text` with every registered secret written as `***`."""
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


def _redact(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's problem to report, not ours
        return record
    if any(secret in message for secret in _SECRETS):
        record.msg, record.args = scrub(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters print `exc_text` when it is set, so a scrubbed copy replaces the raw traceback.
        text = logging.Formatter().formatException(record.exc_info)  # type: ignore[arg-type]
        if any(secret in text for secret in _SECRETS):
            record.exc_text = scrub(text)
    return record
