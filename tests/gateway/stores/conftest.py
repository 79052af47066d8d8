from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.stores import MemoryBackend, RedisBackend, StoreBackend
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
