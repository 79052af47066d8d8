"""In-memory handoff store, on the memory backend's conversation records.

Each step runs without an ``await`` between its read and its write, which makes it atomic on one
event loop (a ticket and its conversation's owner change together): the same guarantee the Lua
scripts give on Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..conversations.memory import ConversationRecords
from ..conversations.store import Ownership
from .store import (
    OPEN_STATES,
    AgentReply,
    Cancel,
    Claim,
    Escalate,
    Escalated,
    Release,
    Resolve,
    Sweep,
    Swept,
    Ticket,
    TicketNotFound,
    TicketState,
    TransitionRefused,
)


@dataclass(slots=True)
class _Ticket:
    ticket_id: str
    conversation_id: str
    state: TicketState
    reasons: list[str]
    created_at: float
    updated_at: float
    queued_at: float
    assigned_to: str | None = None
    agent_deadline: float | None = None

    def value(self, shop_id: str) -> Ticket:
        return Ticket(
            self.ticket_id, shop_id, self.conversation_id, self.state, tuple(self.reasons),
            self.created_at, self.updated_at, self.queued_at, self.assigned_to,
            self.agent_deadline,
        )  # fmt: skip


class MemoryHandoffStore:
    def __init__(self, records: ConversationRecords) -> None:
        self._records = records
        self._tickets: dict[tuple[str, str], _Ticket] = {}

    async def escalate(self, step: Escalate) -> Escalated:
        shop_id, at = step.shop_id, step.at
        conversation = self._records.touch(shop_id, step.conversation_id)
        conversation.sentiment = step.sentiment
        open_ticket = self._tickets.get((shop_id, conversation.ticket or ""))
        created = open_ticket is None or open_ticket.state not in OPEN_STATES
        if created:
            open_ticket = _Ticket(step.ticket_id, step.conversation_id, "pending", [], at, at, at)
            self._tickets[(shop_id, step.ticket_id)] = open_ticket
            conversation.ticket = conversation.last_ticket = step.ticket_id
        assert open_ticket is not None
        open_ticket.reasons.extend(reason for reason in step.reasons if reason)
        open_ticket.updated_at = at
        if conversation.owner != "human":
            conversation.owner = "human"
            conversation.version += 1
        if step.holding_text:
            self._records.append(conversation, "gateway", step.holding_text, step.message_id, at)
        if step.outcome is not None:
            conversation.outcomes[step.message_id] = step.outcome
        ownership = Ownership(conversation.owner, conversation.version)
        return Escalated(open_ticket.ticket_id, created, ownership)

    async def ticket(self, shop_id: str, ticket_id: str) -> Ticket | None:
        record = self._tickets.get((shop_id, ticket_id))
        return record.value(shop_id) if record is not None else None

    async def tickets(self, shop_id: str, state: TicketState, limit: int) -> list[Ticket]:
        chosen = [
            t for (shop, _), t in self._tickets.items() if shop == shop_id and t.state == state
        ]
        if state == "pending":
            chosen.sort(key=lambda t: (t.created_at, t.ticket_id))
        elif state == "assigned":
            chosen.sort(key=lambda t: (t.agent_deadline or 0.0, t.ticket_id))
        else:
            chosen.sort(key=lambda t: (-t.updated_at, t.ticket_id))
        return [t.value(shop_id) for t in chosen[:limit]]

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        conversation = self._records.live(shop_id, conversation_id)
        ticket_id = conversation and (conversation.ticket or conversation.last_ticket)
        ticket = self._tickets.get((shop_id, ticket_id)) if ticket_id else None
        return list(ticket.reasons) if ticket is not None else []

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        return [t.conversation_id for t in await self.tickets(shop_id, "pending", limit)]

    def _get(self, shop_id: str, ticket_id: str) -> _Ticket:
        record = self._tickets.get((shop_id, ticket_id))
        if record is None:
            raise TicketNotFound(ticket_id)
        return record

    def _back_to_bot(self, shop_id: str, record: _Ticket) -> None:
        conversation = self._records.touch(shop_id, record.conversation_id)
        if conversation.ticket == record.ticket_id:
            conversation.ticket = None
            conversation.owner = "bot"
            conversation.version += 1

    async def claim(self, step: Claim) -> Ticket:
        record = self._get(step.shop_id, step.ticket_id)
        if record.state != "pending":
            raise TransitionRefused(record.state)
        record.state, record.assigned_to = "assigned", step.agent
        record.agent_deadline, record.updated_at = step.at + step.idle_timeout_s, step.at
        return record.value(step.shop_id)

    @staticmethod
    def _assigned_to(record: _Ticket, agent: str) -> None:
        if record.state != "assigned":
            raise TransitionRefused(record.state)
        if record.assigned_to != agent:
            raise TransitionRefused(record.state, "the ticket is assigned to another agent")

    async def agent_reply(self, step: AgentReply) -> str:
        record = self._get(step.shop_id, step.ticket_id)
        self._assigned_to(record, step.agent)
        record.agent_deadline, record.updated_at = step.at + step.idle_timeout_s, step.at
        conversation = self._records.touch(step.shop_id, record.conversation_id)
        return self._records.append(conversation, "agent", step.text, step.message_id, step.at)

    async def resolve(self, step: Resolve) -> Ticket:
        record = self._get(step.shop_id, step.ticket_id)
        self._assigned_to(record, step.agent)
        record.state, record.updated_at, record.agent_deadline = "resolved", step.at, None
        self._back_to_bot(step.shop_id, record)
        return record.value(step.shop_id)

    async def release(self, step: Release) -> Ticket:
        record = self._get(step.shop_id, step.ticket_id)
        self._assigned_to(record, step.agent)
        self._requeue(record, step.at)
        return record.value(step.shop_id)

    @staticmethod
    def _requeue(record: _Ticket, at: float) -> None:
        record.state, record.assigned_to, record.agent_deadline = "pending", None, None
        record.queued_at = record.updated_at = at

    async def cancel(self, step: Cancel) -> Ticket:
        record = self._get(step.shop_id, step.ticket_id)
        if record.state != "pending":
            raise TransitionRefused(record.state)
        record.state, record.updated_at = "cancelled", step.at
        self._back_to_bot(step.shop_id, record)
        return record.value(step.shop_id)

    async def sweep(self, step: Sweep) -> Swept:
        shop_id, at = step.shop_id, step.at
        expired: list[str] = []
        requeued: list[str] = []
        for (shop, ticket_id), record in list(self._tickets.items()):
            if shop != shop_id:
                continue
            if record.state == "assigned" and (record.agent_deadline or at) < at:
                self._requeue(record, at)
                requeued.append(ticket_id)
            elif record.state == "pending" and record.queued_at + step.queue_timeout_s < at:
                record.state, record.updated_at = "expired", at
                conversation = self._records.touch(shop_id, record.conversation_id)
                if conversation.ticket == ticket_id:
                    self._records.append(conversation, "gateway", step.expired_text, "", at)
                self._back_to_bot(shop_id, record)
                expired.append(ticket_id)
        return Swept(tuple(expired), tuple(requeued))
