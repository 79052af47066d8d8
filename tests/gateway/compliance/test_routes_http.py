"""Bad input on every compliance route gets a 400, 401, 403, 404 or 409 that names the problem,
never a 5xx; the ledger pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.compliance.conftest import (
    ADMIN_KEY,
    AGENT_KEY,
    DIVERTING,
    SHOP_KEY,
    Shop,
)


@pytest.mark.parametrize(
    ("method", "path", "key", "body", "status", "code", "names"),
    [
        ("POST", "/bot-mode", ADMIN_KEY, {"enabled": True}, 400, "validation_failed", "reason"),
        ("POST", "/bot-mode", ADMIN_KEY, {"enabled": "yes please", "reason": "x"}, 400,
         "validation_failed", "enabled"),
        ("POST", "/bot-mode", ADMIN_KEY, {"enabled": False, "reason": ""}, 400,
         "validation_failed", "reason"),
        ("POST", "/bot-mode", ADMIN_KEY, {"enabled": False, "reason": "x", "by": "me"}, 400,
         "validation_failed", "by"),
        ("POST", "/bot-mode", ADMIN_KEY, None, 400, "invalid_json", "empty"),
        ("POST", "/bot-mode", None, {"enabled": False, "reason": "x"}, 401, "unauthorized",
         "Authorization"),
        ("PUT", "/satisfaction", ADMIN_KEY, {"rate": 1.5}, 400, "validation_failed", "rate"),
        ("PUT", "/satisfaction", ADMIN_KEY, {}, 400, "validation_failed", "rate"),
        ("PUT", "/satisfaction", SHOP_KEY, {"rate": 0.9}, 403, "forbidden", "admin"),
        ("POST", "/conversations/c1/rating", SHOP_KEY, {"score": 6}, 400, "validation_failed",
         "score"),
        ("POST", "/conversations/c1/rating", SHOP_KEY, {"score": 5, "ticket_id": "a b"}, 400,
         "validation_failed", "ticket_id"),
        ("POST", "/conversations/bad%20id/rating", SHOP_KEY, {"score": 5}, 400,
         "validation_failed", "conversation id"),
        ("POST", "/conversations/c1/rating", ADMIN_KEY, {"score": 5}, 403, "forbidden", "shop"),
        ("POST", "/conversations/c1/rating", SHOP_KEY, {"score": 5}, 409, "conflict",
         "no ticket to rate"),
        ("POST", "/conversations/c1/rating", SHOP_KEY, {"score": 5, "ticket_id": "t-nope"}, 404,
         "unknown_ticket", "t-nope"),
        ("GET", "/compliance", AGENT_KEY, None, 403, "forbidden", "admin or shop"),
        ("GET", "/compliance/ledger?limit=0", ADMIN_KEY, None, 400, "validation_failed", "limit"),
        ("GET", "/compliance/ledger?cursor=abc", ADMIN_KEY, None, 400, "validation_failed",
         "cursor"),
    ],
)  # fmt: skip
async def test_bad_requests_name_the_problem(
    shop: Shop, method: str, path: str, key: str | None, body: Any, status: int, code: str,
    names: str,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await shop.client.request(
        method, f"/v1/shops/shop-c{path}", json=body, headers=headers
    )
    answer = await response.json()
    assert response.status == status, answer
    assert answer["error"]["code"] == code
    assert names in answer["error"]["message"], answer


async def test_unknown_shop_is_404(shop: Shop) -> None:
    response = await shop.client.get(
        "/v1/shops/nope/compliance", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status == 404 and (await response.json())["error"]["code"] == "unknown_shop"


async def test_a_rating_needs_a_resolved_ticket_and_only_one(shop: Shop) -> None:
    await shop.send("转人工", "r1")
    ticket = (await shop.ticket_of("r1"))["ticket_id"]
    status, body = await shop.call("POST", "/conversations/r1/rating", SHOP_KEY, {"score": 5})
    assert status == 409 and body["error"]["details"] == {"state": "pending"}
    await shop.agent(ticket, "claim")
    await shop.agent(ticket, "resolve")
    status, body = await shop.call("POST", "/conversations/r1/rating", SHOP_KEY, {"score": 4})
    assert status == 201
    assert body == {"conversation_id": "r1", "ticket_id": ticket, "score": 4,
                    "satisfied": True, "at": shop.clock.now}  # fmt: skip
    status, body = await shop.call("POST", "/conversations/r1/rating", SHOP_KEY, {"score": 1})
    assert status == 409 and "already rated" in body["error"]["message"]
    # the ticket of another conversation is not this one's
    await shop.send("转人工", "r2")
    status, body = await shop.call("POST", "/conversations/r2/rating", SHOP_KEY,
                                   {"score": 5, "ticket_id": ticket})  # fmt: skip
    assert status == 404 and body["error"]["code"] == "unknown_ticket"
    report = await shop.compliance()
    assert report["satisfaction"]["ratings"] == 1
    assert report["satisfaction"]["rate"] is None  # fewer than min_ratings (2)


async def test_the_ledger_pages_newest_first(shop: Shop) -> None:
    shop.bot.answer = DIVERTING
    for n in range(3):
        await shop.send("在吗", f"c{n}")
    status, first = await shop.call("GET", "/compliance/ledger?limit=2", SHOP_KEY)
    assert status == 200
    assert [e["id"] for e in first["entries"]] == ["000000000003", "000000000002"]
    assert first["next_cursor"] == "000000000002"
    status, rest = await shop.call("GET", "/compliance/ledger?limit=2&cursor=000000000002")
    assert [e["id"] for e in rest["entries"]] == ["000000000001"]
    assert rest["next_cursor"] is None
    entry = rest["entries"][0]
    assert (entry["author"], entry["mode"], entry["action"], entry["points"]) == (
        "bot", "enforce", "block", 30,
    )  # fmt: skip
    [violation] = entry["violations"]
    assert (violation["category"], violation["severity"], violation["points"]) == (
        "messenger", "general", 30,
    )  # fmt: skip
