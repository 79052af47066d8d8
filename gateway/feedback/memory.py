"""In-memory feedback store: the same numbering and cap as the Redis script.

``record`` does not await between reading and writing, so it is atomic on the event loop, as the
Lua script is on Redis.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .store import FeedbackEntry, Record, ShopPhrase, entry_id


@dataclass(slots=True)
class _ShopFeedback:
    last: int = 0  # the number of the last entry recorded
    entries: list[FeedbackEntry] = field(default_factory=list)  # oldest first


class MemoryFeedbackStore:
    def __init__(self) -> None:
        self._shops: dict[str, _ShopFeedback] = {}

    async def record(self, step: Record) -> FeedbackEntry:
        shop = self._shops.setdefault(step.shop_id, _ShopFeedback())
        shop.last += 1
        entry = step.entry(entry_id(shop.last))
        shop.entries.append(entry)
        over = len(shop.entries) - step.keep
        if over > 0:
            del shop.entries[:over]
        return entry

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[FeedbackEntry]:
        kept = self._shops.get(shop_id, _ShopFeedback()).entries
        end = len(kept)
        if before is not None:
            end = bisect.bisect_left(kept, before, key=lambda entry: entry.entry_id)
        return kept[max(0, end - limit) : end][::-1]

    async def phrases(self, shop_id: str) -> list[ShopPhrase]:
        kept = self._shops.get(shop_id, _ShopFeedback()).entries
        return [
            ShopPhrase(entry.entry_id, entry.phrase.kind, entry.phrase.text, entry.category)
            for entry in kept
            if entry.phrase is not None
        ]
