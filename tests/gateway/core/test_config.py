"""Process settings and shop files: validation names the file and the field; env overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway.core.config import ConfigError, load_settings
from gateway.core.config.shops import load_shops
from tests.conftest import REPO
from tests.gateway.conftest import sha, shop_doc, write_config


def test_shipped_config_loads_with_the_demo_shop() -> None:
    settings = load_settings(REPO / "config")
    assert (settings.host, settings.port, settings.store_url) == ("127.0.0.1", 8080, None)
    registry = load_shops(REPO / "config" / "shops", {})
    demo = registry.get("demo")
    assert demo is not None and demo.platform == "jd"
    grant = registry.grant_for("demo-shop-key")
    assert grant is not None and (grant.shop_id, grant.role) == ("demo", "shop")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateway.yaml").write_text("port: 9000\nlog_level: info\n")
    monkeypatch.setenv("GATEWAY_STORE_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("GATEWAY_PORT", "9100")
    settings = load_settings(tmp_path)
    assert settings.port == 9100
    assert settings.store_url == "redis://127.0.0.1:6379/0"
    assert settings.log_level == "INFO"
    assert load_settings(tmp_path, port=9200).port == 9200


def test_missing_gateway_yaml_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path).port == 8080


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        ("port: eighty\n", "port"),
        ("port: 70000\n", "port"),
        ("store_url: mysql://x\n", "store_url"),
        ("listen: 1.2.3.4\n", "listen"),
        ("- a list\n", "mapping"),
        ("port: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_gateway_yaml_names_file_and_field(
    tmp_path: Path, content: str, mentions: str
) -> None:
    (tmp_path / "gateway.yaml").write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path)
    assert "gateway.yaml" in raised.value.message
    assert mentions in raised.value.message


def _shop_error(
    tmp_path: Path,
    doc: dict[str, object],
    environ: dict[str, str] | None = None,
    name: str | None = None,
) -> str:
    root = tmp_path / "cfg"
    (root / "shops").mkdir(parents=True)
    filename = f"{name or doc.get('shop_id', 'x')}.yaml"
    (root / "shops" / filename).write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(ConfigError) as raised:
        load_shops(root / "shops", environ or {})
    assert filename in raised.value.message
    return raised.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"platform": "taobao"}, "platform"),
        ({"upstream": {"url": "not a url"}}, "upstream.url"),
        ({"upstream": {"url": "http://x/", "timeout_s": -1}}, "upstream.timeout_s"),
        ({"upstream": {"url": "http://x/", "retries": 9}}, "upstream.retries"),
        ({"api_keys": []}, "api_keys"),
        ({"api_keys": [{"id": "k", "sha256": "abc"}]}, "api_keys.0.sha256"),
        ({"api_keys": [{"id": "k"}]}, "api_keys.0"),
        ({"api_keys": [{"id": "k", "role": "root", "env": "X"}]}, "api_keys.0.role"),
        ({"colour": "red"}, "colour"),
        ({"replies": {"holding": ""}}, "replies.holding"),
    ],
)
def test_invalid_shop_file_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    doc = shop_doc("s1", "http://127.0.0.1:9/answer", "k")
    doc.update(change)
    assert field in _shop_error(tmp_path, doc)


def test_shop_id_must_match_file_name(tmp_path: Path) -> None:
    message = _shop_error(tmp_path, shop_doc("s1", "http://x/", "k"), name="other")
    assert "shop_id" in message


def test_key_from_environment(tmp_path: Path) -> None:
    doc = shop_doc("s1", "http://x/", "unused")
    doc["api_keys"] = [{"id": "prod", "env": "S1_KEY"}]
    root = write_config(tmp_path, [doc])
    registry = load_shops(root / "shops", {"S1_KEY": "a-long-random-token"})
    assert registry.grant_for("a-long-random-token") is not None
    assert "S1_KEY" in _shop_error(tmp_path / "again", doc, environ={})


def test_the_same_key_for_two_shops_is_refused(tmp_path: Path) -> None:
    root = write_config(
        tmp_path, [shop_doc("s1", "http://x/", "same"), shop_doc("s2", "http://x/", "same")]
    )
    with pytest.raises(ConfigError, match="s2.yaml"):
        load_shops(root / "shops", {})


def test_no_shops_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "shops").mkdir()
    with pytest.raises(ConfigError, match="no shop files"):
        load_shops(tmp_path / "shops", {})
    with pytest.raises(ConfigError, match="not found"):
        load_shops(tmp_path / "missing", {})


def test_key_hash_is_sha256_hex() -> None:
    assert sha("demo-shop-key") == (
        "f5d072715bf986543308d9f187277c2406847cd7bfd33cbc2264fedc284a9992"
    )
