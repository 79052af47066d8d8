"""A shop's caller numbers (主叫号码): the phones whose calls to its privacy numbers connect."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..appkeys import CONFIG, PRIVACY
from ..core.auth import authorize
from ..core.config import Role, ShopConfig
from ..core.http import json_response, read_model
from ..privacy import Callers

routes = web.RouteTableDef()

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
