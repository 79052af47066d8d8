"""Type aliases and small value types shared across the gateway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Clock = Callable[[], float]  # seconds since the epoch; injected so tests control time
Owner = Literal["bot", "human"]
Author = Literal["shopper", "bot", "gateway", "agent"]


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
