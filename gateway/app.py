"""The aiohttp application: state under typed AppKeys, one cleanup context per resource, every
domain's routes, and liveness and readiness."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping

import aiohttp
from aiohttp import web

from .appkeys import (
    CHECKS,
    COMPLIANCE,
    CONFIG,
    EVENTS,
    FEEDBACK,
    HANDOFFS,
    MESSAGES,
    PRIVACY,
    STORE,
    WEBHOOKS,
)
from .backend import StoreBackend, open_backend
from .checks import Checks
from .compliance import routes as compliance_routes
from .compliance.service import ComplianceService
from .conversations import routes as conversation_routes
from .conversations.events import ConversationEvents
from .conversations.service import MessageService
from .conversations.upstream import BotClient
from .core.config import ConfigError, ConfigHolder, ExtraPhrases, GatewaySettings, LoadedConfig
from .core.errors import StoreUnavailable
from .core.http import json_response
from .core.looplag import LoopLagMonitor
from .core.middleware import error_middleware
from .core.tasks import BackgroundTasks
from .core.types import Clock
from .feedback import routes as feedback_routes
from .feedback.service import FeedbackService
from .handoffs import routes as handoff_routes
from .handoffs.service import HandoffService
from .handoffs.webhooks import WebhookNotifier
from .privacy import routes as privacy_routes
from .privacy.crypto import PhoneCipher
from .privacy.service import PrivacyService

# While the store cannot give the shops' feedback phrases at start-up, try again after this long,
# doubled after each failure up to the cap.
PHRASES_RETRY_S = 1.0
PHRASES_RETRY_MAX_S = 30.0


def create_app(
    settings: GatewaySettings,
    config: LoadedConfig,
    environ: Mapping[str, str],
    *,
    clock: Clock = time.time,
    backend_factory: Callable[[GatewaySettings], StoreBackend] | None = None,
) -> web.Application:
    cipher = privacy_cipher(settings, config)
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_body_bytes)

    async def feedback_phrases(shop_ids: Collection[str]) -> Mapping[str, ExtraPhrases]:
        return await app[FEEDBACK].phrases(shop_ids)

    holder = app[CONFIG] = ConfigHolder(config, settings, environ, feedback_phrases)
    checks = app[CHECKS] = Checks(lambda: holder.current.guardrails, lambda: holder.current.screen)

    events = app[EVENTS] = ConversationEvents()

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        backend = (backend_factory or (lambda s: open_backend(s, clock)))(settings)
        app[STORE] = backend
        app[PRIVACY] = PrivacyService(backend.privacy, lambda: holder.current.shops, cipher, clock)
        app[FEEDBACK] = FeedbackService(backend.feedback, checks, clock)
        # Its webhooks go out through the notifier the HTTP client context makes (before any
        # request or sweep can raise an event).
        app[COMPLIANCE] = ComplianceService(
            backend.compliance,
            backend.handoffs,
            lambda: holder.current.shops,
            lambda: holder.current.compliance,
            lambda shop, webhook, body: app[WEBHOOKS].send(shop, webhook, body),
            clock,
        )
        app[HANDOFFS] = HandoffService(
            backend.handoffs,
            lambda: holder.current.shops,
            checks,
            events,
            clock,
            compliance=app[COMPLIANCE],
        )
        yield
        await backend.aclose()

    async def phrases_ctx(app: web.Application) -> AsyncIterator[None]:
        # The shops' feedback phrases join the configuration once the store is open. A store
        # that does not answer yet must not stop start-up (/readyz says so): keep trying.
        retry: asyncio.Task[None] | None = None
        if not await holder.load_phrases():
            retry = asyncio.get_running_loop().create_task(_load_phrases_until_done(holder))
        yield
        if retry is not None:
            retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry

    async def upstream_ctx(app: web.Application) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=settings.upstream_max_connections, limit_per_host=0)
        tasks = BackgroundTasks()
        # Per-request timeouts come from each shop's config; this one only caps the worst case.
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as session:
            webhooks = app[WEBHOOKS] = WebhookNotifier(session, tasks)
            app[MESSAGES] = MessageService(
                app[STORE].conversations,
                app[STORE].handoffs,
                BotClient(session),
                checks,
                events,
                webhooks.handoff_created,
                clock,
                compliance=app[COMPLIANCE],
            )
            yield
            await tasks.aclose()

    async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
        # Every process sweeps; each expiry or requeue is one atomic step in the store.
        stop = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            app[HANDOFFS].run_sweeper(settings.handoff_sweep_interval_s, stop)
        )
        yield
        stop.set()
        try:
            await asyncio.wait_for(task, settings.store_timeout_s * 2 + 1)
        except TimeoutError:
            pass  # wait_for has cancelled it

    async def compliance_sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
        # Service-time warnings and missed answers; each warning is taken by one process.
        stop = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            app[COMPLIANCE].run_sweeper(settings.handoff_sweep_interval_s, stop)
        )
        yield
        stop.set()
        try:
            await asyncio.wait_for(task, settings.store_timeout_s * 2 + 1)
        except TimeoutError:
            pass  # wait_for has cancelled it

    async def loop_lag_ctx(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        monitor = LoopLagMonitor(settings.loop_lag_report_s)
        task = asyncio.get_running_loop().create_task(monitor.run(stop))
        yield
        stop.set()
        await task
        monitor.report()

    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(phrases_ctx)
    app.cleanup_ctx.append(upstream_ctx)
    if settings.handoff_sweep_interval_s > 0:
        app.cleanup_ctx.append(sweeper_ctx)
        app.cleanup_ctx.append(compliance_sweeper_ctx)
    if settings.loop_lag_report_s > 0:
        app.cleanup_ctx.append(loop_lag_ctx)
    app.add_routes(health)
    app.add_routes(conversation_routes.routes)
    app.add_routes(handoff_routes.routes)
    app.add_routes(privacy_routes.routes)
    app.add_routes(feedback_routes.routes)
    app.add_routes(compliance_routes.routes)
    return app


async def _load_phrases_until_done(holder: ConfigHolder) -> None:
    delay = PHRASES_RETRY_S
    while True:
        await asyncio.sleep(delay)
        if holder.phrases_loaded or await holder.load_phrases():  # a reload may have done it
            return
        delay = min(delay * 2, PHRASES_RETRY_MAX_S)


def privacy_cipher(settings: GatewaySettings, config: LoadedConfig) -> PhoneCipher | None:
    """The cipher for shoppers' numbers; a start-up error when shops need it and it has no key."""
    if settings.privacy_key is not None:
        return PhoneCipher.from_base64(settings.privacy_key.get_secret_value())
    users = sorted(shop.shop_id for shop in config.shops.shops.values() if shop.privacy)
    if users:
        raise ConfigError(
            f"privacy_key: shops {', '.join(users)} configure privacy numbers, whose shoppers' "
            "numbers are stored encrypted: set privacy_key in gateway.yaml or GATEWAY_PRIVACY_KEY "
            "to the base64 of 32 random bytes (head -c 32 /dev/urandom | base64)"
        )
    return None


health = web.RouteTableDef()


@health.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@health.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    holder = request.app[CONFIG]
    try:
        await request.app[STORE].ping()
    except StoreUnavailable as exc:
        return json_response(
            {"status": "unavailable", "store": "unreachable", "detail": exc.message}, status=503
        )
    if not holder.phrases_loaded:
        # Serving now would check answers without the shops' feedback phrases.
        return json_response(
            {"status": "unavailable", "store": "ok", "feedback_phrases": "not_loaded"}, status=503
        )
    shops = len(holder.current.shops.shops)
    return json_response({"status": "ready", "store": "ok", "shops": shops})
