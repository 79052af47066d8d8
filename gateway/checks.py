"""Seams where checks plug into the message path: before the bot call and after it.

The guardrails work provides the answer check; the escalation work provides the message check.
Until then the defaults let everything through, so the path is the same shape either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from guardrails import Action, Guardrails, MessageVerdict
from guardrails.escalation import MessageScreen

from .core.config import ShopConfig
from .core.config.compile import escalation_policy


@dataclass(frozen=True, slots=True)
class AnswerReview:
    """What to do with an outgoing answer: the action, the text to deliver, and why."""

    action: Action
    text: str
    findings: Sequence[dict[str, Any]] = field(default_factory=tuple)

    @property
    def rules(self) -> list[str]:
        return [str(finding["rule"]) for finding in self.findings]


@dataclass(frozen=True, slots=True)
class MessageReview:
    """Whether a shopper message should go to a human, and why; ``sentiment`` is the message's
    score once it is weighed (kept for the next message's conversation rule); ``verdict`` is the
    screen's, for the second phase."""

    escalate_reasons: Sequence[str] = field(default_factory=tuple)
    sentiment: float | None = None
    rules: Sequence[str] = field(default_factory=tuple)
    verdict: MessageVerdict | None = None


class AnswerCheck(Protocol):
    def review_answer(self, shop: ShopConfig, text: str) -> AnswerReview: ...


class MessageCheck(Protocol):
    """Two phases: ``screen_message`` before the bot is asked (a request for a human, a
    sensitive matter: microseconds), ``weigh_message`` while the bot is thinking (sentiment, and
    the conversation rule with the previous message's score). ``weigh_message`` is a coroutine so
    that scoring can give the event loop back between its pieces."""

    def screen_message(self, shop: ShopConfig, text: str) -> MessageReview: ...

    async def weigh_message(
        self, shop: ShopConfig, text: str, review: MessageReview, previous: float | None
    ) -> MessageReview: ...


class PassThrough:
    """Lets every answer and message through unchanged."""

    def review_answer(self, shop: ShopConfig, text: str) -> AnswerReview:
        return AnswerReview(Action.ALLOW, text)

    def screen_message(self, shop: ShopConfig, text: str) -> MessageReview:
        return MessageReview()

    async def weigh_message(
        self, shop: ShopConfig, text: str, review: MessageReview, previous: float | None
    ) -> MessageReview:
        return review


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
