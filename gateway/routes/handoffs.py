"""The agent side: the queue, claiming, replying (checked by the shop's guardrails), resolving."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import CONFIG, HANDOFFS, STORE
from ..core.auth import authorize
from ..core.config import KeyGrant, ShopConfig
from ..core.http import Identifier, checked_text, json_response, read_model, validate_query
from ..handoff import ticket_json
from ..messages import ShopperMessage

routes = web.RouteTableDef()
BASE = "/v1/shops/{shop_id}/handoffs"
LAST_MESSAGES = 5


class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["pending", "assigned", "expired"] = "pending"
    limit: int = Field(50, ge=1, le=200)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    message_id: Identifier | None = None


def _agent(request: web.Request, roles: set[str] | None = None) -> tuple[ShopConfig, KeyGrant]:
    return authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        roles or {"agent"},  # type: ignore[arg-type]
    )


async def _with_messages(
    request: web.Request, shop: ShopConfig, ticket: object
) -> dict[str, object]:
    body = ticket_json(ticket)  # type: ignore[arg-type]
    messages = await request.app[STORE].conversations.read_messages(
        shop.shop_id, str(body["conversation_id"]), None, 1000
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
    tickets = await request.app[HANDOFFS].tickets(shop, query.state, query.limit)
    return json_response(
        {"tickets": [await _with_messages(request, shop, ticket) for ticket in tickets]}
    )


@routes.get(BASE + "/{ticket_id}")
async def one(request: web.Request) -> web.Response:
    shop, _ = _agent(request, {"agent", "admin"})
    ticket = await request.app[HANDOFFS].ticket(shop, request.match_info["ticket_id"])
    return json_response(await _with_messages(request, shop, ticket))


@routes.post(BASE + "/{ticket_id}/claim")
async def claim(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    ticket = await request.app[HANDOFFS].claim(shop, request.match_info["ticket_id"], grant.key_id)
    return json_response(ticket_json(ticket))


@routes.post(BASE + "/{ticket_id}/messages")
async def reply(request: web.Request) -> web.Response:
    shop, grant = _agent(request)
    body = await read_model(request, ReplyIn)
    message_id = body.message_id or ShopperMessage("-", "-", "-").message_id
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
