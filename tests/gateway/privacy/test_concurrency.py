"""1,000 simultaneous issue requests on two real gateway processes sharing one Redis."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from gateway.privacy.redis import pool_keys
from gateway.privacy.store import PoolRef
from tests.conftest import REPO
from tests.gateway.conftest import DEAD_BOT_URL, sha, shop_doc, write_config
from tests.gateway.privacy.conftest import PRIVACY_KEY, TELEPHONY_KEY

KEY = "concurrency-shop-key"
POOL = [f"170{i:08d}" for i in range(200)]
REQUESTS = 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gateways(config: Path, redis_url: str, count: int, logs: Path) -> Iterator[list[str]]:
    """``count`` real ``python -m gateway serve`` processes on free ports, all on ``redis_url``."""
    env = {**os.environ, "GATEWAY_STORE_URL": redis_url}
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for index in range(count):
            port = _free_port()
            log = (logs / f"gateway-{index}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gateway", "serve", "--config", str(config)]
                    + ["--port", str(port)],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 20
        for process, base in zip(processes, bases, strict=True):
            port = int(base.rsplit(":", 1)[1])
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        output = "".join(p.read_text() for p in logs.glob("*.log"))
                        pytest.fail(f"gateway did not start: {output}")
                    time.sleep(0.05)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
async def test_1000_simultaneous_issues_on_200_numbers_bind_each_once(
    tmp_path: Path, redis_url: str
) -> None:
    shop = shop_doc("busy", DEAD_BOT_URL, KEY)
    shop["privacy"] = {"numbers": POOL, "main_caller": "13900000001"}
    config = write_config(
        tmp_path / "config",
        [shop],
        privacy_key=PRIVACY_KEY,
        telephony_key_sha256=sha(TELEPHONY_KEY),
        log_level="WARNING",
    )
    started = time.monotonic()
    with gateways(config, redis_url, 2, tmp_path) as bases:
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def issue(index: int) -> tuple[int, str | None, Any]:
                async with session.post(
                    f"{bases[index % 2]}/v1/shops/busy/privacy-numbers",
                    json={"order_id": f"order-{index}", "shopper_phone": "13800138000"},
                    headers={"Authorization": f"Bearer {KEY}"},
                ) as response:
                    return (
                        response.status,
                        response.headers.get("Retry-After"),
                        await response.json(),
                    )

            results = await asyncio.gather(*(issue(i) for i in range(REQUESTS)))

    statuses = [status for status, _, _ in results]
    assert statuses.count(201) == 200 and statuses.count(503) == 800, sorted(set(statuses))
    numbers = [body["virtual_number"] for status, _, body in results if status == 201]
    assert len(set(numbers)) == 200 and set(numbers) == set(POOL)
    for status, retry_after, body in results:
        if status == 503:
            assert body["error"]["code"] == "privacy_numbers_exhausted"
            # Counted from the refused request's clock reading, which may precede the binding's
            # own by the wait for a store connection (at most store_timeout_s, 2 s), rounded up.
            assert retry_after is not None and 86_000 < int(retry_after) <= 86_403
    client = aioredis.Redis.from_url(redis_url)
    try:
        exp_key = pool_keys(PoolRef("busy", "busy", tuple(POOL)), "busy")[3]
        assert await client.zcard(exp_key) == 200
    finally:
        await client.aclose()
    assert time.monotonic() - started < 60
