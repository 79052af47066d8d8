from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardrails import (
    Action,
    CategoryRule,
    Guardrails,
    LexiconDetector,
    MessageScreen,
    Policy,
    Severity,
    SnowNLPScorer,
    build_guardrails,
    default_normalizer,
    load_phrase_dir,
)
from guardrails.sentiment import ShopperSentiment
from guardrails.sentiment.tables_cache import load_segmentation
from tests.conftest import REPO


@pytest.fixture(scope="session")
def lexicon() -> LexiconDetector:
    return LexiconDetector(load_phrase_dir(REPO / "config" / "lexicons"), default_normalizer())


def platform_guardrails(platform: str, lexicon: LexiconDetector) -> Guardrails:
    preset = yaml.safe_load((REPO / "config" / "platforms" / f"{platform}.yaml").read_text())
    policy = Policy(
        {
            name: CategoryRule(Action.parse(rule["action"]), Severity.parse(rule["severity"]))
            for name, rule in preset["categories"].items()
        },
        fallback_text="FALLBACK",
        holding_text="HOLDING",
    )
    return build_guardrails(
        platform=platform, allowed_domains=preset["allowed_domains"], lexicon=lexicon, policy=policy
    )


@pytest.fixture(scope="session")
def shops(lexicon: LexiconDetector) -> dict[str, Guardrails]:
    """The shipped presets and lexicons, as a shop of each platform gets them."""
    return {p: platform_guardrails(p, lexicon) for p in ("jd", "douyin", "kuaishou")}


def lexicon_dir() -> Path:
    return REPO / "config" / "lexicons"


@pytest.fixture(scope="session")
def scorer() -> SnowNLPScorer:
    """Stock snownlp, imported once for the session (seconds and a few hundred MB)."""
    return SnowNLPScorer()


@pytest.fixture(scope="session")
def sentiment() -> ShopperSentiment:
    """The shipped customer-service sentiment model, on the fast engine."""
    return ShopperSentiment.load(load_segmentation())


@pytest.fixture(scope="session")
def screen(sentiment: ShopperSentiment) -> MessageScreen:
    """The shipped escalation phrase lists with the shipped sentiment model."""
    return MessageScreen.from_directory(lexicon_dir() / "escalation", sentiment)
