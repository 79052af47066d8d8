"""Stores: one interface per domain, each with an in-memory and a Redis implementation."""

from __future__ import annotations

import time

from ..core.config import GatewaySettings
from ..core.types import Clock
from ..privacy.store import PrivacyStore
from .base import ConversationStore, StoreBackend
from .memory_store import MemoryBackend
from .redis_store import RedisBackend

__all__ = [
    "ConversationStore",
    "MemoryBackend",
    "PrivacyStore",
    "RedisBackend",
    "StoreBackend",
    "open_backend",
]


def open_backend(settings: GatewaySettings, clock: Clock = time.time) -> StoreBackend:
    """Redis when a store URL is configured, else the embedded in-memory store."""
    if settings.store_url is None:
        return MemoryBackend(settings.conversation_ttl_s, clock)
    return RedisBackend.from_url(
        settings.store_url,
        max_connections=settings.store_max_connections,
        timeout_s=settings.store_timeout_s,
        ttl_s=settings.conversation_ttl_s,
    )
