"""Guardrails: the detectors of one shop, the answer model and its policy, behind one ``check``.

One normalisation per text, shared by every detector and the model; findings in a warning frame
that give no identifier are cleared (``frames.py``) before the policy weighs them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .detectors.base import Detector
from .detectors.lexicon import AllowedSpans
from .frames import CLEARABLE, clear_warned
from .models.ngram import NgramClassifier
from .normalize import NormalizedText, Normalizer
from .policy import Policy
from .types import Action, Finding, ModelScore, RatedFinding, Severity, Verdict


@dataclass(frozen=True, slots=True)
class TimedVerdict:
    verdict: Verdict
    micros_by_detector: dict[str, float]


class Guardrails:
    """Immutable after construction and safe to share between tasks and threads."""

    def __init__(
        self,
        detectors: Sequence[Detector],
        policy: Policy,
        normalizer: Normalizer,
        model: NgramClassifier | None = None,
        allowed: AllowedSpans | None = None,
    ) -> None:
        """``allowed`` finds the shop's allowed phrases, which the model is not shown."""
        self.detectors = tuple(detectors)
        self.policy = policy
        self.normalizer = normalizer
        self.model = model
        self.allowed = allowed

    def findings(self, text: str) -> list[Finding]:
        normalized = self.normalizer(text)
        return clear_warned(normalized, self._detected(normalized))

    def _detected(self, normalized: NormalizedText) -> list[Finding]:
        return distinct([f for detector in self.detectors for f in detector.detect(normalized)])

    def probabilities(self, normalized: NormalizedText) -> dict[str, float]:
        """The model's probability for every category (empty without a model); the shop's
        allowed phrases are kept from it."""
        model = self.model
        if model is None:
            return {}
        cut = self.allowed(normalized) if self.allowed is not None else []
        return dict(zip(model.heads, model.probabilities(normalized, cut), strict=True))

    def scores(
        self, normalized: NormalizedText, probabilities: Mapping[str, float]
    ) -> list[ModelScore]:
        """The model's scores that reach their category's band (nothing below ``low``)."""
        model = self.model
        if model is None:
            return []
        firing = [
            (head, probability, band)
            for head, probability in probabilities.items()
            if (band := model.bands.get(head)) is not None and probability >= band.low
        ]
        if not firing:
            return []
        cut = self.allowed(normalized) if self.allowed is not None else []
        clauses = model.clauses(normalized, [head for head, _, _ in firing], cut)
        scores = []
        for head, probability, band in firing:
            start, end = normalized.compact_to_original(*clauses[head])
            scores.append(ModelScore(head, probability, band.high, band.low, start, end))
        return scores

    def vetoed(self, findings: list[Finding], probabilities: Mapping[str, float]) -> list[Finding]:
        """Without a finding that the model all but rules out: a rule that names something
        without giving an identifier (an invitation, a phrasing) and a category the model
        scores below its ``veto_below``. The model learned the reminders and refusals that such
        rules trip over; an identifier is never vetoed."""
        model = self.model
        if model is None or not model.veto_below:
            return findings
        veto = model.veto_below
        return [
            f
            for f in findings
            if f.rule not in CLEARABLE
            or probabilities.get(f.category, 1.0) >= veto.get(f.category, 0.0)
        ]

    def check(self, text: str) -> Verdict:
        """The verdict on ``text``. If a detector or the model fails, the text is not let
        through: the verdict escalates (fail closed) with a ``guardrails.error`` finding."""
        try:
            normalized = self.normalizer(text)
            found = clear_warned(normalized, self._detected(normalized))
            probabilities = self.probabilities(normalized)
            found = self.vetoed(found, probabilities)
            return self.policy.decide(text, found, self.scores(normalized, probabilities))
        except Exception as exc:  # any failure of a check must fail closed
            return self._failed(text, exc)

    def timed_check(self, text: str) -> TimedVerdict:
        """Like ``check``, with each step's cost, for benchmarks and the audit tool."""
        started = time.perf_counter()
        normalized: NormalizedText = self.normalizer(text)
        micros = {"normalize": (time.perf_counter() - started) * 1e6}
        findings: list[Finding] = []
        for detector in self.detectors:
            started = time.perf_counter()
            findings.extend(detector.detect(normalized))
            micros[detector.name] = (time.perf_counter() - started) * 1e6
        started = time.perf_counter()
        findings = clear_warned(normalized, distinct(findings))
        micros["frames"] = (time.perf_counter() - started) * 1e6
        started = time.perf_counter()
        probabilities = self.probabilities(normalized)
        findings = self.vetoed(findings, probabilities)
        scores = self.scores(normalized, probabilities)
        micros["model"] = (time.perf_counter() - started) * 1e6
        started = time.perf_counter()
        verdict = self.policy.decide(text, findings, scores)
        micros["policy"] = (time.perf_counter() - started) * 1e6
        return TimedVerdict(verdict, micros)

    def _failed(self, text: str, exc: Exception) -> Verdict:
        finding = Finding("guardrails.error", "error", 0, len(text), type(exc).__name__)
        rated = RatedFinding(finding, Severity.SERIOUS, Action.ESCALATE)
        return Verdict(Action.ESCALATE, self.policy.holding_text, (rated,))


def distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per category and place: where two detectors found the same thing (a WeChat id
    read as a messenger id and as an identifier with a messenger cue), the first detector's wins,
    so that a verdict lists each thing once."""
    kept: list[Finding] = []
    for finding in findings:
        if not any(
            k.category == finding.category and k.start < finding.end and finding.start < k.end
            for k in kept
        ):
            kept.append(finding)
    return kept
