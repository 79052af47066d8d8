from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.backend import MemoryBackend, RedisBackend, StoreBackend
from gateway.conversations.store import Ownership
from gateway.handoffs.store import Escalate, new_ticket_id
from tests.conftest import FakeClock

TTL_S = 3600


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[StoreBackend]:
    """Every contract test runs once against each implementation."""
    if request.param == "memory":
        store: StoreBackend = MemoryBackend(TTL_S, clock)
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisBackend.from_url(url, max_connections=32, timeout_s=2.0, ttl_s=TTL_S)
    yield store
    await store.aclose()


async def hand_to_human(
    backend: StoreBackend, shop_id: str, conversation_id: str, reason: str, at: float
) -> Ownership:
    """Hand a conversation to a human the way a failing bot does: open (or join) its ticket."""
    step = Escalate(shop_id, conversation_id, new_ticket_id(at), (reason,), at)
    return (await backend.handoffs.escalate(step)).ownership
