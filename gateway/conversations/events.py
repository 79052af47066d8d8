"""Long-poll wake-ups: a shopper's or agent's wait on a conversation ends when this process
writes to it."""

from __future__ import annotations

import asyncio
import contextlib


class ConversationEvents:
    """Wakes long polls waiting on a conversation when this process writes to it.

    Other processes' writes are seen by the waiters' periodic re-read, so a shopper never waits
    longer than one poll tick for a message written elsewhere.
    """

    def __init__(self) -> None:
        self._waiters: dict[tuple[str, str], set[asyncio.Event]] = {}

    def notify(self, shop_id: str, conversation_id: str) -> None:
        for waiter in self._waiters.get((shop_id, conversation_id), ()):
            waiter.set()

    async def wait(self, shop_id: str, conversation_id: str, timeout_s: float) -> None:
        key = (shop_id, conversation_id)
        waiter = asyncio.Event()
        self._waiters.setdefault(key, set()).add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout_s)
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]
