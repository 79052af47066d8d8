"""POST /v1/shops/{shop_id}/messages: the proxy path, its errors, and bot faults."""

from __future__ import annotations

import json
import logging

import pytest

from tests.gateway.conftest import (
    AGENT_KEY,
    DEAD_BOT_SHOP_KEY,
    OTHER_SHOP_KEY,
    SHOP_KEY,
    FakeBot,
    Gateway,
)


async def test_message_is_forwarded_and_the_answer_returned(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.answer = "亲，48小时内发货哦"
    response = await gateway.send("什么时候发货", message_id="m-1")
    assert response.status == 200
    assert await response.json() == {
        "conversation_id": "c1",
        "message_id": "m-1",
        "route": "bot",
        "reply": {"text": "亲，48小时内发货哦", "from": "bot"},
        "findings": [],
    }
    assert fake_bot.requests == [
        {
            "shop_id": "shop-a",
            "conversation_id": "c1",
            "shopper_id": "u1",
            "message_id": "m-1",
            "text": "什么时候发货",
        }
    ]


async def test_message_and_answer_are_written_to_the_conversation(gateway: Gateway) -> None:
    await gateway.send("在吗", message_id="m-1")
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 10)
    assert [(m.author, m.text) for m in log] == [
        ("shopper", "在吗"),
        ("bot", "亲，您好，有什么可以帮您？"),
    ]


async def test_message_id_is_generated_when_absent(gateway: Gateway, fake_bot: FakeBot) -> None:
    body = await (await gateway.send("你好")).json()
    assert len(body["message_id"]) == 32
    assert fake_bot.requests[0]["message_id"] == body["message_id"]


async def test_retried_message_id_replays_the_first_answer_without_calling_the_bot(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    first = await gateway.send("有货吗", message_id="m-7")
    fake_bot.answer = "a different answer"
    second = await gateway.send("有货吗", message_id="m-7")
    assert await second.json() == await first.json()
    assert second.headers["Idempotent-Replay"] == "true"
    assert len(fake_bot.requests) == 1
    assert len(await gateway.store.conversations.read_messages("shop-a", "c1", None, 10)) == 2


@pytest.mark.parametrize(
    ("shop", "key", "status", "code"),
    [
        ("nope", SHOP_KEY, 404, "unknown_shop"),
        ("shop-a", None, 401, "unauthorized"),
        ("shop-a", "wrong-key", 401, "unauthorized"),
        ("shop-a", OTHER_SHOP_KEY, 403, "forbidden"),
        ("shop-a", AGENT_KEY, 403, "forbidden"),
    ],
)
async def test_shop_and_key_errors(
    gateway: Gateway, fake_bot: FakeBot, shop: str, key: str | None, status: int, code: str
) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await gateway.client.post(
        f"/v1/shops/{shop}/messages",
        json={"conversation_id": "c1", "shopper_id": "u1", "text": "hi"},
        headers=headers,
    )
    assert response.status == status
    body = await response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert fake_bot.requests == []


@pytest.mark.parametrize(("header",), [("Basic abc",), ("Bearer",), ("Bearer    ",), (SHOP_KEY,)])
async def test_malformed_authorization_header_is_401(gateway: Gateway, header: str) -> None:
    response = await gateway.client.post(
        "/v1/shops/shop-a/messages",
        json={"conversation_id": "c1", "shopper_id": "u1", "text": "hi"},
        headers={"Authorization": header},
    )
    assert response.status == 401


@pytest.mark.parametrize(
    ("body", "status", "code", "mentions"),
    [
        (b'{"conversation_id": "c1", "shopper_id"', 400, "invalid_json", "JSON"),
        (b"", 400, "invalid_json", "empty"),
        (b"\xff\xfe", 400, "invalid_json", "JSON"),
        (b'["a list"]', 400, "validation_failed", "object"),
        (b'{"shopper_id": "u1", "text": "hi"}', 400, "validation_failed", "conversation_id"),
        (b'{"conversation_id": "c1", "text": "hi"}', 400, "validation_failed", "shopper_id"),
        (b'{"conversation_id": "c1", "shopper_id": "u1"}', 400, "validation_failed", "text"),
        (
            b'{"conversation_id": "c1", "shopper_id": "u1", "text": 5}',
            400,
            "validation_failed",
            "text",
        ),
        (
            b'{"conversation_id": "c 1", "shopper_id": "u1", "text": "x"}',
            400,
            "validation_failed",
            "conversation_id",
        ),
        (
            b'{"conversation_id": "c1", "shopper_id": "u1", "text": "x", "txet": 1}',
            400,
            "validation_failed",
            "txet",
        ),
        (
            b'{"conversation_id": "c1", "shopper_id": "u1", "text": ""}',
            400,
            "validation_failed",
            "empty",
        ),
        (
            b'{"conversation_id": "c1", "shopper_id": "u1", "text": "  \\n "}',
            400,
            "validation_failed",
            "empty",
        ),
    ],
)
async def test_bad_bodies_get_a_clear_error(
    gateway: Gateway, fake_bot: FakeBot, body: bytes, status: int, code: str, mentions: str
) -> None:
    response = await gateway.client.post(
        "/v1/shops/shop-a/messages",
        data=body,
        headers={"Authorization": f"Bearer {SHOP_KEY}", "Content-Type": "application/json"},
    )
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code
    assert mentions in error["message"]
    assert fake_bot.requests == []


async def test_text_over_2000_characters_is_413(gateway: Gateway, fake_bot: FakeBot) -> None:
    # A calm question: the model reads 好好好… as the sarcasm it usually is, and would escalate.
    assert (await gateway.send("这款有货吗" * 400)).status == 200
    response = await gateway.send("这款有货吗" * 400 + "?")
    assert response.status == 413
    assert "2000" in (await response.json())["error"]["message"]
    assert len(fake_bot.requests) == 1


async def test_oversized_body_is_413_json(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/v1/shops/shop-a/messages",
        data=b"x" * (70 * 1024),
        headers={"Authorization": f"Bearer {SHOP_KEY}"},
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_unknown_route_and_method_are_json_errors(gateway: Gateway) -> None:
    missing = await gateway.client.get("/v1/nothing")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await gateway.client.get("/v1/shops/shop-a/messages")
    assert wrong.status == 405
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"delay_s": 2.0}, "bot_timeout"),
        ({"status": 500}, "bot_http_error"),
        ({"status": 502}, "bot_http_error"),
        ({"raw_body": b"<html>oops</html>"}, "bot_bad_answer"),
        ({"raw_body": b'{"answer": "wrong field"}'}, "bot_bad_answer"),
        ({"raw_body": b'{"text": ""}'}, "bot_bad_answer"),
        ({"raw_body": b'{"text": 42}'}, "bot_bad_answer"),
        ({"raw_body": b'["text"]'}, "bot_bad_answer"),
        ({"status": 404}, "bot_bad_answer"),
    ],
)
async def test_bot_faults_end_in_a_holding_reply_and_a_handoff(
    gateway: Gateway,
    fake_bot: FakeBot,
    caplog: pytest.LogCaptureFixture,
    setup: dict[str, object],
    reason: str,
) -> None:
    for name, value in setup.items():
        setattr(fake_bot, name, value)
    with caplog.at_level(logging.INFO):
        response = await gateway.send("我的快递到哪了", message_id="m-1")
    assert response.status == 200
    body = await response.json()
    assert body["route"] == "human"
    assert body["reply"] == {"text": "正在为您转接人工客服，请稍候…", "from": "gateway"}
    store = gateway.store.conversations
    assert (await store.ownership("shop-a", "c1")).owner == "human"
    assert await gateway.store.handoffs.reasons("shop-a", "c1") == [reason]
    assert await gateway.store.handoffs.waiting_for_human("shop-a", 10) == ["c1"]
    log = await store.read_messages("shop-a", "c1", None, 10)
    assert [(m.author, m.text) for m in log][0] == ("shopper", "我的快递到哪了")
    errors = [r for r in caplog.records if r.getMessage() == "upstream.error"]
    assert errors and errors[0].fields["reason"] == reason  # type: ignore[attr-defined]


async def test_refused_connection_is_a_handoff(gateway: Gateway) -> None:
    response = await gateway.send("hello", shop="shop-dead", key=DEAD_BOT_SHOP_KEY)
    body = await response.json()
    assert body["route"] == "human"
    assert body["reply"]["from"] == "gateway"
    assert await gateway.store.handoffs.reasons("shop-dead", "c1") == ["bot_unreachable"]


async def test_transient_5xx_is_retried(gateway: Gateway, fake_bot: FakeBot) -> None:
    fake_bot.failures_before_success = 1
    body = await (await gateway.send("在吗")).json()
    assert body["route"] == "bot"
    assert len(fake_bot.requests) == 2


async def test_messages_after_a_handoff_stay_with_the_human(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.status = 500
    await gateway.send("第一条", message_id="m1")
    calls = len(fake_bot.requests)
    fake_bot.status = 200
    body = await (await gateway.send("第二条", message_id="m2")).json()
    assert body["route"] == "human" and body["reply"] is None
    assert len(fake_bot.requests) == calls
    texts = [
        m.text for m in await gateway.store.conversations.read_messages("shop-a", "c1", None, 10)
    ]
    assert "第一条" in texts and "第二条" in texts


async def test_decision_log_has_no_raw_text(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    from gateway.core.logging import JsonFormatter

    with caplog.at_level(logging.INFO):
        await gateway.send("我的手机号是13800138000", conversation_id="secret-conv")
    lines = [JsonFormatter().format(r) for r in caplog.records]
    decisions = [json.loads(line) for line in lines if '"message.decision"' in line]
    assert len(decisions) == 1
    decision = decisions[0]
    for field in (
        "ts",
        "shop",
        "conversation",
        "route",
        "rules",
        "upstream_status",
        "upstream_ms",
        "latency_ms",
        "text_hash",
    ):
        assert field in decision
    joined = "\n".join(lines)
    assert "13800138000" not in joined and "secret-conv" not in joined
    assert "手机号" not in joined
