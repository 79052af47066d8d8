"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams (keep-alive, no pipelining).

It is cheaper per request than an aiohttp client, so on a 2-core machine more of the CPU goes to
the server being measured. Every request body is distinct (conversation ids rotate), as in real use.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _request_bytes(host: str, port: int, path: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _worker(
    run: str,
    index: int,
    host: str,
    port: int,
    path: str,
    key: str,
    deadline: float,
    latencies: list[float],
    counters: list[int],
    texts: list[str],
    fresh_conversations: bool,
    interval_s: float,
    phase: float,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    # Paced workers start spread over one interval, so the requests do not arrive in waves.
    next_send = time.perf_counter() + interval_s * phase
    try:
        while time.perf_counter() < deadline:
            if interval_s:
                delay = next_send - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_send = max(next_send + interval_s, time.perf_counter())
            conversation = sent if fresh_conversations else sent % 50
            body = json.dumps(
                {
                    "conversation_id": f"{run}-w{index}-c{conversation}",
                    "shopper_id": f"u{index}",
                    # Workers start at different places: no two send the same text at once.
                    "text": texts[(sent + index * 7919) % len(texts)],
                },
                ensure_ascii=False,
            ).encode()
            sent += 1
            started = time.perf_counter()
            writer.write(_request_bytes(host, port, path, key, body))
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
            if b" 200 " in status_line:
                counters[0] += 1
            else:
                counters[1] += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    path: str,
    key: str,
    *,
    concurrency: int,
    seconds: float,
    texts: list[str],
    fresh_conversations: bool = False,
    rate: float = 0.0,
) -> LoadResult:
    """Closed loop (each worker sends as soon as its last answer is in), or, with ``rate``, paced
    at about ``rate`` requests per second in all (each worker at rate / concurrency)."""
    latencies: list[float] = []
    counters = [0, 0]
    # Fresh conversations for every run: a store that outlives the run (Redis) must not hand the
    # next run conversations left in another state (owned by a human, say).
    run = secrets.token_hex(4)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _worker(
                run,
                i,
                host,
                port,
                path,
                key,
                deadline,
                latencies,
                counters,
                texts,
                fresh_conversations,
                concurrency / rate if rate else 0.0,
                i / concurrency,
            )
            for i in range(concurrency)
        )
    )
    return LoadResult(counters[0], counters[1], time.perf_counter() - started, latencies)
