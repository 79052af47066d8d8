"""Compiling each shop's guardrails and the shopper-message screen from the config files.

Compiling reads lexicon files and builds automata (a 50,000-phrase lexicon takes ~0.3 s), so it
runs with the rest of config loading: before the server starts, and off the event loop on reload.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from guardrails import (
    CATEGORIES,
    Action,
    CategoryRule,
    Guardrails,
    LexiconDetector,
    LexiconError,
    PhraseList,
    Policy,
    Severity,
    build_guardrails,
    default_normalizer,
    load_phrase_dir,
    read_phrases,
)
from guardrails.escalation import EscalationPolicy, MessageScreen
from guardrails.models.answers import load_answer_model
from guardrails.models.messages import load_message_model
from guardrails.models.ngram import ModelError, NgramClassifier
from guardrails.sentiment import SentimentScorer, ShopperSentiment
from guardrails.sentiment.segment import SegmentationModelError
from guardrails.sentiment.tables_cache import load_segmentation

from ..errors import ConfigError
from .platforms import PLATFORMS_DIR, PlatformPreset, load_platform_presets
from .shops import ShopConfig

LEXICONS_DIR = "lexicons"


@dataclass(frozen=True, slots=True)
class ExtraPhrases:
    """A shop's phrases from outside its files (shop feedback): compiled as if ``allow`` were
    listed in ``guardrails.allow_phrases`` and ``deny`` in a lexicon file of each category."""

    allow: tuple[str, ...] = ()
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


NO_EXTRA_PHRASES = ExtraPhrases()


def known_categories(shop: ShopConfig) -> frozenset[str]:
    """The categories a shop's configuration may name: guardrails' own and its lexicons'."""
    return frozenset(CATEGORIES) | {lexicon.category for lexicon in shop.guardrails.lexicons}


def phrase_key(phrase: str) -> str:
    """A phrase as the lexicon matches it: normalised like the text, separators dropped."""
    return default_normalizer()(phrase).compact


def _policy(shop: ShopConfig, preset: PlatformPreset, source: str) -> Policy:
    rules = {
        category: CategoryRule(Action.parse(rule.action), Severity.parse(rule.severity))
        for category, rule in preset.categories.items()
    }
    known = known_categories(shop)
    for category, override in shop.guardrails.categories.items():
        if category not in known:
            raise ConfigError(
                f"{source}: guardrails.categories.{category}: unknown category "
                f"(known: {', '.join(sorted(known))})"
            )
        base = rules.get(category, Policy(rules={}).default_rule)
        rules[category] = CategoryRule(
            Action.parse(override.action) if override.action else base.action,
            Severity.parse(override.severity) if override.severity else base.severity,
        )
    # A failing check escalates (fail closed); the category exists so the verdict can say so.
    rules.setdefault("error", CategoryRule(Action.ESCALATE, Severity.SERIOUS))
    return Policy(
        rules=rules,
        mask=shop.guardrails.mask,
        fallback_text=shop.replies.fallback,
        holding_text=shop.replies.holding,
    )


def compile_guardrails(
    config_dir: Path,
    shops: Mapping[str, ShopConfig],
    extra: Mapping[str, ExtraPhrases] | None = None,
) -> dict[str, Guardrails]:
    """One Guardrails per shop; shops with the same phrase lists share one automaton. ``extra``
    holds phrases per shop from outside the files, read by the caller: compiling does no I/O
    beyond the config directory."""
    presets = load_platform_presets(config_dir)
    try:
        base = load_phrase_dir(config_dir / LEXICONS_DIR)
    except LexiconError as exc:
        raise ConfigError(str(exc)) from exc
    normalizer = default_normalizer()
    model = _answer_model() if any(s.guardrails.model for s in shops.values()) else None
    automata: dict[tuple[object, ...], LexiconDetector] = {}
    compiled: dict[str, Guardrails] = {}
    for shop_id, shop in shops.items():
        source = str(config_dir / "shops" / f"{shop_id}.yaml")
        preset = presets.get(shop.platform)
        if preset is None:
            raise ConfigError(
                f"{source}: platform: no preset {config_dir / PLATFORMS_DIR / shop.platform}.yaml"
            )
        more = (extra or {}).get(shop_id, NO_EXTRA_PHRASES)
        phrases = base.with_allowed([*shop.guardrails.allow_phrases, *more.allow])
        for index, lexicon_file in enumerate(shop.guardrails.lexicons):
            try:
                items = read_phrases(config_dir / lexicon_file.file)
            except LexiconError as exc:
                raise ConfigError(f"{source}: guardrails.lexicons.{index}.file: {exc}") from exc
            phrases = phrases.merged(PhraseList({lexicon_file.category: items}))
        if more.deny:
            phrases = phrases.merged(PhraseList(more.deny))
        key = (tuple(sorted(phrases.banned.items())), phrases.allowed)
        lexicon = automata.get(key)
        if lexicon is None:
            lexicon = automata[key] = LexiconDetector(phrases, normalizer)
        compiled[shop_id] = build_guardrails(
            platform=shop.platform,
            allowed_domains=[*preset.allowed_domains, *shop.guardrails.allowed_domains],
            lexicon=lexicon,
            policy=_policy(shop, preset, source),
            normalizer=normalizer,
            model=model if shop.guardrails.model else None,
            allowed_phrases=phrases.allowed,
        )
    return compiled


def _answer_model() -> NgramClassifier:
    """The shipped answer model, loaded once per process (it ships inside the package)."""
    try:
        return load_answer_model()
    except ModelError as exc:
        raise ConfigError(f"answer model: {exc}") from exc


@functools.cache
def shared_scorer(model_cache: Path | None = None) -> SentimentScorer:
    """The customer-service sentiment model, loaded once per process, never per reload: under a
    second and a few tens of MB (bench/startup_bench.py) from the segmentation tables cached in
    ``model_cache`` (built there first, in a child process, if they are missing; ``cs-gateway
    models`` builds them ahead of time)."""
    try:
        return ShopperSentiment.load(load_segmentation(model_cache))
    except (OSError, SegmentationModelError, ValueError) as exc:
        raise ConfigError(f"sentiment model: {exc}") from exc


def compile_screen(
    config_dir: Path, shops: Mapping[str, ShopConfig], model_cache: Path | None = None
) -> MessageScreen:
    """The shopper-message screen; the sentiment model only when a shop uses it."""
    uses_sentiment = any(s.escalation.negative or s.escalation.conversation for s in shops.values())
    scorer = shared_scorer(model_cache) if uses_sentiment else None
    model = None
    if any(s.escalation.intent_model for s in shops.values()):
        try:
            model = load_message_model()
        except ModelError as exc:
            raise ConfigError(f"message model: {exc}") from exc
    try:
        return MessageScreen.from_directory(
            config_dir / LEXICONS_DIR / "escalation", scorer, model=model
        )
    except LexiconError as exc:
        raise ConfigError(str(exc)) from exc


def escalation_policy(shop: ShopConfig) -> EscalationPolicy:
    config = shop.escalation
    return EscalationPolicy(
        human_request=config.human_request,
        sensitive=config.sensitive,
        negative=config.negative,
        negative_below=config.negative_below,
        conversation=config.conversation,
        conversation_below=config.conversation_below,
        intent_model=config.intent_model,
    )
