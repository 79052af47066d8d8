"""The message path over HTTP: shopper messages in, the conversation's log out (with long
polling), and the verdict of the checks on a text without calling the bot."""

from __future__ import annotations

import time
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import CHECKS, CONFIG, EVENTS, MESSAGES, STORE
from ..checks import finding_summary
from ..core.auth import authorize
from ..core.errors import Conflict, ValidationFailed
from ..core.http import Identifier, checked_text, json_response, read_model, validate_query
from .service import MessageInProgress, ShopperMessage
from .store import parse_cursor

routes = web.RouteTableDef()

MAX_WAIT_S = 30
# A waiter re-reads the store at least this often, to see messages written by other processes.
POLL_TICK_S = 0.25


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Identifier
    shopper_id: Identifier
    text: str
    message_id: Identifier | None = None


class MessagesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: str | None = None
    limit: int = Field(100, ge=1, le=500)
    # Long poll: with nothing after the cursor, wait up to this many seconds for a message.
    wait: float = Field(0, ge=0, le=MAX_WAIT_S)


@routes.post("/v1/shops/{shop_id}/messages")
async def post_message(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request, request.app[CONFIG].current.shops, request.match_info["shop_id"], {"shop"}
    )
    body = await read_model(request, MessageIn)
    message = ShopperMessage(
        conversation_id=body.conversation_id,
        shopper_id=body.shopper_id,
        text=checked_text(body.text),
        **({"message_id": body.message_id} if body.message_id else {}),
    )
    try:
        outcome = await request.app[MESSAGES].handle(shop, message)
    except MessageInProgress as exc:
        raise Conflict(
            f"message {exc} of this conversation is being handled; retry shortly"
        ) from exc
    response = web.Response(text=outcome.body, content_type="application/json")
    if outcome.replayed:
        response.headers["Idempotent-Replay"] = "true"
    return response


@routes.get("/v1/shops/{shop_id}/conversations/{conversation_id}/messages")
async def list_messages(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "agent"},
    )
    query = validate_query(MessagesQuery, dict(request.query))
    if query.after is not None:
        try:
            parse_cursor(query.after)
        except ValueError as exc:
            raise ValidationFailed(f"after: {exc}") from exc
    store = request.app[STORE].conversations
    conversation_id = request.match_info["conversation_id"]
    deadline = time.monotonic() + query.wait
    while True:
        messages = await store.read_messages(
            shop.shop_id, conversation_id, query.after, query.limit
        )
        remaining = deadline - time.monotonic()
        if messages or remaining <= 0:
            break
        await request.app[EVENTS].wait(shop.shop_id, conversation_id, min(remaining, POLL_TICK_S))
    items = [
        {
            "cursor": m.cursor,
            "from": m.author,
            "text": m.text,
            "message_id": m.message_id,
            "at": m.at,
        }
        for m in messages
    ]
    return json_response(
        {"messages": items, "next_cursor": items[-1]["cursor"] if items else query.after}
    )


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    direction: Literal["answer", "message"] = "answer"


@routes.post("/v1/shops/{shop_id}/check")
async def check(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "admin"},
    )
    body = await read_model(request, CheckIn)
    text = checked_text(body.text)
    checks = request.app[CHECKS]
    if body.direction == "answer":
        verdict = checks.check_answer(shop, text)
        return json_response(
            {
                "action": verdict.action.label,
                "text": verdict.text,
                "findings": [finding_summary(rated) for rated in verdict.findings],
            }
        )
    screened = checks.screen_message(shop, text)
    message = await checks.weigh_message(shop, text, screened, None)
    reasons = list(message.reasons)
    return json_response(
        {
            "action": "escalate" if reasons else "allow",
            "text": shop.replies.holding if reasons else text,
            "reasons": reasons,
            "sentiment": message.sentiment,
            "findings": [],
        }
    )
