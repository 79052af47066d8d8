"""Calls through privacy numbers: the telephony side's routing question; a shop's call records."""

from __future__ import annotations

import hmac
import math
import re
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import CONFIG, PRIVACY
from ..core.auth import authorize, bearer_token
from ..core.config.shops import hash_key
from ..core.errors import Forbidden, Unauthorized, Unavailable, ValidationFailed
from ..core.http import json_response, read_model, validate_query
from ..privacy import CHINA_TIME
from ..stores.privacy_base import CallRecord

routes = web.RouteTableDef()


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
