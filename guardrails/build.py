"""Assembling a shop's Guardrails from plain values (the gateway maps its config onto these)."""

from __future__ import annotations

from collections.abc import Iterable

from .detectors.base import Detector
from .detectors.deals import DealDetector
from .detectors.emails import EmailDetector
from .detectors.identifiers import IdentifierDetector
from .detectors.lexicon import AllowedSpans, LexiconDetector
from .detectors.links import LinkDetector, RedirectDetector
from .detectors.messengers import MessengerDetector
from .detectors.payment import PaymentDetector
from .detectors.phones import PhoneDetector
from .detectors.qr_codes import QrCodeDetector
from .detectors.stores import StoreDetector
from .engine import Guardrails
from .models.ngram import NgramClassifier
from .normalize import Normalizer, default_normalizer
from .policy import Policy

CATEGORIES = (
    "phone", "messenger", "email", "link", "redirect", "qr_code", "store", "payment",
    "private_deal", "abuse", "threat", "obscene", "political", "ad_law",
)  # fmt: skip


def build_guardrails(
    *,
    platform: str,
    allowed_domains: Iterable[str],
    lexicon: LexiconDetector | None,
    policy: Policy,
    normalizer: Normalizer | None = None,
    model: NgramClassifier | None = None,
    allowed_phrases: Iterable[str] = (),
) -> Guardrails:
    """The detectors for one platform (its own links and name are allowed), the answer model
    and one policy.

    ``lexicon`` and ``model`` are passed in because they are the expensive parts: shops share
    them.
    """
    detectors: list[Detector] = [
        PhoneDetector(),
        MessengerDetector(),
        EmailDetector(),
        LinkDetector(allowed_domains),
        RedirectDetector(platform),
        QrCodeDetector(),
        StoreDetector(),
        PaymentDetector(),
        DealDetector(),
        # Last: what the specialised detectors found keeps their spans (see engine.distinct).
        IdentifierDetector(),
    ]
    if lexicon is not None:
        detectors.append(lexicon)
    normalizer = normalizer or default_normalizer()
    allowed = AllowedSpans(allowed_phrases, normalizer) if model is not None else None
    return Guardrails(detectors, policy, normalizer, model, allowed)
