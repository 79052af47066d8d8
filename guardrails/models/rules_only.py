"""The shipped rules (detectors, lexicons, presets of config/) without any model, per platform:
what training calibrates the model's bands after, and a baseline for the evaluation."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from ..build import build_guardrails
from ..detectors.lexicon import AllowedSpans, LexiconDetector
from ..engine import Guardrails
from ..frames import CLEARABLE
from ..lexicon import load_phrase_dir
from ..normalize import default_normalizer
from ..policy import CategoryRule, Policy
from ..types import Action, Finding, Severity
from .corpus import REPO

CONFIG = REPO / "config"


def _preset(platform: str, config: Path) -> tuple[list[str], dict[str, CategoryRule]]:
    import yaml  # a dev tool: PyYAML comes with the gateway

    data = yaml.safe_load((config / "platforms" / f"{platform}.yaml").read_text("utf-8"))
    rules = {
        name: CategoryRule(Action.parse(rule["action"]), Severity.parse(rule["severity"]))
        for name, rule in data["categories"].items()
    }
    return list(data["allowed_domains"]), rules


@functools.cache
def shipped_allowed() -> AllowedSpans:
    """The shipped allowed phrases, as the gateway keeps them from the model."""
    return AllowedSpans(load_phrase_dir(CONFIG / "lexicons").allowed, default_normalizer())


@functools.cache
def platform_guardrails(platform: str, with_model: bool = False) -> Guardrails:
    domains, rules = _preset(platform, CONFIG)
    phrases = load_phrase_dir(CONFIG / "lexicons")
    lexicon = LexiconDetector(phrases, default_normalizer())
    model = None
    if with_model:
        from .answers import load_answer_model

        model = load_answer_model()
    return build_guardrails(
        platform=platform,
        allowed_domains=domains,
        lexicon=lexicon,
        policy=Policy(rules, fallback_text="FALLBACK", holding_text="HOLDING"),
        model=model,
        allowed_phrases=phrases.allowed,
    )


@functools.lru_cache(maxsize=100_000)
def _rule_findings(text: str, platform: str) -> tuple[Finding, ...]:
    """Findings are values: training asks for the same text's many times (one per veto tried)."""
    return tuple(platform_guardrails(platform).findings(text))


def rules_catch(
    text: str,
    platform: str,
    probabilities: Mapping[str, float] | None = None,
    veto_below: Mapping[str, float] | None = None,
) -> bool:
    """True when the rules alone stop the answer (redact, block or escalate); with a model's
    ``probabilities``, after its veto of phrasing findings (``Guardrails.vetoed``)."""
    guardrails = platform_guardrails(platform)
    found = list(_rule_findings(text, platform))
    if probabilities is not None and veto_below:
        found = [
            f
            for f in found
            if f.rule not in CLEARABLE
            or probabilities[f.category] >= veto_below.get(f.category, 0.0)
        ]
    return guardrails.policy.decide(text, found).action >= Action.REDACT
