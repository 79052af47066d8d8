"""The ConversationStore contract, run against the in-memory and the Redis implementation."""

from __future__ import annotations

import asyncio

import pytest

from gateway.backend import RedisBackend, StoreBackend
from gateway.conversations.store import (
    AppendReply,
    AppendShopperMessage,
    FinishWithReply,
    Ownership,
    RecordOutcome,
)
from gateway.core.errors import StoreUnavailable
from tests.gateway.conftest import hand_to_human

SHOP, CONV = "shop-a", "conv-1"


async def test_new_conversation_belongs_to_the_bot(backend: StoreBackend) -> None:
    assert await backend.conversations.ownership(SHOP, CONV) == Ownership("bot", 0)
    assert await backend.conversations.read_messages(SHOP, CONV, None, 10) == []


async def test_shopper_messages_are_kept_in_order(backend: StoreBackend) -> None:
    store = backend.conversations
    cursors = []
    for index in range(5):
        result = await store.append_shopper_message(
            AppendShopperMessage(SHOP, CONV, f"m{index}", f"问题{index}", 10.0)
        )
        assert not result.duplicate and result.cursor
        cursors.append(result.cursor)
    messages = await store.read_messages(SHOP, CONV, None, 100)
    assert [m.text for m in messages] == [f"问题{i}" for i in range(5)]
    assert [m.cursor for m in messages] == cursors
    assert {m.author for m in messages} == {"shopper"}
    assert messages[0].at == 10.0 and messages[0].message_id == "m0"


async def test_read_after_cursor_resumes_without_gaps_or_repeats(backend: StoreBackend) -> None:
    store = backend.conversations
    for index in range(7):
        await store.append_shopper_message(
            AppendShopperMessage(SHOP, CONV, f"m{index}", str(index), 1.0)
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.read_messages(SHOP, CONV, cursor, 3)
        if not page:
            break
        seen.extend(m.text for m in page)
        cursor = page[-1].cursor
    assert seen == [str(i) for i in range(7)]


async def test_same_message_id_is_written_once(backend: StoreBackend) -> None:
    store = backend.conversations
    first = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "在吗", 1.0))
    again = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "在吗", 2.0))
    assert again.duplicate and again.cursor is None and again.recorded_outcome is None
    assert first.cursor is not None
    await store.record_outcome(RecordOutcome(SHOP, CONV, "m1", '{"route": "bot"}'))
    third = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "在吗", 3.0))
    assert third.recorded_outcome == '{"route": "bot"}'
    assert len(await store.read_messages(SHOP, CONV, None, 10)) == 1


async def test_message_ids_are_per_conversation_and_per_shop(backend: StoreBackend) -> None:
    store = backend.conversations
    assert not (
        await store.append_shopper_message(AppendShopperMessage(SHOP, "c1", "m1", "a", 1.0))
    ).duplicate
    assert not (
        await store.append_shopper_message(AppendShopperMessage(SHOP, "c2", "m1", "b", 1.0))
    ).duplicate
    assert not (
        await store.append_shopper_message(AppendShopperMessage("shop-b", "c1", "m1", "c", 1.0))
    ).duplicate
    assert [m.text for m in await store.read_messages("shop-b", "c1", None, 10)] == ["c"]


async def test_append_reports_the_owner_at_write_time(backend: StoreBackend) -> None:
    store = backend.conversations
    await hand_to_human(backend, SHOP, CONV, "explicit", 1.0)
    result = await store.append_shopper_message(
        AppendShopperMessage(SHOP, CONV, "m2", "还在吗", 2.0)
    )
    assert result.ownership == Ownership("human", 1)


async def test_reply_is_dropped_when_the_version_moved_on(backend: StoreBackend) -> None:
    store = backend.conversations
    written = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 1.0))
    version = written.ownership.version
    await hand_to_human(backend, SHOP, CONV, "explicit", 2.0)
    dropped = await store.append_reply(
        AppendReply(SHOP, CONV, "bot", "m1", "机器人答复", 3.0, version)
    )
    assert dropped is None
    kept = await store.append_reply(AppendReply(SHOP, CONV, "gateway", "m1", "转人工中", 3.0, None))
    assert kept is not None
    texts = [(m.author, m.text) for m in await store.read_messages(SHOP, CONV, None, 10)]
    assert texts == [("shopper", "hi"), ("gateway", "转人工中")]


async def test_reply_with_current_version_is_appended(backend: StoreBackend) -> None:
    store = backend.conversations
    written = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 1.0))
    cursor = await store.append_reply(
        AppendReply(SHOP, CONV, "bot", "m1", "您好", 2.0, written.ownership.version)
    )
    assert cursor is not None
    messages = await store.read_messages(SHOP, CONV, written.cursor, 10)
    assert [(m.author, m.text, m.cursor) for m in messages] == [("bot", "您好", cursor)]


async def test_concurrent_writers_of_one_message_id_write_it_once(backend: StoreBackend) -> None:
    store = backend.conversations
    results = await asyncio.gather(
        *(
            store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "same", "重复提交", 1.0))
            for _ in range(20)
        )
    )
    assert sum(not r.duplicate for r in results) == 1
    assert len(await store.read_messages(SHOP, CONV, None, 100)) == 1


async def test_unicode_and_long_text_round_trip(backend: StoreBackend) -> None:
    text = "退货😡" * 500 + "\n\t\u200b 繁體字"
    await backend.conversations.append_shopper_message(
        AppendShopperMessage(SHOP, CONV, "m1", text, 1.0)
    )
    [message] = await backend.conversations.read_messages(SHOP, CONV, None, 10)
    assert message.text == text


async def test_ping_succeeds_on_a_live_backend(backend: StoreBackend) -> None:
    await backend.ping()


async def test_redis_backend_reports_unreachable_server() -> None:
    backend = RedisBackend.from_url(
        "redis://127.0.0.1:1/0", max_connections=2, timeout_s=0.5, ttl_s=60
    )
    try:
        with pytest.raises(StoreUnavailable):
            await backend.ping()
        with pytest.raises(StoreUnavailable):
            await backend.conversations.append_shopper_message(
                AppendShopperMessage(SHOP, CONV, "m", "t", 1.0)
            )
    finally:
        await backend.aclose()


async def test_finish_with_reply_appends_and_records_in_one_step(backend: StoreBackend) -> None:
    store = backend.conversations
    written = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 1.0))
    sent = await store.finish_with_reply(
        FinishWithReply(
            SHOP, CONV, "m1", "bot", "您好", 2.0, written.ownership.version, "SENT", "DROPPED"
        )
    )
    assert sent is True
    again = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 3.0))
    assert again.recorded_outcome == "SENT"
    assert [m.author for m in await store.read_messages(SHOP, CONV, None, 10)] == [
        "shopper",
        "bot",
    ]


async def test_finish_with_reply_after_owner_change_drops_and_records(
    backend: StoreBackend,
) -> None:
    store = backend.conversations
    written = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 1.0))
    await hand_to_human(backend, SHOP, CONV, "explicit", 1.5)
    sent = await store.finish_with_reply(
        FinishWithReply(
            SHOP, CONV, "m1", "bot", "您好", 2.0, written.ownership.version, "SENT", "DROPPED"
        )
    )
    assert sent is False
    assert (
        await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "hi", 3.0))
    ).recorded_outcome == ("DROPPED")
    assert [m.author for m in await store.read_messages(SHOP, CONV, None, 10)] == ["shopper"]
