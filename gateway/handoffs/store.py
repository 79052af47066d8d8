"""Handoff tickets: the store interface, its values, and one parameter object per step (a frozen
dataclass named for the method; reads take plain arguments).

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
from dataclasses import KW_ONLY, dataclass
from typing import Literal, Protocol

from ..conversations.store import Ownership

TicketState = Literal["pending", "assigned", "resolved", "expired", "cancelled"]
OPEN_STATES: frozenset[str] = frozenset({"pending", "assigned"})
KEEP_EXPIRED = 1000  # expired tickets listed per shop: the backlog agents work through


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


# -- steps: one parameter object each ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalate:
    """Hand the conversation to a human: open a pending ticket ``ticket_id`` (owner human,
    version +1) or join the open one (``reasons`` added). With ``holding_text`` the holding reply
    is appended, with ``outcome`` the shopper message's outcome recorded, in the same step."""

    shop_id: str
    conversation_id: str
    ticket_id: str
    reasons: tuple[str, ...]
    at: float
    _: KW_ONLY
    message_id: str = ""
    holding_text: str | None = None
    outcome: str | None = None
    sentiment: float | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """pending -> assigned to ``agent``, who counts as idle ``idle_timeout_s`` after ``at``."""

    shop_id: str
    ticket_id: str
    agent: str
    at: float
    idle_timeout_s: float


@dataclass(frozen=True, slots=True)
class AgentReply:
    """The assigned agent's reply, appended to the conversation; pushes the idle deadline."""

    shop_id: str
    ticket_id: str
    agent: str
    message_id: str
    text: str
    at: float
    idle_timeout_s: float


@dataclass(frozen=True, slots=True)
class Resolve:
    """assigned (to ``agent``) -> resolved; the conversation goes back to the bot."""

    shop_id: str
    ticket_id: str
    agent: str
    at: float


@dataclass(frozen=True, slots=True)
class Release:
    """assigned (to ``agent``) -> pending, back in the queue at its original place."""

    shop_id: str
    ticket_id: str
    agent: str
    at: float


@dataclass(frozen=True, slots=True)
class Cancel:
    """pending -> cancelled; the conversation goes back to the bot."""

    shop_id: str
    ticket_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Sweep:
    """Expire pending tickets past ``queue_timeout_s`` (telling the shopper ``expired_text``) and
    requeue assigned tickets whose agent went idle."""

    shop_id: str
    at: float
    queue_timeout_s: float
    expired_text: str


class HandoffStore(Protocol):
    """Ticket steps, each one atomic together with the conversation's ownership (one Lua script
    on Redis; no ``await`` between read and write in memory)."""

    async def escalate(self, step: Escalate) -> Escalated: ...

    async def claim(self, step: Claim) -> Ticket:
        """Exactly one of several agents claiming at once wins."""

    async def agent_reply(self, step: AgentReply) -> str:
        """The reply's cursor."""

    async def resolve(self, step: Resolve) -> Ticket: ...

    async def release(self, step: Release) -> Ticket: ...

    async def cancel(self, step: Cancel) -> Ticket: ...

    async def sweep(self, step: Sweep) -> Swept: ...

    async def ticket(self, shop_id: str, ticket_id: str) -> Ticket | None: ...

    async def tickets(self, shop_id: str, state: TicketState, limit: int) -> list[Ticket]:
        """Tickets in one state: pending oldest first; assigned by deadline; expired newest
        first (the backlog of messages left while nobody answered)."""

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        """The reasons of the conversation's open ticket, or of its last one."""

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        """Conversation ids of pending tickets, oldest first."""
