"""Feedback phrases take effect when the configuration is (re)loaded, never at once: at start-up
once the store is open, and on every reload. A store that cannot give them refuses the reload."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import gateway.app as app_module
from gateway.app import create_app
from gateway.appkeys import CONFIG
from gateway.backend import MemoryBackend, StoreBackend
from gateway.core.config import load_config, load_settings
from gateway.core.errors import StoreUnavailable
from gateway.feedback.memory import MemoryFeedbackStore
from gateway.feedback.store import Phrase, Record, ShopPhrase
from tests.conftest import FakeClock
from tests.gateway.conftest import FakeBot, Gateway
from tests.gateway.feedback.conftest import (
    BLOCKED,
    CLEAN,
    check,
    get_feedback,
    recorded,
)

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


async def in_force(gateway: Gateway) -> dict[str, object]:
    page = await (await get_feedback(gateway)).json()
    phrases: dict[str, object] = page["phrases_in_force"]
    return phrases


async def test_a_deny_phrase_blocks_a_clean_text_after_a_reload(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    assert await check(gateway, CLEAN) == "allow"
    deny = {"kind": "deny", "text": "喵喵宝"}
    body = await recorded(gateway, text=CLEAN, expected="stop", category="abuse", phrase=deny)
    assert body["verdict"]["action"] == "allow"  # what is in force disagrees with the admin
    assert await check(gateway, CLEAN) == "allow"  # not before the reload
    assert await in_force(gateway) == {"allow": [], "deny": {}}

    assert await gateway.app[CONFIG].reload()
    assert await check(gateway, CLEAN) == "block"
    assert await in_force(gateway) == {"allow": [], "deny": {"abuse": ["喵喵宝"]}}
    fake_bot.answer = CLEAN
    answer = await (await gateway.send("有什么推荐")).json()
    assert answer["reply"] == {"text": "抱歉，请稍后再问。", "from": "gateway"}
    assert [f["category"] for f in answer["findings"]] == ["abuse"]


async def test_an_allow_phrase_lets_a_blocked_text_through_after_a_reload(
    gateway: Gateway,
) -> None:
    assert await check(gateway, BLOCKED) == "block"
    allow = {"kind": "allow", "text": "傻子牌"}
    body = await recorded(gateway, text=BLOCKED, expected="pass", phrase=allow)
    assert body["verdict"]["action"] == "block"
    assert await check(gateway, BLOCKED) == "block"

    assert await gateway.app[CONFIG].reload()
    assert await check(gateway, BLOCKED) == "allow"
    assert await check(gateway, "亲，你个傻子") == "block"  # the banned word alone still is
    assert await in_force(gateway) == {"allow": ["傻子牌"], "deny": {}}


async def test_a_deny_phrase_in_the_shops_own_category_follows_its_rule(
    gateway: Gateway,
) -> None:
    deny = {"kind": "deny", "text": "喵喵宝"}
    await recorded(gateway, text=CLEAN, expected="stop", category="competitor", phrase=deny)
    assert await gateway.app[CONFIG].reload()
    # A shop's own category without a rule is blocked (README: "blocked unless configured").
    assert await check(gateway, CLEAN) == "block"
    assert await in_force(gateway) == {"allow": [], "deny": {"competitor": ["喵喵宝"]}}


async def test_the_newest_entry_on_a_phrase_decides(gateway: Gateway) -> None:
    text = "亲，这款傻子牌喵喵宝最好吃"
    deny = {"kind": "deny", "text": "喵喵宝"}
    await recorded(gateway, text=text, expected="stop", category="abuse", phrase=deny)
    await recorded(gateway, text=text, expected="pass", phrase={"kind": "allow", "text": "傻子牌"})
    await recorded(gateway, text=text, expected="pass", phrase={"kind": "allow", "text": "喵喵宝"})
    assert await gateway.app[CONFIG].reload()
    assert await in_force(gateway) == {"allow": ["傻子牌", "喵喵宝"], "deny": {}}
    assert await check(gateway, text) == "allow"


async def _app(
    config_dir: Path, store: StoreBackend, clock: FakeClock, aiohttp_client: ClientFactory
) -> TestClient[web.Request, web.Application]:
    settings = load_settings(config_dir)
    app = create_app(
        settings, load_config(config_dir, {}), {}, clock=clock, backend_factory=lambda _: store
    )
    return await aiohttp_client(app)


async def test_phrases_in_the_store_are_in_force_from_start_up(
    backend: StoreBackend, config_dir: Path, clock: FakeClock, aiohttp_client: ClientFactory
) -> None:
    step = Record("shop-a", CLEAN, "stop", "abuse", None, Phrase("deny", "喵喵宝"), clock(), "a")
    await backend.feedback.record(step)
    client = await _app(config_dir, backend, clock, aiohttp_client)
    holder = client.app[CONFIG]
    assert holder.phrases_loaded
    assert holder.current.guardrails["shop-a"].check(CLEAN).action.label == "block"
    assert (await client.get("/readyz")).status == 200


class FlakyFeedback:
    """The memory feedback store, but its phrases cannot be read while ``failing``."""

    def __init__(self) -> None:
        self.inner = MemoryFeedbackStore()
        self.failing = True

    async def record(self, step: Record) -> object:
        return await self.inner.record(step)

    async def entries(self, shop_id: str, before: str | None, limit: int) -> object:
        return await self.inner.entries(shop_id, before, limit)

    async def phrases(self, shop_id: str) -> list[ShopPhrase]:
        if self.failing:
            raise StoreUnavailable("the store (Redis) is not reachable")
        return await self.inner.phrases(shop_id)


class FlakyBackend(MemoryBackend):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__(3600, clock)
        self.flaky = FlakyFeedback()

    @property
    def feedback(self) -> FlakyFeedback:  # type: ignore[override]
        return self.flaky


async def test_not_ready_until_the_phrases_are_loaded_then_tried_again(
    config_dir: Path,
    clock: FakeClock,
    aiohttp_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(app_module, "PHRASES_RETRY_S", 0.01)
    backend = FlakyBackend(clock)
    step = Record("shop-a", CLEAN, "stop", "abuse", None, Phrase("deny", "喵喵宝"), clock(), "a")
    await backend.flaky.inner.record(step)
    with caplog.at_level(logging.ERROR):
        client = await _app(config_dir, backend, clock, aiohttp_client)
    assert "config.phrases_unavailable" in [r.getMessage() for r in caplog.records]
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["feedback_phrases"] == "not_loaded"

    backend.flaky.failing = False
    holder = client.app[CONFIG]
    for _ in range(200):
        if holder.phrases_loaded:
            break
        await asyncio.sleep(0.01)
    assert holder.phrases_loaded
    assert (await client.get("/readyz")).status == 200
    assert holder.current.guardrails["shop-a"].check(CLEAN).action.label == "block"


async def test_a_reload_that_cannot_read_the_store_keeps_the_old_configuration(
    config_dir: Path,
    clock: FakeClock,
    aiohttp_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = FlakyBackend(clock)
    backend.flaky.failing = False
    client = await _app(config_dir, backend, clock, aiohttp_client)
    holder = client.app[CONFIG]
    before = holder.current
    step = Record("shop-a", CLEAN, "stop", "abuse", None, Phrase("deny", "喵喵宝"), clock(), "a")
    await backend.flaky.inner.record(step)

    backend.flaky.failing = True
    with caplog.at_level(logging.ERROR):
        assert await holder.reload() is False
    assert holder.current is before
    [refused] = [r for r in caplog.records if r.getMessage() == "config.reload_refused"]
    assert "shop feedback phrases" in refused.fields["error"]  # type: ignore[attr-defined]
    assert holder.current.guardrails["shop-a"].check(CLEAN).action.label == "allow"
    assert (await client.get("/readyz")).status == 200  # what is in force is whole

    backend.flaky.failing = False
    assert await holder.reload()
    assert holder.current.guardrails["shop-a"].check(CLEAN).action.label == "block"
