"""The README's walk-through on the shipped demo shop, and pool changes by reload."""

from __future__ import annotations

import yaml

from gateway.app import create_app
from gateway.appkeys import CONFIG
from gateway.backend import MemoryBackend
from gateway.core.config import load_config, load_settings
from tests.conftest import REPO, FakeClock
from tests.gateway.privacy.conftest import MAIN_A, POOL_A, ClientFactory, Privacy


async def test_the_demo_walk_through(aiohttp_client: ClientFactory, clock: FakeClock) -> None:
    settings = load_settings(REPO / "config")
    store = MemoryBackend(3600, clock)
    app = create_app(
        settings, load_config(REPO / "config", {}), {}, clock=clock, backend_factory=lambda _: store
    )
    client = await aiohttp_client(app)
    shop = {"Authorization": "Bearer demo-shop-key"}
    admin = {"Authorization": "Bearer demo-admin-key"}
    telephony = {"Authorization": "Bearer demo-telephony-key"}

    issued = await client.post(
        "/v1/shops/demo/privacy-numbers",
        json={"order_id": "o-1001", "shopper_phone": "13800138000"},
        headers=shop,
    )
    assert issued.status == 201
    number = (await issued.json())["virtual_number"]
    assert number == "17100000001"
    route = {"caller": "13900139000", "callee": number}
    connect = await client.post("/v1/calls/route", json=route, headers=telephony)
    assert await connect.json() == {"action": "connect", "to": "13800138000"}
    stranger = {"caller": "13700001111", "callee": number}
    clock.advance(1)
    reject = await client.post("/v1/calls/route", json=stranger, headers=telephony)
    assert await reject.json() == {"action": "reject", "reason": "caller_not_registered"}
    added = await client.post(
        "/v1/shops/demo/callers", json={"numbers": ["13700001111"]}, headers=admin
    )
    assert (await added.json())["added"] == ["13700001111"]
    clock.advance(1)
    again = await client.post("/v1/calls/route", json=stranger, headers=telephony)
    assert (await again.json())["action"] == "connect"
    calls = await (await client.get("/v1/shops/demo/calls", headers=shop)).json()
    assert [c["result"] for c in calls["calls"]] == ["connect", "reject", "connect"]
    virtual = await client.get(f"/v1/privacy-numbers/{number}/is-virtual", headers=telephony)
    assert (await virtual.json())["virtual"] is True


async def test_numbers_added_by_reload_can_be_issued_at_once(pv: Privacy) -> None:
    for index in range(3):
        await pv.issued(f"order-{index}")
    assert (await pv.issue("order-3")).status == 503
    holder = pv.app[CONFIG]
    path = holder.current.source / "shops" / "shop-a.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["privacy"]["numbers"].append("17100000009")
    path.write_text(yaml.safe_dump(doc))
    assert await holder.reload()
    issued = await pv.issued("order-3")
    assert issued["virtual_number"] == "17100000009"
    assert (await pv.routed(MAIN_A, "17100000009"))["to"] == "13800138000"


async def test_a_number_withdrawn_by_reload_stops_routing_and_is_not_issued_again(
    pv: Privacy,
) -> None:
    first = await pv.issued("order-1")
    assert first["virtual_number"] == POOL_A[0]
    holder = pv.app[CONFIG]
    path = holder.current.source / "shops" / "shop-a.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["privacy"]["numbers"] = POOL_A[1:]
    path.write_text(yaml.safe_dump(doc))
    assert await holder.reload()
    assert (await pv.routed(MAIN_A, POOL_A[0]))["reason"] == "unknown_number"
    pv.clock.advance(86400)
    numbers = {(await pv.issued(f"next-{i}"))["virtual_number"] for i in range(2)}
    assert numbers == set(POOL_A[1:])
    assert (await pv.issue("one-more")).status == 503


async def test_a_reload_that_breaks_a_pool_is_refused(pv: Privacy) -> None:
    holder = pv.app[CONFIG]
    before = holder.current
    path = holder.current.source / "shops" / "shop-b.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["privacy"]["platform_pool"] = "gone"
    path.write_text(yaml.safe_dump(doc))
    assert not await holder.reload()
    assert holder.current is before
