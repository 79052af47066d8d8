"""The client for shops' bots: one pooled ClientSession, per-shop timeouts, retries, typed errors.

UpstreamError
├── UpstreamTimeout        the bot did not answer within the shop's timeout
├── UpstreamUnreachable    connection refused / reset / DNS
├── UpstreamStatus         the bot answered an HTTP error status
└── UpstreamBadAnswer      the bot answered 2xx but not ``{"text": "<non-empty string>"}``
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
import orjson

from ..core.config.shops import UpstreamConfig
from ..core.logging import event

log = logging.getLogger("gateway.upstream")

MAX_ANSWER_BYTES = 256 * 1024
MAX_ANSWER_CHARS = 4000


class UpstreamError(Exception):
    reason: ClassVar[str] = "upstream_error"

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class UpstreamTimeout(UpstreamError):
    reason = "bot_timeout"


class UpstreamUnreachable(UpstreamError):
    reason = "bot_unreachable"


class UpstreamStatus(UpstreamError):
    reason = "bot_http_error"


class UpstreamBadAnswer(UpstreamError):
    reason = "bot_bad_answer"


@dataclass(frozen=True, slots=True)
class BotRequest:
    shop_id: str
    conversation_id: str
    shopper_id: str
    message_id: str
    text: str

    def payload(self) -> dict[str, str]:
        return {
            "shop_id": self.shop_id,
            "conversation_id": self.conversation_id,
            "shopper_id": self.shopper_id,
            "message_id": self.message_id,
            "text": self.text,
        }

    def encoded(self) -> bytes:
        return orjson.dumps(self.payload())


@dataclass(frozen=True, slots=True)
class BotAnswer:
    text: str
    status: int
    latency_ms: float
    attempts: int


def _parse_answer(body: bytes) -> str:
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UpstreamBadAnswer("the bot's answer is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise UpstreamBadAnswer('the bot\'s answer is not {"text": "..."}')
    text: str = data["text"]
    if not text.strip():
        raise UpstreamBadAnswer("the bot's answer text is empty")
    if len(text) > MAX_ANSWER_CHARS:
        raise UpstreamBadAnswer(f"the bot's answer is longer than {MAX_ANSWER_CHARS} characters")
    return text


_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@functools.lru_cache(maxsize=256)
def _timeout(upstream: UpstreamConfig) -> aiohttp.ClientTimeout:
    # Shop configs are frozen (hashable) and replaced whole on reload, so this stays correct.
    return aiohttp.ClientTimeout(total=upstream.timeout_s)


class BotClient:
    """Calls a shop's bot. Retries transient faults (timeouts, refused connections, 5xx) only."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def ask(self, upstream: UpstreamConfig, request: BotRequest) -> BotAnswer:
        started = time.perf_counter()
        attempts = upstream.retries + 1
        body = request.encoded()
        for attempt in range(1, attempts + 1):
            try:
                status, text = await self._attempt(upstream, body)
            except UpstreamBadAnswer as exc:
                exc.attempts = attempt
                raise
            except UpstreamError as exc:
                exc.attempts = attempt
                if attempt == attempts:
                    raise
                event(
                    log,
                    "upstream.retry",
                    shop=request.shop_id,
                    reason=exc.reason,
                    attempt=attempt,
                    status=exc.status,
                )
                await asyncio.sleep(upstream.retry_backoff_s * attempt)
                continue
            latency_ms = (time.perf_counter() - started) * 1000
            return BotAnswer(text=text, status=status, latency_ms=latency_ms, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, upstream: UpstreamConfig, body: bytes) -> tuple[int, str]:
        try:
            async with self._session.post(
                str(upstream.url), data=body, headers=_JSON_HEADERS, timeout=_timeout(upstream)
            ) as response:
                if response.status >= 500:
                    raise UpstreamStatus(
                        f"the bot answered HTTP {response.status}", status=response.status
                    )
                if response.status >= 300:
                    # A 4xx means the bot rejects this request; retrying would get the same.
                    raise UpstreamBadAnswer(
                        f"the bot answered HTTP {response.status}", status=response.status
                    )
                body = await response.content.read(MAX_ANSWER_BYTES + 1)
                if len(body) > MAX_ANSWER_BYTES:
                    raise UpstreamBadAnswer("the bot's answer is too large", status=response.status)
                try:
                    return response.status, _parse_answer(body)
                except UpstreamBadAnswer as exc:
                    exc.status = response.status
                    raise
        except TimeoutError as exc:
            raise UpstreamTimeout(f"the bot did not answer within {upstream.timeout_s}s") from exc
        except aiohttp.ClientConnectionError as exc:
            raise UpstreamUnreachable(f"cannot reach the bot: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable(f"the bot call failed: {type(exc).__name__}") from exc
