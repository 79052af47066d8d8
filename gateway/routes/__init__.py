"""HTTP routes: thin handlers, one module per resource."""

from __future__ import annotations

from aiohttp import web

from . import callers, calls, checks, handoffs, health, messages, privacy_numbers


def setup_routes(app: web.Application) -> None:
    app.add_routes(health.routes)
    app.add_routes(messages.routes)
    app.add_routes(checks.routes)
    app.add_routes(handoffs.routes)
    app.add_routes(privacy_numbers.routes)
    app.add_routes(callers.routes)
    app.add_routes(calls.routes)
