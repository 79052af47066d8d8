"""Privacy numbers on Redis: issued numbers per second, then routing decisions per second.

    python -m bench.privacy_bench [--seconds 5] [--concurrency 64] [--pool 50000]
                                  [--redis redis://127.0.0.1:6379/10]

Loopback only, bounded in time. One gateway process on Redis, pinned to CPU 0 (one core, as the
targets in the issues are stated); this load generator on CPU 1. Issuing uses a distinct order per
request against a pool large enough not to run dry; routing mixes 80% calls that connect, 10% from
unregistered callers and 10% to numbers without a binding. The bench's own keys are deleted after.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
import yaml

from bench.loadgen import LoadResult
from bench.proxy_bench import REPO, cpu_seconds, free_port, pin, process

SHOP_KEY = "bench-privacy-shop-key"
TELEPHONY_KEY = "bench-telephony-key"
MAIN_CALLER = "13900000001"
STRANGER = "13700000000"

Body = Callable[[int, int], bytes]  # (worker, sequence) -> request body


@dataclass(frozen=True)
class Run:
    result: LoadResult
    statuses: Counter[int]
    cpu_us: float  # gateway CPU per request


def config_dir(root: Path, shop_id: str, pool: list[str]) -> Path:
    root = root / "config"
    (root / "shops").mkdir(parents=True)
    for shared in ("platforms", "lexicons"):  # every shop's answers are checked against them
        shutil.copytree(REPO / "config" / shared, root / shared)
    settings = {
        "demo_bot": False,
        "log_level": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        "privacy_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "telephony_key_sha256": hashlib.sha256(TELEPHONY_KEY.encode()).hexdigest(),
    }
    (root / "gateway.yaml").write_text(yaml.safe_dump(settings))
    shop = {
        "shop_id": shop_id,
        "platform": "jd",
        "upstream": {"url": "http://127.0.0.1:1/answer"},
        "api_keys": [{"id": "k", "sha256": hashlib.sha256(SHOP_KEY.encode()).hexdigest()}],
        "privacy": {"numbers": pool, "main_caller": MAIN_CALLER},
    }
    (root / "shops" / f"{shop_id}.yaml").write_text(yaml.safe_dump(shop))
    return root


async def _worker(
    index: int,
    port: int,
    path: str,
    key: str,
    body: Body,
    deadline: float,
    latencies: list[float],
    statuses: Counter[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sequence = 0
    try:
        while time.perf_counter() < deadline:
            payload = body(index, sequence)
            sequence += 1
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + payload)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[int(status_line.split()[1])] += 1
    finally:
        writer.close()


def load(
    port: int, pid: int, path: str, key: str, body: Body, seconds: float, concurrency: int
) -> Run:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def run() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _worker(i, port, path, key, body, deadline, latencies, statuses)
                for i in range(concurrency)
            )
        )
        return time.perf_counter() - started

    before = cpu_seconds(pid)
    elapsed = asyncio.run(run())
    used = cpu_seconds(pid) - before
    total = sum(statuses.values())
    result = LoadResult(total, 0, elapsed, latencies)
    return Run(result, statuses, used / max(total, 1) * 1e6)


def issue_body(run_id: str) -> Body:
    def body(worker: int, sequence: int) -> bytes:
        order = f"{run_id}-w{worker}-{sequence}"
        return json.dumps({"order_id": order, "shopper_phone": "13800138000"}).encode()

    return body


def route_body(bound: list[str], unbound: list[str]) -> Body:
    def body(worker: int, sequence: int) -> bytes:
        pick = (worker * 7919 + sequence) % 10
        if pick == 0:
            caller, callee = STRANGER, bound[sequence % len(bound)]
        elif pick == 1:
            caller, callee = MAIN_CALLER, unbound[sequence % len(unbound)]
        else:
            caller, callee = MAIN_CALLER, bound[(worker * 31 + sequence) % len(bound)]
        return json.dumps({"caller": caller, "callee": callee}).encode()

    return body


def bound_numbers(url: str, shop_id: str) -> list[str]:
    client = redis.Redis.from_url(url)
    try:
        members = client.zrange(f"gw:{{shop:{shop_id}}}:pv:exp:{shop_id}", 0, -1)
        return [m.decode() for m in members]
    finally:
        client.close()


def clean_up(url: str, shop_id: str, pool: list[str]) -> None:
    client = redis.Redis.from_url(url)
    try:
        names = list(client.scan_iter(match=f"gw:{{shop:{shop_id}}}:*", count=1000))
        if names:
            client.delete(*names)
        for start in range(0, len(pool), 5000):
            client.srem("gw:{privacy}:virtual", *pool[start : start + 5000])
    finally:
        client.close()


def report(name: str, run: Run, counted: int) -> None:
    result = run.result
    rate = counted / result.seconds
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(run.statuses.items()))
    print(
        f"{name:22} {rate:9.0f}/s   p50 {result.percentile(0.5):6.2f} ms   "
        f"p99 {result.percentile(0.99):6.2f} ms   cpu {run.cpu_us:5.0f} us/req   ({statuses})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured phase")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pool", type=int, default=50_000, help="virtual numbers in the pool")
    # Not db 9: the test suite flushes that one, and a run beside it would measure the flush.
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args()
    pin(1)
    run_id = secrets.token_hex(3)
    shop_id = f"pvbench-{run_id}"
    pool = [f"170{i:08d}" for i in range(args.pool)]
    port = free_port()
    issue_path = f"/v1/shops/{shop_id}/privacy-numbers"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = config_dir(Path(tmp), shop_id, pool)
            command = [sys.executable, "-m", "gateway", "serve", "--config", str(config)]
            command += ["--port", str(port)]
            env = {"GATEWAY_STORE_URL": args.redis}
            with process(command, port, cpu=0, env=env) as pid:
                # Warm-up: the first issue builds the pool's free list in Redis (once per pool).
                load(port, pid, issue_path, SHOP_KEY, issue_body("warm"), 1.0, args.concurrency)
                issued = load(
                    port,
                    pid,
                    issue_path,
                    SHOP_KEY,
                    issue_body(run_id),
                    args.seconds,
                    args.concurrency,
                )
                bound = bound_numbers(args.redis, shop_id)
                unbound = sorted(set(pool) - set(bound))[:1000] or ["17199999999"]
                body = route_body(bound, unbound)
                load(port, pid, "/v1/calls/route", TELEPHONY_KEY, body, 1.0, args.concurrency)
                routed = load(
                    port,
                    pid,
                    "/v1/calls/route",
                    TELEPHONY_KEY,
                    body,
                    args.seconds,
                    args.concurrency,
                )
    finally:
        with contextlib.suppress(redis.RedisError):
            clean_up(args.redis, shop_id, pool)

    print(
        f"Redis {args.redis}; pool of {args.pool} numbers; concurrency {args.concurrency}; "
        f"{args.seconds:.0f} s per phase after 1 s warm-up; gateway pinned to one core"
    )
    report("issued numbers", issued, issued.statuses[201])
    report("routing decisions", routed, routed.statuses[200])
    if issued.statuses[503] or routed.statuses[503]:
        print("note: 503s: the pool ran dry (use a larger --pool) or the store timed out")


if __name__ == "__main__":
    main()
