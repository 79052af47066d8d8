"""What each implementation does on its own: key layout and expiry."""

from __future__ import annotations

import redis.asyncio as aioredis

from gateway.backend import MemoryBackend, RedisBackend
from gateway.conversations.redis import conversation_log, conversation_meta
from gateway.conversations.store import AppendShopperMessage
from gateway.handoffs.redis import queue
from tests.conftest import FakeClock
from tests.gateway.conftest import hand_to_human


async def test_redis_keys_carry_the_shop_hash_tag_and_expire(redis_url: str) -> None:
    backend = RedisBackend.from_url(redis_url, max_connections=4, timeout_s=2, ttl_s=120)
    try:
        await backend.conversations.append_shopper_message(
            AppendShopperMessage("s1", "c1", "m1", "hi", 1.0)
        )
        await hand_to_human(backend, "s1", "c1", "explicit", 2.0)
        client = aioredis.Redis.from_url(redis_url)
        names = sorted(k.decode() for k in await client.keys("gw:*"))
        assert names and all(name.startswith("gw:{shop:s1}:") for name in names)
        assert queue("s1") in names
        for key in (conversation_meta("s1", "c1"), conversation_log("s1", "c1")):
            assert 0 < await client.ttl(key) <= 120
        await client.aclose()
    finally:
        await backend.aclose()


async def test_memory_conversation_expires_after_ttl(clock: FakeClock) -> None:
    backend = MemoryBackend(ttl_s=60, clock=clock)
    store = backend.conversations
    await store.append_shopper_message(AppendShopperMessage("s1", "c1", "m1", "hi", clock()))
    clock.advance(59)
    assert len(await store.read_messages("s1", "c1", None, 10)) == 1
    clock.advance(2)
    assert await store.read_messages("s1", "c1", None, 10) == []
    again = await store.append_shopper_message(
        AppendShopperMessage("s1", "c1", "m1", "hi", clock())
    )
    assert not again.duplicate
