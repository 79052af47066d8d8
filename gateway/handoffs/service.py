"""The human side of a conversation: agents' steps on tickets, and the sweeper.

Ticket state lives in the store (``store.py`` draws the state machine); this module adds what a
process does around it: it checks agents' replies through the same seam as the bot's answers
(``gateway/checks.py``), wakes long polls when this process writes to a conversation, and runs
the sweeper that expires unclaimed tickets and requeues idle claims. ``webhooks.py`` tells
agents' tools of new tickets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guardrails import Action, RatedFinding, Verdict

from ..checks import Checks, finding_summary
from ..compliance.service import ComplianceService, ticket_reference
from ..compliance.store import agent_author
from ..conversations.events import ConversationEvents
from ..core.config import ShopConfig, ShopRegistry
from ..core.errors import Conflict, GatewayError, NotFound
from ..core.logging import conversation_ref, event
from ..core.types import Clock
from .store import (
    AgentReply,
    Cancel,
    Claim,
    HandoffStore,
    Release,
    Resolve,
    Sweep,
    Ticket,
    TicketNotFound,
    TicketState,
    TransitionRefused,
)

log = logging.getLogger("gateway.handoff")


class TicketConflict(Conflict):
    """The ticket's state does not allow this step (409, with the state in ``details``)."""


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class ReplyBlocked(GatewayError):
    """An agent's reply that the shop's guardrails would not deliver (blocked, or held because
    the check escalated): nothing is delivered."""

    status = 422
    code = "reply_blocked"

    @classmethod
    def held(cls, verdict: Verdict) -> ReplyBlocked:
        return cls(
            "the shop's rules do not allow this reply: " + ", ".join(verdict.categories),
            details=[finding_summary(rated) for rated in verdict.findings],
        )


@dataclass(frozen=True, slots=True)
class SentReply:
    """An agent's reply as delivered (redacted, when the guardrails redact)."""

    cursor: str
    delivered: str
    findings: tuple[RatedFinding, ...]


class HandoffService:
    """Agents' steps on tickets, and the sweeper."""

    def __init__(
        self,
        store: HandoffStore,
        shops: Callable[[], ShopRegistry],
        checks: Checks,
        events: ConversationEvents,
        clock: Clock = time.time,
        *,
        compliance: ComplianceService,
    ) -> None:
        self._compliance = compliance
        self._store = store
        self._shops = shops
        self._checks = checks
        self._events = events
        self._clock = clock

    async def tickets(self, shop: ShopConfig, state: TicketState, limit: int) -> list[Ticket]:
        return await self._store.tickets(shop.shop_id, state, limit)

    async def ticket(self, shop: ShopConfig, ticket_id: str) -> Ticket:
        ticket = await self._store.ticket(shop.shop_id, ticket_id)
        if ticket is None:
            raise UnknownTicket(f"no ticket '{ticket_id}'")
        return ticket

    async def claim(self, shop: ShopConfig, ticket_id: str, agent: str) -> Ticket:
        with _translated(ticket_id):
            ticket = await self._store.claim(
                Claim(shop.shop_id, ticket_id, agent, self._clock(),
                      shop.escalation.agent_idle_timeout_s)
            )  # fmt: skip
        self._log("handoff.claimed", shop, ticket, agent=agent)
        return ticket

    async def reply(
        self, shop: ShopConfig, ticket_id: str, agent: str, message_id: str, text: str
    ) -> SentReply:
        # The same seam as the bot's answers, failing closed the same way: a reply the check
        # escalates (or cannot check) is held, like one it blocks.
        verdict = await self._compliance.act_on(
            shop, self._checks.check_answer(shop, text), text, agent_author(agent),
            ticket_reference(ticket_id),
        )  # fmt: skip
        rules = [rated.finding.rule for rated in verdict.findings]
        if verdict.action >= Action.BLOCK:
            event(log, "handoff.reply_blocked", shop=shop.shop_id, ticket=ticket_id, rules=rules)
            raise ReplyBlocked.held(verdict)
        at = self._clock()
        with _translated(ticket_id):
            cursor = await self._store.agent_reply(
                AgentReply(shop.shop_id, ticket_id, agent, message_id, verdict.text,
                           at, shop.escalation.agent_idle_timeout_s)
            )  # fmt: skip
        ticket = await self.ticket(shop, ticket_id)
        await self._compliance.agent_answered(shop, ticket, at)
        self._events.notify(shop.shop_id, ticket.conversation_id)
        event(log, "handoff.replied", shop=shop.shop_id, ticket=ticket_id, agent=agent,
              action=verdict.action.label, rules=rules)  # fmt: skip
        return SentReply(cursor, verdict.text, verdict.findings)

    async def resolve(self, shop: ShopConfig, ticket_id: str, agent: str) -> Ticket:
        with _translated(ticket_id):
            ticket = await self._store.resolve(
                Resolve(shop.shop_id, ticket_id, agent, self._clock())
            )
        self._log("handoff.resolved", shop, ticket, agent=agent)
        return ticket

    async def release(self, shop: ShopConfig, ticket_id: str, agent: str) -> Ticket:
        with _translated(ticket_id):
            ticket = await self._store.release(
                Release(shop.shop_id, ticket_id, agent, self._clock())
            )
        self._log("handoff.released", shop, ticket, agent=agent)
        return ticket

    async def cancel(self, shop: ShopConfig, ticket_id: str) -> Ticket:
        with _translated(ticket_id):
            ticket = await self._store.cancel(Cancel(shop.shop_id, ticket_id, self._clock()))
        self._log("handoff.cancelled", shop, ticket)
        return ticket

    async def sweep_once(self) -> None:
        """One pass over every shop: expire unclaimed tickets, requeue idle claims."""
        for shop in list(self._shops().shops.values()):
            swept = await self._store.sweep(
                Sweep(shop.shop_id, self._clock(), shop.escalation.queue_timeout_s,
                      shop.replies.no_agent)
            )  # fmt: skip
            for ticket_id in swept.expired:
                event(log, "handoff.expired", shop=shop.shop_id, ticket=ticket_id)
            for ticket_id in swept.requeued:
                event(log, "handoff.requeued", shop=shop.shop_id, ticket=ticket_id)
            if swept.expired:
                for ticket_id in swept.expired:
                    ticket = await self._store.ticket(shop.shop_id, ticket_id)
                    if ticket is not None:
                        self._events.notify(shop.shop_id, ticket.conversation_id)

    async def run_sweeper(self, interval_s: float, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; every process may run one (each step is atomic in the
        store). Stopping waits for the pass under way: a store call cut off by cancellation
        would leave its pooled connection unusable for the shutdown that follows."""
        while not stop.is_set():
            try:
                await self.sweep_once()
            except GatewayError as exc:
                event(log, "handoff.sweep_failed", logging.WARNING, error=exc.message)
            except Exception:
                log.exception("handoff.sweep_crashed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    def _log(self, name: str, shop: ShopConfig, ticket: Ticket, **fields: Any) -> None:
        self._events.notify(shop.shop_id, ticket.conversation_id)
        event(log, name, shop=shop.shop_id, ticket=ticket.ticket_id, state=ticket.state,
              conversation=conversation_ref(shop.shop_id, ticket.conversation_id),
              **fields)  # fmt: skip


@contextlib.contextmanager
def _translated(ticket_id: str):  # type: ignore[no-untyped-def]
    """Store outcomes as HTTP errors: 404 unknown ticket, 409 with the state it is in."""
    try:
        yield
    except TicketNotFound as exc:
        raise UnknownTicket(f"no ticket '{ticket_id}'") from exc
    except TransitionRefused as exc:
        raise TicketConflict(exc.detail, details={"state": exc.state}) from exc
