"""Service-time clocks on every ticket, exact under a controlled clock: first replies, the share
of shopper messages a person answers within the window, warnings, the queue by urgency, and the
timeouts that now come from the platform preset."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.appkeys import COMPLIANCE, HANDOFFS
from tests.gateway.compliance.conftest import AGENT_KEY, SHOP_KEY, Shop


async def test_first_reply_and_answer_window_figures_are_exact(shop: Shop) -> None:
    t0 = shop.clock.now
    await shop.send("转人工", "a")  # t0: ticket A opens
    a = (await shop.ticket_of("a"))["ticket_id"]
    shop.clock.advance(12)
    await shop.agent(a, "claim")
    await shop.agent(a, "messages", {"text": "您好，在的"})  # first reply after 12 s
    shop.clock.advance(8)
    assert (await shop.send("我的快递到哪了", "a"))["route"] == "human"  # t0 + 20: waits
    shop.clock.advance(10)
    await shop.send("转人工", "b")  # t0 + 30: ticket B
    b = (await shop.ticket_of("b"))["ticket_id"]
    shop.clock.advance(10)
    await shop.send("转人工", "c")  # t0 + 40: ticket C, never answered
    shop.clock.advance(30)
    await shop.agent(b, "claim")
    await shop.agent(b, "messages", {"text": "您好"})  # t0 + 70: B's first reply after 40 s
    shop.clock.advance(150)
    await shop.agent(a, "messages", {"text": "已经帮您查了"})  # t0 + 220: 200 s late
    shop.clock.now = t0 + 220.5  # C's message (t0 + 40) is 180.5 s old: missed

    report = await shop.compliance()
    service = report["service_time"]
    assert (service["first_reply_target_s"], service["answer_window_s"]) == (30.0, 180.0)
    for window in ("day", "30d"):
        assert service[window] == {
            "tickets": 3,
            "first_replies": 2,
            "first_reply_p50_s": 12.0,
            "first_reply_p90_s": 40.0,
            "first_reply_within_target": 1,
            "answered_within_window": 2,  # A's first message (12 s), B's (40 s)
            "missed": 2,  # A's second (200 s), C's (never)
            "share_within_window": 0.5,
            "waiting": 0,
        }
    shop.clock.advance(24 * 3600)
    assert (await shop.compliance())["service_time"]["day"]["tickets"] == 0
    assert (await shop.compliance())["service_time"]["30d"]["tickets"] == 3


async def test_a_ticket_nearing_its_window_is_warned_of_once(shop: Shop) -> None:
    compliance = shop.app[COMPLIANCE]
    t0 = shop.clock.now
    await shop.send("转人工", "w")
    ticket = (await shop.ticket_of("w"))["ticket_id"]
    shop.clock.now = t0 + 20  # two thirds of JD's 30 s first-reply target is 20.1 s
    await compliance.sweep_once()
    shop.clock.now = t0 + 20.1
    await compliance.sweep_once()
    await compliance.sweep_once()
    await asyncio.sleep(0.05)
    [warning] = shop.hooks.events("handoff.sla_warning")
    assert warning == {
        "event": "handoff.sla_warning", "shop_id": "shop-c", "ticket_id": ticket,
        "conversation_id": "w", "state": "pending", "clock": "first_reply",
        "waiting_since": t0, "deadline": t0 + 30, "at": t0 + 20.1,
    }  # fmt: skip
    shop.clock.now = t0 + 25
    await shop.agent(ticket, "claim")
    await shop.agent(ticket, "messages", {"text": "您好"})
    shop.clock.now = t0 + 30
    await shop.send("还在吗", "w")
    shop.clock.now = t0 + 30 + 120.6  # two thirds of the 180 s answer window
    await compliance.sweep_once()
    await asyncio.sleep(0.05)
    second = shop.hooks.events("handoff.sla_warning")[-1]
    assert (second["clock"], second["state"], second["deadline"]) == (
        "answer", "assigned", t0 + 210,
    )  # fmt: skip
    # a ticket no longer open is not warned of
    await shop.agent(ticket, "resolve")
    await shop.send("转人工", "w2")
    cancelled = (await shop.ticket_of("w2"))["ticket_id"]
    status, _ = await shop.call("POST", f"/handoffs/{cancelled}/cancel", SHOP_KEY)
    assert status == 200
    shop.clock.advance(100)
    before = len(shop.hooks.events("handoff.sla_warning"))
    await compliance.sweep_once()
    await asyncio.sleep(0.05)
    assert len(shop.hooks.events("handoff.sla_warning")) == before


async def test_the_queue_can_be_ordered_by_urgency(shop: Shop) -> None:
    t0 = shop.clock.now
    await shop.send("转人工", "x")  # t0
    x = (await shop.ticket_of("x"))["ticket_id"]
    shop.clock.advance(1)
    await shop.agent(x, "claim")
    await shop.agent(x, "messages", {"text": "您好"})
    await shop.agent(x, "release")  # back in the queue at its first place, answered
    shop.clock.now = t0 + 50
    await shop.send("转人工", "y")  # first reply due at t0 + 80
    shop.clock.now = t0 + 100
    await shop.send("还有人吗", "x")  # due at t0 + 280
    status, body = await shop.call("GET", "/handoffs?state=pending", AGENT_KEY)
    assert [t["conversation_id"] for t in body["tickets"]] == ["x", "y"]
    status, body = await shop.call("GET", "/handoffs?state=pending&order=urgency", AGENT_KEY)
    assert status == 200
    assert [t["conversation_id"] for t in body["tickets"]] == ["y", "x"]
    due: dict[str, Any] = {t["conversation_id"]: t["service_time"] for t in body["tickets"]}
    assert due["y"] == {"waiting_since": t0 + 50, "deadline": t0 + 80, "clock": "first_reply",
                        "waiting": 1, "first_reply_at": None}  # fmt: skip
    assert due["x"] == {"waiting_since": t0 + 100, "deadline": t0 + 280, "clock": "answer",
                        "waiting": 1, "first_reply_at": t0 + 1}  # fmt: skip
    status, one = await shop.call("GET", f"/handoffs/{x}", AGENT_KEY)
    assert one["service_time"]["deadline"] == t0 + 280
    status, body = await shop.call("GET", "/handoffs?order=loudest", AGENT_KEY)
    assert status == 400 and body["error"]["code"] == "validation_failed"


async def test_an_unclaimed_ticket_expires_with_the_presets_window(shop: Shop) -> None:
    t0 = shop.clock.now
    await shop.send("转人工", "e")
    shop.clock.now = t0 + 180  # JD's preset: 180 s, no longer 600 s
    await shop.app[HANDOFFS].sweep_once()
    assert (await shop.ticket_of("e"))["state"] == "pending"
    shop.clock.now = t0 + 180.5
    await shop.app[HANDOFFS].sweep_once()
    status, body = await shop.call("GET", "/handoffs?state=expired", AGENT_KEY)
    assert [t["conversation_id"] for t in body["tickets"]] == ["e"]
