"""The policy: which action and severity each category gets, and the verdict on a text.

Rule findings and the answer model's scores meet here. A rule finding takes its category's
action and keeps its exact span. A category no rule found but the model scores at or above its
band's ``high`` takes the category's action too, marked on the clause the model read it in; a
score in the band's middle ``[low, high)`` holds the answer for a person (escalate) when the
category would be blocked or escalated, and only flags it when the category is merely redacted
or flagged (a maybe-superlative is not worth an agent's time). The verdict's action is the
strongest among the findings; one function turns it into the text that would be delivered
(unchanged, redacted, the fallback, or the holding text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .types import Action, Finding, ModelScore, RatedFinding, Severity, Verdict


@dataclass(frozen=True, slots=True)
class CategoryRule:
    action: Action
    severity: Severity


@dataclass(frozen=True, slots=True)
class Policy:
    rules: Mapping[str, CategoryRule]
    # Categories nobody configured (a shop's own lexicon file, say) are blocked, not waved through.
    default_rule: CategoryRule = CategoryRule(Action.BLOCK, Severity.GENERAL)
    mask: str = "***"
    fallback_text: str = ""
    holding_text: str = ""
    texts: Mapping[str, str] = field(default_factory=dict)

    def rule_for(self, category: str) -> CategoryRule:
        return self.rules.get(category, self.default_rule)

    def rate(self, findings: Iterable[Finding]) -> tuple[RatedFinding, ...]:
        rated = []
        for finding in findings:
            rule = self.rule_for(finding.category)
            if rule.action is not Action.ALLOW:
                rated.append(RatedFinding(finding, rule.severity, rule.action))
        rated.sort(key=lambda r: (r.finding.start, r.finding.end, r.finding.rule))
        return tuple(rated)

    def rate_scores(self, scores: Iterable[ModelScore], ruled: set[str]) -> list[RatedFinding]:
        """Findings for the categories the model found and no rule did (``ruled``)."""
        rated = []
        for score in scores:
            rule = self.rule_for(score.category)
            if score.category in ruled or rule.action is Action.ALLOW:
                continue
            if score.probability >= score.high:
                name, action = f"model.{score.category}", rule.action
            elif score.probability >= score.low:
                name = f"model.{score.category}.uncertain"
                action = Action.ESCALATE if rule.action >= Action.BLOCK else Action.FLAG
            else:
                continue
            evidence = f"p={score.probability:.2f}"
            finding = Finding(name, score.category, score.start, score.end, evidence)
            rated.append(RatedFinding(finding, rule.severity, action))
        return rated

    def decide(
        self, original: str, findings: Iterable[Finding], scores: Iterable[ModelScore] = ()
    ) -> Verdict:
        rated = list(self.rate(findings))
        rated += self.rate_scores(scores, {r.finding.category for r in rated})
        rated.sort(key=lambda r: (r.finding.start, r.finding.end, r.finding.rule))
        action = max((r.action for r in rated), default=Action.ALLOW)
        return Verdict(action, self.delivered_text(original, action, rated), tuple(rated))

    def delivered_text(self, original: str, action: Action, rated: Sequence[RatedFinding]) -> str:
        if action is Action.ESCALATE:
            return self.holding_text
        if action is Action.BLOCK:
            return self.fallback_text
        if action is Action.REDACT:
            spans = [(r.finding.start, r.finding.end) for r in rated if r.action is Action.REDACT]
            return redact(original, spans, self.mask)
        return original


def redact(text: str, spans: Iterable[tuple[int, int]], mask: str) -> str:
    """Replace each span (overlapping spans merged) with ``mask``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[str] = []
    last = 0
    for start, end in merged:
        pieces.append(text[last:start])
        pieces.append(mask)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
