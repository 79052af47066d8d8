"""HTTP routes: thin handlers, one module per resource."""

from __future__ import annotations

from aiohttp import web

from . import checks, health, messages


def setup_routes(app: web.Application) -> None:
    app.add_routes(health.routes)
    app.add_routes(messages.routes)
    app.add_routes(checks.routes)
