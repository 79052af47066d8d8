"""Redis conversation store (redis.asyncio); each step that reads and writes is one Lua script.

Key layout, under the shop's hash tag ``gw:{shop:ID}`` (``core/redis.py``), for conversation C:

    …:conv:C:meta   hash    owner, version, ticket (the open one), last_ticket, sentiment
    …:conv:C:log    stream  the log: author, text, message_id, at; entry ids are the cursors
    …:conv:C:mids   hash    message_id -> the recorded outcome ('' while being handled)
    …:conv:C:fps    list    the bot's recent answers' fingerprints, newest first

Each key expires ``ttl_s`` after the conversation's last write. The handoff store's scripts
touch the same keys (``meta``, ``log``, ``mids``) so that a ticket and its conversation's owner
change in one step: these key functions are the layout both stores share.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio.client import Redis

from ..core.redis import guard, load_script, shop_tag
from ..core.redis import text as _text
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
)

LUA = "gateway.conversations"


def conversation_meta(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:meta"


def conversation_log(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:log"


def conversation_message_ids(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:mids"


def conversation_fingerprints(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:fps"


def conversation_prefix(shop_id: str) -> str:
    """Lua scripts that find a conversation through its ticket build its keys from this."""
    return f"{shop_tag(shop_id)}:conv:"


class RedisConversationStore:
    """Conversations on Redis: a hash (owner, version, open ticket, last sentiment), a stream
    (the log), a hash of seen message ids, a list of answer fingerprints."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._append_shopper_message = load_script(client, LUA, "append_shopper_message")
        self._append_reply = load_script(client, LUA, "append_reply")
        self._finish_with_reply = load_script(client, LUA, "finish_with_reply")

    async def append_shopper_message(self, step: AppendShopperMessage) -> AppendResult:
        shop_id, conversation_id = step.shop_id, step.conversation_id
        result = await guard(
            self._append_shopper_message(
                keys=[
                    conversation_meta(shop_id, conversation_id),
                    conversation_log(shop_id, conversation_id),
                    conversation_message_ids(shop_id, conversation_id),
                    conversation_fingerprints(shop_id, conversation_id),
                ],
                args=[step.message_id, step.text, repr(step.at), self._ttl_s],
            )
        )
        cursor, owner, version, outcome, sentiment, fingerprints = cast(list[Any], result)
        ownership = Ownership(cast(Owner, _text(owner)), int(_text(version)))
        if not _text(cursor):
            recorded = _text(outcome) if outcome else None
            return AppendResult(None, ownership, duplicate=True, recorded_outcome=recorded)
        return AppendResult(
            _text(cursor),
            ownership,
            duplicate=False,
            last_sentiment=float(_text(sentiment)) if sentiment else None,
            fingerprints=tuple(_text(f) for f in fingerprints or ()),
        )

    async def append_reply(self, step: AppendReply) -> str | None:
        expected = "" if step.expected_version is None else str(step.expected_version)
        result = await guard(
            self._append_reply(
                keys=[
                    conversation_meta(step.shop_id, step.conversation_id),
                    conversation_log(step.shop_id, step.conversation_id),
                ],
                args=[
                    expected,
                    step.author,
                    step.message_id,
                    step.text,
                    repr(step.at),
                    self._ttl_s,
                ],  # fmt: skip
            )
        )
        return _text(result) if result else None

    async def finish_with_reply(self, step: FinishWithReply) -> bool:
        shop_id, conversation_id = step.shop_id, step.conversation_id
        expected = "" if step.expected_version is None else str(step.expected_version)
        result = await guard(
            self._finish_with_reply(
                keys=[
                    conversation_meta(shop_id, conversation_id),
                    conversation_log(shop_id, conversation_id),
                    conversation_message_ids(shop_id, conversation_id),
                    conversation_fingerprints(shop_id, conversation_id),
                ],
                args=[
                    expected,
                    step.author,
                    step.message_id,
                    step.text,
                    repr(step.at),
                    self._ttl_s,
                    step.outcome_sent,
                    step.outcome_dropped,
                    step.fingerprint or "",
                    "" if step.sentiment is None else repr(step.sentiment),
                    KEEP_FINGERPRINTS,
                ],  # fmt: skip
            )
        )
        return bool(result)

    async def record_outcome(self, step: RecordOutcome) -> None:
        key = conversation_message_ids(step.shop_id, step.conversation_id)
        await guard(self._client.hset(key, step.message_id, step.outcome))

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        owner, version = await guard(
            self._client.hmget(conversation_meta(shop_id, conversation_id), "owner", "version")
        )
        return Ownership(
            cast(Owner, _text(owner)) if owner else "bot", int(_text(version)) if version else 0
        )

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        start = "-" if after is None else f"({after}"
        entries = await guard(
            self._client.xrange(conversation_log(shop_id, conversation_id), min=start, count=limit)
        )
        messages = []
        for entry_id, fields in entries or []:
            data = {_text(k): _text(v) for k, v in (fields or {}).items()}
            messages.append(
                StoredMessage(
                    cursor=_text(entry_id),
                    author=cast(Author, data["author"]),
                    text=data["text"],
                    message_id=data["message_id"],
                    at=float(data["at"]),
                )
            )
        return messages
