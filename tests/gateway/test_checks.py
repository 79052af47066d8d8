"""The one checking seam: the message path and the agent-reply path fail closed the same way."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gateway.appkeys import CONFIG
from guardrails import Guardrails, NormalizedText
from tests.gateway.conftest import AGENT_KEY, SHOP_KEY, FakeBot, Gateway

HOLDING = "正在为您转接人工客服，请稍候…"


class Boom:
    """A detector that fails on every text."""

    name = "boom"

    def detect(self, text: NormalizedText) -> list[Any]:
        raise RuntimeError("detector failed")


def break_checks(gateway: Gateway, how: str) -> str:
    """Make shop-a's answer check unable to run; returns the rule of the finding that says so."""
    holder = gateway.app[CONFIG]
    current = holder.current
    guardrails = dict(current.guardrails)
    if how == "missing":
        del guardrails["shop-a"]
        rule = "guardrails.missing"
    else:
        working = guardrails["shop-a"]
        guardrails["shop-a"] = Guardrails([Boom()], working.policy, working.normalizer)
        rule = "guardrails.error"
    holder._current = dataclasses.replace(current, guardrails=guardrails)
    return rule


@pytest.mark.parametrize("how", ["missing", "failing"])
async def test_a_bot_answer_that_cannot_be_checked_escalates(
    gateway: Gateway, fake_bot: FakeBot, how: str
) -> None:
    rule = break_checks(gateway, how)
    body = await (await gateway.send("在吗", message_id="m1")).json()
    assert body["route"] == "human"
    assert body["reply"] == {"text": HOLDING, "from": "gateway"}
    [finding] = body["findings"]
    assert (finding["rule"], finding["category"], finding["action"]) == (rule, "error", "escalate")
    assert (finding["start"], finding["end"]) == (0, len(fake_bot.answer))
    assert await gateway.store.handoffs.reasons("shop-a", "c1") == ["answer_escalated"]


@pytest.mark.parametrize("how", ["missing", "failing"])
async def test_an_agent_reply_that_cannot_be_checked_is_held(gateway: Gateway, how: str) -> None:
    await gateway.send("转人工", message_id="m1")
    headers = {"Authorization": f"Bearer {AGENT_KEY}"}
    queue = await (await gateway.client.get("/v1/shops/shop-a/handoffs", headers=headers)).json()
    base = f"/v1/shops/shop-a/handoffs/{queue['tickets'][0]['ticket_id']}"
    assert (await gateway.client.post(base + "/claim", headers=headers)).status == 200
    rule = break_checks(gateway, how)
    text = "您好，我是客服小王"
    response = await gateway.client.post(base + "/messages", json={"text": text}, headers=headers)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "reply_blocked"
    assert error["details"] == [
        {"rule": rule, "category": "error", "severity": "serious", "action": "escalate",
         "start": 0, "end": len(text)},
    ]  # fmt: skip
    log = await gateway.store.conversations.read_messages("shop-a", "c1", None, 10)
    assert [m.author for m in log] == ["shopper", "gateway"]  # nothing from the agent


@pytest.mark.parametrize("how", ["missing", "failing"])
async def test_the_check_endpoint_fails_closed_too(gateway: Gateway, how: str) -> None:
    rule = break_checks(gateway, how)
    response = await gateway.client.post(
        "/v1/shops/shop-a/check",
        json={"text": "亲，您好"},
        headers={"Authorization": f"Bearer {SHOP_KEY}"},
    )
    body = await response.json()
    assert (body["action"], body["text"]) == ("escalate", HOLDING)
    assert [f["rule"] for f in body["findings"]] == [rule]


async def test_a_replayed_outcome_is_the_recorded_body(gateway: Gateway, fake_bot: FakeBot) -> None:
    fake_bot.answer = "这款是全网最低价，今天下单明天到"
    first = await gateway.send("多少钱", message_id="m1")
    again = await gateway.send("多少钱", message_id="m1")
    assert again.headers["Idempotent-Replay"] == "true"
    assert await again.text() == await first.text()
    assert [f["action"] for f in (await first.json())["findings"]] == ["redact"]
