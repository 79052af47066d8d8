"""/healthz and /readyz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.core.config import load_config, load_settings
from tests.gateway.conftest import Gateway

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


async def test_healthz_and_readyz_on_memory(gateway: Gateway) -> None:
    assert (await (await gateway.client.get("/healthz")).json()) == {"status": "ok"}
    ready = await gateway.client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["store"] == "ok"


async def _client(
    config_dir: Path, store_url: str, aiohttp_client: ClientFactory
) -> TestClient[web.Request, web.Application]:
    settings = load_settings(config_dir, store_url=store_url, store_timeout_s=0.5)
    return await aiohttp_client(create_app(settings, load_config(config_dir, {}), {}))


async def test_readyz_on_live_redis(
    config_dir: Path, redis_url: str, aiohttp_client: ClientFactory
) -> None:
    client = await _client(config_dir, redis_url, aiohttp_client)
    assert (await client.get("/readyz")).status == 200


async def test_unreachable_redis_is_not_ready_but_alive(
    config_dir: Path, aiohttp_client: ClientFactory
) -> None:
    client = await _client(config_dir, "redis://127.0.0.1:1/0", aiohttp_client)
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["store"] == "unreachable"
    response = await client.post(
        "/v1/shops/shop-a/messages",
        json={"conversation_id": "c1", "shopper_id": "u1", "text": "在吗"},
        headers={"Authorization": "Bearer shop-a-key-0123456789"},
    )
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "store_unavailable"
