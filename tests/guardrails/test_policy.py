"""The policy: strongest action wins, one rewrite per action, unknown categories are blocked."""

from __future__ import annotations

import pytest

from guardrails import Action, CategoryRule, Finding, Guardrails, Policy, Severity, redact
from guardrails.normalize import NormalizedText, default_normalizer
from guardrails.types import ModelScore

POLICY = Policy(
    {
        "phone": CategoryRule(Action.BLOCK, Severity.GENERAL),
        "ad_law": CategoryRule(Action.REDACT, Severity.GENERAL),
        "note": CategoryRule(Action.FLAG, Severity.MINOR),
        "ignored": CategoryRule(Action.ALLOW, Severity.MINOR),
        "threat": CategoryRule(Action.ESCALATE, Severity.ESPECIALLY_SERIOUS),
    },
    mask="***",
    fallback_text="FALLBACK",
    holding_text="HOLDING",
)
TEXT = "这是最好的产品，电话13800138000"


def finding(category: str, start: int, end: int) -> Finding:
    return Finding(f"test.{category}", category, start, end, "x")


@pytest.mark.parametrize(
    ("categories", "action", "delivered"),
    [
        ([], Action.ALLOW, TEXT),
        (["ignored"], Action.ALLOW, TEXT),
        (["note"], Action.FLAG, TEXT),
        (["note", "ad_law"], Action.REDACT, "这是***产品，电话13800138000"),
        (["ad_law", "phone"], Action.BLOCK, "FALLBACK"),
        (["phone", "threat", "ad_law"], Action.ESCALATE, "HOLDING"),
    ],
)
def test_strongest_action_wins(categories: list[str], action: Action, delivered: str) -> None:
    spans = {"ad_law": (2, 5), "phone": (10, 21), "note": (0, 2), "ignored": (0, 1),
             "threat": (0, 2)}  # fmt: skip
    verdict = POLICY.decide(TEXT, [finding(c, *spans[c]) for c in categories])
    assert verdict.action is action
    assert verdict.text == delivered
    assert "ignored" not in verdict.categories


def test_unconfigured_category_is_blocked() -> None:
    verdict = POLICY.decide(TEXT, [finding("competitor", 0, 2)])
    assert verdict.action is Action.BLOCK
    assert verdict.findings[0].severity is Severity.GENERAL


def test_findings_carry_severity_action_and_offsets_in_order() -> None:
    verdict = POLICY.decide(TEXT, [finding("phone", 10, 21), finding("ad_law", 2, 5)])
    assert [r.to_json()["category"] for r in verdict.findings] == ["ad_law", "phone"]
    assert verdict.findings[1].to_json() == {
        "rule": "test.phone", "category": "phone", "severity": "general", "action": "block",
        "start": 10, "end": 21, "evidence": "x",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(0, 2)], "**cdef"),
        ([(1, 3), (2, 4)], "a**ef"),
        ([(4, 6), (0, 1)], "**bcd**"),
        ([(0, 6)], "**"),
    ],
)
def test_redact_merges_overlaps(spans: list[tuple[int, int]], expected: str) -> None:
    assert redact("abcdef", spans, "**") == expected


class _Broken:
    name = "broken"

    def detect(self, text: NormalizedText) -> list[Finding]:
        raise RuntimeError("boom")


def test_a_failing_detector_fails_closed() -> None:
    guardrails = Guardrails([_Broken()], POLICY, default_normalizer())
    verdict = guardrails.check("hello")
    assert verdict.action is Action.ESCALATE
    assert verdict.text == "HOLDING"
    assert verdict.findings[0].finding.rule == "guardrails.error"


def score(category: str, probability: float, high: float = 0.9, low: float = 0.5) -> ModelScore:
    return ModelScore(category, probability, high, low, 0, 4)


@pytest.mark.parametrize(
    ("scores", "action", "rule"),
    [
        # Above the band's high: the category's own action, marked on the model's clause.
        ([score("phone", 0.95)], Action.BLOCK, "model.phone"),
        ([score("threat", 0.95)], Action.ESCALATE, "model.threat"),
        ([score("ad_law", 0.95)], Action.REDACT, "model.ad_law"),
        # The middle band holds a blocked category for a person …
        ([score("phone", 0.7)], Action.ESCALATE, "model.phone.uncertain"),
        # … and only flags a category that is merely redacted.
        ([score("ad_law", 0.7)], Action.FLAG, "model.ad_law.uncertain"),
        # Below the band, or a category the shop allows: nothing.
        ([score("phone", 0.4)], Action.ALLOW, None),
        ([score("ignored", 0.99)], Action.ALLOW, None),
    ],
)
def test_model_scores_take_their_band(
    scores: list[ModelScore], action: Action, rule: str | None
) -> None:
    verdict = POLICY.decide(TEXT, [], scores)
    assert verdict.action is action
    assert [r.finding.rule for r in verdict.findings] == ([rule] if rule else [])
    if action is Action.REDACT:
        assert verdict.text == "***的产品，电话13800138000"  # the clause span 0..4


def test_a_rule_finding_keeps_its_span_and_the_model_adds_nothing_to_its_category() -> None:
    phone = finding("phone", 10, 21)
    verdict = POLICY.decide(TEXT, [phone], [score("phone", 0.99), score("ad_law", 0.95)])
    assert [(r.finding.rule, r.finding.start) for r in verdict.findings] == [
        ("model.ad_law", 0),
        ("test.phone", 10),
    ]
