"""/v1/shops/{shop_id}/callers: the main number stays, admins add and remove the others."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.privacy.conftest import (
    ADMIN_KEY,
    B_ADMIN,
    C_ADMIN,
    MAIN_A,
    MAIN_B,
    MAIN_C,
    PLAIN_KEY,
    POOL_A,
    SHARED,
    SHOP_KEY,
    STRANGER,
    SUB_A,
    Privacy,
)


async def post(
    pv: Privacy, body: dict[str, Any], shop: str = "shop-a", key: str = ADMIN_KEY
) -> Any:
    return await pv.client.post(
        f"/v1/shops/{shop}/callers", json=body, headers={"Authorization": f"Bearer {key}"}
    )


async def delete(pv: Privacy, number: str, shop: str = "shop-a", key: str = ADMIN_KEY) -> Any:
    return await pv.client.delete(
        f"/v1/shops/{shop}/callers/{number}", headers={"Authorization": f"Bearer {key}"}
    )


async def added(pv: Privacy, shop: str = "shop-a", key: str = ADMIN_KEY) -> list[str]:
    body = await (await pv.get(f"/v1/shops/{shop}/callers", key)).json()
    return [caller["number"] for caller in body["callers"] if caller["kind"] == "added"]


async def test_the_main_number_and_configured_callers_are_listed(pv: Privacy) -> None:
    response = await pv.get("/v1/shops/shop-a/callers")
    assert response.status == 200
    assert await response.json() == {
        "callers": [{"number": MAIN_A, "kind": "main"}, {"number": SUB_A, "kind": "configured"}]
    }


async def test_an_admin_adds_callers_singly_or_in_batch(pv: Privacy) -> None:
    single = await post(pv, {"number": "+86 135-0000-0001"})
    assert single.status == 200
    assert (await single.json())["added"] == ["13500000001"]
    batch = await post(pv, {"numbers": ["13500000002", "8613500000003", "13500000001", MAIN_A]})
    body = await batch.json()
    assert body["added"] == ["13500000002", "13500000003"]
    assert body["already"] == ["13500000001", MAIN_A]
    assert body["callers"] == (await (await pv.get("/v1/shops/shop-a/callers")).json())["callers"]
    assert await added(pv) == ["13500000001", "13500000002", "13500000003"]
    number = (await pv.issued("order-1"))["virtual_number"]
    assert (await pv.routed("13500000003", number))["action"] == "connect"


async def test_invalid_numbers_are_400_naming_each(pv: Privacy) -> None:
    response = await post(pv, {"numbers": ["13500000002", "12345", "010-66668888", "23800138000"]})
    assert response.status == 400
    error = (await response.json())["error"]
    for bad in ("12345", "010-66668888", "23800138000"):
        assert bad in error["message"]
    assert "13500000002" not in error["message"]
    assert [d["value"] for d in error["details"]] == ["12345", "010-66668888", "23800138000"]
    assert await added(pv) == []


@pytest.mark.parametrize(
    "body",
    [{}, {"numbers": []}, {"number": "13500000001", "numbers": ["13500000002"]}, {"x": 1}],
)
async def test_malformed_bodies_are_400(pv: Privacy, body: dict[str, Any]) -> None:
    assert (await post(pv, body)).status == 400


async def test_a_privacy_number_cannot_be_a_caller(pv: Privacy) -> None:
    response = await post(pv, {"numbers": [POOL_A[0], SHARED[1]]})
    assert response.status == 400
    assert POOL_A[0] in (await response.json())["error"]["message"]


async def test_only_an_admin_key_changes_callers(pv: Privacy) -> None:
    assert (await post(pv, {"number": "13500000001"}, key=SHOP_KEY)).status == 403
    assert (await post(pv, {"number": "13500000001"}, key=B_ADMIN)).status == 403
    assert (await delete(pv, SUB_A, key=SHOP_KEY)).status == 403


async def test_the_main_number_cannot_be_removed(pv: Privacy) -> None:
    response = await delete(pv, MAIN_A)
    assert response.status == 409
    assert "main" in (await response.json())["error"]["message"]
    assert (await delete(pv, f"+86{MAIN_A}")).status == 409


async def test_a_configured_caller_is_removed_in_the_shop_file(pv: Privacy) -> None:
    response = await delete(pv, SUB_A)
    assert response.status == 409
    assert "privacy.callers" in (await response.json())["error"]["message"]


async def test_an_added_caller_is_removed_and_stops_connecting(pv: Privacy) -> None:
    await post(pv, {"number": "13500000001"})
    number = (await pv.issued("order-1"))["virtual_number"]
    assert (await pv.routed("13500000001", number))["action"] == "connect"
    response = await delete(pv, "13500000001")
    assert response.status == 200
    body = await response.json()
    assert body["removed"] == "13500000001" and len(body["callers"]) == 2
    assert (await pv.routed("13500000001", number))["reason"] == "caller_not_registered"
    assert (await delete(pv, "13500000001")).status == 404
    assert (await delete(pv, "not-a-phone")).status == 400


async def test_a_caller_belongs_to_one_shop_of_a_shared_pool(pv: Privacy) -> None:
    # Configured for shop-c, so shop-b cannot have it.
    clash = await post(pv, {"numbers": [STRANGER, MAIN_C]}, shop="shop-b", key=B_ADMIN)
    assert clash.status == 409
    assert MAIN_C in (await clash.json())["error"]["message"]
    # Added over the API for shop-c, so shop-b cannot have it either; nothing of the batch is kept.
    assert (await post(pv, {"number": "13500000009"}, shop="shop-c", key=C_ADMIN)).status == 200
    clash = await post(pv, {"numbers": [STRANGER, "13500000009"]}, shop="shop-b", key=B_ADMIN)
    assert clash.status == 409
    assert await added(pv, "shop-b", B_ADMIN) == []
    # Shop-a has its own pool: the same phone may call for it too.
    assert (await post(pv, {"numbers": ["13500000009", MAIN_B]})).status == 200


async def test_callers_of_a_shop_without_privacy_numbers_are_404(pv: Privacy) -> None:
    response = await pv.get("/v1/shops/plain/callers", PLAIN_KEY)
    assert response.status == 404
