"""Redis implementation of the stores (redis.asyncio); atomic steps are Lua scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import Redis

from ..core.redis import guard as _guard
from ..core.redis import load_script
from ..core.redis import text as _text
from ..core.types import AppendResult, Author, Owner, Ownership, StoredMessage
from ..privacy.redis import RedisPrivacyStore
from . import keys
from .handoff_base import (
    Escalated,
    EscalationShortcuts,
    Swept,
    Ticket,
    TicketNotFound,
    TicketState,
    TransitionRefused,
)
from .memory_store import KEEP_EXPIRED, KEEP_FINGERPRINTS

TICKET_TTL_S = 40 * 24 * 3600  # tickets outlive their conversation's log for the backlog


def _ticket(shop_id: str, raw: Sequence[Any]) -> Ticket:
    fields = {_text(raw[i]): _text(raw[i + 1]) for i in range(0, len(raw) - 1, 2)}
    reasons = tuple(r for r in fields.get("reasons", "").split(",") if r)
    deadline = fields.get("deadline")
    return Ticket(
        ticket_id=fields["id"],
        shop_id=shop_id,
        conversation_id=fields["conv"],
        state=cast(TicketState, fields["state"]),
        reasons=reasons,
        created_at=float(fields["created"]),
        updated_at=float(fields["updated"]),
        queued_at=float(fields["queued"]),
        assigned_to=fields.get("agent") or None,
        agent_deadline=float(deadline) if deadline else None,
    )


def _checked(result: Any, ticket_id: str) -> list[Any]:
    """A ticket script's answer: ['ok', …] or the reason it refused."""
    items = cast(list[Any], result)
    status = _text(items[0])
    if status == "missing":
        raise TicketNotFound(ticket_id)
    if status == "refused":
        state = _text(items[1])
        if len(items) > 2:
            raise TransitionRefused(state, "the ticket is assigned to another agent")
        raise TransitionRefused(state)
    return items[1:]


class RedisConversationStore(EscalationShortcuts):
    """Conversations on Redis: a hash (owner, version, open ticket, last sentiment), a stream
    (the log), a hash of seen message ids, a list of answer fingerprints; handoff tickets as
    hashes indexed by sorted sets (queue, deadlines). Every key carries the shop's hash tag, so
    one script may touch a conversation and its ticket together."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._append_shopper = load_script(client, "gateway.stores", "append_shopper")
        self._append_reply = load_script(client, "gateway.stores", "append_reply")
        self._finish_with_reply = load_script(client, "gateway.stores", "finish_with_reply")
        self._escalate = load_script(client, "gateway.stores", "handoff_escalate")
        self._claim = load_script(client, "gateway.stores", "handoff_claim")
        self._reply = load_script(client, "gateway.stores", "handoff_reply")
        self._end = load_script(client, "gateway.stores", "handoff_end")
        self._sweep = load_script(client, "gateway.stores", "handoff_sweep")

    # -- conversations ------------------------------------------------------------------------

    async def append_shopper_message(
        self, shop_id: str, conversation_id: str, message_id: str, text: str, at: float
    ) -> AppendResult:
        result = await _guard(
            self._append_shopper(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                    keys.conversation_fingerprints(shop_id, conversation_id),
                ],
                args=[message_id, text, repr(at), self._ttl_s],
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
        *,
        fingerprint: str | None = None,
        sentiment: float | None = None,
    ) -> bool:
        expected = "" if expected_version is None else str(expected_version)
        result = await _guard(
            self._finish_with_reply(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                    keys.conversation_fingerprints(shop_id, conversation_id),
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
                    fingerprint or "",
                    "" if sentiment is None else repr(sentiment),
                    KEEP_FINGERPRINTS,
                ],  # fmt: skip
            )
        )
        return bool(result)

    async def record_outcome(
        self, shop_id: str, conversation_id: str, message_id: str, outcome: str
    ) -> None:
        await _guard(
            self._client.hset(
                keys.conversation_message_ids(shop_id, conversation_id), message_id, outcome
            )
        )

    async def ownership(self, shop_id: str, conversation_id: str) -> Ownership:
        owner, version = await _guard(
            self._client.hmget(keys.conversation_meta(shop_id, conversation_id), "owner", "version")
        )
        return Ownership(
            cast(Owner, _text(owner)) if owner else "bot", int(_text(version)) if version else 0
        )

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        """The reasons of the conversation's open ticket, or of its last one."""
        meta = keys.conversation_meta(shop_id, conversation_id)
        open_id, last_id = await _guard(self._client.hmget(meta, "ticket", "last_ticket"))
        ticket_id = open_id or last_id
        if not ticket_id:
            return []
        ticket = await self.ticket(shop_id, _text(ticket_id))
        return list(ticket.reasons) if ticket else []

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
        return [t.conversation_id for t in await self.tickets(shop_id, "pending", limit)]

    # -- handoff tickets ----------------------------------------------------------------------

    def _index_keys(self, shop_id: str) -> list[str]:
        return [keys.queue(shop_id), keys.queue_deadlines(shop_id), keys.assigned(shop_id)]

    async def escalate(
        self,
        shop_id: str,
        conversation_id: str,
        ticket_id: str,
        reasons: Sequence[str],
        at: float,
        *,
        message_id: str = "",
        holding_text: str | None = None,
        outcome: str | None = None,
        sentiment: float | None = None,
    ) -> Escalated:
        result = await _guard(
            self._escalate(
                keys=[
                    keys.conversation_meta(shop_id, conversation_id),
                    keys.conversation_log(shop_id, conversation_id),
                    keys.conversation_message_ids(shop_id, conversation_id),
                    keys.queue(shop_id),
                    keys.queue_deadlines(shop_id),
                ],
                args=[
                    keys.ticket_prefix(shop_id),
                    ticket_id,
                    conversation_id,
                    repr(at),
                    self._ttl_s,
                    message_id,
                    holding_text or "",
                    outcome or "",
                    "0" if outcome is None else "1",
                    "" if sentiment is None else repr(sentiment),
                    TICKET_TTL_S,
                    *[reason for reason in reasons if reason],
                ],  # fmt: skip
            )
        )
        opened, created, owner, version = cast(list[Any], result)
        ownership = Ownership(cast(Owner, _text(owner)), int(_text(version)))
        return Escalated(_text(opened), bool(int(created)), ownership)

    async def ticket(self, shop_id: str, ticket_id: str) -> Ticket | None:
        raw = await _guard(
            cast(Awaitable[Any], self._client.hgetall(keys.ticket_prefix(shop_id) + ticket_id))
        )
        if not raw:
            return None
        flat = [item for pair in raw.items() for item in pair]
        return _ticket(shop_id, flat)

    async def tickets(self, shop_id: str, state: TicketState, limit: int) -> list[Ticket]:
        index = {"pending": keys.queue(shop_id), "assigned": keys.assigned(shop_id),
                 "expired": keys.expired(shop_id)}.get(state)  # fmt: skip
        if index is None:
            return []  # resolved and cancelled tickets are not listed
        if state == "expired":
            ids = await _guard(self._client.zrevrange(index, 0, limit - 1))
        else:
            ids = await _guard(self._client.zrange(index, 0, limit - 1))
        if not ids:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ticket_id in ids:
                pipe.hgetall(keys.ticket_prefix(shop_id) + _text(ticket_id))
            rows = await _guard(pipe.execute())
        found = [
            _ticket(shop_id, [item for pair in row.items() for item in pair]) for row in rows if row
        ]
        return [ticket for ticket in found if ticket.state == state]

    async def claim(
        self, shop_id: str, ticket_id: str, agent: str, at: float, idle_timeout_s: float
    ) -> Ticket:
        result = await _guard(
            self._claim(
                keys=self._index_keys(shop_id),
                args=[
                    keys.ticket_prefix(shop_id),
                    ticket_id,
                    agent,
                    repr(at),
                    repr(at + idle_timeout_s),
                ],  # fmt: skip
            )
        )
        return _ticket(shop_id, _checked(result, ticket_id))

    async def agent_reply(
        self,
        shop_id: str,
        ticket_id: str,
        agent: str,
        message_id: str,
        text: str,
        at: float,
        idle_timeout_s: float,
    ) -> str:
        result = await _guard(
            self._reply(
                keys=[keys.assigned(shop_id)],
                args=[
                    keys.ticket_prefix(shop_id),
                    keys.conversation_prefix(shop_id),
                    ticket_id,
                    agent,
                    message_id,
                    text,
                    repr(at),
                    repr(at + idle_timeout_s),
                    self._ttl_s,
                ],  # fmt: skip
            )
        )
        return _text(_checked(result, ticket_id)[0])

    async def _end_ticket(
        self, shop_id: str, ticket_id: str, action: str, agent: str, at: float
    ) -> Ticket:
        result = await _guard(
            self._end(
                keys=self._index_keys(shop_id),
                args=[
                    keys.ticket_prefix(shop_id),
                    keys.conversation_prefix(shop_id),
                    ticket_id,
                    action,
                    agent,
                    repr(at),
                ],  # fmt: skip
            )
        )
        return _ticket(shop_id, _checked(result, ticket_id))

    async def resolve(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        return await self._end_ticket(shop_id, ticket_id, "resolve", agent, at)

    async def release(self, shop_id: str, ticket_id: str, agent: str, at: float) -> Ticket:
        return await self._end_ticket(shop_id, ticket_id, "release", agent, at)

    async def cancel(self, shop_id: str, ticket_id: str, at: float) -> Ticket:
        return await self._end_ticket(shop_id, ticket_id, "cancel", "", at)

    async def sweep(
        self, shop_id: str, at: float, queue_timeout_s: float, expired_text: str
    ) -> Swept:
        result = await _guard(
            self._sweep(
                keys=[*self._index_keys(shop_id), keys.expired(shop_id)],
                args=[
                    keys.ticket_prefix(shop_id),
                    keys.conversation_prefix(shop_id),
                    repr(at),
                    repr(queue_timeout_s),
                    expired_text,
                    self._ttl_s,
                    KEEP_EXPIRED,
                ],  # fmt: skip
            )
        )
        expired, requeued = cast(list[Any], result)
        return Swept(tuple(_text(i) for i in expired), tuple(_text(i) for i in requeued))


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
    def handoffs(self) -> RedisConversationStore:
        return self._conversations

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
