"""The PrivacyStore contract, run against the in-memory and the Redis implementation."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from gateway.backend import RedisBackend, StoreBackend
from gateway.privacy.redis import KEEP_S, VIRTUAL_KEY, calls_key, pool_keys
from gateway.privacy.store import (
    AddCallers,
    AppendCall,
    BindingRequest,
    CallRecord,
    Issue,
    LookupCall,
    PoolRef,
    Release,
    RemoveCaller,
    new_record_id,
)

SHOP = "shop-a"
T0 = 1_800_000_000_000  # ms
DAY = 86_400_000
POOL = PoolRef(SHOP, SHOP, ("17100000003", "17100000001", "17100000002"))
SHARED = PoolRef("shared", None, ("17200000001", "17200000002"))


def request(
    order: str,
    *,
    shop: str = SHOP,
    shopper: str = "fp-a",
    now_ms: int = T0,
    ttl_ms: int = DAY,
    key: str | None = None,
    request_fp: str | None = None,
    binding_id: str | None = None,
) -> BindingRequest:
    return BindingRequest(
        binding_id=binding_id or f"b-{order}-{now_ms}",
        shop_id=shop,
        order_id=order,
        conversation_id="conv-1",
        shopper_masked="138****8000",
        shopper_fingerprint=shopper,
        shopper_sealed="v1.sealed",
        issued_ms=now_ms,
        expires_ms=now_ms + ttl_ms,
        idempotency_key=key,
        request_fingerprint=request_fp or f"rq-{order}-{shopper}",
    )


async def test_issue_binds_the_lowest_never_bound_number(backend: StoreBackend) -> None:
    store = backend.privacy
    outcome = await store.issue(Issue(POOL, request("o1"), T0))
    assert outcome.status == "created" and outcome.binding is not None
    binding = outcome.binding
    assert binding.number == "17100000001"
    assert (binding.order_id, binding.shop_id, binding.conversation_id) == ("o1", SHOP, "conv-1")
    assert (binding.issued_ms, binding.expires_ms) == (T0, T0 + DAY)
    assert binding.shopper_sealed == "v1.sealed" and binding.idempotency_key is None
    second = await store.issue(Issue(POOL, request("o2"), T0))
    assert second.binding is not None and second.binding.number == "17100000002"


async def test_same_order_and_shopper_get_the_live_binding_back(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1"), T0))
    later = T0 + DAY - 1
    again = await store.issue(Issue(POOL, request("o1", now_ms=later), later))
    assert again.status == "existing"
    assert again.binding == first.binding  # same number, same absolute expiry


async def test_same_order_for_another_shopper_is_a_conflict(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1"), T0))
    other = await store.issue(Issue(POOL, request("o1", shopper="fp-b"), T0 + 5))
    assert other.status == "order_conflict" and other.binding == first.binding


async def test_a_binding_ends_at_its_expiry_and_the_order_gets_a_new_one(
    backend: StoreBackend,
) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1"), T0))
    assert first.binding is not None
    end = first.binding.expires_ms
    renewed = await store.issue(Issue(POOL, request("o1", now_ms=end), end))
    assert renewed.status == "created" and renewed.binding is not None
    assert renewed.binding.binding_id != first.binding.binding_id
    assert renewed.binding.expires_ms == end + DAY


async def test_exhausted_pool_reports_the_earliest_expiry(backend: StoreBackend) -> None:
    store = backend.privacy
    for index, ttl in enumerate((3 * DAY, DAY, 2 * DAY)):
        assert (
            await store.issue(Issue(POOL, request(f"o{index}", ttl_ms=ttl), T0))
        ).status == "created"
    outcome = await store.issue(Issue(POOL, request("late"), T0 + 10))
    assert outcome.status == "exhausted" and outcome.binding is None
    assert outcome.next_free_ms == T0 + DAY


async def test_an_ended_number_is_reused_longest_ended_first(backend: StoreBackend) -> None:
    store = backend.privacy
    numbers = {}
    for index, ttl in enumerate((3 * DAY, DAY, 2 * DAY)):
        outcome = await store.issue(Issue(POOL, request(f"o{index}", ttl_ms=ttl), T0))
        assert outcome.binding is not None
        numbers[f"o{index}"] = outcome.binding.number
    now = T0 + 2 * DAY  # o1 ended a day ago, o2 just now
    reused = await store.issue(Issue(POOL, request("new", now_ms=now), now))
    assert reused.binding is not None and reused.binding.number == numbers["o1"]
    # The old order lost its number: asking again binds another one.
    old = await store.issue(Issue(POOL, request("o1", now_ms=now), now))
    assert old.binding is not None and old.binding.number == numbers["o2"]


async def test_idempotency_key_replays_and_refuses_another_request(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1", key="k1"), T0))
    assert first.binding is not None and first.binding.idempotency_key == "k1"
    replay = await store.issue(Issue(POOL, request("o1", key="k1", binding_id="other"), T0 + 1))
    assert replay.status == "replayed" and replay.binding == first.binding
    misuse = await store.issue(Issue(POOL, request("o2", key="k1", request_fp="different"), T0 + 2))
    assert misuse.status == "idempotency_conflict"
    # Another key for the same order is an ordinary repeat.
    repeat = await store.issue(Issue(POOL, request("o1", key="k2"), T0 + 3))
    assert repeat.status == "existing" and repeat.binding == first.binding


async def test_idempotency_key_is_forgotten_when_its_binding_ends(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1", key="k1"), T0))
    assert first.binding is not None
    end = first.binding.expires_ms
    fresh = await store.issue(Issue(POOL, request("o1", key="k1", now_ms=end), end))
    assert fresh.status == "created" and fresh.binding is not None
    assert fresh.binding.binding_id != first.binding.binding_id
    # The key now names the new binding; the old binding's clean-up must not drop it.
    for index in range(2):
        await store.issue(Issue(POOL, request(f"x{index}", now_ms=end), end))
    again = await store.issue(Issue(POOL, request("o1", key="k1", now_ms=end + 1), end + 1))
    assert again.status == "replayed" and again.binding == fresh.binding


async def test_release_ends_the_binding_and_frees_the_number_at_once(
    backend: StoreBackend,
) -> None:
    store = backend.privacy
    bound = []
    for order in ("o1", "o2", "o3"):
        outcome = await store.issue(Issue(POOL, request(order), T0))
        assert outcome.binding is not None
        bound.append(outcome.binding)
    assert (await store.issue(Issue(POOL, request("o4"), T0))).status == "exhausted"
    ended = await store.release(Release(POOL, SHOP, "o2", T0 + 100))
    assert ended is not None and ended.expires_ms == T0 + 100 and not ended.live(T0 + 100)
    assert await store.release(Release(POOL, SHOP, "o2", T0 + 101)) is None
    assert await store.release(Release(POOL, SHOP, "nope", T0 + 101)) is None
    taken = await store.issue(Issue(POOL, request("o4", now_ms=T0 + 200), T0 + 200))
    assert taken.binding is not None and taken.binding.number == bound[1].number


async def test_pool_changes_add_and_withdraw_numbers(backend: StoreBackend) -> None:
    store = backend.privacy
    small = PoolRef(SHOP, SHOP, ("17100000001",))
    assert (await store.issue(Issue(small, request("o1"), T0))).status == "created"
    assert (await store.issue(Issue(small, request("o2"), T0))).status == "exhausted"
    grown = PoolRef(SHOP, SHOP, ("17100000001", "17100000009"))
    outcome = await store.issue(Issue(grown, request("o2"), T0))
    assert outcome.binding is not None and outcome.binding.number == "17100000009"
    shrunk = PoolRef(SHOP, SHOP, ("17100000009", "17100000008"))
    now = T0 + DAY  # every binding has ended; 17100000001 left the pool and is never bound again
    got = {
        (await store.issue(Issue(shrunk, request(f"n{i}", now_ms=now), now))).binding or None
        for i in range(2)
    }
    assert {b.number for b in got if b} == {"17100000008", "17100000009"}
    assert (await store.issue(Issue(shrunk, request("n3", now_ms=now), now))).status == "exhausted"


async def test_a_withdrawn_number_ends_its_live_binding(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.issue(Issue(POOL, request("o1"), T0))
    assert first.binding is not None and first.binding.number == "17100000001"
    withdrawn = PoolRef(SHOP, SHOP, ("17100000002", "17100000003"))
    again = await store.issue(Issue(withdrawn, request("o1", now_ms=T0 + 1), T0 + 1))
    assert again.status == "created" and again.binding is not None
    assert again.binding.number == "17100000002"
    assert await store.release(Release(withdrawn, SHOP, "o1", T0 + 2)) is not None
    assert await store.release(Release(withdrawn, SHOP, "o1", T0 + 3)) is None


async def test_a_platform_pool_number_has_one_live_binding_per_shop(
    backend: StoreBackend,
) -> None:
    store = backend.privacy
    first_b = await store.issue(Issue(SHARED, request("o1", shop="shop-b"), T0))
    first_c = await store.issue(Issue(SHARED, request("o1", shop="shop-c"), T0))
    assert first_b.binding is not None and first_c.binding is not None
    assert first_b.binding.number == first_c.binding.number == "17200000001"
    await store.issue(Issue(SHARED, request("o2", shop="shop-b"), T0))
    assert (
        await store.issue(Issue(SHARED, request("o3", shop="shop-b"), T0))
    ).status == "exhausted"
    assert (await store.issue(Issue(SHARED, request("o2", shop="shop-c"), T0))).status == "created"


async def test_lookup_resolves_the_caller_to_a_shop_and_its_binding(
    backend: StoreBackend,
) -> None:
    store = backend.privacy
    own = await store.issue(Issue(POOL, request("o1"), T0))
    assert own.binding is not None
    x = own.binding.number
    configured = await store.lookup_call(LookupCall(POOL, "13900000001", x, SHOP))
    assert configured.shop_id == SHOP and configured.registered
    assert configured.binding == own.binding
    stranger = await store.lookup_call(LookupCall(POOL, "13700000000", x, None))
    assert (stranger.shop_id, stranger.registered) == (SHOP, False)
    assert stranger.binding == own.binding  # the shop's record names the order
    await store.add_callers(AddCallers(POOL, SHOP, ("13900000009",)))
    added = await store.lookup_call(LookupCall(POOL, "13900000009", x, None))
    assert added.registered and added.binding == own.binding
    never = await store.lookup_call(LookupCall(POOL, "13900000009", "17100000003", None))
    assert never.registered and never.binding is None

    shared_b = await store.issue(Issue(SHARED, request("ob", shop="shop-b"), T0))
    shared_c = await store.issue(Issue(SHARED, request("oc", shop="shop-c", shopper="fp-c"), T0))
    await store.add_callers(AddCallers(SHARED, "shop-c", ("13900000021",)))
    to_b = await store.lookup_call(LookupCall(SHARED, "13900000011", "17200000001", "shop-b"))
    to_c = await store.lookup_call(LookupCall(SHARED, "13900000021", "17200000001", None))
    assert (to_b.shop_id, to_b.binding) == ("shop-b", shared_b.binding)
    assert (to_c.shop_id, to_c.binding) == ("shop-c", shared_c.binding)
    nobody = await store.lookup_call(LookupCall(SHARED, "13700000000", "17200000001", None))
    assert nobody == type(nobody)(None, False, None)


async def test_callers_are_added_all_or_nothing_within_a_pool(backend: StoreBackend) -> None:
    store = backend.privacy
    first = await store.add_callers(AddCallers(SHARED, "shop-b", ("13900000002", "13900000003")))
    assert (first.added, first.already, first.taken) == (["13900000002", "13900000003"], [], [])
    again = await store.add_callers(AddCallers(SHARED, "shop-b", ("13900000003", "13900000004")))
    assert (again.added, again.already) == (["13900000004"], ["13900000003"])
    clash = await store.add_callers(AddCallers(SHARED, "shop-c", ("13900000005", "13900000002")))
    assert (clash.added, clash.taken) == ([], ["13900000002"])
    assert await store.callers(SHARED, "shop-c") == []
    # Another pool is another routing space: the same phone may call for another shop there.
    elsewhere = await store.add_callers(AddCallers(POOL, SHOP, ("13900000002",)))
    assert elsewhere.added == ["13900000002"]
    assert await store.callers(SHARED, "shop-b") == ["13900000002", "13900000003", "13900000004"]


async def test_a_shop_removes_only_its_own_callers(backend: StoreBackend) -> None:
    store = backend.privacy
    await store.add_callers(AddCallers(SHARED, "shop-b", ("13900000002",)))
    assert not await store.remove_caller(RemoveCaller(SHARED, "shop-c", "13900000002"))
    assert not await store.remove_caller(RemoveCaller(SHARED, "shop-b", "13900000099"))
    assert await store.remove_caller(RemoveCaller(SHARED, "shop-b", "13900000002"))
    assert await store.callers(SHARED, "shop-b") == []
    assert (await store.add_callers(AddCallers(SHARED, "shop-c", ("13900000002",)))).added == [
        "13900000002"
    ]


def record(at_ms: int, reason: str | None = None) -> CallRecord:
    return CallRecord(
        record_id=new_record_id(at_ms),
        at_ms=at_ms,
        caller="13900000001",
        number="17100000001",
        order_id="o1",
        conversation_id=None,
        shopper_masked="138****8000",
        result="reject" if reason else "connect",
        reason=reason,
    )


async def test_call_records_come_newest_first_within_the_window(backend: StoreBackend) -> None:
    store = backend.privacy
    written = [record(T0 + i * 1000, None if i % 2 else "expired") for i in range(6)]
    for item in (written[3], written[0], written[5], written[1], written[4], written[2]):
        await store.append_call(AppendCall(SHOP, item, 0))
    assert await store.read_calls(SHOP, T0, T0 + 10_000, None, 10) == written[::-1]
    window = await store.read_calls(SHOP, T0 + 1000, T0 + 3000, None, 10)
    assert window == [written[3], written[2], written[1]]
    assert await store.read_calls("shop-b", T0, T0 + 10_000, None, 10) == []


async def test_call_records_page_by_cursor_without_gaps(backend: StoreBackend) -> None:
    store = backend.privacy
    written = [record(T0 + (i // 3) * 1000) for i in range(7)]  # several in the same ms
    for item in written:
        await store.append_call(AppendCall(SHOP, item, 0))
    seen: list[CallRecord] = []
    cursor = None
    while True:
        page = await store.read_calls(SHOP, T0, T0 + 10_000, cursor, 3)
        if not page:
            break
        seen.extend(page)
        cursor = page[-1].record_id
    assert sorted(r.record_id for r in seen) == sorted(r.record_id for r in written)
    assert [r.record_id for r in seen] == sorted((r.record_id for r in written), reverse=True)


async def test_old_call_records_are_trimmed(backend: StoreBackend) -> None:
    store = backend.privacy
    await store.append_call(AppendCall(SHOP, record(T0), 0))
    await store.append_call(AppendCall(SHOP, record(T0 + 31 * DAY), T0 + DAY))
    assert [r.at_ms for r in await store.read_calls(SHOP, 0, T0 + 40 * DAY, None, 10)] == [
        T0 + 31 * DAY
    ]


async def test_numbers_of_a_pool_issued_from_are_virtual_for_good(backend: StoreBackend) -> None:
    store = backend.privacy
    assert not await store.is_virtual("17100000001")
    await store.issue(Issue(POOL, request("o1"), T0))
    assert all([await store.is_virtual(number) for number in POOL.numbers])
    await store.issue(Issue(PoolRef(SHOP, SHOP, ("17100000007",)), request("o2"), T0))
    assert await store.is_virtual("17100000003") and await store.is_virtual("17100000007")
    assert not await store.is_virtual("13800138000")


async def test_concurrent_issues_never_bind_a_number_twice(backend: StoreBackend) -> None:
    pool = PoolRef(SHOP, SHOP, tuple(f"170{i:08d}" for i in range(50)))
    outcomes = await asyncio.gather(
        *(backend.privacy.issue(Issue(pool, request(f"o{i}"), T0)) for i in range(300))
    )
    created = [o.binding.number for o in outcomes if o.status == "created" and o.binding]
    assert len(created) == len(set(created)) == 50
    assert sum(o.status == "exhausted" for o in outcomes) == 250


# What only the Redis implementation has: its key layout, clean-up TTLs, several clients.


async def test_redis_keys_carry_the_pool_or_shop_hash_tag(redis_url: str) -> None:
    backend = RedisBackend.from_url(redis_url, max_connections=4, timeout_s=2, ttl_s=60)
    client = aioredis.Redis.from_url(redis_url)
    try:
        store = backend.privacy
        await store.issue(Issue(POOL, request("o1"), T0))
        await store.issue(Issue(SHARED, request("o1", shop="shop-b"), T0))
        await store.add_callers(AddCallers(SHARED, "shop-b", ("13900000002",)))
        await store.append_call(AppendCall(SHOP, record(T0), 0))
        names = sorted(k.decode() for k in await client.keys("gw:*"))
        assert calls_key(SHOP) in names and VIRTUAL_KEY in names
        lasting = {VIRTUAL_KEY, "gw:{pool:shared}:pv:callers", "gw:{pool:shared}:pv:callers:shop-b"}
        assert lasting <= set(names)
        for name in set(names) - {VIRTUAL_KEY}:
            assert name.startswith(("gw:{shop:shop-a}:pv:", "gw:{pool:shared}:pv:"))
        # Bindings and records expire for clean-up only, far beyond any binding's end: whether a
        # binding is live is decided by the request's clock. Callers stay until removed.
        for name in set(names) - lasting:
            assert 30 * 86400 < await client.ttl(name) <= KEEP_S
        for name in lasting:
            assert await client.ttl(name) == -1
    finally:
        await client.aclose()
        await backend.aclose()


async def test_two_redis_clients_racing_bind_each_number_once(redis_url: str) -> None:
    backends = [
        RedisBackend.from_url(redis_url, max_connections=16, timeout_s=2, ttl_s=60)
        for _ in range(2)
    ]
    try:
        pool = PoolRef(SHOP, SHOP, tuple(f"170{i:08d}" for i in range(40)))
        outcomes = await asyncio.gather(
            *(backends[i % 2].privacy.issue(Issue(pool, request(f"o{i}"), T0)) for i in range(200)),
            *(backends[i % 2].privacy.issue(Issue(pool, request("same"), T0)) for i in range(20)),
        )
        numbers = [o.binding.number for o in outcomes if o.status == "created" and o.binding]
        assert len(numbers) == len(set(numbers)) == 40
        same = {o.binding.number for o in outcomes[200:] if o.binding}
        assert len(same) <= 1
    finally:
        for backend in backends:
            await backend.aclose()


async def test_a_lost_free_list_is_rebuilt_once_without_rebinding(redis_url: str) -> None:
    backend = RedisBackend.from_url(redis_url, max_connections=16, timeout_s=2, ttl_s=60)
    client = aioredis.Redis.from_url(redis_url)
    try:
        store = backend.privacy
        first = await store.issue(Issue(POOL, request("o1"), T0))
        assert first.binding is not None
        _, _, _, _, fresh, synced = pool_keys(POOL, SHOP)
        await client.delete(fresh, synced)  # as if evicted
        syncs = 0
        original = store._sync

        async def counting(**kwargs: object) -> object:
            nonlocal syncs
            syncs += 1
            return await original(**kwargs)

        store._sync = counting
        outcomes = await asyncio.gather(
            *(store.issue(Issue(POOL, request(f"n{i}"), T0)) for i in range(10))
        )
        assert syncs == 1
        numbers = {o.binding.number for o in outcomes if o.binding}
        assert numbers == {"17100000002", "17100000003"}
        assert first.binding.number not in numbers
    finally:
        await client.aclose()
        await backend.aclose()
