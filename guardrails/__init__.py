"""guardrails: pure checking of customer-service text against platform rules.

No aiohttp, no Redis, no I/O after construction: the gateway, the audit CLI and the tests all use
the same code. ``build_guardrails`` assembles a shop's detectors and policy; ``Guardrails.check``
returns a ``Verdict``. ``MessageScreen.check`` says why a shopper's message escalates;
``fingerprint`` / ``meaning_fingerprint`` and ``is_repeat`` tell when the bot's answers repeat
(word for word, or in meaning); ``Frustration.update`` tells when a conversation's frustration
has built up.
"""

from __future__ import annotations

from .build import CATEGORIES, build_guardrails
from .detectors.lexicon import LexiconDetector
from .engine import Guardrails
from .escalation import (
    DEFAULT_POLICY,
    EscalationPolicy,
    MessageFinding,
    MessageScreen,
    MessageVerdict,
    conversation_negative,
    load_escalation_phrases,
)
from .frustration import FRUSTRATION, Frustration, FrustrationState
from .lexicon import LexiconError, PhraseList, load_phrase_dir, read_phrases
from .normalize import NormalizedText, Normalizer, default_normalizer, normalize
from .policy import CategoryRule, Policy, redact
from .sentiment import SentimentScorer, SnowNLPScorer
from .similarity import (
    Fingerprint,
    MeaningFingerprint,
    count_repeats,
    fingerprint,
    is_repeat,
    meaning_fingerprint,
    meaning_similarity,
    similarity,
)
from .types import Action, Finding, RatedFinding, Severity, Verdict

__all__ = [
    "CATEGORIES",
    "DEFAULT_POLICY",
    "FRUSTRATION",
    "Action",
    "CategoryRule",
    "EscalationPolicy",
    "Finding",
    "Fingerprint",
    "Frustration",
    "FrustrationState",
    "Guardrails",
    "LexiconDetector",
    "LexiconError",
    "MeaningFingerprint",
    "MessageFinding",
    "MessageScreen",
    "MessageVerdict",
    "NormalizedText",
    "Normalizer",
    "PhraseList",
    "Policy",
    "RatedFinding",
    "SentimentScorer",
    "Severity",
    "SnowNLPScorer",
    "Verdict",
    "build_guardrails",
    "conversation_negative",
    "count_repeats",
    "default_normalizer",
    "fingerprint",
    "is_repeat",
    "load_escalation_phrases",
    "load_phrase_dir",
    "meaning_fingerprint",
    "meaning_similarity",
    "normalize",
    "read_phrases",
    "redact",
    "similarity",
]
