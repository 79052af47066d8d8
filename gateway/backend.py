"""The stores of one backend, put together: every domain's in-memory stores, or every domain's
Redis stores on one client. The only module that imports concrete stores of several domains."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any, Protocol, cast

from redis.asyncio.client import Redis

from .compliance.memory import MemoryComplianceStore
from .compliance.redis import RedisComplianceStore
from .compliance.store import ComplianceStore
from .conversations.memory import ConversationRecords, MemoryConversationStore
from .conversations.redis import RedisConversationStore
from .conversations.store import ConversationStore
from .core.config import GatewaySettings
from .core.redis import connect, guard
from .core.types import Clock
from .feedback.memory import MemoryFeedbackStore
from .feedback.redis import RedisFeedbackStore
from .feedback.store import FeedbackStore
from .handoffs.memory import MemoryHandoffStore
from .handoffs.redis import RedisHandoffStore
from .handoffs.store import HandoffStore
from .privacy.memory import MemoryPrivacyStore
from .privacy.redis import RedisPrivacyStore
from .privacy.store import PrivacyStore

__all__ = ["MemoryBackend", "RedisBackend", "StoreBackend", "open_backend"]


class StoreBackend(Protocol):
    """What the app holds: the domain stores of one backend plus its lifecycle."""

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def handoffs(self) -> HandoffStore: ...

    @property
    def privacy(self) -> PrivacyStore: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    @property
    def compliance(self) -> ComplianceStore: ...

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the backend does not answer."""

    async def aclose(self) -> None: ...


class MemoryBackend:
    """The embedded default for a single process; the conversation and handoff stores share the
    conversation records, so a ticket step and its change of owner are one step."""

    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        records = ConversationRecords(ttl_s, clock)
        self._conversations = MemoryConversationStore(records)
        self._handoffs = MemoryHandoffStore(records)
        self._privacy = MemoryPrivacyStore()
        self._feedback = MemoryFeedbackStore()
        self._compliance = MemoryComplianceStore()

    @property
    def conversations(self) -> MemoryConversationStore:
        return self._conversations

    @property
    def handoffs(self) -> MemoryHandoffStore:
        return self._handoffs

    @property
    def privacy(self) -> MemoryPrivacyStore:
        return self._privacy

    @property
    def feedback(self) -> MemoryFeedbackStore:
        return self._feedback

    @property
    def compliance(self) -> MemoryComplianceStore:
        return self._compliance

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class RedisBackend:
    """Every domain's Redis store on one client (one connection pool for the whole process)."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._conversations = RedisConversationStore(client, ttl_s)
        self._handoffs = RedisHandoffStore(client, ttl_s)
        self._privacy = RedisPrivacyStore(client)
        self._feedback = RedisFeedbackStore(client)
        self._compliance = RedisComplianceStore(client)

    @classmethod
    def from_url(
        cls, url: str, *, max_connections: int, timeout_s: float, ttl_s: int
    ) -> RedisBackend:
        return cls(connect(url, max_connections=max_connections, timeout_s=timeout_s), ttl_s)

    @property
    def client(self) -> Redis:
        return self._client

    @property
    def conversations(self) -> RedisConversationStore:
        return self._conversations

    @property
    def handoffs(self) -> RedisHandoffStore:
        return self._handoffs

    @property
    def privacy(self) -> RedisPrivacyStore:
        return self._privacy

    @property
    def feedback(self) -> RedisFeedbackStore:
        return self._feedback

    @property
    def compliance(self) -> RedisComplianceStore:
        return self._compliance

    async def ping(self) -> None:
        await guard(cast(Awaitable[Any], self._client.ping()))

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._client.connection_pool.disconnect()


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
