"""In-memory implementation of the stores: the embedded default for a single process.

Each operation runs without an ``await`` between its read and its write, which makes it atomic on
one event loop: the same guarantee the Lua scripts give on Redis.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..types import AppendResult, Author, Clock, Owner, Ownership, StoredMessage
from .memory_privacy import MemoryPrivacyStore

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
    reasons: list[str] = field(default_factory=list)
    expires_at: float = 0.0


def parse_cursor(cursor: str) -> tuple[int, int]:
    """Cursors look like Redis stream ids, ``<ms>-<seq>``; ValueError when malformed."""
    ms, _, seq = cursor.partition("-")
    if not ms.isdigit() or not (seq == "" or seq.isdigit()):
        raise ValueError(f"malformed cursor {cursor!r}")
    return int(ms), int(seq or 0)


def _entry_position(entry: _Entry) -> tuple[int, int]:
    return parse_cursor(entry[0])


class MemoryConversationStore:
    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._conversations: dict[tuple[str, str], _Conversation] = {}
        self._waiting: dict[str, dict[str, float]] = {}
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

    async def append_shopper_message(
        self, shop_id: str, conversation_id: str, message_id: str, text: str, at: float
    ) -> AppendResult:
        conversation = self._touch(shop_id, conversation_id)
        ownership = Ownership(conversation.owner, conversation.version)
        if message_id in conversation.outcomes:
            recorded = conversation.outcomes[message_id]
            return AppendResult(None, ownership, duplicate=True, recorded_outcome=recorded)
        conversation.outcomes[message_id] = None
        cursor = self._next_cursor()
        conversation.log.append((cursor, "shopper", text, message_id, at))
        return AppendResult(cursor, ownership, duplicate=False)

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
        cursor = self._next_cursor()
        conversation.log.append((cursor, author, text, message_id, at))
        return cursor

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
    ) -> bool:
        conversation = self._touch(shop_id, conversation_id)
        if expected_version is not None and conversation.version != expected_version:
            conversation.outcomes[message_id] = outcome_dropped
            return False
        conversation.log.append((self._next_cursor(), author, text, message_id, at))
        conversation.outcomes[message_id] = outcome_sent
        return True

    async def finish_with_handoff(
        self,
        shop_id: str,
        conversation_id: str,
        message_id: str,
        reasons: Sequence[str],
        holding_text: str | None,
        at: float,
        outcome: str,
    ) -> Ownership:
        conversation = self._touch(shop_id, conversation_id)
        self._hand_over(shop_id, conversation_id, conversation, reasons, at)
        if holding_text:
            conversation.log.append((self._next_cursor(), "gateway", holding_text, message_id, at))
        conversation.outcomes[message_id] = outcome
        return Ownership(conversation.owner, conversation.version)

    def _hand_over(
        self,
        shop_id: str,
        conversation_id: str,
        conversation: _Conversation,
        reasons: Sequence[str],
        at: float,
    ) -> None:
        if conversation.owner != "human":
            conversation.owner = "human"
            conversation.version += 1
            self._waiting.setdefault(shop_id, {}).setdefault(conversation_id, at)
        conversation.reasons.extend(reasons)

    async def record_outcome(
        self, shop_id: str, conversation_id: str, message_id: str, outcome: str
    ) -> None:
        conversation = self._live(shop_id, conversation_id)
        if conversation is not None:
            conversation.outcomes[message_id] = outcome

    async def hand_to_human(
        self, shop_id: str, conversation_id: str, reason: str, at: float
    ) -> Ownership:
        conversation = self._touch(shop_id, conversation_id)
        self._hand_over(shop_id, conversation_id, conversation, [reason], at)
        return Ownership(conversation.owner, conversation.version)

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        conversation = self._live(shop_id, conversation_id)
        if conversation is None:
            return Ownership("bot", 0)
        return Ownership(conversation.owner, conversation.version)

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        conversation = self._live(shop_id, conversation_id)
        return list(conversation.reasons) if conversation is not None else []

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
        waiting = self._waiting.get(shop_id, {})
        ordered = sorted(waiting.items(), key=lambda item: (item[1], item[0]))
        return [conversation_id for conversation_id, _ in ordered[:limit]]


class MemoryBackend:
    def __init__(self, ttl_s: int, clock: Clock = time.time) -> None:
        self._conversations = MemoryConversationStore(ttl_s, clock)
        self._privacy = MemoryPrivacyStore()

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
