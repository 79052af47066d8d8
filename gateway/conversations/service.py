"""The message path: write the shopper's message, route it to the bot or a human, check the answer.

Order matters and is the product's promise: the message is written to the conversation before it
is routed anywhere, so a crash or a failing bot can never lose it; a bot answer is delivered only
if the conversation still belongs to the bot (compare-and-append on the ownership version).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from guardrails import Action, Finding, MessageVerdict, RatedFinding, Severity

from ..checks import Checks
from ..compliance.service import ComplianceService, reference
from ..compliance.store import BOT
from ..core.config import ShopConfig
from ..core.logging import conversation_ref, event, text_hash
from ..core.types import Clock
from ..handoffs.store import Escalate, HandoffStore, new_ticket_id
from .events import ConversationEvents
from .store import (
    AppendResult,
    AppendShopperMessage,
    ConversationStore,
    FinishWithReply,
    RecordOutcome,
    new_message_id,
)
from .upstream import BotClient, BotRequest, UpstreamError

log = logging.getLogger("gateway.messages")

Route = Literal["bot", "human"]
ReplyFrom = Literal["bot", "gateway"]


@dataclass(frozen=True, slots=True)
class ShopperMessage:
    conversation_id: str
    shopper_id: str
    text: str
    message_id: str = field(default_factory=new_message_id)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    sender: ReplyFrom

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "from": self.sender}


@dataclass(frozen=True)
class MessageOutcome:
    conversation_id: str
    message_id: str
    route: Route
    reply: Reply | None
    findings: tuple[RatedFinding, ...]
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "route": self.route,
            "reply": self.reply.to_json() if self.reply else None,
            "findings": [finding.to_json() for finding in self.findings],
        }

    @functools.cached_property
    def body(self) -> str:
        """The response body, encoded once: it is both stored (for replays) and sent."""
        return orjson.dumps(self.to_json()).decode("utf-8")

    @classmethod
    def from_json(cls, raw: str) -> MessageOutcome:
        data = orjson.loads(raw)
        reply = data["reply"]
        return cls(
            conversation_id=data["conversation_id"],
            message_id=data["message_id"],
            route=data["route"],
            reply=Reply(reply["text"], reply["from"]) if reply else None,
            findings=tuple(_rated_finding(finding) for finding in data["findings"]),
            replayed=True,
        )


def _rated_finding(data: dict[str, Any]) -> RatedFinding:
    """A finding read back from a recorded outcome (``RatedFinding.to_json`` reversed)."""
    finding = Finding(data["rule"], data["category"], data["start"], data["end"], data["evidence"])
    return RatedFinding(finding, Severity.parse(data["severity"]), Action.parse(data["action"]))


class MessageInProgress(Exception):
    """The same message_id is being handled right now (a retry that raced the original)."""


class MessageService:
    def __init__(
        self,
        conversations: ConversationStore,
        handoffs: HandoffStore,
        bot: BotClient,
        checks: Checks,
        events: ConversationEvents,
        on_handoff: Callable[[ShopConfig, str, str, list[str], float], None],
        clock: Clock = time.time,
        *,
        compliance: ComplianceService,
    ) -> None:
        self._conversations = conversations
        self._handoffs = handoffs
        self._bot = bot
        self._checks = checks
        self._events = events
        self._on_handoff = on_handoff
        self._clock = clock
        self._compliance = compliance

    async def handle(self, shop: ShopConfig, message: ShopperMessage) -> MessageOutcome:
        started = time.perf_counter()
        shop_id, conversation_id = shop.shop_id, message.conversation_id
        written = await self._conversations.append_shopper_message(
            AppendShopperMessage(
                shop_id, conversation_id, message.message_id, message.text, self._clock()
            )
        )
        if written.duplicate:
            if written.recorded_outcome is None:
                raise MessageInProgress(message.message_id)
            return MessageOutcome.from_json(written.recorded_outcome)
        self._events.notify(shop_id, conversation_id)

        decision: dict[str, Any] = {"upstream_status": None, "upstream_ms": None}
        try:
            outcome = await self._route(shop, message, written, decision)
        finally:
            self._events.notify(shop_id, conversation_id)
        event(
            log,
            "message.decision",
            shop=shop_id,
            conversation=conversation_ref(shop_id, conversation_id),
            text_hash=text_hash(message.text),
            route=outcome.route,
            reply_from=outcome.reply.sender if outcome.reply else None,
            rules=[rated.finding.rule for rated in outcome.findings],
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            **decision,
        )
        return outcome

    async def _route(
        self,
        shop: ShopConfig,
        message: ShopperMessage,
        written: AppendResult,
        decision: dict[str, Any],
    ) -> MessageOutcome:
        if written.ownership.owner == "human":
            # A human owns the conversation: the message is in the log for the agent; no bot call.
            outcome = self._outcome(message, "human", None, ())
            await self._conversations.record_outcome(
                RecordOutcome(
                    shop.shop_id, message.conversation_id, message.message_id, outcome.body
                )
            )
            # The shopper now waits for a person: the service-time clock runs.
            await self._compliance.shopper_waiting(shop, message.conversation_id, self._clock())
            return outcome

        bot_mode = await self._compliance.bot_mode(shop)
        if not bot_mode.enabled:
            # Bot mode is off (switched off by an admin, or suspended by the sanctions): every
            # conversation goes straight to a person; the bot is never asked.
            reason = "bot_suspended" if bot_mode.state == "suspended" else "bot_mode_off"
            return await self._to_human(shop, message, [reason], (), None)

        screened = self._checks.screen_message(shop, message.text)
        if screened.reasons:
            # A request for a human or a sensitive matter: the bot is not asked. The message is
            # weighed all the same, so that the ticket carries the shopper's sentiment.
            review = await self._checks.weigh_message(
                shop, message.text, screened, written.last_sentiment
            )
            return await self._message_escalates(shop, message, review, decision)

        request = BotRequest(
            shop.shop_id,
            message.conversation_id,
            message.shopper_id,
            message.message_id,
            message.text,
        )
        # Sentiment is never on the critical path of a clean answer: the request to the bot goes
        # out first, the message is weighed while the bot thinks, and the two meet here.
        asking = asyncio.create_task(self._bot.ask(shop.upstream, request))
        try:
            await asyncio.sleep(0)  # let the request get under way
            review = await self._checks.weigh_message(
                shop, message.text, screened, written.last_sentiment
            )
        except BaseException:
            asking.cancel()
            raise
        if review.reasons:
            # Negative enough for a person: the bot's answer would not be sent, so it is not
            # waited for.
            await _abandon(asking)
            return await self._message_escalates(shop, message, review, decision)
        if review.sentiment is not None:
            decision["sentiment"] = round(review.sentiment, 3)
        if review.rules:
            decision["message_rules"] = list(review.rules)
        try:
            answer = await asking
        except UpstreamError as exc:
            decision.update(
                upstream_status=exc.status,
                upstream_error=exc.reason,
                upstream_attempts=exc.attempts,
            )
            event(
                log,
                "upstream.error",
                logging.WARNING,
                shop=shop.shop_id,
                conversation=conversation_ref(shop.shop_id, message.conversation_id),
                reason=exc.reason,
                status=exc.status,
                attempts=exc.attempts,
                detail=str(exc),
            )
            return await self._to_human(shop, message, [exc.reason], (), review.sentiment)
        decision.update(upstream_status=answer.status, upstream_ms=round(answer.latency_ms, 2))

        verdict = await self._compliance.act_on(
            shop,
            self._checks.check_answer(shop, answer.text),
            answer.text,
            BOT,
            reference(shop.shop_id, message.conversation_id),
        )
        findings = verdict.findings
        if verdict.action is Action.ESCALATE:
            return await self._to_human(
                shop, message, ["answer_escalated"], findings, review.sentiment
            )
        fingerprint: str | None = None
        if verdict.action is Action.BLOCK:
            sender: ReplyFrom = "gateway"
            text = shop.replies.fallback
        else:
            sender, text = "bot", verdict.text
            fingerprint = self._checks.fingerprint(text)
            if self._checks.repeats(shop, fingerprint, written.fingerprints):
                # The bot is going round in circles: the repeat is not sent; a human takes over.
                return await self._to_human(
                    shop, message, ["repeated_answer"], findings, review.sentiment
                )

        sent = self._outcome(message, "bot", Reply(text, sender), findings)
        # If the conversation changed owner while the bot was thinking, the bot's answer is never
        # delivered next to a human's: the shopper is told the conversation is with a human.
        dropped = self._outcome(message, "human", None, findings)
        delivered = await self._conversations.finish_with_reply(
            FinishWithReply(
                shop.shop_id,
                message.conversation_id,
                message.message_id,
                sender,
                text,
                self._clock(),
                written.ownership.version,
                sent.body,
                dropped.body,
                fingerprint=fingerprint,
                sentiment=review.sentiment,
            )
        )
        if not delivered:
            decision["dropped_reply"] = True
        return sent if delivered else dropped

    async def _message_escalates(
        self,
        shop: ShopConfig,
        message: ShopperMessage,
        review: MessageVerdict,
        decision: dict[str, Any],
    ) -> MessageOutcome:
        reasons = list(review.reasons)
        decision["reasons"] = reasons
        if review.rules:
            decision["message_rules"] = list(review.rules)
        if review.sentiment is not None:
            decision["sentiment"] = round(review.sentiment, 3)
        return await self._to_human(shop, message, reasons, (), review.sentiment)

    async def _to_human(
        self,
        shop: ShopConfig,
        message: ShopperMessage,
        reasons: list[str],
        findings: tuple[RatedFinding, ...],
        sentiment: float | None,
    ) -> MessageOutcome:
        holding = shop.replies.holding
        outcome = self._outcome(message, "human", Reply(holding, "gateway"), findings)
        at = self._clock()
        escalated = await self._handoffs.escalate(
            Escalate(
                shop.shop_id,
                message.conversation_id,
                new_ticket_id(at),
                tuple(reasons),
                at,
                message_id=message.message_id,
                holding_text=holding,
                outcome=outcome.body,
                sentiment=sentiment,
            )
        )
        event(
            log,
            "handoff.created" if escalated.created else "handoff.joined",
            shop=shop.shop_id,
            conversation=conversation_ref(shop.shop_id, message.conversation_id),
            ticket=escalated.ticket_id,
            reasons=reasons,
        )
        await self._compliance.ticket_escalated(
            shop, escalated.ticket_id, message.conversation_id, escalated.created, at
        )
        if escalated.created:
            self._on_handoff(shop, escalated.ticket_id, message.conversation_id, reasons, at)
        return outcome

    @staticmethod
    def _outcome(
        message: ShopperMessage,
        route: Route,
        reply: Reply | None,
        findings: tuple[RatedFinding, ...],
    ) -> MessageOutcome:
        return MessageOutcome(message.conversation_id, message.message_id, route, reply, findings)


async def _abandon(task: asyncio.Task[Any]) -> None:
    """Cancel a task whose result is no longer wanted and wait until it is gone; whatever it
    raised on its way out is dropped (the shopper is already on the way to a person)."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as lost
