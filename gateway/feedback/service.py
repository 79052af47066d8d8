"""Shop feedback: record an admin's correction of the outgoing filter with what the shop's
guardrails say of the text now, page through the shop's entries, and give the phrases among them
to configuration loading (they take effect on the next reload, never at once).

When several entries name the same phrase (as the lexicon matches it), the newest decides: a
phrase banned and later allowed is allowed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from guardrails import Verdict

from ..checks import Checks
from ..core.config import ExtraPhrases, ShopConfig
from ..core.config.compile import known_categories, phrase_key
from ..core.errors import ValidationFailed
from ..core.logging import event, text_hash
from ..core.types import Clock
from .store import Expected, FeedbackEntry, FeedbackStore, Phrase, Record, ShopPhrase

log = logging.getLogger("gateway.feedback")

# The lexicon files' mark of a phrase that matches only as a clause of its own ("=滚").
WHOLE_CLAUSE = "="


@dataclass(frozen=True, slots=True)
class Correction:
    """What an admin says of a text: it should have been stopped or passed."""

    text: str
    expected: Expected
    category: str | None = None
    note: str | None = None
    phrase: Phrase | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    entry: FeedbackEntry
    verdict: Verdict  # what the shop's guardrails in force say of the text


@dataclass(frozen=True, slots=True)
class FeedbackPage:
    entries: list[FeedbackEntry]
    next_cursor: str | None


def problems(shop: ShopConfig, correction: Correction) -> list[dict[str, str]]:
    """What is wrong with a correction beyond its fields' types and lengths, field by field."""
    found: list[dict[str, str]] = []

    def problem(field: str, text: str) -> None:
        found.append({"field": field, "problem": text})

    if not correction.text.strip():
        problem("text", "must not be empty")
    category, phrase = correction.category, correction.phrase
    if category is not None and category not in known_categories(shop):
        known = ", ".join(sorted(known_categories(shop)))
        problem("category", f"unknown category '{category[:40]}' (known: {known})")
    if phrase is None:
        return found
    if phrase.kind == "allow" and correction.expected != "pass":
        problem("phrase.kind", "an allow phrase goes with expected 'pass'")
    if phrase.kind == "deny":
        if correction.expected != "stop":
            problem("phrase.kind", "a deny phrase goes with expected 'stop'")
        if category is None:
            problem("category", "required with a deny phrase: the category it is banned in")
    key = phrase_key(phrase.text)
    if phrase.text.startswith(WHOLE_CLAUSE):
        problem("phrase.text", f"must not start with '{WHOLE_CLAUSE}' (the lexicon files' mark)")
    elif not key:
        problem("phrase.text", "holds nothing to match once normalised")
    elif key not in phrase_key(correction.text):
        problem("phrase.text", "does not occur in text (compared after normalisation)")
    return found


def in_force(phrases: Sequence[ShopPhrase]) -> ExtraPhrases:
    """The allowed and banned phrases of a shop's entries (oldest first): per phrase as the
    lexicon matches it, the newest entry's. Blocking (normalises every phrase)."""
    latest: dict[str, ShopPhrase] = {}
    for phrase in phrases:
        key = phrase_key(phrase.text)
        if key:
            latest.pop(key, None)  # re-inserted: the order of the deciding entries
            latest[key] = phrase
    allow = tuple(p.text for p in latest.values() if p.kind == "allow")
    deny: dict[str, list[str]] = {}
    for p in latest.values():
        if p.kind == "deny" and p.category is not None:
            deny.setdefault(p.category, []).append(p.text)
    return ExtraPhrases(allow, {category: tuple(deny[category]) for category in sorted(deny)})


class FeedbackService:
    def __init__(self, store: FeedbackStore, checks: Checks, clock: Clock = time.time) -> None:
        self._store = store
        self._checks = checks
        self._clock = clock

    async def record(self, shop: ShopConfig, by: str, correction: Correction) -> Recorded:
        found = problems(shop, correction)
        if found:
            summary = "; ".join(f"{p['field']}: {p['problem']}" for p in found)
            raise ValidationFailed(f"invalid request: {summary}", details=found)
        entry = await self._store.record(
            Record(
                shop_id=shop.shop_id,
                text=correction.text,
                expected=correction.expected,
                category=correction.category,
                note=correction.note,
                phrase=correction.phrase,
                at=self._clock(),
                by=by,
            )
        )
        verdict = self._checks.check_answer(shop, correction.text)
        event(
            log,
            "feedback.recorded",
            shop=shop.shop_id,
            id=entry.entry_id,
            expected=entry.expected,
            category=entry.category,
            phrase=entry.phrase.kind if entry.phrase else None,
            verdict=verdict.action.label,
            text_hash=text_hash(entry.text),
        )
        return Recorded(entry, verdict)

    async def page(self, shop: ShopConfig, cursor: str | None, limit: int) -> FeedbackPage:
        """Newest first; ``next_cursor`` only when there is more."""
        entries = await self._store.entries(shop.shop_id, cursor, limit + 1)
        page = entries[:limit]
        return FeedbackPage(page, page[-1].entry_id if len(entries) > limit else None)

    async def phrases(self, shop_ids: Collection[str]) -> dict[str, ExtraPhrases]:
        """The phrases in the store for these shops, for configuration loading (the config
        holder's phrase source); shops without any are left out."""
        found = {shop_id: await self._store.phrases(shop_id) for shop_id in shop_ids}
        found = {shop_id: phrases for shop_id, phrases in found.items() if phrases}
        if not found:
            return {}
        loop = asyncio.get_running_loop()
        # Normalising up to KEEP_ENTRIES phrases a shop would hold the event loop: a thread.
        return await loop.run_in_executor(
            None, lambda: {shop_id: in_force(phrases) for shop_id, phrases in found.items()}
        )
