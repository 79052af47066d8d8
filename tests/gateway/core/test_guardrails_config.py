"""The shop's guardrails section: overrides, own phrases and domains; errors name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.config.snapshot import load_config
from gateway.core.errors import ConfigError
from guardrails import Action
from tests.gateway.conftest import shop_doc, write_config


def _guardrails(tmp_path: Path, section: dict[str, object], platform: str = "jd") -> object:
    doc = shop_doc("s1", "http://127.0.0.1:9/answer", "k", platform=platform, guardrails=section)
    config = load_config(write_config(tmp_path / "cfg", [doc]), {})
    return config.guardrails["s1"]


def test_category_override_changes_the_action(tmp_path: Path) -> None:
    guardrails = _guardrails(tmp_path, {"categories": {"ad_law": {"action": "block"}}})
    verdict = guardrails.check("本品是国家级产品")  # type: ignore[attr-defined]
    assert verdict.action is Action.BLOCK
    assert verdict.findings[0].severity.label == "general"  # the preset's severity is kept


def test_allow_category_lets_it_through(tmp_path: Path) -> None:
    guardrails = _guardrails(tmp_path, {"categories": {"ad_law": {"action": "allow"}}})
    assert guardrails.check("本品是国家级产品").action is Action.ALLOW  # type: ignore[attr-defined]


def test_shop_allow_phrase_wins_over_a_banned_phrase_inside_it(tmp_path: Path) -> None:
    plain = _guardrails(tmp_path / "a", {})
    allowed = _guardrails(tmp_path / "b", {"allow_phrases": ["国家级非物质文化遗产"]})
    text = "这是国家级非物质文化遗产的手艺"
    assert plain.check(text).action is Action.ALLOW  # type: ignore[attr-defined]  # shipped allow
    assert allowed.check(text).action is Action.ALLOW  # type: ignore[attr-defined]
    assert plain.check("国家级工艺").action is Action.REDACT  # type: ignore[attr-defined]


def test_shop_lexicon_with_its_own_category(tmp_path: Path) -> None:
    root = tmp_path / "cfg"
    (root / "shop-lexicons").mkdir(parents=True)
    (root / "shop-lexicons" / "rivals.txt").write_text("# rivals\n隔壁老王家\n", "utf-8")
    section = {
        "lexicons": [{"file": "shop-lexicons/rivals.txt", "category": "competitor"}],
        "categories": {"competitor": {"action": "flag", "severity": "minor"}},
    }
    doc = shop_doc("s1", "http://127.0.0.1:9/answer", "k", guardrails=section)
    guardrails = load_config(write_config(root, [doc]), {}).guardrails["s1"]
    verdict = guardrails.check("别去隔壁老王家买")
    assert verdict.action is Action.FLAG
    assert verdict.findings[0].finding.category == "competitor"


def test_shop_allowed_domain(tmp_path: Path) -> None:
    guardrails = _guardrails(tmp_path, {"allowed_domains": ["brand-manual.com"]})
    assert guardrails.check("说明书在 brand-manual.com/x1").action is Action.ALLOW  # type: ignore[attr-defined]
    assert guardrails.check("去 other.com 看").action is Action.BLOCK  # type: ignore[attr-defined]


def test_platform_decides_which_links_are_own(tmp_path: Path) -> None:
    jd = _guardrails(tmp_path / "jd", {}, platform="jd")
    douyin = _guardrails(tmp_path / "dy", {}, platform="douyin")
    text = "配件链接：item.jd.com/100012345678.html"
    assert jd.check(text).action is Action.ALLOW  # type: ignore[attr-defined]
    assert douyin.check(text).action is Action.BLOCK  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("section", "mentions"),
    [
        ({"categories": {"nonsense": {"action": "block"}}}, "guardrails.categories.nonsense"),
        ({"categories": {"phone": {"action": "shout"}}}, "guardrails.categories.phone.action"),
        ({"lexicons": [{"file": "missing.txt", "category": "x"}]}, "guardrails.lexicons.0.file"),
        ({"mask": ""}, "guardrails.mask"),
        ({"colour": "red"}, "guardrails.colour"),
    ],
)
def test_invalid_section_names_file_and_field(
    tmp_path: Path, section: dict[str, object], mentions: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _guardrails(tmp_path, section)
    assert "s1.yaml" in raised.value.message and mentions in raised.value.message


def test_missing_platform_preset_is_an_error(tmp_path: Path) -> None:
    root = write_config(tmp_path / "cfg", [shop_doc("s1", "http://x/", "k", platform="kuaishou")])
    (root / "platforms" / "kuaishou.yaml").unlink()
    with pytest.raises(ConfigError, match="kuaishou"):
        load_config(root, {})
