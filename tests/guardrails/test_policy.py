"""The policy: strongest action wins, one rewrite per action, unknown categories are blocked."""

from __future__ import annotations

import pytest

from guardrails import Action, CategoryRule, Finding, Guardrails, Policy, Severity, redact
from guardrails.normalize import NormalizedText, default_normalizer

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
