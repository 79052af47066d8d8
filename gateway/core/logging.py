"""Structured logging: one JSON object per line, events with stable names and fields.

Never log raw message text, phone numbers or matched words at INFO: log categories, spans, counts
and a short hash of the text (``text_hash``) so that one message can be followed across events.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

import orjson


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        # orjson: a log line per request is on the hot path, and stdlib json is ~5x slower here.
        return orjson.dumps(entry, default=str).decode("utf-8")


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log duplicates our request events and would print paths with ids.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log the event ``name`` with ``fields`` (already free of personal data)."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})


def short_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


def text_hash(text: str) -> str:
    return short_hash("text", text)


def conversation_ref(shop_id: str, conversation_id: str) -> str:
    return short_hash("conv", shop_id, conversation_id)
