"""Reload: a valid new config replaces the old atomically; an invalid one is refused and logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from gateway.appkeys import CONFIG
from tests.gateway.conftest import SHOP_KEY, Gateway, sha


async def test_valid_reload_swaps_in_new_shops(gateway: Gateway, config_dir: Path) -> None:
    holder = gateway.app[CONFIG]
    before = holder.current
    doc = yaml.safe_load((config_dir / "shops" / "shop-b.yaml").read_text())
    doc["shop_id"] = "shop-new"
    doc["api_keys"] = [{"id": "k", "role": "shop", "sha256": sha("new-shop-key")}]
    (config_dir / "shops" / "shop-new.yaml").write_text(yaml.safe_dump(doc))
    assert (await gateway.send("hi", shop="shop-new", key="new-shop-key")).status == 404

    assert await holder.reload() is True
    assert holder.current is not before
    assert (await gateway.send("hi", shop="shop-new", key="new-shop-key")).status == 200


async def test_invalid_reload_keeps_the_old_config(
    gateway: Gateway, config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = gateway.app[CONFIG]
    before = holder.current
    path = config_dir / "shops" / "shop-a.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["platform"] = "amazon"
    path.write_text(yaml.safe_dump(doc))
    with caplog.at_level(logging.ERROR):
        assert await holder.reload() is False
    assert holder.current is before
    refused = [r for r in caplog.records if r.getMessage() == "config.reload_refused"]
    assert refused and "shop-a.yaml" in refused[0].fields["error"]  # type: ignore[attr-defined]
    assert "platform" in refused[0].fields["error"]  # type: ignore[attr-defined]
    assert (await gateway.send("still works", key=SHOP_KEY)).status == 200


async def test_removed_shop_disappears_after_reload(gateway: Gateway, config_dir: Path) -> None:
    (config_dir / "shops" / "shop-b.yaml").unlink()
    assert await gateway.app[CONFIG].reload() is True
    response = await gateway.send("hi", shop="shop-b")
    assert response.status == 404
