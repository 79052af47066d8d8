"""POST /v1/calls/route (the telephony side) and GET /v1/shops/{shop_id}/calls (call records)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from gateway.backend import MemoryBackend
from tests.conftest import FakeClock
from tests.gateway.privacy.conftest import (
    ADMIN_KEY,
    AGENT_KEY,
    B_KEY,
    C_KEY,
    MAIN_A,
    MAIN_B,
    MAIN_C,
    POOL_A,
    SHARED,
    SHOP_KEY,
    SHOPPER,
    STRANGER,
    SUB_A,
    TELEPHONY_KEY,
    ClientFactory,
    Privacy,
    make_app,
    privacy_config,
)

DAY = 86400


async def test_a_registered_caller_reaches_the_shopper(pv: Privacy) -> None:
    number = (await pv.issued("order-1"))["virtual_number"]
    for caller in (MAIN_A, SUB_A, f"+86{MAIN_A}", f"{MAIN_A[:3]} {MAIN_A[3:7]} {MAIN_A[7:]}"):
        assert await pv.routed(caller, number) == {"action": "connect", "to": SHOPPER}


async def test_an_unregistered_caller_is_rejected(pv: Privacy) -> None:
    number = (await pv.issued("order-1"))["virtual_number"]
    assert await pv.routed(STRANGER, number) == {
        "action": "reject",
        "reason": "caller_not_registered",
    }
    assert (await pv.routed("anonymous", number))["reason"] == "caller_not_registered"
    # A caller of another shop is a stranger here, even on a shared pool's number.
    assert (await pv.routed(MAIN_B, number))["reason"] == "caller_not_registered"


async def test_a_number_without_a_binding_is_unknown(pv: Privacy) -> None:
    await pv.issued("order-1")
    for callee in (POOL_A[2], "13512345678", "not-a-number"):
        assert await pv.routed(MAIN_A, callee) == {"action": "reject", "reason": "unknown_number"}
    assert (await pv.routed(MAIN_B, SHARED[0]))["reason"] == "unknown_number"


async def test_an_ended_binding_is_expired(pv: Privacy) -> None:
    number = (await pv.issued("order-1"))["virtual_number"]
    pv.clock.advance(DAY - 0.001)
    assert (await pv.routed(MAIN_A, number))["action"] == "connect"
    pv.clock.advance(0.001)
    assert await pv.routed(MAIN_A, number) == {"action": "reject", "reason": "expired"}


async def test_a_shared_number_is_routed_by_its_caller(pv: Privacy) -> None:
    await pv.issued("order-b", shop="shop-b", key=B_KEY)
    assert (await pv.routed(MAIN_B, SHARED[0]))["to"] == SHOPPER
    assert (await pv.routed(MAIN_C, SHARED[0]))["reason"] == "unknown_number"
    assert (await pv.routed(STRANGER, SHARED[0]))["reason"] == "caller_not_registered"


@pytest.mark.parametrize(
    ("key", "status"), [(None, 401), ("wrong", 401), (SHOP_KEY, 403), (ADMIN_KEY, 403)]
)
async def test_routing_needs_the_telephony_key(pv: Privacy, key: str | None, status: int) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await pv.client.post(
        "/v1/calls/route", json={"caller": MAIN_A, "callee": POOL_A[0]}, headers=headers
    )
    assert response.status == status


async def test_routing_without_a_configured_telephony_key_is_503(
    tmp_path: Path, aiohttp_client: ClientFactory, clock: FakeClock
) -> None:
    config = privacy_config(tmp_path / "config", telephony_key_sha256=None)
    pv = await make_app(config, MemoryBackend(60, clock), clock, aiohttp_client)
    response = await pv.route(MAIN_A, POOL_A[0])
    assert response.status == 503
    assert "telephony_key_sha256" in (await response.json())["error"]["message"]


async def test_every_attempt_is_recorded_with_the_shopper_masked(pv: Privacy) -> None:
    number = (await pv.issued("order-1", conversation_id="conv-1"))["virtual_number"]
    await pv.routed(MAIN_A, number)
    pv.clock.advance(1)
    await pv.routed(STRANGER, number)
    pv.clock.advance(1)
    await pv.routed(MAIN_A, POOL_A[2])
    pv.clock.advance(1)
    await pv.routed(MAIN_A, "13512345678")  # not ours: no shop to record it for
    response = await pv.calls()
    assert response.status == 200
    body = await response.json()
    assert SHOPPER not in await response.text()
    calls = body["calls"]
    for call in calls:
        assert call.pop("id")
    now = pv.clock.now
    assert calls == [
        {
            "at": now - 1,
            "caller": MAIN_A,
            "virtual_number": POOL_A[2],
            "order_id": None,
            "conversation_id": None,
            "shopper": None,
            "result": "reject",
            "reason": "unknown_number",
        },
        {
            "at": now - 2,
            "caller": "137****1111",  # not the shop's phone: maybe a shopper's, so masked
            "virtual_number": number,
            "order_id": "order-1",
            "conversation_id": "conv-1",
            "shopper": "138****8000",
            "result": "reject",
            "reason": "caller_not_registered",
        },
        {
            "at": now - 3,
            "caller": MAIN_A,
            "virtual_number": number,
            "order_id": "order-1",
            "conversation_id": "conv-1",
            "shopper": "138****8000",
            "result": "connect",
            "reason": None,
        },
    ]
    assert body["until"] == now and body["since"] == now - DAY and body["next_cursor"] is None


async def test_records_of_a_shared_pool_go_to_the_callers_shop(pv: Privacy) -> None:
    await pv.issued("order-b", shop="shop-b", key=B_KEY)
    await pv.routed(MAIN_B, SHARED[0])
    await pv.routed(MAIN_C, SHARED[0])
    await pv.routed(STRANGER, SHARED[0])  # no shop can be told apart: logged, not recorded
    b = (await (await pv.calls("shop-b", B_KEY)).json())["calls"]
    assert [(c["caller"], c["result"]) for c in b] == [(MAIN_B, "connect")]
    c = (await (await pv.calls("shop-c", C_KEY)).json())["calls"]
    assert [(call["caller"], call["reason"]) for call in c] == [(MAIN_C, "unknown_number")]


async def test_records_default_to_the_last_day_and_go_back_30_days(pv: Privacy) -> None:
    number = (await pv.issued("order-1", ttl_s=3600))["virtual_number"]
    start = pv.clock.now
    await pv.routed(MAIN_A, number)
    pv.clock.advance(2 * DAY)
    await pv.routed(MAIN_A, number)
    assert [c["reason"] for c in (await (await pv.calls()).json())["calls"]] == ["expired"]
    wider = await (await pv.calls(since=str(pv.clock.now - 3 * DAY))).json()
    assert [c["result"] for c in wider["calls"]] == ["reject", "connect"]
    iso = await (await pv.calls(since="2027-01-15T00:00:00+08:00", until=str(start))).json()
    assert [c["result"] for c in iso["calls"]] == ["connect"]
    assert (await pv.calls(since=str(pv.clock.now - 30 * DAY))).status == 200

    too_far = await pv.calls(since=str(pv.clock.now - 31 * DAY))
    assert too_far.status == 400
    message = (await too_far.json())["error"]["message"]
    assert "30 days" in message and "since" in message
    backwards = await pv.calls(since=str(pv.clock.now), until=str(pv.clock.now - 10))
    assert backwards.status == 400
    assert (await pv.calls(since="yesterday")).status == 400
    assert (await pv.calls(limit="0")).status == 400
    assert (await pv.calls(cursor="nope")).status == 400


async def test_records_page_newest_first(pv: Privacy) -> None:
    number = (await pv.issued("order-1"))["virtual_number"]
    for _ in range(5):
        pv.clock.advance(1)
        await pv.routed(MAIN_A, number)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = await (await pv.calls(**params)).json()
        pages += 1
        seen.extend(call["at"] for call in body["calls"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [pv.clock.now - i for i in range(5)]


async def test_records_need_a_key_of_the_shop(pv: Privacy) -> None:
    assert (await pv.calls(key=AGENT_KEY)).status == 200
    assert (await pv.calls(key=B_KEY)).status == 403
    assert (await pv.calls(key=TELEPHONY_KEY)).status == 401


async def test_real_numbers_are_never_logged_nor_stored_in_clear(
    pv: Privacy, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    with caplog.at_level(logging.DEBUG):
        number = (await pv.issued("order-1", f"+86 {SHOPPER}"))["virtual_number"]
        await pv.routed(MAIN_A, number)
        await pv.routed(STRANGER, number)
        await pv.issue("order-1", "13612345678")
        await pv.issue("order-2", "13612345678")
        await pv.calls()
    logged = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "privacy.issued" in logged and "privacy.call_routed" in logged
    for real in (SHOPPER, "13612345678", STRANGER):
        assert real not in logged
    if "redis" in request.node.callspec.id:
        client = aioredis.Redis.from_url(request.getfixturevalue("redis_url"))
        try:
            assert SHOPPER.encode() not in b"".join(await stored_values(client))
        finally:
            await client.aclose()


async def stored_values(client: aioredis.Redis) -> list[bytes]:
    values: list[bytes] = []
    for key in await client.keys("*"):
        kind = (await client.type(key)).decode()
        if kind == "hash":
            for field, value in (await client.hgetall(key)).items():
                values += [field, value]
        elif kind == "zset":
            values += await client.zrange(key, 0, -1)
        elif kind == "set":
            values += list(await client.smembers(key))
        elif kind == "string":
            values.append(await client.get(key) or b"")
        else:
            raise AssertionError(f"unexpected {kind} at {key!r}")
    return values
