"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from ..appkeys import CONFIG, STORE
from ..core.errors import StoreUnavailable
from ..core.http import json_response

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    config = request.app[CONFIG].current
    try:
        await request.app[STORE].ping()
    except StoreUnavailable as exc:
        return json_response(
            {"status": "unavailable", "store": "unreachable", "detail": exc.message}, status=503
        )
    return json_response({"status": "ready", "store": "ok", "shops": len(config.shops.shops)})
