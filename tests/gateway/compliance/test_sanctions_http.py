"""From clean to warned to suspended through the real message path; re-enabling bot mode behind
the admin key and the satisfaction gate; monitor and off modes; agents' replies in the ledger."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.gateway.compliance.conftest import (
    ADMIN_KEY,
    AGENT_KEY,
    CLEAN,
    DIVERTING,
    SHOP_KEY,
    Hooks,
    Shop,
)

FALLBACK = "抱歉，请稍后再问。"


async def until(hooks: Hooks, name: str, count: int = 1) -> list[dict[str, Any]]:
    for _ in range(100):
        if len(hooks.events(name)) >= count:
            break
        await asyncio.sleep(0.01)
    return hooks.events(name)


async def test_clean_then_warned_then_suspended_and_the_bot_is_never_called(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    report = await shop.compliance()
    assert report["sanctions"]["level"] == "clean" and report["bot_mode"]["state"] == "on"
    assert report["quality_score"] == {"day": 100, "30d": 100}
    shop.bot.answer = DIVERTING
    with caplog.at_level(logging.INFO):
        for n in range(2):
            body = await shop.send("在吗", f"c{n}")
            assert body["reply"] == {"text": FALLBACK, "from": "gateway"}
    report = await shop.compliance()
    assert report["sanctions"] == {
        "level": "warned", "points": 60, "warn_at": 60, "suspend_at": 120,
        "counting_since": None, "warned_at": shop.clock.now,
    }  # fmt: skip
    [warned] = await until(shop.hooks, "compliance.warned")
    assert (warned["shop_id"], warned["points"]) == ("shop-c", 60)
    month = report["ledger"]["enforce"]["30d"]
    assert month["categories"] == {"messenger": {"points": 60, "texts": 2, "findings": 2}}
    assert month["authors"] == {"bot": {"points": 60, "texts": 2, "findings": 2}}
    assert report["quality_score"]["30d"] == 90  # two general violations, 5 each
    [newest, _] = report["recent"]
    assert newest["violations"][0]["evidence"] and "abc12345" not in str(newest)
    assert newest["ref"].startswith("conversation:") and "c1" not in newest["ref"]

    for n in range(2, 4):
        await shop.send("在吗", f"c{n}")
    report = await shop.compliance()
    assert report["sanctions"]["level"] == "suspended" and report["sanctions"]["points"] == 120
    assert report["bot_mode"]["state"] == "suspended" and report["bot_mode"]["by"] == "gateway"
    [change] = report["bot_mode"]["history"]
    assert (change["enabled"], change["by"]) == (False, "gateway")
    assert "120 points" in change["reason"]
    [suspended] = await until(shop.hooks, "compliance.suspended")
    assert suspended["points"] == 120

    asked = len(shop.bot.requests)
    for conversation in ("c9", "c1"):
        body = await shop.send("请问什么时候发货", conversation)
        assert body["route"] == "human" and body["reply"]["from"] == "gateway"
    assert len(shop.bot.requests) == asked  # a suspended shop never calls its bot
    ticket = await shop.ticket_of("c9")
    assert ticket["reasons"] == ["bot_suspended"]
    logged = "\n".join(r.getMessage() + str(getattr(r, "fields", "")) for r in caplog.records)
    assert "compliance.suspended" in logged and "abc12345" not in logged
    assert DIVERTING not in logged


async def test_re_enabling_needs_the_admin_key_and_the_satisfaction_threshold(
    shop: Shop,
) -> None:
    off = {"enabled": False, "reason": "reviewing the corpus"}
    status, body = await shop.call("POST", "/bot-mode", ADMIN_KEY, off)
    assert status == 200 and body == {
        "bot_mode": {"enabled": False, "state": "off", "since": shop.clock.now,
                     "by": "admin-1", "reason": "reviewing the corpus"},
        "changed": True,
    }  # fmt: skip
    assert (await shop.send("在吗", "x0"))["route"] == "human"
    assert shop.bot.requests == []
    assert (await shop.ticket_of("x0"))["reasons"] == ["bot_mode_off"]

    enable = {"enabled": True, "reason": "corpus rectified"}
    for key in (SHOP_KEY, AGENT_KEY):
        status, body = await shop.call("POST", "/bot-mode", key, enable)
        assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await shop.call("POST", "/bot-mode", ADMIN_KEY, enable)
    assert status == 409 and body["error"]["code"] == "satisfaction_below_threshold"
    assert body["error"]["details"]["rate"] is None and "no figure" in body["error"]["message"]

    await shop.handled("r1", score=5)
    await shop.handled("r2", score=2)  # 1 of 2 satisfied: 50%
    status, body = await shop.call("POST", "/bot-mode", ADMIN_KEY, enable)
    assert status == 409 and body["error"]["details"]["rate"] == 0.5
    assert body["error"]["details"]["source"] == "ratings"
    await shop.handled("r3", score=4)
    await shop.handled("r4", score=5)  # 3 of 4: exactly 75%
    status, body = await shop.call("POST", "/bot-mode", ADMIN_KEY, enable)
    assert status == 200 and body["bot_mode"]["state"] == "on" and body["changed"]
    status, again = await shop.call("POST", "/bot-mode", ADMIN_KEY, enable)
    assert status == 200 and not again["changed"]
    assert (await shop.send("在吗", "x1"))["route"] == "bot"
    report = await shop.compliance()
    assert report["satisfaction"]["rate"] == 0.75 and report["satisfaction"]["meets_threshold"]
    assert [(c["enabled"], c["by"]) for c in report["bot_mode"]["history"]] == [
        (True, "admin-1"), (False, "admin-1"),
    ]  # fmt: skip
    assert report["sanctions"]["counting_since"] == shop.clock.now


async def test_the_platforms_figure_wins_over_ratings(shop: Shop) -> None:
    await shop.handled("r1", score=5)
    await shop.handled("r2", score=5)
    status, body = await shop.call("PUT", "/satisfaction", ADMIN_KEY, {"rate": 0.7})
    assert status == 200 and (body["rate"], body["source"]) == (0.7, "platform")
    assert body["platform"] == {"rate": 0.7, "set_at": shop.clock.now, "by": "admin-1"}
    await shop.call("POST", "/bot-mode", ADMIN_KEY, {"enabled": False, "reason": "check"})
    status, body = await shop.call("POST", "/bot-mode", ADMIN_KEY,
                                   {"enabled": True, "reason": "ok"})  # fmt: skip
    assert status == 409 and "70.0% (from platform)" in body["error"]["message"]
    status, body = await shop.call("PUT", "/satisfaction", ADMIN_KEY, {"rate": None})
    assert (body["rate"], body["source"]) == (1.0, "ratings")
    status, _ = await shop.call("POST", "/bot-mode", ADMIN_KEY, {"enabled": True, "reason": "ok"})
    assert status == 200


async def test_re_enabling_starts_the_points_again(shop: Shop) -> None:
    shop.bot.answer = DIVERTING
    for n in range(4):
        await shop.send("在吗", f"c{n}")
    assert (await shop.compliance())["bot_mode"]["state"] == "suspended"
    await shop.call("PUT", "/satisfaction", ADMIN_KEY, {"rate": 0.9})
    status, _ = await shop.call("POST", "/bot-mode", ADMIN_KEY,
                                {"enabled": True, "reason": "corpus rectified"})  # fmt: skip
    assert status == 200
    shop.clock.advance(1)
    await shop.send("在吗", "c10")
    report = await shop.compliance()
    assert report["sanctions"]["points"] == 30 and report["sanctions"]["level"] == "clean"
    assert report["ledger"]["enforce"]["30d"]["points"] == 150  # the ledger forgets nothing


@pytest.mark.parametrize("compliance_settings", [{"mode": "monitor"}])
async def test_monitor_mode_delivers_the_bots_text_unchanged_and_records_everything(
    shop: Shop,
) -> None:
    shop.bot.answer = DIVERTING
    for n in range(5):
        body = await shop.send("在吗", f"c{n}")
        assert body["route"] == "bot"
        assert body["reply"] == {"text": DIVERTING, "from": "bot"}
        assert [f["category"] for f in body["findings"]] == ["messenger"]
        assert body["findings"][0]["action"] == "block"  # what enforce would have done
    assert len(shop.bot.requests) == 5
    report = await shop.compliance()
    assert report["mode"] == "monitor" and report["bot_mode"]["state"] == "on"
    assert report["sanctions"]["points"] == 0 and report["sanctions"]["level"] == "clean"
    assert report["monitor"]["would_be"] == "suspended" and report["monitor"]["points"] == 150
    assert report["monitor"]["suspended_at"] == shop.clock.now
    assert report["ledger"]["monitor"]["30d"]["entries"] == 5
    assert report["ledger"]["enforce"]["30d"]["entries"] == 0
    assert {entry["mode"] for entry in report["recent"]} == {"monitor"}
    await asyncio.sleep(0.05)
    assert shop.hooks.events("compliance.suspended") == []  # nothing really happened


@pytest.mark.parametrize("compliance_settings", [{"mode": "off"}])
async def test_off_mode_delivers_unchanged_and_records_nothing(shop: Shop) -> None:
    shop.bot.answer = DIVERTING
    body = await shop.send("在吗")
    assert body["reply"] == {"text": DIVERTING, "from": "bot"} and body["findings"] == []
    assert (await shop.compliance())["ledger"]["enforce"]["30d"]["entries"] == 0


async def test_agents_replies_are_recorded_under_their_key_and_never_sanction(
    shop: Shop,
) -> None:
    await shop.send("转人工")
    ticket = (await shop.ticket_of("c1"))["ticket_id"]
    await shop.agent(ticket, "claim")
    for _ in range(5):
        status, body = await shop.call("POST", f"/handoffs/{ticket}/messages", AGENT_KEY,
                                       {"text": "加我微信 abc12345 私聊"})  # fmt: skip
        assert status == 422 and body["error"]["code"] == "reply_blocked"
    report = await shop.compliance()
    month = report["ledger"]["enforce"]["30d"]
    assert month["authors"] == {"agent:agent-1": {"points": 150, "texts": 5, "findings": 5}}
    assert report["sanctions"]["points"] == 0 and report["bot_mode"]["state"] == "on"
    assert report["quality_score"]["30d"] == 100  # the bot's answers are clean
    assert report["recent"][0]["ref"] == f"ticket:{ticket}"


async def test_clean_answers_leave_no_trace(shop: Shop) -> None:
    shop.bot.answer = CLEAN
    await shop.send("什么时候发货")
    report = await shop.compliance(SHOP_KEY)  # the shop key may read its standing too
    assert report["recent"] == [] and report["ledger"]["enforce"]["day"]["entries"] == 0
