"""The 100-point quality score of an answer corpus, after the platforms' deduction rules.

Start at 100; each violating answer deducts by the severity of its most severe finding; the
score does not go below 0. Weights follow the domain rules: JD's product-information score takes
50 points for an especially serious item (a sensitive word) and 1 for a minor one; Douyin's
content violations cost 5 / 10 / 30 points for minor / general / serious.
"""

from __future__ import annotations

from collections.abc import Iterable

from .types import Severity, Verdict

DEDUCTIONS = {
    Severity.MINOR: 1,
    Severity.GENERAL: 5,
    Severity.SERIOUS: 20,
    Severity.ESPECIALLY_SERIOUS: 50,
}


def deduction(verdict: Verdict) -> int:
    """What one answer costs: the weight of its most severe finding (0 when clean)."""
    return max((DEDUCTIONS[rated.severity] for rated in verdict.findings), default=0)


def quality_score(verdicts: Iterable[Verdict]) -> int:
    return max(0, 100 - sum(deduction(verdict) for verdict in verdicts))
