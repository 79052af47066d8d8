"""In-memory conversation store: the embedded default for a single process.

Each step runs without an ``await`` between its read and its write, which makes it atomic on one
event loop: the same guarantee the Lua scripts give on Redis.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field

from ..core.types import Clock
from .store import (
    KEEP_FINGERPRINTS,
    AppendReply,
    AppendResult,
    AppendShopperMessage,
    Author,
    FinishWithReply,
    Owner,
    Ownership,
    RecordOutcome,
    StoredMessage,
    parse_cursor,
)

_SWEEP_EVERY = 1024


# A log entry as a plain tuple of str/float: CPython's collector untracks such tuples, so a large
# store does not make every full garbage collection (and so the p99 latency) slower.
LogEntry = tuple[str, Author, str, str, float]


@dataclass(slots=True)
class ConversationRecord:
    owner: Owner = "bot"
    version: int = 0
    log: list[LogEntry] = field(default_factory=list)
    outcomes: dict[str, str | None] = field(default_factory=dict)
    ticket: str | None = None  # the open (pending or assigned) ticket, if any
    last_ticket: str | None = None
    sentiment: float | None = None  # the previous shopper message's score
    fingerprints: list[str] = field(default_factory=list)  # the bot's recent answers, newest first
    expires_at: float = 0.0


def _entry_position(entry: LogEntry) -> tuple[int, int]:
    return parse_cursor(entry[0])


class ConversationRecords:
    """The memory backend's conversations, with their expiry and the cursor sequence.

    The memory conversation store and the memory handoff store both work on these records, as on
    Redis both stores' scripts work on the conversation's keys: a step that changes a ticket and
    the conversation's owner stays one step.
    """

    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._conversations: dict[tuple[str, str], ConversationRecord] = {}
        self._last_id = (0, 0)
        self._writes = 0

    def live(self, shop_id: str, conversation_id: str) -> ConversationRecord | None:
        conversation = self._conversations.get((shop_id, conversation_id))
        if conversation is not None and conversation.expires_at <= self._clock():
            del self._conversations[(shop_id, conversation_id)]
            return None
        return conversation

    def touch(self, shop_id: str, conversation_id: str) -> ConversationRecord:
        """The live record (a new one if there is none), its expiry pushed back: every write."""
        conversation = self.live(shop_id, conversation_id)
        if conversation is None:
            conversation = self._conversations[(shop_id, conversation_id)] = ConversationRecord()
        conversation.expires_at = self._clock() + self._ttl_s
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep()
        return conversation

    def append(self, conversation: ConversationRecord, author: Author, text: str,
               message_id: str, at: float) -> str:  # fmt: skip
        cursor = self._next_cursor()
        conversation.log.append((cursor, author, text, message_id, at))
        return cursor

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, c in self._conversations.items() if c.expires_at <= now]:
            del self._conversations[key]

    def _next_cursor(self) -> str:
        ms = int(self._clock() * 1000)
        last_ms, last_seq = self._last_id
        self._last_id = (ms, 0) if ms > last_ms else (last_ms, last_seq + 1)
        return f"{self._last_id[0]}-{self._last_id[1]}"


class MemoryConversationStore:
    def __init__(self, records: ConversationRecords) -> None:
        self._records = records

    async def append_shopper_message(self, step: AppendShopperMessage) -> AppendResult:
        conversation = self._records.touch(step.shop_id, step.conversation_id)
        ownership = Ownership(conversation.owner, conversation.version)
        if step.message_id in conversation.outcomes:
            recorded = conversation.outcomes[step.message_id]
            return AppendResult(None, ownership, duplicate=True, recorded_outcome=recorded)
        conversation.outcomes[step.message_id] = None
        cursor = self._records.append(conversation, "shopper", step.text, step.message_id, step.at)
        return AppendResult(
            cursor,
            ownership,
            duplicate=False,
            last_sentiment=conversation.sentiment,
            fingerprints=tuple(conversation.fingerprints),
        )

    async def append_reply(self, step: AppendReply) -> str | None:
        current = self._records.live(step.shop_id, step.conversation_id)
        version = current.version if current is not None else 0
        if step.expected_version is not None and version != step.expected_version:
            return None
        conversation = self._records.touch(step.shop_id, step.conversation_id)
        return self._records.append(conversation, step.author, step.text, step.message_id, step.at)

    async def finish_with_reply(self, step: FinishWithReply) -> bool:
        conversation = self._records.touch(step.shop_id, step.conversation_id)
        conversation.sentiment = step.sentiment
        if step.expected_version is not None and conversation.version != step.expected_version:
            conversation.outcomes[step.message_id] = step.outcome_dropped
            return False
        self._records.append(conversation, step.author, step.text, step.message_id, step.at)
        conversation.outcomes[step.message_id] = step.outcome_sent
        if step.fingerprint is not None:
            conversation.fingerprints.insert(0, step.fingerprint)
            del conversation.fingerprints[KEEP_FINGERPRINTS:]
        return True

    async def record_outcome(self, step: RecordOutcome) -> None:
        conversation = self._records.live(step.shop_id, step.conversation_id)
        if conversation is not None:
            conversation.outcomes[step.message_id] = step.outcome

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        conversation = self._records.live(shop_id, conversation_id)
        if conversation is None:
            return Ownership("bot", 0)
        return Ownership(conversation.owner, conversation.version)

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        conversation = self._records.live(shop_id, conversation_id)
        if conversation is None:
            return []
        start = 0
        if after is not None:
            threshold = parse_cursor(after)
            start = bisect.bisect_right(conversation.log, threshold, key=_entry_position)
        return [StoredMessage(*entry) for entry in conversation.log[start : start + limit]]
