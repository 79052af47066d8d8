"""The agent API: the queue, claiming, replying (checked like the bot's answers), resolving."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import COMPLIANCE, CONFIG, HANDOFFS, STORE
from ..compliance.service import Urgency
from ..conversations.store import new_message_id
from ..core.auth import authorize
from ..core.config import KeyGrant, Role, ShopConfig
from ..core.http import Identifier, checked_text, json_response, read_model, validate_query
from .store import Ticket

routes = web.RouteTableDef()
BASE = "/v1/shops/{shop_id}/handoffs"
LAST_MESSAGES = 5
URGENCY_SCAN = 500  # ordered by urgency, this many tickets of the state are compared
AGENTS: tuple[Role, ...] = ("agent",)


class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["pending", "assigned", "expired"] = "pending"
    limit: int = Field(50, ge=1, le=200)
    # queue: the state's own order; urgency: the soonest service-time deadline first.
    order: Literal["queue", "urgency"] = "queue"


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    message_id: Identifier | None = None


def ticket_json(ticket: Ticket) -> dict[str, object]:
    return {
        "ticket_id": ticket.ticket_id,
        "conversation_id": ticket.conversation_id,
        "state": ticket.state,
        "reasons": list(ticket.reasons),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "queued_at": ticket.queued_at,
        "assigned_to": ticket.assigned_to,
        "agent_deadline": ticket.agent_deadline,
    }


def _agent(request: web.Request, roles: Collection[Role] = AGENTS) -> tuple[ShopConfig, KeyGrant]:
    return authorize(
        request, request.app[CONFIG].current.shops, request.match_info["shop_id"], roles
    )


def urgency_json(due: Urgency | None) -> dict[str, object] | None:
    if due is None:
        return None
    return {
        "waiting_since": due.waiting_since,
        "deadline": due.deadline,
        "clock": due.clock,
        "waiting": due.waiting,
        "first_reply_at": due.first_reply_at,
    }


def by_urgency(tickets: list[Ticket], due: dict[str, Urgency]) -> list[Ticket]:
    """Soonest deadline first; tickets nobody waits on last, oldest first."""
    never = float("inf")
    return sorted(
        tickets,
        key=lambda t: (due[t.ticket_id].deadline if t.ticket_id in due else never, t.created_at),
    )


async def _with_messages(
    request: web.Request, shop: ShopConfig, ticket: Ticket, due: Urgency | None
) -> dict[str, object]:
    body = ticket_json(ticket)
    body["service_time"] = urgency_json(due)
    messages = await request.app[STORE].conversations.read_messages(
        shop.shop_id, ticket.conversation_id, None, 1000
    )
    body["last_messages"] = [
        {"cursor": m.cursor, "from": m.author, "text": m.text, "at": m.at}
        for m in messages[-LAST_MESSAGES:]
    ]
    return body


@routes.get(BASE)
async def queue(request: web.Request) -> web.Response:
    """Waiting tickets oldest first, each with its reasons and the conversation's last messages."""
    shop, _ = _agent(request, {"agent", "admin"})
    query = validate_query(QueueQuery, dict(request.query))
    urgent = query.order == "urgency"
    scan = max(query.limit, URGENCY_SCAN) if urgent else query.limit
    tickets = await request.app[HANDOFFS].tickets(shop, query.state, scan)
    due = await request.app[COMPLIANCE].urgencies(shop, tickets)
    if urgent:
        tickets = by_urgency(tickets, due)[: query.limit]
    return json_response(
        {
            "tickets": [
                await _with_messages(request, shop, ticket, due.get(ticket.ticket_id))
                for ticket in tickets
            ]
        }
    )


@routes.get(BASE + "/{ticket_id}")
async def one(request: web.Request) -> web.Response:
    shop, _ = _agent(request, {"agent", "admin"})
    ticket = await request.app[HANDOFFS].ticket(shop, request.match_info["ticket_id"])
    due = await request.app[COMPLIANCE].urgencies(shop, [ticket])
    return json_response(await _with_messages(request, shop, ticket, due.get(ticket.ticket_id)))


@routes.post(BASE + "/{ticket_id}/claim")
async def claim(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    ticket = await request.app[HANDOFFS].claim(shop, request.match_info["ticket_id"], grant.key_id)
    return json_response(ticket_json(ticket))


@routes.post(BASE + "/{ticket_id}/messages")
async def reply(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    body = await read_model(request, ReplyIn)
    message_id = body.message_id or new_message_id()
    sent = await request.app[HANDOFFS].reply(
        shop, request.match_info["ticket_id"], grant.key_id, message_id, checked_text(body.text)
    )
    return json_response(
        {
            "cursor": sent.cursor,
            "delivered": sent.delivered,
            "findings": [rated.to_json() for rated in sent.findings],
        }
    )


@routes.post(BASE + "/{ticket_id}/resolve")
async def resolve(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    ticket = await request.app[HANDOFFS].resolve(
        shop, request.match_info["ticket_id"], grant.key_id
    )
    return json_response(ticket_json(ticket))


@routes.post(BASE + "/{ticket_id}/release")
async def release(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    ticket = await request.app[HANDOFFS].release(
        shop, request.match_info["ticket_id"], grant.key_id
    )
    return json_response(ticket_json(ticket))


@routes.post(BASE + "/{ticket_id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    """The shop (for its shopper) or an agent withdraws a ticket nobody has claimed yet."""
    shop, _ = _agent(request, {"agent", "shop"})
    ticket = await request.app[HANDOFFS].cancel(shop, request.match_info["ticket_id"])
    return json_response(ticket_json(ticket))
