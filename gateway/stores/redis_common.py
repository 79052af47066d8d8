"""What every Redis store shares: loading its Lua scripts and translating redis-py's errors."""

from __future__ import annotations

from collections.abc import Awaitable
from importlib import resources
from typing import Any, TypeVar

from redis.asyncio.client import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..core.errors import StoreUnavailable

T = TypeVar("T")


def load_script(client: Redis, name: str) -> AsyncScript:
    source = resources.files("gateway.stores").joinpath(f"lua/{name}.lua").read_text("utf-8")
    return client.register_script(source)


async def guard(call: Awaitable[T]) -> T:
    """Translate redis-py's errors into the gateway's, so handlers see one error tree."""
    try:
        return await call
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise StoreUnavailable("the store (Redis) is not reachable") from exc
    except RedisError as exc:
        raise StoreUnavailable(f"the store (Redis) failed: {type(exc).__name__}") from exc


def text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
