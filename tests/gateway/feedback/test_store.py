"""The FeedbackStore contract, run against the in-memory and the Redis implementation."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from gateway.backend import RedisBackend, StoreBackend
from gateway.feedback.redis import feedback_keys
from gateway.feedback.store import Expected, Phrase, Record, ShopPhrase

SHOP = "shop-a"
T0 = 1_800_000_000.25


def step(
    text: str,
    *,
    shop: str = SHOP,
    expected: Expected = "stop",
    category: str | None = "abuse",
    phrase: Phrase | None = None,
    keep: int = 10_000,
    at: float = T0,
) -> Record:
    return Record(
        shop_id=shop,
        text=text,
        expected=expected,
        category=category,
        note="一条备注" if phrase else None,
        phrase=phrase,
        at=at,
        by="admin-1",
        keep=keep,
    )


async def test_record_numbers_entries_in_order_and_keeps_every_field(
    backend: StoreBackend,
) -> None:
    store = backend.feedback
    first = await store.record(step("亲，这款喵喵宝的瓜子很香", phrase=Phrase("deny", "喵喵宝")))
    second = await store.record(step("plain", expected="pass", category=None, at=T0 + 1))
    assert (first.entry_id, second.entry_id) == ("000000000001", "000000000002")
    assert first.text == "亲，这款喵喵宝的瓜子很香" and first.shop_id == SHOP
    assert (first.expected, first.category, first.note) == ("stop", "abuse", "一条备注")
    assert first.phrase == Phrase("deny", "喵喵宝")
    assert (first.at, first.by) == (T0, "admin-1")
    assert (second.expected, second.category, second.note, second.phrase) == (
        "pass",
        None,
        None,
        None,
    )
    assert await store.entries(SHOP, None, 10) == [second, first]


async def test_entries_are_paged_newest_first_below_the_cursor(backend: StoreBackend) -> None:
    store = backend.feedback
    recorded = [await store.record(step(f"text {i}")) for i in range(5)]
    newest = await store.entries(SHOP, None, 2)
    assert [e.entry_id for e in newest] == [recorded[4].entry_id, recorded[3].entry_id]
    below = await store.entries(SHOP, newest[-1].entry_id, 2)
    assert [e.text for e in below] == ["text 2", "text 1"]
    last = await store.entries(SHOP, below[-1].entry_id, 2)
    assert [e.text for e in last] == ["text 0"]
    assert await store.entries(SHOP, last[-1].entry_id, 2) == []
    assert await store.entries("shop-b", None, 10) == []


async def test_shops_are_numbered_apart(backend: StoreBackend) -> None:
    store = backend.feedback
    await store.record(step("a1"))
    other = await store.record(step("b1", shop="shop-b"))
    assert other.entry_id == "000000000001"
    assert [e.text for e in await store.entries("shop-b", None, 10)] == ["b1"]


async def test_phrases_are_the_kept_entries_phrases_oldest_first(backend: StoreBackend) -> None:
    store = backend.feedback
    allow = Phrase("allow", "傻子牌")
    await store.record(step("亲，这款傻子牌的最好吃", expected="pass", category=None, phrase=allow))
    await store.record(step("no phrase"))
    await store.record(step("亲，这款喵喵宝的瓜子很香", phrase=Phrase("deny", "喵喵宝")))
    assert await store.phrases(SHOP) == [
        ShopPhrase("000000000001", "allow", "傻子牌", None),
        ShopPhrase("000000000003", "deny", "喵喵宝", "abuse"),
    ]
    assert await store.phrases("shop-b") == []


async def test_the_oldest_entries_and_their_phrases_go_beyond_the_cap(
    backend: StoreBackend,
) -> None:
    store = backend.feedback
    for i in range(5):
        await store.record(step(f"有词{i}", phrase=Phrase("deny", f"词{i}"), keep=3))
    kept = await store.entries(SHOP, None, 10)
    assert [e.text for e in kept] == ["有词4", "有词3", "有词2"]
    assert [p.text for p in await store.phrases(SHOP)] == ["词2", "词3", "词4"]
    sixth = await store.record(step("after", keep=3))
    assert sixth.entry_id == "000000000006"  # numbers are never reused


async def test_concurrent_records_get_distinct_ids_and_the_cap_holds(
    backend: StoreBackend,
) -> None:
    store = backend.feedback
    recorded = await asyncio.gather(*(store.record(step(f"t{i}", keep=10)) for i in range(30)))
    assert len({entry.entry_id for entry in recorded}) == 30
    kept = await store.entries(SHOP, None, 100)
    assert len(kept) == 10
    assert [e.entry_id for e in kept] == sorted((e.entry_id for e in recorded), reverse=True)[:10]


async def test_redis_keys_carry_the_shop_hash_tag_and_never_expire(redis_url: str) -> None:
    backend = RedisBackend.from_url(redis_url, max_connections=4, timeout_s=2, ttl_s=120)
    client = aioredis.Redis.from_url(redis_url)
    try:
        await backend.feedback.record(step("有词", phrase=Phrase("deny", "词")))
        names = sorted(k.decode() for k in await client.keys("gw:*"))
        assert names == sorted(feedback_keys(SHOP))
        assert all(name.startswith("gw:{shop:shop-a}:fb:") for name in names)
        for name in names:
            assert await client.ttl(name) == -1
    finally:
        await client.aclose()
        await backend.aclose()
