"""Redis handoff store (redis.asyncio); each ticket step is one Lua script.

Key layout, under the shop's hash tag ``gw:{shop:ID}`` (``core/redis.py``):

    …:ticket:T      hash    id, conv, state, reasons, created, updated, queued, agent, deadline
    …:queue         zset    pending tickets by creation time (the order agents see)
    …:queue:since   zset    pending tickets by when they (last) entered the queue (the timeout)
    …:assigned      zset    assigned tickets by the time their agent counts as idle
    …:expired       zset    expired tickets by expiry time (the backlog), the newest kept

A ticket step changes the conversation's owner in the same script, through the conversation's
keys (``conversations/redis.py``): the one layout both stores share, as on the memory backend
both work on the same conversation records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

from redis.asyncio.client import Redis

from ..conversations.redis import (
    conversation_log,
    conversation_message_ids,
    conversation_meta,
    conversation_prefix,
)
from ..conversations.store import Owner, Ownership
from ..core.redis import guard, load_script, shop_tag
from ..core.redis import text as _text
from .store import (
    KEEP_EXPIRED,
    AgentReply,
    Cancel,
    Claim,
    Escalate,
    Escalated,
    Release,
    Resolve,
    Sweep,
    Swept,
    Ticket,
    TicketNotFound,
    TicketState,
    TransitionRefused,
)

LUA = "gateway.handoffs"
TICKET_TTL_S = 40 * 24 * 3600  # tickets outlive their conversation's log for the backlog


def ticket_prefix(shop_id: str) -> str:
    return f"{shop_tag(shop_id)}:ticket:"


def queue(shop_id: str) -> str:
    """Pending tickets by creation time (the order agents see)."""
    return f"{shop_tag(shop_id)}:queue"


def queue_deadlines(shop_id: str) -> str:
    """Pending tickets by the time they (last) entered the queue (the queue timeout)."""
    return f"{shop_tag(shop_id)}:queue:since"


def assigned(shop_id: str) -> str:
    """Assigned tickets by the time their agent counts as idle."""
    return f"{shop_tag(shop_id)}:assigned"


def expired(shop_id: str) -> str:
    """Expired tickets by expiry time: the backlog of messages left while nobody answered."""
    return f"{shop_tag(shop_id)}:expired"


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


class RedisHandoffStore:
    """Handoff tickets as hashes indexed by sorted sets (queue, deadlines). Every key carries the
    shop's hash tag, so one script may touch a conversation and its ticket together."""

    def __init__(self, client: Redis, ttl_s: int) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._escalate = load_script(client, LUA, "escalate")
        self._claim = load_script(client, LUA, "claim")
        self._agent_reply = load_script(client, LUA, "agent_reply")
        self._end = load_script(client, LUA, "end")
        self._sweep = load_script(client, LUA, "sweep")

    def _index_keys(self, shop_id: str) -> list[str]:
        return [queue(shop_id), queue_deadlines(shop_id), assigned(shop_id)]

    async def escalate(self, step: Escalate) -> Escalated:
        shop_id, conversation_id = step.shop_id, step.conversation_id
        result = await guard(
            self._escalate(
                keys=[
                    conversation_meta(shop_id, conversation_id),
                    conversation_log(shop_id, conversation_id),
                    conversation_message_ids(shop_id, conversation_id),
                    queue(shop_id),
                    queue_deadlines(shop_id),
                ],
                args=[
                    ticket_prefix(shop_id),
                    step.ticket_id,
                    conversation_id,
                    repr(step.at),
                    self._ttl_s,
                    step.message_id,
                    step.holding_text or "",
                    step.outcome or "",
                    "0" if step.outcome is None else "1",
                    "" if step.sentiment is None else repr(step.sentiment),
                    TICKET_TTL_S,
                    *[reason for reason in step.reasons if reason],
                ],  # fmt: skip
            )
        )
        opened, created, owner, version = cast(list[Any], result)
        ownership = Ownership(cast(Owner, _text(owner)), int(_text(version)))
        return Escalated(_text(opened), bool(int(created)), ownership)

    async def ticket(self, shop_id: str, ticket_id: str) -> Ticket | None:
        raw = await guard(
            cast(Awaitable[Any], self._client.hgetall(ticket_prefix(shop_id) + ticket_id))
        )
        if not raw:
            return None
        flat = [item for pair in raw.items() for item in pair]
        return _ticket(shop_id, flat)

    async def tickets(self, shop_id: str, state: TicketState, limit: int) -> list[Ticket]:
        index = {"pending": queue(shop_id), "assigned": assigned(shop_id),
                 "expired": expired(shop_id)}.get(state)  # fmt: skip
        if index is None:
            return []  # resolved and cancelled tickets are not listed
        if state == "expired":
            ids = await guard(self._client.zrevrange(index, 0, limit - 1))
        else:
            ids = await guard(self._client.zrange(index, 0, limit - 1))
        if not ids:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ticket_id in ids:
                pipe.hgetall(ticket_prefix(shop_id) + _text(ticket_id))
            rows = await guard(pipe.execute())
        found = [
            _ticket(shop_id, [item for pair in row.items() for item in pair]) for row in rows if row
        ]
        return [ticket for ticket in found if ticket.state == state]

    async def reasons(self, shop_id: str, conversation_id: str) -> list[str]:
        meta = conversation_meta(shop_id, conversation_id)
        open_id, last_id = await guard(self._client.hmget(meta, "ticket", "last_ticket"))
        ticket_id = open_id or last_id
        if not ticket_id:
            return []
        ticket = await self.ticket(shop_id, _text(ticket_id))
        return list(ticket.reasons) if ticket else []

    async def waiting_for_human(self, shop_id: str, limit: int) -> list[str]:
        return [t.conversation_id for t in await self.tickets(shop_id, "pending", limit)]

    async def claim(self, step: Claim) -> Ticket:
        result = await guard(
            self._claim(
                keys=self._index_keys(step.shop_id),
                args=[
                    ticket_prefix(step.shop_id),
                    step.ticket_id,
                    step.agent,
                    repr(step.at),
                    repr(step.at + step.idle_timeout_s),
                ],  # fmt: skip
            )
        )
        return _ticket(step.shop_id, _checked(result, step.ticket_id))

    async def agent_reply(self, step: AgentReply) -> str:
        result = await guard(
            self._agent_reply(
                keys=[assigned(step.shop_id)],
                args=[
                    ticket_prefix(step.shop_id),
                    conversation_prefix(step.shop_id),
                    step.ticket_id,
                    step.agent,
                    step.message_id,
                    step.text,
                    repr(step.at),
                    repr(step.at + step.idle_timeout_s),
                    self._ttl_s,
                ],  # fmt: skip
            )
        )
        return _text(_checked(result, step.ticket_id)[0])

    async def _end_ticket(
        self, shop_id: str, ticket_id: str, action: str, agent: str, at: float
    ) -> Ticket:
        result = await guard(
            self._end(
                keys=self._index_keys(shop_id),
                args=[
                    ticket_prefix(shop_id),
                    conversation_prefix(shop_id),
                    ticket_id,
                    action,
                    agent,
                    repr(at),
                ],  # fmt: skip
            )
        )
        return _ticket(shop_id, _checked(result, ticket_id))

    async def resolve(self, step: Resolve) -> Ticket:
        return await self._end_ticket(step.shop_id, step.ticket_id, "resolve", step.agent, step.at)

    async def release(self, step: Release) -> Ticket:
        return await self._end_ticket(step.shop_id, step.ticket_id, "release", step.agent, step.at)

    async def cancel(self, step: Cancel) -> Ticket:
        return await self._end_ticket(step.shop_id, step.ticket_id, "cancel", "", step.at)

    async def sweep(self, step: Sweep) -> Swept:
        shop_id = step.shop_id
        result = await guard(
            self._sweep(
                keys=[*self._index_keys(shop_id), expired(shop_id)],
                args=[
                    ticket_prefix(shop_id),
                    conversation_prefix(shop_id),
                    repr(step.at),
                    repr(step.queue_timeout_s),
                    step.expired_text,
                    self._ttl_s,
                    KEEP_EXPIRED,
                ],  # fmt: skip
            )
        )
        expired_ids, requeued = cast(list[Any], result)
        return Swept(tuple(_text(i) for i in expired_ids), tuple(_text(i) for i in requeued))
