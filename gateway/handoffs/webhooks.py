"""Telling agents' and shops' tools of events at once: ``handoff.created`` (and the compliance
domain's ``handoff.sla_warning``, ``compliance.warned``, ``compliance.suspended``) POSTed to a
webhook in the background, retried with doubling backoff (polling the queue works too)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from ..core.config import ShopConfig
from ..core.config.shops import WebhookConfig
from ..core.logging import event
from ..core.tasks import BackgroundTasks

log = logging.getLogger("gateway.handoff")


class WebhookNotifier:
    """POSTs events to a shop's webhook, retried with doubling backoff."""

    def __init__(self, session: aiohttp.ClientSession, tasks: BackgroundTasks) -> None:
        self._session = session
        self._tasks = tasks

    def handoff_created(self, shop: ShopConfig, ticket_id: str, conversation_id: str,
                        reasons: list[str], at: float) -> None:  # fmt: skip
        self.send(
            shop, shop.escalation.webhook,
            {"event": "handoff.created", "shop_id": shop.shop_id, "ticket_id": ticket_id,
             "conversation_id": conversation_id, "reasons": reasons, "created_at": at},
        )  # fmt: skip

    def send(self, shop: ShopConfig, webhook: WebhookConfig | None,
             body: Mapping[str, Any]) -> None:  # fmt: skip
        """POST ``body`` (its ``event`` names it) to ``webhook`` in the background; nothing
        when the shop has none."""
        if webhook is None:
            return
        ref = {"ticket": body["ticket_id"]} if "ticket_id" in body else {"event": body["event"]}
        self._tasks.start(self._deliver(shop.shop_id, webhook, orjson.dumps(body), ref))

    async def _deliver(
        self, shop_id: str, webhook: WebhookConfig, body: bytes, ref: dict[str, Any]
    ) -> None:
        timeout = aiohttp.ClientTimeout(total=webhook.timeout_s)
        delay = webhook.backoff_s
        for attempt in range(1, webhook.retries + 2):
            try:
                async with self._session.post(
                    str(webhook.url), data=body, timeout=timeout,
                    headers={"Content-Type": "application/json"},
                ) as response:  # fmt: skip
                    if response.status < 300:
                        event(log, "webhook.delivered", shop=shop_id, attempt=attempt, **ref)
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = type(exc).__name__
            event(log, "webhook.failed", logging.WARNING, **ref, shop=shop_id, attempt=attempt,
                  problem=problem, final=attempt > webhook.retries)  # fmt: skip
            if attempt <= webhook.retries:
                await asyncio.sleep(delay)
                delay *= 2
