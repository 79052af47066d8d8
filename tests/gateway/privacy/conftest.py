"""Fixtures for privacy-number tests: shops with their own pool, a shared platform pool, apps."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.backend import MemoryBackend, RedisBackend, StoreBackend
from gateway.core.config import load_config, load_settings
from tests.conftest import FakeClock
from tests.gateway.conftest import DEAD_BOT_URL, sha, shop_doc, write_config

SHOP_KEY, ADMIN_KEY, AGENT_KEY = "pv-a-shop-key-0000", "pv-a-admin-key-000", "pv-a-agent-key-000"
B_KEY, B_ADMIN = "pv-b-shop-key-0000", "pv-b-admin-key-000"
C_KEY, C_ADMIN = "pv-c-shop-key-0000", "pv-c-admin-key-000"
PLAIN_KEY = "pv-plain-key-00000"
TELEPHONY_KEY = "telephony-key-for-the-tests"
PRIVACY_KEY = base64.b64encode(bytes(range(32))).decode()

POOL_A = ["17100000001", "17100000002", "17100000003"]
SHARED = ["17200000001", "17200000002"]
MAIN_A, SUB_A = "13900000001", "13900000002"
MAIN_B, MAIN_C = "13900000011", "13900000021"
SHOPPER, SHOPPER_2 = "13800138000", "13612345678"
STRANGER = "13700001111"


def keys(shop: str, shop_key: str, admin_key: str) -> list[dict[str, str]]:
    return [
        {"id": f"{shop}-shop", "role": "shop", "sha256": sha(shop_key)},
        {"id": f"{shop}-admin", "role": "admin", "sha256": sha(admin_key)},
    ]


def privacy_config(root: Path, **settings: Any) -> Path:
    shop_a = shop_doc("shop-a", DEAD_BOT_URL, SHOP_KEY)
    shop_a["api_keys"] = [
        *keys("a", SHOP_KEY, ADMIN_KEY),
        {"id": "a-agent", "role": "agent", "sha256": sha(AGENT_KEY)},
    ]
    # Written as people write YAML: numbers unquoted, with +86 and separators.
    shop_a["privacy"] = {
        "numbers": [int(n) for n in POOL_A],
        "main_caller": f"+86 {MAIN_A[:3]}-{MAIN_A[3:7]}-{MAIN_A[7:]}",
        "callers": [SUB_A],
    }
    shop_b = shop_doc("shop-b", DEAD_BOT_URL, B_KEY, api_keys=keys("b", B_KEY, B_ADMIN))
    shop_b["privacy"] = {"platform_pool": "shared", "main_caller": MAIN_B}
    shop_c = shop_doc("shop-c", DEAD_BOT_URL, C_KEY, api_keys=keys("c", C_KEY, C_ADMIN))
    shop_c["privacy"] = {"platform_pool": "shared", "main_caller": MAIN_C, "default_ttl_s": 3600}
    plain = shop_doc("plain", DEAD_BOT_URL, PLAIN_KEY)
    config = write_config(
        root,
        [shop_a, shop_b, shop_c, plain],
        **{"telephony_key_sha256": sha(TELEPHONY_KEY), "privacy_key": PRIVACY_KEY, **settings},
    )
    (config / "pools").mkdir(exist_ok=True)
    (config / "pools" / "shared.yaml").write_text(
        yaml.safe_dump({"pool": "shared", "numbers": SHARED})
    )
    return config


@pytest.fixture
def pv_config(tmp_path: Path) -> Path:
    return privacy_config(tmp_path / "config")


ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@dataclass
class Privacy:
    """A gateway app with privacy numbers, on one store, with time under the test's control."""

    client: TestClient[web.Request, web.Application]
    app: web.Application
    store: StoreBackend
    clock: FakeClock

    async def issue(
        self,
        order_id: str,
        phone: str = SHOPPER,
        *,
        shop: str = "shop-a",
        key: str = SHOP_KEY,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Any:
        return await self.client.post(
            f"/v1/shops/{shop}/privacy-numbers",
            json={"order_id": order_id, "shopper_phone": phone, **extra},
            headers={"Authorization": f"Bearer {key}", **(headers or {})},
        )

    async def issued(self, order_id: str, phone: str = SHOPPER, **kwargs: Any) -> dict[str, Any]:
        response = await self.issue(order_id, phone, **kwargs)
        assert response.status in (200, 201), await response.text()
        body: dict[str, Any] = await response.json()
        return body

    async def route(self, caller: str, callee: str, key: str = TELEPHONY_KEY) -> Any:
        return await self.client.post(
            "/v1/calls/route",
            json={"caller": caller, "callee": callee},
            headers={"Authorization": f"Bearer {key}"},
        )

    async def routed(self, caller: str, callee: str) -> dict[str, Any]:
        response = await self.route(caller, callee)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body

    async def get(self, path: str, key: str = SHOP_KEY, **params: Any) -> Any:
        return await self.client.get(
            path, params=params, headers={"Authorization": f"Bearer {key}"}
        )

    async def calls(self, shop: str = "shop-a", key: str = SHOP_KEY, **params: Any) -> Any:
        return await self.get(f"/v1/shops/{shop}/calls", key, **params)


async def make_app(
    config: Path,
    store: StoreBackend,
    clock: FakeClock,
    aiohttp_client: ClientFactory,
) -> Privacy:
    settings = load_settings(config)
    app = create_app(
        settings, load_config(config, {}), {}, clock=clock, backend_factory=lambda _: store
    )
    return Privacy(await aiohttp_client(app), app, store, clock)


@pytest.fixture(params=["memory", "redis"])
async def pv(
    request: pytest.FixtureRequest,
    pv_config: Path,
    aiohttp_client: ClientFactory,
    clock: FakeClock,
) -> AsyncIterator[Privacy]:
    """The privacy-number API on each store implementation."""
    store: StoreBackend
    if request.param == "memory":
        store = MemoryBackend(3600, clock)
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisBackend.from_url(url, max_connections=32, timeout_s=2.0, ttl_s=3600)
    yield await make_app(pv_config, store, clock, aiohttp_client)
