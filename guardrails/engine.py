"""Guardrails: the detectors of one shop and its policy, behind one ``check`` call."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from .detectors.base import Detector
from .normalize import NormalizedText, Normalizer
from .policy import Policy
from .types import Action, Finding, RatedFinding, Severity, Verdict


@dataclass(frozen=True, slots=True)
class TimedVerdict:
    verdict: Verdict
    micros_by_detector: dict[str, float]


class Guardrails:
    """Immutable after construction and safe to share between tasks and threads."""

    def __init__(
        self, detectors: Sequence[Detector], policy: Policy, normalizer: Normalizer
    ) -> None:
        self.detectors = tuple(detectors)
        self.policy = policy
        self.normalizer = normalizer

    def findings(self, text: str) -> list[Finding]:
        normalized = self.normalizer(text)
        return [f for detector in self.detectors for f in detector.detect(normalized)]

    def check(self, text: str) -> Verdict:
        """The verdict on ``text``. If a detector fails, the text is not let through: the
        verdict escalates (fail closed) with a ``guardrails.error`` finding."""
        try:
            return self.policy.decide(text, self.findings(text))
        except Exception as exc:  # any failure of a check must fail closed
            return self._failed(text, exc)

    def timed_check(self, text: str) -> TimedVerdict:
        """Like ``check``, with each detector's cost, for benchmarks and the audit tool."""
        started = time.perf_counter()
        normalized: NormalizedText = self.normalizer(text)
        micros = {"normalize": (time.perf_counter() - started) * 1e6}
        findings: list[Finding] = []
        for detector in self.detectors:
            started = time.perf_counter()
            findings.extend(detector.detect(normalized))
            micros[detector.name] = (time.perf_counter() - started) * 1e6
        return TimedVerdict(self.policy.decide(text, findings), micros)

    def _failed(self, text: str, exc: Exception) -> Verdict:
        finding = Finding("guardrails.error", "error", 0, len(text), type(exc).__name__)
        rated = RatedFinding(finding, Severity.SERIOUS, Action.ESCALATE)
        return Verdict(Action.ESCALATE, self.policy.holding_text, (rated,))
