"""The compliance presets and a shop's changes to them; errors name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.core.config import CompliancePolicy, load_config
from gateway.core.errors import ConfigError
from guardrails import Severity
from tests.conftest import REPO
from tests.gateway.conftest import shop_doc, write_config


def _config(tmp_path: Path, platform: str = "jd", **fields: Any) -> Any:
    doc = shop_doc("s1", "http://127.0.0.1:9/answer", "k", platform=platform, **fields)
    return load_config(write_config(tmp_path / "cfg", [doc]), {})


def _policy(tmp_path: Path, platform: str = "jd", **fields: Any) -> CompliancePolicy:
    policy: CompliancePolicy = _config(tmp_path, platform, **fields).compliance["s1"]
    return policy


@pytest.mark.parametrize(
    ("platform", "first_reply_s"), [("jd", 30.0), ("douyin", 180.0), ("kuaishou", 180.0)]
)
def test_the_shipped_presets(tmp_path: Path, platform: str, first_reply_s: float) -> None:
    policy = _policy(tmp_path, platform)
    assert policy.mode == "enforce"
    # guiding users off the platform: 20 / 30 / 60 (Douyin service-market rules)
    assert [policy.points_for("messenger", s) for s in Severity] == [20, 30, 60, 120]
    # content violations: 5 / 10 / 30
    assert [policy.points_for("ad_law", s) for s in Severity] == [5, 10, 30, 60]
    assert policy.points_for("a_shops_own_category", Severity.GENERAL) == 10
    assert (policy.warn_at, policy.suspend_at) == (60, 120)
    assert policy.satisfaction_threshold == 0.75  # JD smart-service rules art. 4
    assert policy.satisfied_scores == frozenset({4, 5})
    assert (policy.first_reply_s, policy.answer_window_s) == (first_reply_s, 180.0)


def test_queue_expiry_and_idle_claims_come_from_the_preset(tmp_path: Path) -> None:
    escalation = _config(tmp_path / "a").shops.shops["s1"].escalation
    assert (escalation.queue_timeout_s, escalation.agent_idle_timeout_s) == (180.0, 120.0)
    own = _config(tmp_path / "b", escalation={"queue_timeout_s": 600}).shops.shops["s1"]
    assert (own.escalation.queue_timeout_s, own.escalation.agent_idle_timeout_s) == (600.0, 120.0)


def test_a_shop_changes_points_thresholds_and_windows(tmp_path: Path) -> None:
    policy = _policy(
        tmp_path,
        compliance={
            "mode": "monitor",
            "points": {"phone": {"general": 45}},
            "sanctions": {"warn_at": 90},
            "satisfaction": {"threshold": 0.8, "satisfied_scores": [5], "min_ratings": 3},
            "service_time": {"answer_window_s": 120, "warn_fraction": 0.5},
            "webhook": {"url": "http://127.0.0.1:9/hook"},
        },
    )
    assert policy.mode == "monitor"
    assert [policy.points_for("phone", s) for s in Severity] == [20, 45, 60, 120]
    assert (policy.warn_at, policy.suspend_at) == (90, 120)
    assert (policy.satisfaction_threshold, policy.satisfied_scores) == (0.8, frozenset({5}))
    assert policy.min_ratings == 3
    assert (policy.first_reply_s, policy.answer_window_s, policy.warn_fraction) == (30, 120, 0.5)
    assert policy.webhook is not None and str(policy.webhook.url) == "http://127.0.0.1:9/hook"


def test_the_escalation_webhook_is_the_default_for_compliance_events(tmp_path: Path) -> None:
    policy = _policy(tmp_path, escalation={"webhook": {"url": "http://127.0.0.1:9/agents"}})
    assert policy.webhook is not None and str(policy.webhook.url) == "http://127.0.0.1:9/agents"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"points": {"phonee": {"general": 1}}}, "compliance.points.phonee: unknown category"),
        ({"sanctions": {"warn_at": 130}}, "compliance.sanctions: suspend_at (120) must be above"),
        ({"mode": "shadow"}, "compliance.mode"),
        ({"points": {"phone": {"general": -1}}}, "compliance.points.phone.general"),
        ({"satisfaction": {"satisfied_scores": [5, 5]}}, "a score is listed twice"),
        ({"satisfaction": {"satisfied_scores": [6]}}, "compliance.satisfaction.satisfied_scores"),
        ({"service_time": {"warn_fraction": 1.0}}, "compliance.service_time.warn_fraction"),
    ],
)
def test_bad_shop_sections_name_the_file_and_field(
    tmp_path: Path, section: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, compliance=section)
    assert "s1.yaml" in caught.value.message and message in caught.value.message


def test_a_shops_own_lexicon_category_can_be_priced(tmp_path: Path) -> None:
    root = tmp_path / "cfg"
    (root / "extra").mkdir(parents=True)
    (root / "extra" / "rivals.txt").write_text("隔壁老王家\n", "utf-8")
    doc = shop_doc(
        "s1", "http://127.0.0.1:9/answer", "k",
        guardrails={"lexicons": [{"file": "extra/rivals.txt", "category": "competitor"}]},
        compliance={"points": {"competitor": {"general": 7}}},
    )  # fmt: skip
    policy = load_config(write_config(root, [doc]), {}).compliance["s1"]
    assert policy.points_for("competitor", Severity.GENERAL) == 7
    assert policy.points_for("competitor", Severity.SERIOUS) == 30  # the preset's default


def test_a_preset_without_its_compliance_section_is_refused(tmp_path: Path) -> None:
    root = write_config(tmp_path / "cfg", [shop_doc("s1", "http://127.0.0.1:9/a", "k")])
    preset = yaml.safe_load((REPO / "config" / "platforms" / "jd.yaml").read_text("utf-8"))
    del preset["compliance"]["sanctions"]
    (root / "platforms" / "jd.yaml").write_text(yaml.safe_dump(preset), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root, {})
    assert "jd.yaml" in caught.value.message
    assert "compliance.sanctions" in caught.value.message
