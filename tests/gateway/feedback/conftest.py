"""Fixtures for the feedback tests: shops with admin keys and a lexicon of their own, and a
client that speaks the feedback API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gateway.conftest import (
    AGENT_KEY,
    SHOP_KEY,
    FakeBot,
    Gateway,
    sha,
    shop_doc,
    write_config,
)

ADMIN_KEY = "shop-a-admin-key-0123"
OTHER_ADMIN_KEY = "shop-b-admin-key-9876"
# Texts the rules decide (no model finding either way): 傻子 is in the shipped abuse lexicon.
BLOCKED = "亲，这款傻子牌的最好吃"
CLEAN = "亲，这款喵喵宝的瓜子很香"


@pytest.fixture
def config_dir(tmp_path: Path, fake_bot: FakeBot) -> Path:
    """shop-a: shop, agent and admin keys, and a lexicon category of its own (``competitor``);
    shop-b: an admin key of another shop."""
    root = tmp_path / "config"
    (root / "shop-lexicons").mkdir(parents=True)
    (root / "shop-lexicons" / "rivals.txt").write_text("隔壁老王家\n", "utf-8")
    shop_a = shop_doc("shop-a", fake_bot.url, SHOP_KEY)
    shop_a["api_keys"] += [
        {"id": "agent-1", "role": "agent", "sha256": sha(AGENT_KEY)},
        {"id": "admin-1", "role": "admin", "sha256": sha(ADMIN_KEY)},
    ]
    shop_a["guardrails"] = {
        "lexicons": [{"file": "shop-lexicons/rivals.txt", "category": "competitor"}]
    }
    shop_b = shop_doc("shop-b", fake_bot.url, "shop-b-key-9876543210", platform="douyin")
    shop_b["api_keys"].append({"id": "admin-b", "role": "admin", "sha256": sha(OTHER_ADMIN_KEY)})
    return write_config(root, [shop_a, shop_b])


def auth(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


async def post_feedback(
    gateway: Gateway, body: Any, *, key: str | None = ADMIN_KEY, shop: str = "shop-a"
) -> Any:
    return await gateway.client.post(f"/v1/shops/{shop}/feedback", json=body, headers=auth(key))


async def recorded(gateway: Gateway, **body: Any) -> dict[str, Any]:
    response = await post_feedback(gateway, body)
    assert response.status == 201, await response.text()
    data: dict[str, Any] = await response.json()
    return data


async def get_feedback(
    gateway: Gateway, *, key: str | None = ADMIN_KEY, shop: str = "shop-a", **params: Any
) -> Any:
    return await gateway.client.get(f"/v1/shops/{shop}/feedback", params=params, headers=auth(key))


async def check(gateway: Gateway, text: str) -> str:
    """The action the shop's guardrails in force take on ``text``."""
    response = await gateway.client.post(
        "/v1/shops/shop-a/check", json={"text": text}, headers=auth(ADMIN_KEY)
    )
    assert response.status == 200
    action: str = (await response.json())["action"]
    return action
