"""Event-loop lag of the gateway under load, with shopper sentiment on and off.

    python -m bench.loop_lag_bench [--seconds 8] [--rates 300,600] [--concurrency 16,64]

The gateway's own LoopLagMonitor (gateway/looplag.py) reports ``loop.lag`` every second
(GATEWAY_LOOP_LAG_REPORT_S=1): the p50, p99 and maximum time, in each window, that a callback
made ready waits for the loop to come back to it. The bench reads those events from the
gateway's log for each load phase:

- paced load at each of ``--rates`` requests per second (open loop: requests arrive at a steady
  rate whether or not the last ones are done, as shoppers' messages do);
- closed-loop load at each of ``--concurrency`` (each connection sends again as soon as it has
  its answer: the gateway is saturated, so every loop pass has many requests' work in it).

Every message is distinct (two labelled shopper messages joined), so the score cache never
helps: every request pays a cold sentiment score. The gateway is pinned to CPU 0, the stand-in
bot and the load generator to CPU 1. "sentiment off" is the same shop with the negative and
conversation triggers off, so no message is scored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from bench.loadgen import LoadResult, run_load
from bench.proxy_bench import (
    KEY,
    check_route,
    free_port,
    gateway_command,
    gateway_config,
    pin,
    process,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
PATH = "/v1/shops/bench/messages"


def distinct_texts(count: int, seed: int = 22) -> list[str]:
    rows = [
        json.loads(line)
        for path in sorted((DATA / "shoppers").glob("legacy_*_messages.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]
    texts = [row["text"] for row in rows]
    rng = random.Random(seed)
    joined = {f"{rng.choice(texts)} {rng.choice(texts)}" for _ in range(count * 2)}
    return sorted(joined)[:count]


@contextlib.contextmanager
def gateway(config: Path, log: Path) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "GATEWAY_LOOP_LAG_REPORT_S": "1", "GATEWAY_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            gateway_command(config, port),
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: pin(0),
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    check_route(port)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the gateway did not start; see {log}") from None
                    time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def lag_events(log: Path, skip: int) -> list[dict[str, float]]:
    events = []
    for line in log.read_text("utf-8", errors="replace").splitlines()[skip:]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "loop.lag":
            events.append(record)
    return events


def line_count(log: Path) -> int:
    return len(log.read_text("utf-8", errors="replace").splitlines())


def phase(
    port: int, log: Path, texts: list[str], seconds: float, concurrency: int, rate: float
) -> tuple[LoadResult, list[dict[str, float]]]:
    before = line_count(log)
    result = asyncio.run(
        run_load(
            "127.0.0.1",
            port,
            PATH,
            KEY,
            concurrency=concurrency,
            seconds=seconds,
            texts=texts,
            fresh_conversations=True,
            rate=rate,
        )
    )
    time.sleep(1.2)  # the window that was open when the load stopped is reported
    events = lag_events(log, before)
    return result, events[1:-1] or events  # drop the windows the load only partly covered


def summary(events: list[dict[str, float]]) -> str:
    if not events:
        return "no loop.lag events"
    p99s = sorted(e["p99_ms"] for e in events)
    return (
        f"p99 median {p99s[len(p99s) // 2]:6.2f}  p99 worst {p99s[-1]:6.2f}  "
        f"max {max(e['max_ms'] for e in events):6.2f}  windows {len(events)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rates", default="300,600")
    parser.add_argument("--concurrency", default="16,64")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    levels = [int(c) for c in args.concurrency.split(",") if c]
    pin(1)
    texts = distinct_texts(30000)
    bot_port = free_port()
    bot_url = f"http://127.0.0.1:{bot_port}/answer"
    print(
        f"{len(texts)} distinct messages, mean {sum(map(len, texts)) / len(texts):.0f} characters"
    )
    print(f"{'sentiment':10} {'load':22} {'req/s':>7} {'p99 ms':>7}   loop lag, ms, per 1 s window")
    with contextlib.ExitStack() as stack:
        python = sys.executable
        stack.enter_context(
            process([python, "-m", "bench.servers", "bot", str(bot_port)], bot_port, cpu=1)
        )
        root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for sentiment in (True, False):
            config = gateway_config(root / ("on" if sentiment else "off"), bot_url)
            shop_file = config / "shops" / "bench.yaml"
            shop = yaml.safe_load(shop_file.read_text())
            shop["escalation"].update(negative=sentiment, conversation=sentiment)
            shop_file.write_text(yaml.safe_dump(shop))
            log = root / f"gateway-{'on' if sentiment else 'off'}.log"
            with gateway(config, log) as port:
                phase(port, log, texts, 1.0, 8, 0)  # warm-up
                loads = [(f"paced {rate:.0f} req/s", 16, rate) for rate in rates]
                loads += [(f"closed, concurrency {c}", c, 0.0) for c in levels]
                for name, concurrency, rate in loads:
                    random.Random(len(name)).shuffle(texts)
                    result, events = phase(port, log, texts, args.seconds, concurrency, rate)
                    print(
                        f"{'on' if sentiment else 'off':10} {name:22} {result.rps:7.0f} "
                        f"{result.percentile(0.99):7.2f}   {summary(events)}"
                    )


if __name__ == "__main__":
    main()
