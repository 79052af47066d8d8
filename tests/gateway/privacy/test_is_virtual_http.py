"""GET /v1/privacy-numbers/{number}/is-virtual: an order system's shipping-phone check."""

from __future__ import annotations

import pytest
import yaml

from gateway.appkeys import CONFIG
from tests.gateway.privacy.conftest import (
    B_KEY,
    POOL_A,
    SHARED,
    SHOP_KEY,
    SHOPPER,
    TELEPHONY_KEY,
    Privacy,
)


async def check(pv: Privacy, number: str, key: str = TELEPHONY_KEY) -> tuple[int, object]:
    response = await pv.get(f"/v1/privacy-numbers/{number}/is-virtual", key)
    return response.status, await response.json()


@pytest.mark.parametrize(
    ("number", "answer"),
    [
        (POOL_A[0], {"number": POOL_A[0], "virtual": True}),
        (f"+86 {SHARED[1]}", {"number": SHARED[1], "virtual": True}),  # configured, never issued
        (SHOPPER, {"number": "138****8000", "virtual": False}),  # a shopper's: masked
        ("010-66668888", {"number": "010****8888", "virtual": False}),
    ],
)
async def test_pool_numbers_are_virtual_and_others_are_not(
    pv: Privacy, number: str, answer: dict[str, object]
) -> None:
    assert await check(pv, number) == (200, answer)


async def test_an_issued_number_stays_virtual_after_it_leaves_the_pool(pv: Privacy) -> None:
    number = (await pv.issued("order-1"))["virtual_number"]
    holder = pv.app[CONFIG]
    path = holder.current.source / "shops" / "shop-a.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["privacy"]["numbers"] = [n for n in doc["privacy"]["numbers"] if str(n) != number]
    path.write_text(yaml.safe_dump(doc))
    assert await holder.reload()
    assert await check(pv, number) == (200, {"number": number, "virtual": True})
    # So is every number of a pool that was issued from, issued or not (it may have been).
    unused = POOL_A[2]
    doc["privacy"]["numbers"] = [n for n in doc["privacy"]["numbers"] if str(n) != unused]
    path.write_text(yaml.safe_dump(doc))
    assert await holder.reload()
    assert await check(pv, unused) == (200, {"number": unused, "virtual": True})


async def test_any_shop_key_or_the_telephony_key_may_ask(pv: Privacy) -> None:
    for key in (TELEPHONY_KEY, SHOP_KEY, B_KEY):
        assert (await check(pv, POOL_A[0], key))[0] == 200
    assert (await check(pv, POOL_A[0], "wrong"))[0] == 401
    response = await pv.client.get(f"/v1/privacy-numbers/{POOL_A[0]}/is-virtual")
    assert response.status == 401


async def test_something_that_is_no_phone_number_is_400(pv: Privacy) -> None:
    assert (await check(pv, "hello"))[0] == 400
