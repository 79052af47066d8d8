"""What a checked text costs the shop: one violation per category it breaks, priced by the shop's
points (pure; the message path, agents' replies and the audit command all use it).

A category costs the points of its most severe charged finding once per text, however many
findings it holds: one answer with two phone numbers is one violation, not two. A finding is
charged when the gateway redacts, blocks or escalates for it; not when it only flags, when the
answer model was unsure (``model.<category>.uncertain``: held for a person, not proven), nor for
the ``error`` category (a check that could not run is the gateway's failure, not the shop's).
"""

from __future__ import annotations

from collections.abc import Iterable

from guardrails import Action, RatedFinding, Verdict

from ..core.config import CompliancePolicy
from .store import Violation

UNCHARGED_CATEGORIES = frozenset({"error"})
UNCERTAIN_SUFFIX = ".uncertain"
KEEP_EVIDENCE = 10  # masked evidence items kept per violation


def charged(rated: RatedFinding) -> bool:
    return (
        rated.action >= Action.REDACT
        and rated.finding.category not in UNCHARGED_CATEGORIES
        and not rated.finding.rule.endswith(UNCERTAIN_SUFFIX)
    )


def violations(verdict: Verdict, policy: CompliancePolicy) -> tuple[Violation, ...]:
    """The verdict's findings grouped by category, in the order they first occur."""
    grouped: dict[str, list[RatedFinding]] = {}
    for rated in verdict.findings:
        grouped.setdefault(rated.finding.category, []).append(rated)
    return tuple(_violation(category, found, policy) for category, found in grouped.items())


def _violation(category: str, found: list[RatedFinding], policy: CompliancePolicy) -> Violation:
    paid = [rated for rated in found if charged(rated)]
    severity = max(rated.severity for rated in (paid or found))
    points = policy.points_for(category, severity) if paid else 0
    return Violation(
        category=category,
        severity=severity,
        points=points,
        findings=len(found),
        rules=tuple(sorted({rated.finding.rule for rated in found})),
        evidence=_evidence(rated.finding.evidence for rated in found),
    )


def _evidence(items: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for item in items:
        if item and item not in kept:
            kept.append(item)
    return tuple(kept[:KEEP_EVIDENCE])


def total_points(found: Iterable[Violation]) -> int:
    return sum(violation.points for violation in found)
