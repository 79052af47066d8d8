"""Escalation triggers over HTTP, the agent API, the shopper's long poll, time-outs, webhooks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.appkeys import HANDOFFS
from tests.gateway.conftest import AGENT2_KEY, AGENT_KEY, SHOP_KEY, FakeBot, Gateway

HOLDING = "正在为您转接人工客服，请稍候…"


async def call(gateway: Gateway, method: str, path: str, key: str = AGENT_KEY,
               body: Any = None) -> tuple[int, Any]:  # fmt: skip
    response = await gateway.client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {key}"}
    )
    return response.status, await response.json()


async def queue(gateway: Gateway, state: str = "pending") -> list[dict[str, Any]]:
    status, body = await call(gateway, "GET", f"/v1/shops/shop-a/handoffs?state={state}")
    assert status == 200
    tickets: list[dict[str, Any]] = body["tickets"]
    return tickets


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("转人工", "human_request"),
        ("你这机器人答非所问，我要找真人客服", "human_request"),
        ("轉人工！！！", "human_request"),
        ("再不处理我就打12315投诉你们", "sensitive"),
        ("孩子玩的时候被划伤了，流了好多血", "sensitive"),
        ("什么垃圾东西，气死我了！！！😡", "negative"),
    ],
)
async def test_a_message_that_needs_a_human_never_reaches_the_bot(
    gateway: Gateway, fake_bot: FakeBot, text: str, reason: str
) -> None:
    body = await (await gateway.send(text, message_id="m1")).json()
    assert body["route"] == "human"
    assert body["reply"] == {"text": HOLDING, "from": "gateway"}
    assert fake_bot.requests == []
    [ticket] = await queue(gateway)
    assert reason in ticket["reasons"] and ticket["state"] == "pending"
    assert ticket["last_messages"][0]["text"] == text


@pytest.mark.parametrize(
    "text",
    ["你们是人工还是机器人呀？", "相机的曝光补偿怎么调", "我想改一下收货地址", "支持110V电压吗"],
)
async def test_ordinary_questions_go_to_the_bot(
    gateway: Gateway, fake_bot: FakeBot, text: str
) -> None:
    body = await (await gateway.send(text)).json()
    assert body["route"] == "bot" and len(fake_bot.requests) == 1
    assert await queue(gateway) == []


async def test_check_endpoint_message_direction(gateway: Gateway) -> None:
    status, body = await call(
        gateway,
        "POST",
        "/v1/shops/shop-a/check",
        SHOP_KEY,
        {"text": "转人工", "direction": "message"},
    )
    assert status == 200
    assert body["action"] == "escalate" and body["reasons"] == ["human_request"]


async def test_the_second_identical_answer_is_not_sent(gateway: Gateway, fake_bot: FakeBot) -> None:
    fake_bot.answer = "亲，请您耐心等待，我们会尽快处理。"
    first = await (await gateway.send("我的退款呢", message_id="m1")).json()
    assert first["route"] == "bot"
    fake_bot.answer = "亲，请您耐心等待，我们会尽快处理！"  # near-identical
    second = await (await gateway.send("好的，那退款大概几天能到", message_id="m2")).json()
    assert second["route"] == "human" and second["reply"]["from"] == "gateway"
    [ticket] = await queue(gateway)
    assert ticket["reasons"] == ["repeated_answer"]
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 20)
    assert [m.author for m in log].count("bot") == 1  # the repeat never reached the shopper


async def test_different_answers_are_not_repeats(gateway: Gateway, fake_bot: FakeBot) -> None:
    for index, answer in enumerate(["亲，您的订单已发货", "亲，您的订单已签收", "亲，退款已到账"]):
        fake_bot.answer = answer
        body = await (await gateway.send(f"问题{index}", message_id=f"m{index}")).json()
        assert body["route"] == "bot"


async def test_bot_failure_opens_a_ticket_and_later_messages_join_it(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.status = 500
    await gateway.send("在吗", message_id="m1")
    fake_bot.status = 200
    body = await (await gateway.send("转人工", message_id="m2")).json()
    assert body["route"] == "human" and body["reply"] is None  # a human owns it already
    [ticket] = await queue(gateway)
    assert ticket["reasons"] == ["bot_http_error"]
    assert [m["text"] for m in ticket["last_messages"]][-1] == "转人工"


async def test_agent_claims_replies_and_resolves(gateway: Gateway, fake_bot: FakeBot) -> None:
    await gateway.send("转人工", message_id="m1")
    [ticket] = await queue(gateway)
    base = f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}"

    status, claimed = await call(gateway, "POST", base + "/claim")
    assert status == 200 and claimed["state"] == "assigned" and claimed["assigned_to"] == "agent-1"
    status, error = await call(gateway, "POST", base + "/claim", AGENT2_KEY)
    assert status == 409 and error["error"]["details"] == {"state": "assigned"}
    status, error = await call(gateway, "POST", base + "/messages", AGENT2_KEY, {"text": "hi"})
    assert status == 409  # not this agent's ticket

    status, sent = await call(
        gateway, "POST", base + "/messages", body={"text": "您好，我是客服小王"}
    )
    assert status == 200 and sent["delivered"] == "您好，我是客服小王"

    body = await (await gateway.send("我的快递丢了", message_id="m2")).json()
    assert body["route"] == "human" and fake_bot.requests == []  # never sent to the bot

    status, resolved = await call(gateway, "POST", base + "/resolve")
    assert status == 200 and resolved["state"] == "resolved"
    body = await (await gateway.send("好的谢谢", message_id="m3")).json()
    assert body["route"] == "bot" and len(fake_bot.requests) == 1
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 20)
    assert [(m.author, m.text) for m in log] == [
        ("shopper", "转人工"), ("gateway", HOLDING), ("agent", "您好，我是客服小王"),
        ("shopper", "我的快递丢了"), ("shopper", "好的谢谢"), ("bot", fake_bot.answer),
    ]  # fmt: skip


async def test_agent_replies_are_filtered(gateway: Gateway) -> None:
    await gateway.send("转人工", message_id="m1")
    [ticket] = await queue(gateway)
    base = f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}"
    await call(gateway, "POST", base + "/claim")
    status, error = await call(
        gateway, "POST", base + "/messages", body={"text": "加我微信 kefu_888 私聊，便宜点"}
    )
    assert status == 422 and error["error"]["code"] == "reply_blocked"
    assert {d["category"] for d in error["error"]["details"]} >= {"messenger"}
    status, sent = await call(gateway, "POST", base + "/messages", body={"text": "这是全网最低价"})
    assert status == 200 and sent["delivered"] == "这是***"  # redacted, then delivered
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 20)
    assert [m.text for m in log if m.author == "agent"] == ["这是***"]


async def test_many_agents_claim_at_once_exactly_one_wins(gateway: Gateway) -> None:
    await gateway.send("转人工", message_id="m1")
    [ticket] = await queue(gateway)
    path = f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}/claim"
    results = await asyncio.gather(
        *(call(gateway, "POST", path, key) for key in [AGENT_KEY, AGENT2_KEY] * 10)
    )
    assert sorted(status for status, _ in results) == [200] + [409] * 19


async def test_idle_claim_goes_back_to_the_queue(gateway: Gateway) -> None:
    await gateway.send("转人工", message_id="m1")
    [ticket] = await queue(gateway)
    await call(gateway, "POST", f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}/claim")
    gateway.clock.advance(59)
    await gateway.app[HANDOFFS].sweep_once()
    assert await queue(gateway) == []
    gateway.clock.advance(2)
    await gateway.app[HANDOFFS].sweep_once()
    [again] = await queue(gateway)
    assert again["ticket_id"] == ticket["ticket_id"] and again["assigned_to"] is None
    status, _ = await call(
        gateway, "POST", f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}/claim", AGENT2_KEY
    )
    assert status == 200


async def test_unclaimed_ticket_expires_and_the_shopper_is_told(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    await gateway.send("转人工", message_id="m1")
    gateway.clock.advance(301)
    await gateway.app[HANDOFFS].sweep_once()
    assert await queue(gateway) == []
    [expired] = await queue(gateway, "expired")
    assert expired["state"] == "expired"
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 20)
    assert "客服暂时都在忙" in log[-1].text and log[-1].author == "gateway"
    body = await (await gateway.send("那我留个言：尺码要换成L", message_id="m2")).json()
    assert body["route"] == "bot"  # the bot answers again; the message is in the log


async def test_long_poll_waits_for_the_agent_and_resumes_by_cursor(gateway: Gateway) -> None:
    await gateway.send("转人工", message_id="m1")
    [ticket] = await queue(gateway)
    base = f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}"
    await call(gateway, "POST", base + "/claim")
    url = "/v1/shops/shop-a/conversations/c1/messages"
    status, page = await call(gateway, "GET", url, SHOP_KEY)
    cursor = page["next_cursor"]
    assert [m["from"] for m in page["messages"]] == ["shopper", "gateway"]

    async def agent_answers_later() -> None:
        await asyncio.sleep(0.3)
        await call(gateway, "POST", base + "/messages", body={"text": "您好，在的"})

    waiting = asyncio.create_task(call(gateway, "GET", f"{url}?after={cursor}&wait=5", SHOP_KEY))
    await agent_answers_later()
    status, page = await waiting
    assert status == 200 and [m["text"] for m in page["messages"]] == ["您好，在的"]
    status, empty = await call(gateway, "GET", f"{url}?after={page['next_cursor']}&wait=0.3",
                               SHOP_KEY)  # fmt: skip
    assert empty["messages"] == [] and empty["next_cursor"] == page["next_cursor"]


async def test_long_poll_rejects_bad_queries(gateway: Gateway) -> None:
    url = "/v1/shops/shop-a/conversations/c1/messages"
    for query in ("wait=31", "wait=-1", "after=abc", "limit=0"):
        status, body = await call(gateway, "GET", f"{url}?{query}", SHOP_KEY)
        assert status == 400, query


async def test_unknown_ticket_is_404(gateway: Gateway) -> None:
    status, body = await call(gateway, "POST", "/v1/shops/shop-a/handoffs/nope/claim")
    assert status == 404 and body["error"]["code"] == "unknown_ticket"


async def test_webhook_is_retried_until_delivered(
    gateway: Gateway,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=503 if len(received) == 1 else 204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    from gateway.appkeys import CONFIG

    holder = gateway.app[CONFIG]
    shop = holder.current.shops.shops["shop-a"]
    webhook = {"url": str(server.make_url("/hook")), "backoff_s": 0.01}
    patched = shop.model_copy(update={"escalation": shop.escalation.model_copy(
        update={"webhook": type(shop.escalation).model_fields["webhook"].annotation.__args__[0](  # type: ignore[union-attr]
            **webhook)})})  # fmt: skip
    shops = holder.current.shops
    holder._current = type(holder.current)(  # a shop whose webhook points at the test server
        shops=type(shops)({**shops.shops, "shop-a": patched}, shops.keys),
        guardrails=holder.current.guardrails, screen=holder.current.screen,
        source=holder.current.source, loaded_at=0,
    )  # fmt: skip
    with caplog.at_level(logging.INFO):
        await gateway.send("转人工", message_id="m1")
        for _ in range(50):
            if len(received) >= 2:
                break
            await asyncio.sleep(0.02)
    assert len(received) == 2
    assert received[0]["event"] == "handoff.created" and received[0]["reasons"] == ["human_request"]
    events = [r.getMessage() for r in caplog.records]
    assert "webhook.failed" in events and "webhook.delivered" in events


async def test_bot_killed_mid_conversation_loses_and_duplicates_nothing(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    assert (await (await gateway.send("在吗", message_id="m0")).json())["route"] == "bot"
    assert fake_bot.server is not None
    await fake_bot.server.close()  # the bot is gone
    during = [f"停机期间的第{i}条消息" for i in range(8)]
    for index, text in enumerate(during):
        body = await (await gateway.send(text, message_id=f"d{index}")).json()
        assert body["route"] == "human"
        retry = await gateway.send(text, message_id=f"d{index}")  # a client retry
        assert (await retry.json())["route"] == "human"
    [ticket] = await queue(gateway)
    assert ticket["reasons"] == ["bot_unreachable"]
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 100)
    shopper = [m.text for m in log if m.author == "shopper"]
    assert shopper == ["在吗", *during]  # every message, once, in order
