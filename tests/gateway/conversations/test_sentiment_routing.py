"""Shopper sentiment on the message path, with the shipped model: scored while the bot thinks,
a negative message goes to a human without waiting for the bot, a clean one gets the bot's
answer; and the loop-lag monitor that watches the event loop while this runs."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from gateway.core.looplag import LoopLagMonitor
from tests.gateway.conftest import FakeBot, Gateway


async def test_a_negative_message_goes_to_a_human_without_waiting_for_the_bot(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.delay_s = 0.4  # a slow bot, inside its 0.5 s timeout
    started = time.perf_counter()
    response = await gateway.send("质量太差了，用了两天就坏了，你们到底管不管")
    elapsed = time.perf_counter() - started
    body = await response.json()
    assert response.status == 200
    assert body["route"] == "human"
    assert await gateway.store.handoffs.reasons("shop-a", "c1") == ["negative"]
    assert elapsed < 0.3  # the bot's answer was not waited for


async def test_a_clean_message_gets_the_bots_answer(gateway: Gateway, fake_bot: FakeBot) -> None:
    fake_bot.delay_s = 0.1
    fake_bot.answer = "亲，M码有货的，今天下单明天发"
    response = await gateway.send("请问这件M码还有货吗？什么时候能发")
    body = await response.json()
    assert body["route"] == "bot"
    assert body["reply"]["text"] == "亲，M码有货的，今天下单明天发"
    assert len(fake_bot.requests) == 1


async def test_check_reports_the_messages_sentiment(gateway: Gateway) -> None:
    async def check(text: str) -> dict[str, object]:
        response = await gateway.client.post(
            "/v1/shops/shop-a/check",
            json={"text": text, "direction": "message"},
            headers={"Authorization": "Bearer shop-a-key-0123456789"},
        )
        return dict(await response.json())

    calm, angry, emoji = (
        await check("我想改一下收货地址"),
        await check("非常不满意，一点都不好用，你们到底管不管？"),
        await check("😡😡😡"),
    )
    assert calm["action"] == "allow" and isinstance(calm["sentiment"], float)
    assert angry["action"] == "escalate" and angry["reasons"] == ["negative"]
    assert isinstance(angry["sentiment"], float) and angry["sentiment"] < calm["sentiment"]
    assert emoji["sentiment"] is None and emoji["action"] == "escalate"  # three angry emoji: a cue


async def test_loop_lag_monitor_reports_a_stall(caplog: pytest.LogCaptureFixture) -> None:
    """A task that holds the loop for 10 ms in every pass: every sample the monitor takes spans
    one of those stalls."""
    monitor = LoopLagMonitor(report_s=3600, interval_s=0.001)
    stop = asyncio.Event()

    async def hog() -> None:
        while not stop.is_set():
            time.sleep(0.01)  # noqa: ASYNC251 - holding the loop is the point
            await asyncio.sleep(0)

    with caplog.at_level(logging.INFO, logger="gateway.loop"):
        tasks = [asyncio.create_task(hog()), asyncio.create_task(monitor.run(stop))]
        await asyncio.sleep(0.15)
        stop.set()
        await asyncio.gather(*tasks)
        monitor.report()
    records = [r for r in caplog.records if r.getMessage() == "loop.lag"]
    assert len(records) == 1
    fields = records[0].fields  # type: ignore[attr-defined]
    assert fields["samples"] >= 3
    assert fields["p50_ms"] >= 9
    assert fields["max_ms"] >= fields["p99_ms"] >= fields["p50_ms"]
