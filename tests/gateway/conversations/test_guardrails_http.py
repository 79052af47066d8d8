"""Every bot answer goes through the shop's policy; POST /check gives the verdict alone."""

from __future__ import annotations

import json
import logging

import pytest

from gateway.core.logging import JsonFormatter
from tests.gateway.conftest import AGENT_KEY, SHOP_KEY, FakeBot, Gateway


async def test_answer_with_a_contact_is_replaced_by_the_fallback(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.answer = "亲，加我微❤信：tg❤8899 给您留一件"
    body = await (await gateway.send("还有货吗")).json()
    assert body["route"] == "bot"
    assert body["reply"] == {"text": "抱歉，请稍后再问。", "from": "gateway"}
    [finding] = body["findings"]
    assert finding["category"] == "messenger" and finding["action"] == "block"
    assert finding["severity"] == "general"
    assert fake_bot.answer[finding["start"] : finding["end"]] == "微❤信：tg❤8899"
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 10)
    assert [(m.author, m.text) for m in log][-1] == ("gateway", "抱歉，请稍后再问。")


async def test_advertising_claim_is_redacted_and_delivered(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.answer = "这款是全网最低价，今天下单明天到"
    body = await (await gateway.send("多少钱")).json()
    assert body["reply"] == {"text": "这款是***，今天下单明天到", "from": "bot"}
    assert [f["action"] for f in body["findings"]] == ["redact"]


async def test_threat_hands_the_conversation_to_a_human(
    gateway: Gateway, fake_bot: FakeBot
) -> None:
    fake_bot.answer = "再给差评试试，我找人收拾你"
    body = await (await gateway.send("这个能便宜点吗")).json()
    assert body["route"] == "human"
    assert body["reply"]["from"] == "gateway"
    assert body["reply"]["text"] == "正在为您转接人工客服，请稍候…"
    assert "threat" in {f["category"] for f in body["findings"]}
    store = gateway.store.conversations
    assert (await store.ownership("shop-a", "c1")).owner == "human"
    assert await gateway.store.handoffs.reasons("shop-a", "c1") == ["answer_escalated"]


async def test_clean_answer_passes_unchanged(gateway: Gateway, fake_bot: FakeBot) -> None:
    fake_bot.answer = "订单号2208 1934 5561 2291已发货，京东快递JDVA12345678901，请保持手机畅通"
    body = await (await gateway.send("发货了吗")).json()
    assert body["reply"] == {"text": fake_bot.answer, "from": "bot"}
    assert body["findings"] == []


async def test_decision_log_names_rules_but_not_the_contact(
    gateway: Gateway, fake_bot: FakeBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake_bot.answer = "有事打我电话13800138000"
    with caplog.at_level(logging.INFO):
        await gateway.send("在吗")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    [decision] = [json.loads(line) for line in lines if '"message.decision"' in line]
    assert decision["rules"] == ["phone.mobile"]
    assert not any("13800138000" in line or "138****8000" in line for line in lines)


async def _check(gateway: Gateway, body: object, key: str = SHOP_KEY) -> tuple[int, object]:
    response = await gateway.client.post(
        "/v1/shops/shop-a/check", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    return response.status, await response.json()


@pytest.mark.parametrize(
    ("text", "action", "delivered", "categories"),
    [
        ("这款手表能接收微信消息", "allow", "这款手表能接收微信消息", []),
        ("淘宝搜'老王五金店'更便宜", "block", "抱歉，请稍后再问。", ["redirect"]),
        ("本品是国家级产品", "redact", "本品是***产品", ["ad_law"]),
        (
            "你个骗子等着，我这就找人收拾你",
            "escalate",
            "正在为您转接人工客服，请稍候…",
            ["abuse", "threat"],
        ),
    ],
)
async def test_check_endpoint_returns_the_verdict(
    gateway: Gateway,
    fake_bot: FakeBot,
    text: str,
    action: str,
    delivered: str,
    categories: list[str],
) -> None:
    status, body = await _check(gateway, {"text": text, "direction": "answer"})
    assert status == 200
    assert isinstance(body, dict)
    assert body["action"] == action and body["text"] == delivered
    assert sorted(f["category"] for f in body["findings"]) == categories
    for finding in body["findings"]:
        assert set(finding) == {"rule", "category", "severity", "action", "start", "end"}
    assert fake_bot.requests == []


async def test_check_message_direction_allows_ordinary_messages(gateway: Gateway) -> None:
    status, body = await _check(gateway, {"text": "我想改一下收货地址", "direction": "message"})
    assert status == 200
    assert isinstance(body, dict) and body["action"] == "allow"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"direction": "answer"}, 400, "validation_failed"),
        ({"text": "x", "direction": "sideways"}, 400, "validation_failed"),
        ({"text": ""}, 400, "validation_failed"),
        ({"text": "好" * 2001}, 413, "payload_too_large"),
    ],
)
async def test_check_endpoint_rejects_bad_bodies(
    gateway: Gateway, body: object, status: int, code: str
) -> None:
    got_status, got = await _check(gateway, body)
    assert got_status == status
    assert isinstance(got, dict) and got["error"]["code"] == code


async def test_check_endpoint_needs_a_shop_or_admin_key(gateway: Gateway) -> None:
    status, _ = await _check(gateway, {"text": "hi"}, key=AGENT_KEY)
    assert status == 403
