"""Redis implementation of the stores (redis.asyncio); atomic steps are Lua scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import Redis

from ..types import AppendResult, Author, Owner, Ownership, StoredMessage
from . import keys
from .redis_common import guard as _guard
from .redis_common import load_script as _load_script
from .redis_common import text as _text
from .redis_privacy import RedisPrivacyStore


class RedisConversationStore:
    """Conversations on Redis: a hash (owner, version), a stream (the log), a hash of seen ids."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._append_shopper = _load_script(client, "append_shopper")
        self._append_reply = _load_script(client, "append_reply")
        self._hand_to_human = _load_script(client, "hand_to_human")
        self._finish_with_reply = _load_script(client, "finish_with_reply")
        self._finish_with_handoff = _load_script(client, "finish_with_handoff")

    async def append_shopper_message(
        self, shop_id: str, conversation_id: str, message_id: str, text: str, at: float
    ) -> AppendResult:
        result = await _guard(
            self._append_shopper(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                ],
                args=[message_id, text, repr(at), self._ttl_s],
            )
        )
        cursor, owner, version, outcome = cast(list[Any], result)
        ownership = Ownership(cast(Owner, _text(owner)), int(_text(version)))
        if not _text(cursor):
            recorded = _text(outcome) if outcome else None
            return AppendResult(None, ownership, duplicate=True, recorded_outcome=recorded)
        return AppendResult(_text(cursor), ownership, duplicate=False)

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
        expected = "" if expected_version is None else str(expected_version)
        result = await _guard(
            self._append_reply(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                ],
                args=[expected, author, message_id, text, repr(at), self._ttl_s],
            )
        )
        return _text(result) if result else None

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
        expected = "" if expected_version is None else str(expected_version)
        result = await _guard(
            self._finish_with_reply(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                ],
                args=[
                    expected,
                    author,
                    message_id,
                    text,
                    repr(at),
                    self._ttl_s,
                    outcome_sent,
                    outcome_dropped,
                ],
            )
        )
        return bool(result)

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
        result = await _guard(
            self._finish_with_handoff(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                    keys.waiting_for_human(shop_id),
                    keys.conversation_reasons(shop_id, conversation_id),
                ],
                args=[
                    conversation_id,
                    message_id,
                    repr(at),
                    self._ttl_s,
                    holding_text or "",
                    outcome,
                    *reasons,
                ],
            )
        )
        owner, version = cast(list[Any], result)
        return Ownership(cast(Owner, _text(owner)), int(_text(version)))

    async def record_outcome(
        self, shop_id: str, conversation_id: str, message_id: str, outcome: str
    ) -> None:
        await _guard(
            self._client.hset(
                keys.conversation_message_ids(shop_id, conversation_id), message_id, outcome
            )
        )

    async def hand_to_human(
        self, shop_id: str, conversation_id: str, reason: str, at: float
    ) -> Ownership:
        result = await _guard(
            self._hand_to_human(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.waiting_for_human(shop_id),
                    keys.conversation_reasons(shop_id, conversation_id),
                ],
                args=[conversation_id, reason, repr(at), self._ttl_s],
            )
        )
        owner, version = cast(list[Any], result)
        return Ownership(cast(Owner, _text(owner)), int(_text(version)))

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        owner, version = await _guard(
            self._client.hmget(keys.conversation_meta(shop_id, conversation_id), "owner", "version")
        )
        return Ownership(
            cast(Owner, _text(owner)) if owner else "bot", int(_text(version)) if version else 0
        )

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        raw = await _guard(
            self._client.lrange(keys.conversation_reasons(shop_id, conversation_id), 0, -1)
        )
        return [_text(item) for item in raw]

    async def read_messages(
        self, shop_id: str, conversation_id: str, after: str | None, limit: int
    ) -> list[StoredMessage]:
        start = "-" if after is None else f"({after}"
        entries = await _guard(
            self._client.xrange(
                keys.conversation_log(shop_id, conversation_id), min=start, count=limit
            )
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

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        raw = await _guard(self._client.zrange(keys.waiting_for_human(shop_id), 0, limit - 1))
        return [_text(item) for item in raw]


class RedisBackend:
    """One client with an explicitly sized, blocking connection pool for the whole process."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._conversations = RedisConversationStore(client, ttl_s)
        self._privacy = RedisPrivacyStore(client)

    @classmethod
    def from_url(
        cls, url: str, *, max_connections: int, timeout_s: float, ttl_s: int
    ) -> RedisBackend:
        # redis-py's default pool raises MaxConnectionsError when exhausted; a blocking pool
        # makes a burst wait (bounded by timeout_s) instead of failing requests.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
        return cls(aioredis.Redis(connection_pool=pool), ttl_s)

    @property
    def client(self) -> Redis:
        return self._client

    @property
    def conversations(self) -> RedisConversationStore:
        return self._conversations

    @property
    def privacy(self) -> RedisPrivacyStore:
        return self._privacy

    async def ping(self) -> None:
        await _guard(cast(Awaitable[Any], self._client.ping()))

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._client.connection_pool.disconnect()
