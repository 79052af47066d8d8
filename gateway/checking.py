"""Compiling each shop's guardrails from its config, and the answer check that uses them.

Compiling reads lexicon files and builds automata (a 50,000-phrase lexicon takes ~0.3 s), so it
runs with the rest of config loading: before the server starts, and off the event loop on reload.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

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
from guardrails.sentiment import SentimentScorer, ShopperSentiment
from guardrails.sentiment.segment import SegmentationModelError
from guardrails.sentiment.tables_cache import load_segmentation

from .checks import AnswerReview, MessageReview
from .errors import ConfigError
from .settings import format_validation_error, read_yaml_mapping
from .shops import PlatformPreset, ShopConfig

PLATFORMS_DIR = "platforms"
LEXICONS_DIR = "lexicons"


def load_platform_presets(config_dir: Path) -> dict[str, PlatformPreset]:
    presets: dict[str, PlatformPreset] = {}
    for path in sorted((config_dir / PLATFORMS_DIR).glob("*.yaml")):
        try:
            preset = PlatformPreset.model_validate(read_yaml_mapping(path))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(str(path), exc)) from exc
        if preset.platform != path.stem:
            raise ConfigError(f"{path}: platform: '{preset.platform}' must match the file name")
        presets[preset.platform] = preset
    return presets


def _policy(shop: ShopConfig, preset: PlatformPreset, source: str) -> Policy:
    rules = {
        category: CategoryRule(Action.parse(rule.action), Severity.parse(rule.severity))
        for category, rule in preset.categories.items()
    }
    known = set(CATEGORIES) | {lexicon.category for lexicon in shop.guardrails.lexicons}
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


def compile_guardrails(config_dir: Path, shops: Mapping[str, ShopConfig]) -> dict[str, Guardrails]:
    """One Guardrails per shop; shops with the same phrase lists share one automaton."""
    presets = load_platform_presets(config_dir)
    try:
        base = load_phrase_dir(config_dir / LEXICONS_DIR)
    except LexiconError as exc:
        raise ConfigError(str(exc)) from exc
    normalizer = default_normalizer()
    automata: dict[tuple[object, ...], LexiconDetector] = {}
    compiled: dict[str, Guardrails] = {}
    for shop_id, shop in shops.items():
        source = str(config_dir / "shops" / f"{shop_id}.yaml")
        preset = presets.get(shop.platform)
        if preset is None:
            raise ConfigError(
                f"{source}: platform: no preset {config_dir / PLATFORMS_DIR / shop.platform}.yaml"
            )
        phrases = base.with_allowed(shop.guardrails.allow_phrases)
        for index, extra in enumerate(shop.guardrails.lexicons):
            try:
                items = read_phrases(config_dir / extra.file)
            except LexiconError as exc:
                raise ConfigError(f"{source}: guardrails.lexicons.{index}.file: {exc}") from exc
            phrases = phrases.merged(PhraseList({extra.category: items}))
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
        )
    return compiled


class GuardrailsAnswerCheck:
    """Checks an answer with the guardrails of the configuration in force right now."""

    def __init__(self, current: Callable[[], Mapping[str, Guardrails]]) -> None:
        self._current = current

    def review_answer(self, shop: ShopConfig, text: str) -> AnswerReview:
        guardrails = self._current().get(shop.shop_id)
        if guardrails is None:
            # A shop without compiled guardrails must not pass answers unchecked (fail closed).
            missing = {
                "rule": "guardrails.missing",
                "category": "error",
                "severity": "serious",
                "action": "escalate",
                "start": 0,
                "end": len(text),
                "evidence": "",
            }
            return AnswerReview(Action.ESCALATE, shop.replies.holding, (missing,))
        verdict = guardrails.check(text)
        return AnswerReview(
            verdict.action, verdict.text, tuple(r.to_json() for r in verdict.findings)
        )


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
    try:
        return MessageScreen.from_directory(config_dir / LEXICONS_DIR / "escalation", scorer)
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
    )


class ScreenMessageCheck:
    """Screens a shopper message with the screen of the configuration in force right now."""

    def __init__(self, current: Callable[[], MessageScreen]) -> None:
        self._current = current

    def screen_message(self, shop: ShopConfig, text: str) -> MessageReview:
        verdict = self._current().screen(text, escalation_policy(shop))
        return MessageReview(verdict.reasons, verdict.sentiment, tuple(verdict.rules), verdict)

    async def weigh_message(
        self, shop: ShopConfig, text: str, review: MessageReview, previous: float | None
    ) -> MessageReview:
        screen, policy = self._current(), escalation_policy(shop)
        verdict = review.verdict
        if verdict is None:  # screened elsewhere: screen again
            verdict = screen.screen(text, policy)
        # One run of Han characters is decoded per step (~12 µs a character); between steps
        # the loop serves everything else, so a long message never stalls it.
        steps = screen.weigh_steps(text, verdict, policy, previous)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                verdict = done.value
                break
            await asyncio.sleep(0)
        return MessageReview(verdict.reasons, verdict.sentiment, tuple(verdict.rules), verdict)
