"""The Redis connection every Redis store shares: the pooled client, its Lua scripts, the key
prefix, and redis-py's errors translated into the gateway's.

Every key of a shop carries the hash tag ``{shop:ID}`` (``shop_tag``) so that, on a Redis Cluster,
all of one shop's keys live in one slot and its Lua scripts may touch several of them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from importlib import resources
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .errors import StoreUnavailable

T = TypeVar("T")

PREFIX = "gw"


def shop_tag(shop_id: str) -> str:
    return f"{PREFIX}:{{shop:{shop_id}}}"


def connect(url: str, *, max_connections: int, timeout_s: float) -> Redis:
    """One client with an explicitly sized, blocking connection pool for the whole process."""
    # redis-py's default pool raises MaxConnectionsError when exhausted; a blocking pool makes a
    # burst wait (bounded by timeout_s) instead of failing requests.
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
    )
    return aioredis.Redis(connection_pool=pool)


def load_script(client: Redis, package: str, name: str) -> AsyncScript:
    """The script ``lua/<name>.lua`` of a domain package (``gateway.conversations``, …)."""
    source = resources.files(package).joinpath(f"lua/{name}.lua").read_text("utf-8")
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
