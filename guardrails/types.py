"""Values shared by the guardrails library: findings, actions, severities, verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class Action(IntEnum):
    """What happens to a text; a larger value is a stronger action and wins."""

    ALLOW = 0
    FLAG = 1  # deliver unchanged, log the finding
    REDACT = 2  # replace the finding's span with a mask and deliver
    BLOCK = 3  # deliver the shop's fallback text instead
    ESCALATE = 4  # deliver nothing from the bot; hand the conversation to a human

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Action:
        return cls[value.upper()]


class Severity(IntEnum):
    """The platforms' four levels of a violation."""

    MINOR = 1
    GENERAL = 2
    SERIOUS = 3
    ESPECIALLY_SERIOUS = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls[value.upper()]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a detector found: which rule, which category, where (original offsets).

    ``evidence`` is masked (``138****8000``), so a finding can be shown or stored without
    repeating the contact it found.
    """

    rule: str
    category: str
    start: int
    end: int
    evidence: str


@dataclass(frozen=True, slots=True)
class RatedFinding:
    """A finding with the severity and action the shop's policy gives its category."""

    finding: Finding
    severity: Severity
    action: Action

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.finding.rule,
            "category": self.finding.category,
            "severity": self.severity.label,
            "action": self.action.label,
            "start": self.finding.start,
            "end": self.finding.end,
            "evidence": self.finding.evidence,
        }


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The answer model's probability for one category that reached the category's band, and
    the clause that added most to it (original offsets): where a finding only the model made is
    marked."""

    category: str
    probability: float
    high: float  # at or above: the category's action
    low: float  # [low, high): held for a person
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's decision on one text: the strongest action and what would be delivered."""

    action: Action
    text: str
    findings: tuple[RatedFinding, ...]

    @property
    def categories(self) -> list[str]:
        return sorted({rated.finding.category for rated in self.findings})
