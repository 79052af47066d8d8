"""POST and GET /v1/shops/{id}/feedback against a real app, on the memory store and on Redis:
recording with the verdict in force, paging, every bad input, and who may do it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.core.logging import JsonFormatter, text_hash
from tests.gateway.conftest import AGENT_KEY, SHOP_KEY, Gateway
from tests.gateway.feedback.conftest import (
    ADMIN_KEY,
    BLOCKED,
    CLEAN,
    OTHER_ADMIN_KEY,
    get_feedback,
    post_feedback,
    recorded,
)


async def test_record_answers_the_entry_and_what_the_guardrails_say_now(gateway: Gateway) -> None:
    body = await recorded(
        gateway,
        text=BLOCKED,
        expected="pass",
        note="傻子牌是我们的品牌名",
        phrase={"kind": "allow", "text": "傻子牌"},
    )
    assert body["id"] == "000000000001" and body["shop_id"] == "shop-a"
    assert (body["text"], body["expected"], body["category"]) == (BLOCKED, "pass", None)
    assert body["note"] == "傻子牌是我们的品牌名"
    assert body["phrase"] == {"kind": "allow", "text": "傻子牌"}
    assert (body["at"], body["by"]) == (gateway.clock(), "admin-1")
    # The disagreement: the admin says pass, the guardrails in force block it.
    assert body["verdict"]["action"] == "block"
    [finding] = body["verdict"]["findings"]
    assert (finding["category"], finding["rule"]) == ("abuse", "lexicon.abuse")
    assert set(finding) == {"rule", "category", "severity", "action", "start", "end"}

    stop = await recorded(gateway, text=CLEAN, expected="stop", category="competitor")
    assert stop["id"] == "000000000002"
    assert stop["verdict"] == {"action": "allow", "findings": []}
    assert (stop["phrase"], stop["note"]) == (None, None)


async def test_list_is_newest_first_and_paged_by_cursor(gateway: Gateway) -> None:
    for i in range(5):
        await recorded(gateway, text=f"第{i}条", expected="stop", category="abuse")
    response = await get_feedback(gateway, limit=2)
    assert response.status == 200
    page = await response.json()
    assert (page["shop_id"], page["platform"]) == ("shop-a", "jd")
    assert [e["text"] for e in page["entries"]] == ["第4条", "第3条"]
    assert page["phrases_in_force"] == {"allow": [], "deny": {}}
    seen = [e["id"] for e in page["entries"]]
    while page["next_cursor"] is not None:
        page = await (await get_feedback(gateway, limit=2, cursor=page["next_cursor"])).json()
        seen += [e["id"] for e in page["entries"]]
    assert seen == [f"{n:012d}" for n in (5, 4, 3, 2, 1)]
    everything = await (await get_feedback(gateway)).json()
    assert len(everything["entries"]) == 5 and everything["next_cursor"] is None
    other = await (await get_feedback(gateway, key=OTHER_ADMIN_KEY, shop="shop-b")).json()
    assert (other["entries"], other["platform"]) == ([], "douyin")


async def test_an_exactly_full_last_page_has_no_next_cursor(gateway: Gateway) -> None:
    for i in range(2):
        await recorded(gateway, text=f"第{i}条", expected="pass")
    page = await (await get_feedback(gateway, limit=2)).json()
    assert len(page["entries"]) == 2 and page["next_cursor"] is None


async def test_categories_of_guardrails_and_of_the_shops_own_lexicons(gateway: Gateway) -> None:
    for category in ("phone", "private_deal", "competitor"):
        body = await recorded(gateway, text="某段话", expected="stop", category=category)
        assert body["category"] == category
    body = {"text": "某段话", "expected": "stop", "category": "competitor"}
    response = await post_feedback(gateway, body, key=OTHER_ADMIN_KEY, shop="shop-b")
    assert response.status == 400  # shop-b has no such lexicon


async def test_a_phrase_occurs_in_the_text_after_normalisation(gateway: Gateway) -> None:
    # Inserted symbols, full-width letters and traditional characters are the lexicon's concern.
    for text, phrase in [
        ("亲，这款喵❤喵 宝的瓜子很香", "喵喵宝"),
        ("加我ＶＸ吧", "vx"),
        ("這款傻子牌的最好吃", "傻子牌"),
    ]:
        deny = {"kind": "deny", "text": phrase}
        body = await recorded(gateway, text=text, expected="stop", category="abuse", phrase=deny)
        assert body["phrase"]["text"] == phrase


BASE: dict[str, Any] = {"text": CLEAN, "expected": "stop", "category": "abuse"}
DENY = {"kind": "deny", "text": "喵喵宝"}

BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown field", {**BASE, "colour": "red"}, "colour"),
    ("no text", {"expected": "stop"}, "text"),
    ("empty text", {**BASE, "text": ""}, "text"),
    ("blank text", {**BASE, "text": "   "}, "text"),
    ("text too long", {**BASE, "text": "好" * 2001}, "text"),
    ("text not a string", {**BASE, "text": 42}, "text"),
    ("no expected", {"text": CLEAN}, "expected"),
    ("bad expected", {**BASE, "expected": "maybe"}, "expected"),
    ("unknown category", {**BASE, "category": "spam"}, "category"),
    ("empty category", {**BASE, "category": ""}, "category"),
    ("note too long", {**BASE, "note": "注" * 501}, "note"),
    ("bad phrase kind", {**BASE, "phrase": {"kind": "maybe", "text": "喵喵宝"}}, "phrase.kind"),
    ("phrase without text", {**BASE, "phrase": {"kind": "deny"}}, "phrase.text"),
    ("empty phrase", {**BASE, "phrase": {"kind": "deny", "text": ""}}, "phrase.text"),
    ("phrase too long", {**BASE, "phrase": {"kind": "deny", "text": "喵" * 101}}, "phrase.text"),
    ("unknown phrase field", {**BASE, "phrase": {**DENY, "weight": 2}}, "phrase.weight"),
    ("allow with stop", {**BASE, "phrase": {"kind": "allow", "text": "喵喵宝"}}, "phrase.kind"),
    ("deny with pass", {**BASE, "expected": "pass", "phrase": DENY}, "phrase.kind"),
    ("deny without category", {"text": CLEAN, "expected": "stop", "phrase": DENY}, "category"),
    ("phrase not in text", {**BASE, "phrase": {"kind": "deny", "text": "汪汪宝"}}, "phrase.text"),
    ("phrase of separators", {**BASE, "phrase": {"kind": "deny", "text": "- -"}}, "phrase.text"),
    ("whole-clause mark", {**BASE, "phrase": {"kind": "deny", "text": "=喵喵宝"}}, "phrase.text"),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES]
)
async def test_bad_input_is_400_naming_the_field(
    gateway: Gateway, body: dict[str, Any], field: str
) -> None:
    response = await post_feedback(gateway, body)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed"
    assert field in [problem["field"] for problem in error["details"]], error
    assert field in error["message"]
    assert (await (await get_feedback(gateway)).json())["entries"] == []


async def test_not_json_and_not_an_object(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/v1/shops/shop-a/feedback", data=b"{nope", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status == 400 and (await response.json())["error"]["code"] == "invalid_json"
    response = await post_feedback(gateway, [BASE])
    assert (await response.json())["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"after": "000000000001"}, "after"),
    ],
)
async def test_bad_query_is_400_naming_the_field(
    gateway: Gateway, params: dict[str, str], field: str
) -> None:
    response = await get_feedback(gateway, **params)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed"
    assert field in [problem["field"] for problem in error["details"]]


@pytest.mark.parametrize(
    ("key", "shop", "status", "code"),
    [
        (None, "shop-a", 401, "unauthorized"),
        ("not-a-key-at-all", "shop-a", 401, "unauthorized"),
        (SHOP_KEY, "shop-a", 403, "forbidden"),
        (AGENT_KEY, "shop-a", 403, "forbidden"),
        (OTHER_ADMIN_KEY, "shop-a", 403, "forbidden"),
        (ADMIN_KEY, "no-such-shop", 404, "unknown_shop"),
    ],
    ids=["no key", "unknown key", "shop key", "agent key", "another shop's admin", "no shop"],
)
async def test_only_the_shops_admin_key(
    gateway: Gateway, key: str | None, shop: str, status: int, code: str
) -> None:
    for response in (
        await post_feedback(gateway, BASE, key=key, shop=shop),
        await get_feedback(gateway, key=key, shop=shop),
    ):
        assert response.status == status
        assert (await response.json())["error"]["code"] == code
    assert (await (await get_feedback(gateway)).json())["entries"] == []


async def test_recorded_is_logged_without_the_text(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.feedback"):
        await recorded(
            gateway, text=CLEAN, expected="stop", category="abuse", note="品牌名", phrase=DENY
        )
    [record] = [r for r in caplog.records if r.getMessage() == "feedback.recorded"]
    line = JsonFormatter().format(record)
    fields = record.fields  # type: ignore[attr-defined]
    assert fields == {
        "shop": "shop-a",
        "id": "000000000001",
        "expected": "stop",
        "category": "abuse",
        "phrase": "deny",
        "verdict": "allow",
        "text_hash": text_hash(CLEAN),
    }
    assert "喵喵宝" not in line and "品牌名" not in line and CLEAN not in line
