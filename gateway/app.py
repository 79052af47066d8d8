"""The aiohttp application: state under typed AppKeys, one cleanup context per resource."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping

import aiohttp
from aiohttp import web

from .appkeys import CHECKS, CONFIG, MESSAGES, STORE, Checks
from .checking import GuardrailsAnswerCheck
from .checks import PassThrough
from .config import ConfigHolder, LoadedConfig
from .messages import MessageService
from .middleware import error_middleware
from .routes import setup_routes
from .settings import GatewaySettings
from .stores import StoreBackend, open_backend
from .types import Clock
from .upstream import BotClient


def create_app(
    settings: GatewaySettings,
    config: LoadedConfig,
    environ: Mapping[str, str],
    *,
    clock: Clock = time.time,
    backend_factory: Callable[[GatewaySettings], StoreBackend] | None = None,
) -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_body_bytes)
    holder = app[CONFIG] = ConfigHolder(config, settings, environ)
    checks = app[CHECKS] = Checks(
        answer=GuardrailsAnswerCheck(lambda: holder.current.guardrails), message=PassThrough()
    )

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        backend = (backend_factory or (lambda s: open_backend(s, clock)))(settings)
        app[STORE] = backend
        yield
        await backend.aclose()

    async def upstream_ctx(app: web.Application) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=settings.upstream_max_connections, limit_per_host=0)
        # Per-request timeouts come from each shop's config; this one only caps the worst case.
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as session:
            app[MESSAGES] = MessageService(
                app[STORE].conversations, BotClient(session), checks.answer, checks.message, clock
            )
            yield

    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(upstream_ctx)
    setup_routes(app)
    return app
