"""The one adapter between the gateway and guardrails/: every check goes through ``Checks``,
which hands guardrails' own verdicts through unchanged.

An answer (the bot's on the message path, an agent's on the agent-reply path) gets a ``Verdict``;
the bot's answers are also fingerprinted, to tell when the bot goes round in circles.
A shopper message gets a ``MessageVerdict`` in two phases: ``screen_message`` before the bot is
asked (a request for a human, a sensitive matter: microseconds), ``weigh_message`` while the bot
is thinking (sentiment, and the conversation rule with the previous message's score).

Both paths fail closed the same way. When a check cannot run (the shop has no compiled
guardrails, a detector or the scorer fails) the verdict escalates with a finding of category
``error``: the message path hands the conversation to a human, the agent-reply path holds the
reply (nothing is delivered). Findings stay typed (``RatedFinding``) until the HTTP edge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from guardrails import (
    Action,
    Finding,
    Guardrails,
    MessageScreen,
    MessageVerdict,
    RatedFinding,
    Severity,
    Verdict,
    scoring,
)
from guardrails.similarity import Fingerprint, similar_enough
from guardrails.similarity import fingerprint as answer_fingerprint

from .core.config import ShopConfig
from .core.config.compile import escalation_policy
from .core.logging import event

# What the check API and a held agent reply show of a finding: everything but its evidence.
FINDING_FIELDS = ("rule", "category", "severity", "action", "start", "end")


log = logging.getLogger("gateway.checks")


class Checks:
    """The checks of the configuration in force, looked up on every call (a reload swaps them)."""

    def __init__(
        self,
        guardrails: Callable[[], Mapping[str, Guardrails]],
        screen: Callable[[], MessageScreen],
    ) -> None:
        self._guardrails = guardrails
        self._screen = screen

    def check_answer(self, shop: ShopConfig, text: str) -> Verdict:
        """The verdict on a text about to reach the shopper, from the bot or from an agent."""
        guardrails = self._guardrails().get(shop.shop_id)
        if guardrails is None:
            # A shop without compiled guardrails must not pass answers unchecked (fail closed).
            return _unchecked(shop, text)
        return guardrails.check(text)

    def screen_message(self, shop: ShopConfig, text: str) -> MessageVerdict:
        return self._screen().screen(text, escalation_policy(shop))

    async def weigh_message(
        self, shop: ShopConfig, text: str, screened: MessageVerdict, previous: float | None
    ) -> MessageVerdict:
        """``screened`` weighed: sentiment, and the conversation rule with ``previous`` (the
        conversation's previous shopper message's score). A coroutine so that scoring gives the
        event loop back between its pieces."""
        screen = self._screen()
        # One run of Han characters is decoded per step (~12 µs a character); between steps
        # the loop serves everything else, so a long message never stalls it.
        steps = screen.weigh_steps(text, screened, escalation_policy(shop), previous)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                weighed: MessageVerdict = done.value
                if weighed.sentiment_failed:
                    # Never silent: the message was weighed by the rules and the intent model.
                    event(log, "sentiment.error", logging.WARNING, shop=shop.shop_id)
                return weighed
            await asyncio.sleep(0)

    @staticmethod
    def fingerprint(answer: str) -> str:
        """What a conversation keeps of the bot's answer, to compare the next answers with."""
        return answer_fingerprint(answer)

    @staticmethod
    def repeats(shop: ShopConfig, fingerprint: str, previous: Sequence[str]) -> bool:
        """Whether, with the near-identical ones among the bot's recent answers (``previous``),
        this answer is at least the shop's ``repeated_answers``-th of its kind."""
        needed = shop.escalation.repeated_answers
        if needed < 2:
            return False
        threshold = shop.escalation.repeat_similarity
        parsed = Fingerprint.parse(fingerprint)
        if parsed is None:
            return False
        same = 0
        for earlier in previous:
            if similar_enough(parsed, earlier, threshold):
                same += 1
                if same + 1 >= needed:
                    return True
        return False


# What one violating answer costs the 100-point quality score, by its most severe finding.
QUALITY_DEDUCTIONS: Mapping[Severity, int] = scoring.DEDUCTIONS


def quality_deduction(verdict: Verdict) -> int:
    """The points this answer takes off the 100-point quality score (0 when clean): the audit
    command and the compliance ledger score answers with this one function."""
    return scoring.deduction(verdict)


def finding_summary(rated: RatedFinding) -> dict[str, object]:
    data = rated.to_json()
    return {key: data[key] for key in FINDING_FIELDS}


def _unchecked(shop: ShopConfig, text: str) -> Verdict:
    finding = Finding("guardrails.missing", "error", 0, len(text), "")
    rated = RatedFinding(finding, Severity.SERIOUS, Action.ESCALATE)
    return Verdict(Action.ESCALATE, shop.replies.holding, (rated,))
