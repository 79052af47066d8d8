"""Privacy numbers: a shop issues and releases them per order; anyone may ask if one is virtual."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import CONFIG, PRIVACY
from ..core.auth import authorize, bearer_token
from ..core.config.shops import MAX_BINDING_TTL_S
from ..core.errors import Unauthorized, ValidationFailed
from ..core.http import Identifier, json_response, read_model
from ..core.phones import normalize_mobile
from ..stores.privacy_base import Binding
from .calls import is_telephony

routes = web.RouteTableDef()

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Identifier
    shopper_phone: str = Field(max_length=40)
    ttl_s: int | None = Field(None, ge=60, le=MAX_BINDING_TTL_S)
    conversation_id: Identifier | None = None


def binding_json(binding: Binding) -> dict[str, Any]:
    return {
        "order_id": binding.order_id,
        "virtual_number": binding.number,
        "shopper": binding.shopper_masked,
        "conversation_id": binding.conversation_id,
        "issued_at": binding.issued_ms / 1000,
        "expires_at": binding.expires_ms / 1000,
    }


def idempotency_key(request: web.Request) -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value.strip()):
        raise ValidationFailed(
            "Idempotency-Key: 1-128 characters of A-Z a-z 0-9 _ . : @ - (a UUID will do)"
        )
    return value.strip()


@routes.post("/v1/shops/{shop_id}/privacy-numbers")
async def issue(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "admin"},
    )
    body = await read_model(request, IssueIn)
    phone = normalize_mobile(body.shopper_phone)
    if phone is None:
        # Never echo the number back: it is the shopper's.
        raise ValidationFailed("shopper_phone: not a mainland mobile number")
    issued = await request.app[PRIVACY].issue(
        shop, body.order_id, phone, body.ttl_s, body.conversation_id, idempotency_key(request)
    )
    response = json_response(
        {**binding_json(issued.binding), "created": issued.created},
        status=201 if issued.created else 200,
    )
    if issued.replayed:
        response.headers["Idempotent-Replay"] = "true"
    return response


@routes.delete("/v1/shops/{shop_id}/privacy-numbers/{order_id}")
async def release(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "admin"},
    )
    ended = await request.app[PRIVACY].release(shop, request.match_info["order_id"])
    return json_response({**binding_json(ended), "released": True})


@routes.get("/v1/privacy-numbers/{number}/is-virtual")
async def is_virtual(request: web.Request) -> web.Response:
    """For order systems: a privacy number must never be accepted as a shipping phone."""
    token = bearer_token(request)
    shops = request.app[CONFIG].current.shops
    if shops.grant_for(token) is None and not is_telephony(request, token):
        raise Unauthorized("unknown API key: use a shop key or the platform's telephony key")
    number, virtual = await request.app[PRIVACY].is_virtual(request.match_info["number"])
    return json_response({"number": number, "virtual": virtual})
