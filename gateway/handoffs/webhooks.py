"""Telling agents' tools of a new ticket at once: ``handoff.created`` POSTed to the shop's webhook
in the background, retried with doubling backoff (polling the queue works too)."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import orjson

from ..core.config import ShopConfig
from ..core.logging import event
from ..core.tasks import BackgroundTasks

log = logging.getLogger("gateway.handoff")


class WebhookNotifier:
    """POSTs ``handoff.created`` to the shop's webhook, retried with doubling backoff."""

    def __init__(self, session: aiohttp.ClientSession, tasks: BackgroundTasks) -> None:
        self._session = session
        self._tasks = tasks

    def handoff_created(self, shop: ShopConfig, ticket_id: str, conversation_id: str,
                        reasons: list[str], at: float) -> None:  # fmt: skip
        webhook = shop.escalation.webhook
        if webhook is None:
            return
        body = orjson.dumps(
            {"event": "handoff.created", "shop_id": shop.shop_id, "ticket_id": ticket_id,
             "conversation_id": conversation_id, "reasons": reasons, "created_at": at}
        )  # fmt: skip
        self._tasks.start(self._deliver(shop, ticket_id, body))

    async def _deliver(self, shop: ShopConfig, ticket_id: str, body: bytes) -> None:
        webhook = shop.escalation.webhook
        assert webhook is not None
        timeout = aiohttp.ClientTimeout(total=webhook.timeout_s)
        delay = webhook.backoff_s
        for attempt in range(1, webhook.retries + 2):
            try:
                async with self._session.post(
                    str(webhook.url), data=body, timeout=timeout,
                    headers={"Content-Type": "application/json"},
                ) as response:  # fmt: skip
                    if response.status < 300:
                        event(log, "webhook.delivered", shop=shop.shop_id, ticket=ticket_id,
                              attempt=attempt)  # fmt: skip
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = type(exc).__name__
            event(log, "webhook.failed", logging.WARNING, shop=shop.shop_id, ticket=ticket_id,
                  attempt=attempt, problem=problem, final=attempt > webhook.retries)  # fmt: skip
            if attempt <= webhook.retries:
                await asyncio.sleep(delay)
                delay *= 2
