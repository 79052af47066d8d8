"""POST/DELETE /v1/shops/{shop_id}/privacy-numbers: issue, repeat, expiry, exhaustion, release."""

from __future__ import annotations

import pytest

from tests.gateway.privacy.conftest import (
    ADMIN_KEY,
    AGENT_KEY,
    B_KEY,
    C_KEY,
    MAIN_A,
    MAIN_B,
    MAIN_C,
    PLAIN_KEY,
    POOL_A,
    SHARED,
    SHOPPER,
    SHOPPER_2,
    Privacy,
)

DAY = 86400


async def test_issue_binds_a_pool_number_for_24_hours(pv: Privacy) -> None:
    response = await pv.issue("order-1", conversation_id="conv-9")
    assert response.status == 201
    body = await response.json()
    assert body == {
        "order_id": "order-1",
        "virtual_number": POOL_A[0],
        "shopper": "138****8000",
        "conversation_id": "conv-9",
        "issued_at": pv.clock.now,
        "expires_at": pv.clock.now + DAY,
        "created": True,
    }
    assert SHOPPER not in await response.text()


async def test_asking_again_returns_the_same_number_with_its_first_expiry(pv: Privacy) -> None:
    first = await pv.issued("order-1")
    pv.clock.advance(DAY - 1)
    response = await pv.issue("order-1", "+86 138-0013-8000", ttl_s=7200)
    assert response.status == 200
    again = await response.json()
    assert again["virtual_number"] == first["virtual_number"]
    assert again["expires_at"] == first["expires_at"]  # absolute: never extended by use
    assert again["created"] is False


async def test_after_expiry_the_order_gets_a_new_binding(pv: Privacy) -> None:
    first = await pv.issued("order-1")
    pv.clock.advance(DAY)
    assert (await pv.routed(MAIN_A, first["virtual_number"])) == {
        "action": "reject",
        "reason": "expired",
    }
    response = await pv.issue("order-1")
    assert response.status == 201
    renewed = await response.json()
    assert renewed["expires_at"] == pv.clock.now + DAY
    assert (await pv.routed(MAIN_A, renewed["virtual_number"]))["action"] == "connect"


async def test_ttl_s_sets_a_shorter_validity(pv: Privacy) -> None:
    body = await pv.issued("order-1", ttl_s=3600)
    assert body["expires_at"] == pv.clock.now + 3600
    pv.clock.advance(3600)
    assert (await pv.routed(MAIN_A, body["virtual_number"]))["reason"] == "expired"


async def test_exhausted_pool_is_503_with_retry_after_until_the_earliest_end(
    pv: Privacy,
) -> None:
    for index, ttl in enumerate((3 * 3600, 3600, 2 * 3600)):
        await pv.issued(f"order-{index}", ttl_s=ttl)
    pv.clock.advance(600.4)
    response = await pv.issue("order-late")
    assert response.status == 503
    assert response.headers["Retry-After"] == str(3600 - 600)
    error = (await response.json())["error"]
    assert error["code"] == "privacy_numbers_exhausted"
    assert "all 3 numbers" in error["message"] and "3000 s" in error["message"]
    pv.clock.advance(3000)
    response = await pv.issue("order-late")
    assert response.status == 201
    assert (await response.json())["virtual_number"] == POOL_A[1]  # order-1's, ended first


async def test_idempotency_key_makes_a_retry_safe(pv: Privacy) -> None:
    headers = {"Idempotency-Key": "6f1c3d1e-retry-1"}
    first = await pv.issue("order-1", headers=headers)
    assert first.status == 201
    retry = await pv.issue("order-1", headers=headers)
    assert retry.status == 200 and retry.headers["Idempotent-Replay"] == "true"
    assert (await retry.json())["virtual_number"] == (await first.json())["virtual_number"]
    misuse = await pv.issue("order-2", headers=headers)
    assert misuse.status == 409
    assert "Idempotency-Key" in (await misuse.json())["error"]["message"]
    bad = await pv.issue("order-3", headers={"Idempotency-Key": "has spaces in it"})
    assert bad.status == 400


async def test_same_order_for_another_shopper_is_409_until_released(pv: Privacy) -> None:
    first = await pv.issued("order-1")
    conflict = await pv.issue("order-1", SHOPPER_2)
    assert conflict.status == 409
    message = (await conflict.json())["error"]["message"]
    assert first["virtual_number"] in message and "DELETE" in message
    assert SHOPPER_2 not in message and SHOPPER not in message

    released = await pv.client.delete(
        "/v1/shops/shop-a/privacy-numbers/order-1", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert released.status == 200
    assert (await released.json())["expires_at"] == pv.clock.now
    assert (await pv.routed(MAIN_A, first["virtual_number"]))["reason"] == "expired"
    again = await pv.issue("order-1", SHOPPER_2)
    assert again.status == 201
    assert (await pv.routed(MAIN_A, (await again.json())["virtual_number"]))["to"] == SHOPPER_2


async def test_release_of_an_order_without_a_live_number_is_404(pv: Privacy) -> None:
    response = await pv.client.delete(
        "/v1/shops/shop-a/privacy-numbers/nothing", headers={"Authorization": "Bearer " + ADMIN_KEY}
    )
    assert response.status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_id": "o1", "shopper_phone": "12345"}, "shopper_phone"),
        ({"order_id": "o1", "shopper_phone": "010-12345678"}, "shopper_phone"),
        ({"order_id": "o1", "shopper_phone": POOL_A[1]}, "shopper_phone"),
        ({"order_id": "o 1", "shopper_phone": SHOPPER}, "order_id"),
        ({"order_id": "o1", "shopper_phone": SHOPPER, "ttl_s": 10}, "ttl_s"),
        ({"order_id": "o1", "shopper_phone": SHOPPER, "ttl_s": 8 * DAY}, "ttl_s"),
        ({"order_id": "o1", "shopper_phone": SHOPPER, "extra": 1}, "extra"),
        ({"shopper_phone": SHOPPER}, "order_id"),
    ],
)
async def test_invalid_requests_are_400_naming_the_field(
    pv: Privacy, body: dict[str, object], field: str
) -> None:
    response = await pv.client.post(
        "/v1/shops/shop-a/privacy-numbers",
        json=body,
        headers={"Authorization": "Bearer " + ADMIN_KEY},
    )
    assert response.status == 400
    message = (await response.json())["error"]["message"]
    assert field in message and "12345678" not in message


@pytest.mark.parametrize(
    ("shop", "key", "status", "code"),
    [
        ("shop-a", AGENT_KEY, 403, "forbidden"),
        ("shop-a", B_KEY, 403, "forbidden"),
        ("shop-a", "nope", 401, "unauthorized"),
        ("nope", ADMIN_KEY, 404, "unknown_shop"),
        ("plain", PLAIN_KEY, 404, "privacy_not_configured"),
    ],
)
async def test_issue_needs_a_shop_or_admin_key_of_a_shop_with_a_pool(
    pv: Privacy, shop: str, key: str, status: int, code: str
) -> None:
    response = await pv.issue("o1", shop=shop, key=key)
    assert response.status == status
    assert (await response.json())["error"]["code"] == code


async def test_shops_sharing_a_platform_pool_each_bind_its_numbers(pv: Privacy) -> None:
    b = await pv.issued("order-b", shop="shop-b", key=B_KEY)
    c = await pv.issued("order-c", SHOPPER_2, shop="shop-c", key=C_KEY)
    assert b["virtual_number"] == c["virtual_number"] == SHARED[0]
    assert c["expires_at"] == pv.clock.now + 3600  # shop-c's default_ttl_s
    assert (await pv.routed(MAIN_B, SHARED[0])) == {"action": "connect", "to": SHOPPER}
    assert (await pv.routed(MAIN_C, SHARED[0])) == {"action": "connect", "to": SHOPPER_2}
