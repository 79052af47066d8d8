"""Fixtures for the gateway's tests: each store backend, a fake bot, config directories, a
running gateway app."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.backend import MemoryBackend, RedisBackend, StoreBackend
from gateway.conversations.store import Ownership
from gateway.core.config import load_config, load_settings
from gateway.handoffs.store import Escalate, new_ticket_id
from tests.conftest import REPO, FakeClock

TTL_S = 3600


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[StoreBackend]:
    """Every store contract test runs once against each implementation."""
    if request.param == "memory":
        store: StoreBackend = MemoryBackend(TTL_S, clock)
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisBackend.from_url(url, max_connections=32, timeout_s=2.0, ttl_s=TTL_S)
    yield store
    await store.aclose()


async def hand_to_human(
    backend: StoreBackend, shop_id: str, conversation_id: str, reason: str, at: float
) -> Ownership:
    """Hand a conversation to a human the way a failing bot does: open (or join) its ticket."""
    step = Escalate(shop_id, conversation_id, new_ticket_id(at), (reason,), at)
    return (await backend.handoffs.escalate(step)).ownership


SHOP_KEY = "shop-a-key-0123456789"
AGENT_KEY = "shop-a-agent-key-0123"
AGENT2_KEY = "shop-a-agent-key-4567"
OTHER_SHOP_KEY = "shop-b-key-9876543210"
DEAD_BOT_SHOP_KEY = "shop-dead-key-5555555"
DEAD_BOT_URL = "http://127.0.0.1:1/answer"  # nothing listens on port 1: connection refused


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class FakeBot:
    """A bot whose behaviour each test sets: answer text, status, delay, raw body."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: str = "亲，您好，有什么可以帮您？"
    status: int = 200
    raw_body: bytes | None = None
    delay_s: float = 0.0
    failures_before_success: int = 0
    url: str = ""
    server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.failures_before_success > 0:
            self.failures_before_success -= 1
            return web.Response(status=503, text="busy")
        if self.raw_body is not None:
            return web.Response(
                status=self.status, body=self.raw_body, content_type="application/json"
            )
        return web.json_response({"text": self.answer}, status=self.status)


@pytest.fixture
async def fake_bot(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeBot:
    bot = FakeBot()
    app = web.Application()
    app.router.add_post("/answer", bot.handle)
    server = await aiohttp_server(app)
    bot.url = str(server.make_url("/answer"))
    bot.server = server
    return bot


def shop_doc(shop_id: str, bot_url: str, key: str, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "shop_id": shop_id,
        "platform": "jd",
        "upstream": {"url": bot_url, "timeout_s": 0.5, "retries": 1, "retry_backoff_s": 0},
        "api_keys": [{"id": f"{shop_id}-key", "role": "shop", "sha256": sha(key)}],
        "replies": {"holding": "正在为您转接人工客服，请稍候…", "fallback": "抱歉，请稍后再问。"},
    }
    doc.update(overrides)
    return doc


def write_config(root: Path, shops: list[dict[str, Any]], **settings: Any) -> Path:
    """A config directory with these shops, the shipped platform presets and lexicons."""
    (root / "shops").mkdir(parents=True, exist_ok=True)
    for shared in ("platforms", "lexicons"):
        if not (root / shared).exists():
            shutil.copytree(REPO / "config" / shared, root / shared)
    (root / "gateway.yaml").write_text(
        yaml.safe_dump(
            {"demo_bot": False, "handoff_sweep_interval_s": 0, **settings}, allow_unicode=True
        ),
        "utf-8",
    )
    for doc in shops:
        (root / "shops" / f"{doc['shop_id']}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True), "utf-8"
        )
    return root


@pytest.fixture
def config_dir(tmp_path: Path, fake_bot: FakeBot) -> Path:
    shop_a = shop_doc("shop-a", fake_bot.url, SHOP_KEY)
    shop_a["api_keys"].append({"id": "agent-1", "role": "agent", "sha256": sha(AGENT_KEY)})
    shop_a["api_keys"].append({"id": "agent-2", "role": "agent", "sha256": sha(AGENT2_KEY)})
    shop_a["escalation"] = {"queue_timeout_s": 300, "agent_idle_timeout_s": 60}
    return write_config(
        tmp_path / "config",
        [
            shop_a,
            shop_doc("shop-b", fake_bot.url, OTHER_SHOP_KEY),
            shop_doc("shop-dead", DEAD_BOT_URL, DEAD_BOT_SHOP_KEY),
        ],
    )


@dataclass
class Gateway:
    client: TestClient[web.Request, web.Application]
    app: web.Application
    store: StoreBackend
    clock: FakeClock

    async def send(
        self,
        text: str,
        *,
        conversation_id: str = "c1",
        key: str = SHOP_KEY,
        shop: str = "shop-a",
        **extra: Any,
    ) -> Any:
        body = {"conversation_id": conversation_id, "shopper_id": "u1", "text": text, **extra}
        return await self.client.post(
            f"/v1/shops/{shop}/messages", json=body, headers={"Authorization": f"Bearer {key}"}
        )


@pytest.fixture(params=["memory", "redis"])
async def gateway(
    request: pytest.FixtureRequest,
    config_dir: Path,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
    clock: FakeClock,
) -> AsyncIterator[Gateway]:
    """A gateway app on each store implementation, talking to the fake bot."""
    settings = load_settings(config_dir)
    store: StoreBackend
    if request.param == "memory":
        store = MemoryBackend(3600, clock)
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisBackend.from_url(url, max_connections=32, timeout_s=2.0, ttl_s=3600)
    app = create_app(
        settings, load_config(config_dir, {}), {}, clock=clock, backend_factory=lambda _: store
    )
    client = await aiohttp_client(app)
    yield Gateway(client, app, store, clock)
