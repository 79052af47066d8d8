"""guardrails: pure checking of customer-service text against platform rules.

No aiohttp, no Redis, no I/O after construction: the gateway, the audit CLI and the tests all use
the same code. ``build_guardrails`` assembles a shop's detectors and policy; ``Guardrails.check``
returns a ``Verdict``.
"""

from __future__ import annotations

from .build import CATEGORIES, build_guardrails
from .detectors.lexicon import LexiconDetector
from .engine import Guardrails
from .lexicon import LexiconError, PhraseList, load_phrase_dir, read_phrases
from .normalize import NormalizedText, Normalizer, default_normalizer, normalize
from .policy import CategoryRule, Policy, redact
from .types import Action, Finding, RatedFinding, Severity, Verdict

__all__ = [
    "CATEGORIES",
    "Action",
    "CategoryRule",
    "Finding",
    "Guardrails",
    "LexiconDetector",
    "LexiconError",
    "NormalizedText",
    "Normalizer",
    "PhraseList",
    "Policy",
    "RatedFinding",
    "Severity",
    "Verdict",
    "build_guardrails",
    "default_normalizer",
    "load_phrase_dir",
    "normalize",
    "read_phrases",
    "redact",
]
