"""HTTP routes: thin handlers, one module per resource."""

from __future__ import annotations

from aiohttp import web

from ..privacy import routes as privacy
from . import checks, handoffs, health, messages


def setup_routes(app: web.Application) -> None:
    app.add_routes(health.routes)
    app.add_routes(messages.routes)
    app.add_routes(checks.routes)
    app.add_routes(handoffs.routes)
    app.add_routes(privacy.routes)
