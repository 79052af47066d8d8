"""A gateway with a shop that has shop, agent and admin keys, a webhook receiver and a fake bot;
helpers that drive a conversation through a ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.backend import MemoryBackend, RedisBackend, StoreBackend
from gateway.core.config import load_config, load_settings
from tests.conftest import FakeClock
from tests.gateway.conftest import FakeBot, sha, shop_doc, write_config

SHOP = "shop-c"
SHOP_KEY = "shop-c-key-0123456789"
AGENT_KEY = "shop-c-agent-key-0123"
ADMIN_KEY = "shop-c-admin-key-0123"
DIVERTING = "亲，加我微信 abc12345 给您便宜"  # messenger, general: 30 points on JD
CLEAN = "亲，现货48小时内发货"


@dataclass
class Hooks:
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def events(self, name: str) -> list[dict[str, Any]]:
        return [body for body in self.received if body["event"] == name]


@pytest.fixture
async def hooks(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Hooks:
    found = Hooks()

    async def hook(request: web.Request) -> web.Response:
        found.received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    found.url = str(server.make_url("/hook"))
    return found


@dataclass
class Shop:
    client: TestClient[web.Request, web.Application]
    app: web.Application
    store: StoreBackend
    clock: FakeClock
    bot: FakeBot
    hooks: Hooks

    async def call(
        self, method: str, path: str, key: str = ADMIN_KEY, body: Any = None
    ) -> tuple[int, Any]:
        response = await self.client.request(
            method, f"/v1/shops/{SHOP}{path}", json=body,
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        return response.status, await response.json()

    async def send(self, text: str, conversation_id: str = "c1", **extra: Any) -> Any:
        status, body = await self.call(
            "POST", "/messages", SHOP_KEY,
            {"conversation_id": conversation_id, "shopper_id": "u1", "text": text, **extra},
        )  # fmt: skip
        assert status == 200, body
        return body

    async def compliance(self, key: str = ADMIN_KEY) -> Any:
        status, body = await self.call("GET", "/compliance", key)
        assert status == 200, body
        return body

    async def ticket_of(self, conversation_id: str) -> dict[str, Any]:
        for state in ("pending", "assigned"):
            status, body = await self.call("GET", f"/handoffs?state={state}", AGENT_KEY)
            assert status == 200, body
            for ticket in body["tickets"]:
                if ticket["conversation_id"] == conversation_id:
                    found: dict[str, Any] = ticket
                    return found
        raise AssertionError(f"no open ticket for {conversation_id}")

    async def agent(self, ticket_id: str, step: str, body: Any = None) -> Any:
        status, answer = await self.call("POST", f"/handoffs/{ticket_id}/{step}", AGENT_KEY, body)
        assert status == 200, answer
        return answer

    async def handled(self, conversation_id: str, score: int | None = None) -> str:
        """A conversation handed to a person, answered, resolved (and rated): its ticket."""
        body = await self.send("转人工", conversation_id)
        assert body["route"] == "human"
        ticket = (await self.ticket_of(conversation_id))["ticket_id"]
        await self.agent(ticket, "claim")
        await self.agent(ticket, "messages", {"text": "您好，我是客服小王"})
        await self.agent(ticket, "resolve")
        if score is not None:
            status, rated = await self.call(
                "POST", f"/conversations/{conversation_id}/rating", SHOP_KEY, {"score": score}
            )
            assert status == 201, rated
        return str(ticket)


def shop_config(bot_url: str, hook_url: str, **compliance: Any) -> dict[str, Any]:
    doc = shop_doc(SHOP, bot_url, SHOP_KEY)
    doc["api_keys"] += [
        {"id": "agent-1", "role": "agent", "sha256": sha(AGENT_KEY)},
        {"id": "admin-1", "role": "admin", "sha256": sha(ADMIN_KEY)},
    ]
    doc["escalation"] = {"webhook": {"url": hook_url, "backoff_s": 0.01, "retries": 0}}
    doc["compliance"] = {"satisfaction": {"min_ratings": 2}, **compliance}
    return doc


@pytest.fixture
def compliance_settings() -> dict[str, Any]:
    """A test changes the shop's compliance section by updating this before ``shop``."""
    return {}


@pytest.fixture(params=["memory", "redis"])
async def shop(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_bot: FakeBot,
    hooks: Hooks,
    compliance_settings: dict[str, Any],
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
    clock: FakeClock,
) -> AsyncIterator[Shop]:
    config = write_config(
        tmp_path / "config", [shop_config(fake_bot.url, hooks.url, **compliance_settings)]
    )
    store: StoreBackend
    if request.param == "memory":
        store = MemoryBackend(3600, clock)
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisBackend.from_url(url, max_connections=32, timeout_s=2.0, ttl_s=3600)
    app = create_app(
        load_settings(config), load_config(config, {}), {}, clock=clock,
        backend_factory=lambda _: store,
    )  # fmt: skip
    client = await aiohttp_client(app)
    yield Shop(client, app, store, clock, fake_bot, hooks)
