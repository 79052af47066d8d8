"""The privacy section of shop files, platform pools and the privacy key: errors name the place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.app import create_app
from gateway.core.config import ConfigError, load_config, load_settings
from gateway.core.config.shops import load_shops
from tests.conftest import REPO
from tests.gateway.privacy.conftest import MAIN_B, POOL_A, privacy_config


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))


def test_numbers_are_normalised_when_loaded(tmp_path: Path) -> None:
    registry = load_shops(privacy_config(tmp_path) / "shops", {})
    privacy = registry.shops["shop-a"].privacy
    assert privacy is not None
    assert privacy.numbers == POOL_A and privacy.main_caller == "13900000001"
    assert privacy.default_ttl_s == 86400
    assert registry.pools["shared"].numbers == ["17200000001", "17200000002"]


def _set(path: list[str], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        if value is None:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("shop", "change", "mentions"),
    [
        ("shop-a", _set(["privacy", "numbers"], ["1710000000x"]), "privacy.numbers.0"),
        ("shop-a", _set(["privacy", "main_caller"], "010-66668888"), "privacy.main_caller"),
        ("shop-a", _set(["privacy", "main_caller"], None), "privacy.main_caller"),
        ("shop-a", _set(["privacy", "callers"], ["13900000001"]), "main_caller"),
        ("shop-a", _set(["privacy", "numbers"], ["17100000001", "+8617100000001"]), "twice"),
        ("shop-a", _set(["privacy", "platform_pool"], "shared"), "exactly one"),
        ("shop-a", _set(["privacy", "numbers"], []), "exactly one"),
        ("shop-a", _set(["privacy", "default_ttl_s"], 30), "privacy.default_ttl_s"),
        ("shop-a", _set(["privacy", "pool"], "x"), "privacy.pool"),
        ("shop-b", _set(["privacy", "platform_pool"], "missing"), "pools/missing.yaml"),
        ("shop-a", _set(["privacy", "numbers"], ["17200000002"]), "pools/shared.yaml"),
        ("shop-c", _set(["privacy", "callers"], [MAIN_B]), "shares the platform pool"),
    ],
)
def test_invalid_privacy_config_names_file_and_field(
    tmp_path: Path, shop: str, change: Callable[[dict[str, Any]], None], mentions: str
) -> None:
    config = privacy_config(tmp_path)
    edit(config / "shops" / f"{shop}.yaml", change)
    with pytest.raises(ConfigError) as raised:
        load_shops(config / "shops", {})
    assert f"{shop}.yaml" in raised.value.message or "shared.yaml" in raised.value.message
    assert mentions in raised.value.message


def test_a_pool_file_is_checked_like_a_shop_file(tmp_path: Path) -> None:
    config = privacy_config(tmp_path)
    edit(config / "pools" / "shared.yaml", _set(["pool"], "other"))
    with pytest.raises(ConfigError, match="shared.yaml: pool: 'other' must match"):
        load_shops(config / "shops", {})
    edit(config / "pools" / "shared.yaml", _set(["pool"], "shared"))
    edit(config / "pools" / "shared.yaml", _set(["numbers"], ["17200000001", "nope"]))
    with pytest.raises(ConfigError, match=r"shared.yaml: numbers.1: .*'nope'"):
        load_shops(config / "shops", {})


def test_privacy_numbers_without_a_privacy_key_stop_start_up(tmp_path: Path) -> None:
    config = privacy_config(tmp_path, privacy_key=None)
    with pytest.raises(ConfigError) as raised:
        create_app(load_settings(config), load_config(config, {}), {})
    message = raised.value.message
    assert "privacy_key" in message and "GATEWAY_PRIVACY_KEY" in message
    assert "shop-a" in message


@pytest.mark.parametrize(("value", "problem"), [("!!!", "base64"), ("c2hvcnQ=", "32 bytes")])
def test_a_malformed_privacy_key_names_the_setting(
    tmp_path: Path, value: str, problem: str
) -> None:
    config = privacy_config(tmp_path, privacy_key=value)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert "privacy_key" in raised.value.message and problem in raised.value.message
    assert value not in raised.value.message


def test_privacy_key_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = privacy_config(tmp_path, privacy_key=None)
    monkeypatch.setenv("GATEWAY_PRIVACY_KEY", "A" * 43 + "=")
    settings = load_settings(config)
    assert settings.privacy_key is not None and "AAAA" not in repr(settings)


def test_the_shipped_demo_shop_has_a_pool_and_a_main_caller() -> None:
    settings = load_settings(REPO / "config")
    assert settings.privacy_key is not None and settings.telephony_key_sha256 is not None
    demo = load_shops(REPO / "config" / "shops", {}).shops["demo"]
    assert demo.privacy is not None
    assert demo.privacy.numbers[0] == "17100000001" and demo.privacy.main_caller == "13900139000"
