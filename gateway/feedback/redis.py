"""Redis feedback store; recording is one Lua script.

Key layout, under the shop's hash tag ``gw:{shop:ID}`` (``core/redis.py``), none with a TTL:

    …:fb:last       string  the number of the shop's last entry (``INCR``)
    …:fb:entries    zset    ``<id>|<JSON>``, all scores 0: by member, i.e. by id, so a page is
                            one lexicographic range below the cursor
    …:fb:phrases    hash    id -> JSON {kind, text, category}, for the kept entries with a phrase

The script trims ``entries`` to the newest ``keep`` and drops the trimmed entries' phrases with
them, so the phrases hash never outlives its entries.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from redis.asyncio.client import Redis

from ..core.redis import guard, load_script, shop_tag
from ..core.redis import text as _text
from .store import ENTRY_ID_DIGITS, FeedbackEntry, Phrase, Record, ShopPhrase

LUA = "gateway.feedback"


def feedback_keys(shop_id: str) -> list[str]:
    """last, entries, phrases: the order the record script expects."""
    prefix = f"{shop_tag(shop_id)}:fb"
    return [f"{prefix}:last", f"{prefix}:entries", f"{prefix}:phrases"]


def _entry_json(step: Record) -> bytes:
    phrase = step.phrase
    return orjson.dumps(
        {
            "text": step.text,
            "expected": step.expected,
            "category": step.category,
            "note": step.note,
            "phrase": {"kind": phrase.kind, "text": phrase.text} if phrase else None,
            "at": step.at,
            "by": step.by,
        }
    )


def _entry(shop_id: str, member: Any) -> FeedbackEntry:
    entry_id, _, body = _text(member).partition("|")
    data = orjson.loads(body)
    phrase = data["phrase"]
    return FeedbackEntry(
        entry_id=entry_id,
        shop_id=shop_id,
        text=data["text"],
        expected=data["expected"],
        category=data["category"],
        note=data["note"],
        phrase=Phrase(phrase["kind"], phrase["text"]) if phrase else None,
        at=float(data["at"]),
        by=data["by"],
    )


class RedisFeedbackStore:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._record = load_script(client, LUA, "record")

    async def record(self, step: Record) -> FeedbackEntry:
        phrase = b""
        if step.phrase is not None:
            phrase = orjson.dumps(
                {"kind": step.phrase.kind, "text": step.phrase.text, "category": step.category}
            )
        args: list[str | int | bytes] = [_entry_json(step), phrase, step.keep, ENTRY_ID_DIGITS]
        result = await guard(self._record(keys=feedback_keys(step.shop_id), args=args))
        return step.entry(_text(result))

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[FeedbackEntry]:
        members = await guard(
            self._client.zrange(
                feedback_keys(shop_id)[1],
                f"({before}" if before is not None else "+",
                "-",
                desc=True,
                bylex=True,
                offset=0,
                num=limit,
            )
        )
        return [_entry(shop_id, member) for member in members]

    async def phrases(self, shop_id: str) -> list[ShopPhrase]:
        found = cast(dict[Any, Any], await guard(self._client.hgetall(feedback_keys(shop_id)[2])))
        phrases = []
        for raw_id, raw in sorted(found.items()):
            data = orjson.loads(raw)
            phrases.append(ShopPhrase(_text(raw_id), data["kind"], data["text"], data["category"]))
        return phrases
