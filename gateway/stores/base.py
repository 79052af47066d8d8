"""Store interfaces, one per domain; every implementation passes the same contract tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..core.types import AppendResult, Author, Ownership, StoredMessage
from ..privacy.store import PrivacyStore
from .handoff_base import HandoffStore


class ConversationStore(Protocol):
    """A conversation's log, its owner, and the shop's list of conversations waiting for a human.

    Every method that reads and then writes is one atomic step (one Lua script on Redis; no
    ``await`` between read and write in memory), so several gateway processes agree.
    """

    async def append_shopper_message(
        self, shop_id: str, conversation_id: str, message_id: str, text: str, at: float
    ) -> AppendResult:
        """Write the message unless ``message_id`` was already written to this conversation."""

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
        """Append a reply; with ``expected_version``, only while the owner has not changed.

        Returns the new cursor, or None when the version moved on (the reply is dropped).
        """

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
        """``append_reply`` and ``record_outcome`` as one atomic step (one round trip on Redis).

        Records ``outcome_sent`` and returns True when the reply was appended; records
        ``outcome_dropped`` and returns False when the version had moved on. Keeps the shopper
        message's ``sentiment`` and, when the reply went out, the answer's ``fingerprint``.
        """

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
        """Open (or join) the conversation's handoff ticket with these reasons, append the
        holding reply and record the outcome, atomically (see ``HandoffStore.escalate``)."""

    async def record_outcome(
        self, shop_id: str, conversation_id: str, message_id: str, outcome: str
    ) -> None:
        """Remember the answer given to a shopper message, for replays of the same message_id."""

    async def hand_to_human(
        self, shop_id: str, conversation_id: str, reason: str, at: float
    ) -> Ownership:
        """Make a human the owner (bumping the version once); list the conversation as waiting."""

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership: ...

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]: ...

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        """Messages in order, strictly after the cursor ``after`` (from the start when None)."""

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        """Conversation ids handed to a human, oldest first."""


class StoreBackend(Protocol):
    """What the app holds: the domain stores of one backend plus its lifecycle."""

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def handoffs(self) -> HandoffStore: ...

    @property
    def privacy(self) -> PrivacyStore: ...

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the backend does not answer."""

    async def aclose(self) -> None: ...
