"""In-memory implementation of the stores: the embedded default for a single process.

Each operation runs without an ``await`` between its read and its write, which makes it atomic on
one event loop: the same guarantee the Lua scripts give on Redis.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.types import AppendResult, Author, Clock, Owner, Ownership, StoredMessage
from ..privacy.memory import MemoryPrivacyStore
from .handoff_base import (
    OPEN_STATES,
    Escalated,
    EscalationShortcuts,
    Swept,
    Ticket,
    TicketNotFound,
    TicketState,
    TransitionRefused,
)

_SWEEP_EVERY = 1024


# A log entry as a plain tuple of str/float: CPython's collector untracks such tuples, so a large
# store does not make every full garbage collection (and so the p99 latency) slower.
_Entry = tuple[str, Author, str, str, float]


@dataclass(slots=True)
class _Conversation:
    owner: Owner = "bot"
    version: int = 0
    log: list[_Entry] = field(default_factory=list)
    outcomes: dict[str, str | None] = field(default_factory=dict)
    ticket: str | None = None  # the open (pending or assigned) ticket, if any
    last_ticket: str | None = None
    sentiment: float | None = None  # the previous shopper message's score
    fingerprints: list[str] = field(default_factory=list)  # the bot's recent answers, newest first
    expires_at: float = 0.0


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


def parse_cursor(cursor: str) -> tuple[int, int]:
    """Cursors look like Redis stream ids, ``<ms>-<seq>``; ValueError when malformed."""
    ms, _, seq = cursor.partition("-")
    if not ms.isdigit() or not (seq == "" or seq.isdigit()):
        raise ValueError(f"malformed cursor {cursor!r}")
    return int(ms), int(seq or 0)


def _entry_position(entry: _Entry) -> tuple[int, int]:
    return parse_cursor(entry[0])


KEEP_FINGERPRINTS = 10
KEEP_EXPIRED = 1000


class MemoryConversationStore(EscalationShortcuts):
    """Conversations and their handoff tickets (both protocols: one object, so a step that
    changes a ticket and the conversation's owner is one step)."""

    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._conversations: dict[tuple[str, str], _Conversation] = {}
        self._tickets: dict[tuple[str, str], _Ticket] = {}
        self._last_id = (0, 0)
        self._writes = 0

    def _live(self, shop_id: str, conversation_id: str) -> _Conversation | None:
        conversation = self._conversations.get((shop_id, conversation_id))
        if conversation is not None and conversation.expires_at <= self._clock():
            del self._conversations[(shop_id, conversation_id)]
            return None
        return conversation

    def _touch(self, shop_id: str, conversation_id: str) -> _Conversation:
        conversation = self._live(shop_id, conversation_id)
        if conversation is None:
            conversation = self._conversations[(shop_id, conversation_id)] = _Conversation()
        conversation.expires_at = self._clock() + self._ttl_s
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep()
        return conversation

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, c in self._conversations.items() if c.expires_at <= now]:
            del self._conversations[key]

    def _next_cursor(self) -> str:
        ms = int(self._clock() * 1000)
        last_ms, last_seq = self._last_id
        self._last_id = (ms, 0) if ms > last_ms else (last_ms, last_seq + 1)
        return f"{self._last_id[0]}-{self._last_id[1]}"

    def _append(self, conversation: _Conversation, author: Author, text: str, message_id: str,
                at: float) -> str:  # fmt: skip
        cursor = self._next_cursor()
        conversation.log.append((cursor, author, text, message_id, at))
        return cursor

    # -- conversations ------------------------------------------------------------------------

    async def append_shopper_message(
        self, shop_id: str, conversation_id: str, message_id: str, text: str, at: float
    ) -> AppendResult:
        conversation = self._touch(shop_id, conversation_id)
        ownership = Ownership(conversation.owner, conversation.version)
        if message_id in conversation.outcomes:
            recorded = conversation.outcomes[message_id]
            return AppendResult(None, ownership, duplicate=True, recorded_outcome=recorded)
        conversation.outcomes[message_id] = None
        cursor = self._append(conversation, "shopper", text, message_id, at)
        return AppendResult(
            cursor,
            ownership,
            duplicate=False,
            last_sentiment=conversation.sentiment,
            fingerprints=tuple(conversation.fingerprints),
        )

    async def append_reply(
        self,
        shop_id: str,
        conversation_id: str,
        author: Author,
        message_id: str,
        text: str,
        at: float,
        expected_version: int | None,
    ) -> str | None:
        current = self._live(shop_id, conversation_id)
        version = current.version if current is not None else 0
        if expected_version is not None and version != expected_version:
            return None
        conversation = self._touch(shop_id, conversation_id)
        return self._append(conversation, author, text, message_id, at)

    async def finish_with_reply(
        self,
        shop_id: str,
        conversation_id: str,
        message_id: str,
        author: Author,
        text: str,
        at: float,
        expected_version: int | None,
        outcome_sent: str,
        outcome_dropped: str,
        *,
        fingerprint: str | None = None,
        sentiment: float | None = None,
    ) -> bool:
        conversation = self._touch(shop_id, conversation_id)
        conversation.sentiment = sentiment
        if expected_version is not None and conversation.version != expected_version:
            conversation.outcomes[message_id] = outcome_dropped
            return False
        self._append(conversation, author, text, message_id, at)
        conversation.outcomes[message_id] = outcome_sent
        if fingerprint is not None:
            conversation.fingerprints.insert(0, fingerprint)
            del conversation.fingerprints[KEEP_FINGERPRINTS:]
        return True

    async def record_outcome(
        self, shop_id: str, conversation_id: str, message_id: str, outcome: str
    ) -> None:
        conversation = self._live(shop_id, conversation_id)
        if conversation is not None:
            conversation.outcomes[message_id] = outcome

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        conversation = self._live(shop_id, conversation_id)
        if conversation is None:
            return Ownership("bot", 0)
        return Ownership(conversation.owner, conversation.version)

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        """The reasons of the conversation's open ticket, or of its last one."""
        conversation = self._live(shop_id, conversation_id)
        ticket_id = conversation and (conversation.ticket or conversation.last_ticket)
        ticket = self._tickets.get((shop_id, ticket_id)) if ticket_id else None
        return list(ticket.reasons) if ticket is not None else []

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        conversation = self._live(shop_id, conversation_id)
        if conversation is None:
            return []
        start = 0
        if after is not None:
            threshold = parse_cursor(after)
            start = bisect.bisect_right(conversation.log, threshold, key=_entry_position)
        return [StoredMessage(*entry) for entry in conversation.log[start : start + limit]]

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        return [t.conversation_id for t in await self.tickets(shop_id, "pending", limit)]

    # -- handoff tickets ----------------------------------------------------------------------

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
        conversation = self._touch(shop_id, conversation_id)
        conversation.sentiment = sentiment
        open_ticket = self._tickets.get((shop_id, conversation.ticket or ""))
        created = open_ticket is None or open_ticket.state not in OPEN_STATES
        if created:
            open_ticket = _Ticket(ticket_id, conversation_id, "pending", [], at, at, at)
            self._tickets[(shop_id, ticket_id)] = open_ticket
            conversation.ticket = conversation.last_ticket = ticket_id
        assert open_ticket is not None
        open_ticket.reasons.extend(reason for reason in reasons if reason)
        open_ticket.updated_at = at
        if conversation.owner != "human":
            conversation.owner = "human"
            conversation.version += 1
        if holding_text:
            self._append(conversation, "gateway", holding_text, message_id, at)
        if outcome is not None:
            conversation.outcomes[message_id] = outcome
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

    def _get(self, shop_id: str, ticket_id: str) -> _Ticket:
        record = self._tickets.get((shop_id, ticket_id))
        if record is None:
            raise TicketNotFound(ticket_id)
        return record

    def _back_to_bot(self, shop_id: str, record: _Ticket) -> None:
        conversation = self._touch(shop_id, record.conversation_id)
        if conversation.ticket == record.ticket_id:
            conversation.ticket = None
            conversation.owner = "bot"
            conversation.version += 1

    async def claim(
        self, shop_id: str, ticket_id: str, agent: str, at: float, idle_timeout_s: float
    ) -> Ticket:
        record = self._get(shop_id, ticket_id)
        if record.state != "pending":
            raise TransitionRefused(record.state)
        record.state, record.assigned_to = "assigned", agent
        record.agent_deadline, record.updated_at = at + idle_timeout_s, at
        return record.value(shop_id)

    def _assigned_to(self, record: _Ticket, agent: str) -> None:
        if record.state != "assigned":
            raise TransitionRefused(record.state)
        if record.assigned_to != agent:
            raise TransitionRefused(record.state, "the ticket is assigned to another agent")

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
        record = self._get(shop_id, ticket_id)
        self._assigned_to(record, agent)
        record.agent_deadline, record.updated_at = at + idle_timeout_s, at
        conversation = self._touch(shop_id, record.conversation_id)
        return self._append(conversation, "agent", text, message_id, at)

    async def resolve(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        record = self._get(shop_id, ticket_id)
        self._assigned_to(record, agent)
        record.state, record.updated_at, record.agent_deadline = "resolved", at, None
        self._back_to_bot(shop_id, record)
        return record.value(shop_id)

    async def release(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        record = self._get(shop_id, ticket_id)
        self._assigned_to(record, agent)
        self._requeue(record, at)
        return record.value(shop_id)

    @staticmethod
    def _requeue(record: _Ticket, at: float) -> None:
        record.state, record.assigned_to, record.agent_deadline = "pending", None, None
        record.queued_at = record.updated_at = at

    async def cancel(self, shop_id: str, ticket_id: str, at: float) -> Ticket:
        record = self._get(shop_id, ticket_id)
        if record.state != "pending":
            raise TransitionRefused(record.state)
        record.state, record.updated_at = "cancelled", at
        self._back_to_bot(shop_id, record)
        return record.value(shop_id)

    async def sweep(
        self, shop_id: str, at: float, queue_timeout_s: float, expired_text: str
    ) -> Swept:
        expired: list[str] = []
        requeued: list[str] = []
        for (shop, ticket_id), record in list(self._tickets.items()):
            if shop != shop_id:
                continue
            if record.state == "assigned" and (record.agent_deadline or at) < at:
                self._requeue(record, at)
                requeued.append(ticket_id)
            elif record.state == "pending" and record.queued_at + queue_timeout_s < at:
                record.state, record.updated_at = "expired", at
                conversation = self._touch(shop_id, record.conversation_id)
                if conversation.ticket == ticket_id:
                    self._append(conversation, "gateway", expired_text, "", at)
                self._back_to_bot(shop_id, record)
                expired.append(ticket_id)
        return Swept(tuple(expired), tuple(requeued))


class MemoryBackend:
    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        self._conversations = MemoryConversationStore(ttl_s, clock)
        self._privacy = MemoryPrivacyStore()

    @property
    def handoffs(self) -> MemoryConversationStore:
        return self._conversations

    @property
    def conversations(self) -> MemoryConversationStore:
        return self._conversations

    @property
    def privacy(self) -> MemoryPrivacyStore:
        return self._privacy

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
