"""The conversation store: its interface, the values it takes and gives, and one parameter object
per step (a frozen dataclass named for the method; reads take plain arguments).

A conversation is a log of messages, an owner (the bot or a human) with a version that moves on
every change of owner, the outcome recorded for each shopper message (for replays), the previous
shopper message's sentiment and the bot's recent answers' fingerprints.
"""

from __future__ import annotations

import secrets
from dataclasses import KW_ONLY, dataclass
from typing import Literal, Protocol

Owner = Literal["bot", "human"]
Author = Literal["shopper", "bot", "gateway", "agent"]

KEEP_FINGERPRINTS = 10  # the bot's answers a conversation remembers, for repeat detection


def new_message_id() -> str:
    return secrets.token_hex(16)


def parse_cursor(cursor: str) -> tuple[int, int]:
    """Cursors look like Redis stream ids, ``<ms>-<seq>``; ValueError when malformed."""
    ms, _, seq = cursor.partition("-")
    if not ms.isdigit() or not (seq == "" or seq.isdigit()):
        raise ValueError(f"malformed cursor {cursor!r}")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One entry of a conversation's log, as kept in the store."""

    cursor: str
    author: Author
    text: str
    message_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who answers the conversation; ``version`` moves on every change of owner."""

    owner: Owner
    version: int


@dataclass(frozen=True, slots=True)
class AppendResult:
    """The outcome of writing a shopper message (``duplicate`` when its message_id was seen)."""

    cursor: str | None
    ownership: Ownership
    duplicate: bool
    recorded_outcome: str | None = None
    last_sentiment: float | None = None  # the conversation's previous shopper message's score
    fingerprints: tuple[str, ...] = ()  # the bot's recent answers, newest first


# -- steps: one parameter object each ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppendShopperMessage:
    """Write the message unless ``message_id`` was already written to this conversation."""

    shop_id: str
    conversation_id: str
    message_id: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class AppendReply:
    """Append a reply; with ``expected_version``, only while the owner has not changed."""

    shop_id: str
    conversation_id: str
    author: Author
    message_id: str
    text: str
    at: float
    expected_version: int | None


@dataclass(frozen=True, slots=True)
class FinishWithReply:
    """``AppendReply`` and ``RecordOutcome`` as one step: ``outcome_sent`` is recorded when the
    reply is appended, ``outcome_dropped`` when the version had moved on. Keeps the shopper
    message's ``sentiment`` and, when the reply went out, the answer's ``fingerprint``."""

    shop_id: str
    conversation_id: str
    message_id: str
    author: Author
    text: str
    at: float
    expected_version: int | None
    outcome_sent: str
    outcome_dropped: str
    _: KW_ONLY
    fingerprint: str | None = None
    sentiment: float | None = None


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """Remember the answer given to a shopper message, for replays of the same message_id."""

    shop_id: str
    conversation_id: str
    message_id: str
    outcome: str


class ConversationStore(Protocol):
    """A conversation's log, its owner and what the message path remembers between messages.

    Every step is atomic (one Lua script on Redis; no ``await`` between read and write in
    memory), so several gateway processes agree. Handing a conversation to a human is a step of
    the handoff store (``HandoffStore.escalate``), atomic with the ticket it opens.
    """

    async def append_shopper_message(self, step: AppendShopperMessage) -> AppendResult: ...

    async def append_reply(self, step: AppendReply) -> str | None:
        """The new cursor, or None when the version moved on (the reply is dropped)."""

    async def finish_with_reply(self, step: FinishWithReply) -> bool:
        """True when the reply was appended, False when it was dropped."""

    async def record_outcome(self, step: RecordOutcome) -> None: ...

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership: ...

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        """Messages in order, strictly after the cursor ``after`` (from the start when None)."""
