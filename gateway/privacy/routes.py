"""The privacy-number API: a shop issues and releases numbers per order and manages its caller
numbers (主叫号码); the telephony side asks where a call goes; a shop reads its call records;
anyone with a key may ask whether a number is virtual."""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..appkeys import CONFIG, PRIVACY
from ..core.auth import authorize, bearer_token
from ..core.config import Role, ShopConfig
from ..core.config.shops import MAX_BINDING_TTL_S, hash_key
from ..core.errors import Forbidden, Unauthorized, Unavailable, ValidationFailed
from ..core.http import Identifier, json_response, read_model, validate_query
from ..core.phones import normalize_mobile
from .service import CHINA_TIME, Callers
from .store import Binding, CallRecord

routes = web.RouteTableDef()


# -- privacy numbers -------------------------------------------------------------------------------

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


# -- callers ---------------------------------------------------------------------------------------

PhoneText = Annotated[str, Field(min_length=1, max_length=40)]


class CallersIn(BaseModel):
    """One number, or a batch of up to 100."""

    model_config = ConfigDict(extra="forbid")

    number: PhoneText | None = None
    numbers: list[PhoneText] | None = Field(None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_form(self) -> CallersIn:
        if (self.number is None) == (self.numbers is None):
            raise ValueError("give exactly one of 'number' or 'numbers'")
        return self


def callers_json(callers: Callers) -> list[dict[str, str]]:
    """Every caller with where it comes from: ``main`` (the shop's main number, never removed),
    ``configured`` (listed in the shop file), ``added`` (by an admin over this API)."""
    return [
        {"number": callers.main, "kind": "main"},
        *({"number": number, "kind": "configured"} for number in callers.configured),
        *({"number": number, "kind": "added"} for number in callers.added),
    ]


def _shop(request: web.Request, roles: Collection[Role]) -> ShopConfig:
    shop, _ = authorize(
        request, request.app[CONFIG].current.shops, request.match_info["shop_id"], roles
    )
    return shop


@routes.get("/v1/shops/{shop_id}/callers")
async def list_callers(request: web.Request) -> web.Response:
    shop = _shop(request, {"shop", "admin"})
    return json_response({"callers": callers_json(await request.app[PRIVACY].callers(shop))})


@routes.post("/v1/shops/{shop_id}/callers")
async def add_callers(request: web.Request) -> web.Response:
    shop = _shop(request, {"admin"})
    body = await read_model(request, CallersIn)
    numbers = body.numbers if body.numbers is not None else [body.number or ""]
    privacy = request.app[PRIVACY]
    change = await privacy.add_callers(shop, numbers)
    return json_response(
        {
            "added": change.added,
            "already": change.already,
            "callers": callers_json(await privacy.callers(shop)),
        }
    )


@routes.delete("/v1/shops/{shop_id}/callers/{number}")
async def remove_caller(request: web.Request) -> web.Response:
    shop = _shop(request, {"admin"})
    privacy = request.app[PRIVACY]
    removed = await privacy.remove_caller(shop, request.match_info["number"])
    return json_response({"removed": removed, "callers": callers_json(await privacy.callers(shop))})


# -- calls -----------------------------------------------------------------------------------------


def is_telephony(request: web.Request, token: str) -> bool:
    expected = request.app[CONFIG].settings.telephony_key_sha256
    return expected is not None and hmac.compare_digest(hash_key(token), expected)


def require_telephony(request: web.Request) -> None:
    """401 for a missing or unknown key, 403 for a shop's key: only the platform routes calls."""
    if request.app[CONFIG].settings.telephony_key_sha256 is None:
        raise Unavailable(
            "call routing is not set up on this gateway: telephony_key_sha256 is not configured"
        )
    token = bearer_token(request)
    if is_telephony(request, token):
        return
    if request.app[CONFIG].current.shops.grant_for(token) is not None:
        raise Forbidden("a shop key cannot route calls; this needs the platform's telephony key")
    raise Unauthorized("unknown telephony key")


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    caller: str = Field(min_length=1, max_length=32)
    callee: str = Field(min_length=1, max_length=32)


@routes.post("/v1/calls/route")
async def route_call(request: web.Request) -> web.Response:
    require_telephony(request)
    body = await read_model(request, RouteIn)
    decision = await request.app[PRIVACY].route(body.caller, body.callee)
    if decision.action == "connect":
        return json_response({"action": "connect", "to": decision.to})
    return json_response({"action": "reject", "reason": decision.reason})


class CallsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = None
    until: str | None = None
    cursor: str | None = Field(None, pattern=r"^[0-9]{15}-[0-9a-f]{8}$")
    limit: int = Field(50, ge=1, le=200)


# A '+' of an unencoded offset arrives as a space (form encoding): "…T08:00:00 08:00".
_SPACED_OFFSET = re.compile(r" ([0-9]{2}:?[0-9]{2})$")


def parse_time(name: str, value: str | None) -> float | None:
    """Epoch seconds, or ISO 8601; without an offset, China time (UTC+8)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise ValidationFailed(f"{name}: must be a finite number of seconds")
        return seconds
    try:
        moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"+\1", text))
    except ValueError:
        raise ValidationFailed(
            f"{name}: expected epoch seconds or ISO 8601 such as 2025-06-01T08:00:00+08:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return moment.timestamp()


def record_json(record: CallRecord) -> dict[str, Any]:
    return {
        "id": record.record_id,
        "at": record.at_ms / 1000,
        "caller": record.caller,
        "virtual_number": record.number,
        "order_id": record.order_id,
        "conversation_id": record.conversation_id,
        "shopper": record.shopper_masked,
        "result": record.result,
        "reason": record.reason,
    }


@routes.get("/v1/shops/{shop_id}/calls")
async def list_calls(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "agent", "admin"},
    )
    query = validate_query(CallsQuery, dict(request.query))
    page = await request.app[PRIVACY].calls(
        shop,
        parse_time("since", query.since),
        parse_time("until", query.until),
        query.cursor,
        query.limit,
    )
    return json_response(
        {
            "calls": [record_json(record) for record in page.calls],
            "since": round(page.since, 3),
            "until": round(page.until, 3),
            "next_cursor": page.next_cursor,
        }
    )
