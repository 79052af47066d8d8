"""The feedback store: its interface, the values it takes and gives, and one parameter object
per step (a frozen dataclass named for the method; reads take plain arguments).

A shop's entries are numbered by the store, 1, 2, 3 … as 12-digit text (``000000000042``), so
ids sort by the order entries were recorded in, whatever the clocks of several processes say;
an id is also the paging cursor. Entries never expire; a shop keeps its newest ``KEEP_ENTRIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Expected = Literal["stop", "pass"]
PhraseKind = Literal["allow", "deny"]
KEEP_ENTRIES = 10_000  # per shop; recording one more forgets the oldest (and its phrase)
ENTRY_ID_DIGITS = 12


def entry_id(number: int) -> str:
    return f"{number:0{ENTRY_ID_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase of the entry's text that the shop's guardrails should allow, or ban (in the
    entry's category)."""

    kind: PhraseKind
    text: str


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """An admin's correction: ``text`` should have been stopped or passed."""

    entry_id: str
    shop_id: str
    text: str
    expected: Expected
    category: str | None
    note: str | None
    phrase: Phrase | None
    at: float
    by: str  # the admin key's id


@dataclass(frozen=True, slots=True)
class ShopPhrase:
    """A phrase of one of the shop's entries, as the guardrails take it."""

    entry_id: str
    kind: PhraseKind
    text: str
    category: str | None


# -- steps: one parameter object each ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """Keep a new entry under the shop's next id; forget the shop's oldest entries beyond
    ``keep``, with their phrases, in the same step."""

    shop_id: str
    text: str
    expected: Expected
    category: str | None
    note: str | None
    phrase: Phrase | None
    at: float
    by: str
    keep: int = KEEP_ENTRIES

    def entry(self, entry_id: str) -> FeedbackEntry:
        return FeedbackEntry(
            entry_id=entry_id,
            shop_id=self.shop_id,
            text=self.text,
            expected=self.expected,
            category=self.category,
            note=self.note,
            phrase=self.phrase,
            at=self.at,
            by=self.by,
        )


class FeedbackStore(Protocol):
    """A shop's feedback entries, and the phrases among them. Recording is atomic (one Lua
    script on Redis; no ``await`` between read and write in memory), so entries recorded at once
    by several gateway processes get distinct ids and the cap holds."""

    async def record(self, step: Record) -> FeedbackEntry: ...

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[FeedbackEntry]:
        """Newest first; strictly older than the entry id ``before`` when given."""

    async def phrases(self, shop_id: str) -> list[ShopPhrase]:
        """The phrases of the shop's kept entries, oldest first."""
