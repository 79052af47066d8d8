"""Handoff tickets: the store interface and its values.

A ticket has a life of its own, apart from who owns the conversation:

    pending --claim--> assigned --resolve--> resolved       (the conversation goes back to the bot)
       |                  |
       |                  +--release / agent idle--> pending
       +--queue timeout--> expired                          (the shopper is told; back to the bot)
       +--cancel--------> cancelled                         (back to the bot)

Any other transition is refused (``TransitionRefused``). While a ticket is pending or assigned the
conversation belongs to a human and a second escalation joins it instead of opening another.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ..core.types import Ownership

TicketState = Literal["pending", "assigned", "resolved", "expired", "cancelled"]
OPEN_STATES: frozenset[str] = frozenset({"pending", "assigned"})


class TransitionRefused(Exception):
    """The ticket is not in a state that allows this step (or belongs to another agent)."""

    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__(detail or f"the ticket is {state}")
        self.state = state
        self.detail = detail or f"the ticket is {state}"


class TicketNotFound(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: str
    shop_id: str
    conversation_id: str
    state: TicketState
    reasons: tuple[str, ...]
    created_at: float
    updated_at: float
    queued_at: float  # when it (last) entered the queue: the queue timeout counts from here
    assigned_to: str | None = None
    agent_deadline: float | None = None  # an assigned ticket goes back to the queue after this


@dataclass(frozen=True, slots=True)
class Escalated:
    """The outcome of handing a conversation to a human."""

    ticket_id: str
    created: bool  # False: the conversation already had an open ticket, which this joined
    ownership: Ownership


@dataclass(frozen=True, slots=True)
class Swept:
    expired: tuple[str, ...]  # ticket ids whose queue timeout passed
    requeued: tuple[str, ...]  # ticket ids whose agent went idle


def new_ticket_id(at: float) -> str:
    """Sortable by time, unique without coordination between processes."""
    return f"t{int(at * 1000):013d}{secrets.token_hex(4)}"


class EscalationShortcuts(ABC):
    """The conversation store's handoff steps, written once on top of ``escalate``."""

    @abstractmethod
    async def escalate(
        self,
        shop_id: str,
        conversation_id: str,
        ticket_id: str,
        reasons: Sequence[str],
        at: float,
        *,
        message_id: str = "",
        holding_text: str | None = None,
        outcome: str | None = None,
        sentiment: float | None = None,
    ) -> Escalated: ...

    async def finish_with_handoff(
        self,
        shop_id: str,
        conversation_id: str,
        message_id: str,
        reasons: Sequence[str],
        holding_text: str | None,
        at: float,
        outcome: str,
        *,
        ticket_id: str | None = None,
        sentiment: float | None = None,
    ) -> Ownership:
        escalated = await self.escalate(
            shop_id, conversation_id, ticket_id or new_ticket_id(at), reasons, at,
            message_id=message_id, holding_text=holding_text, outcome=outcome,
            sentiment=sentiment,
        )  # fmt: skip
        return escalated.ownership

    async def hand_to_human(
        self, shop_id: str, conversation_id: str, reason: str, at: float
    ) -> Ownership:
        escalated = await self.escalate(shop_id, conversation_id, new_ticket_id(at), [reason], at)
        return escalated.ownership


class HandoffStore(Protocol):
    """Ticket steps, each one atomic together with the conversation's ownership."""

    async def escalate(
        self,
        shop_id: str,
        conversation_id: str,
        ticket_id: str,
        reasons: Sequence[str],
        at: float,
        *,
        message_id: str = "",
        holding_text: str | None = None,
        outcome: str | None = None,
        sentiment: float | None = None,
    ) -> Escalated:
        """Open a pending ticket (owner human, version +1) or join the open one (reasons added);
        optionally append the holding reply and record the message's outcome in the same step."""

    async def ticket(self, shop_id: str, ticket_id: str) -> Ticket | None: ...

    async def tickets(self, shop_id: str, state: TicketState, limit: int) -> list[Ticket]:
        """Tickets in one state: pending oldest first; assigned by deadline; expired newest
        first (the backlog of messages left while nobody answered)."""

    async def claim(
        self, shop_id: str, ticket_id: str, agent: str, at: float, idle_timeout_s: float
    ) -> Ticket:
        """pending -> assigned to ``agent``; exactly one of several agents claiming at once wins."""

    async def agent_reply(
        self,
        shop_id: str,
        ticket_id: str,
        agent: str,
        message_id: str,
        text: str,
        at: float,
        idle_timeout_s: float,
    ) -> str:
        """Append the assigned agent's reply (returns its cursor) and push the idle deadline."""

    async def resolve(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        """assigned (to ``agent``) -> resolved; the conversation goes back to the bot."""

    async def release(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        """assigned (to ``agent``) -> pending, back in the queue at its original place."""

    async def cancel(self, shop_id: str, ticket_id: str, at: float) -> Ticket:
        """pending -> cancelled; the conversation goes back to the bot."""

    async def sweep(
        self, shop_id: str, at: float, queue_timeout_s: float, expired_text: str
    ) -> Swept:
        """Expire pending tickets past the queue timeout (telling the shopper) and requeue
        assigned tickets whose agent went idle."""
