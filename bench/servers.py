"""Processes the benchmarks drive: a stand-in bot and a bare aiohttp pass-through proxy.

Run as ``python -m bench.servers bot PORT`` or ``python -m bench.servers proxy PORT BOT_URL``.
"""

from __future__ import annotations

import os
import sys

import aiohttp
from aiohttp import web

ANSWER = '{"text": "亲，48小时内发货，发货后2-4天送达。"}'.encode()


async def bot_answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=ANSWER, content_type="application/json")


def bot_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/answer", bot_answer)
    app.router.add_post("/v1/shops/{shop}/messages", bot_answer)  # same path for direct runs
    return app


def proxy_app(bot_url: str) -> web.Application:
    """The baseline: forward the body to the bot over one shared ClientSession."""
    app = web.Application()
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def session_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256), timeout=aiohttp.ClientTimeout(total=10)
        ) as session:
            app[session_key] = session
            yield

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        async with request.app[session_key].post(
            bot_url, data=body, headers={"Content-Type": "application/json"}
        ) as upstream:
            answer = await upstream.read()
            return web.Response(
                body=answer, status=upstream.status, content_type="application/json"
            )

    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/v1/shops/{shop}/messages", forward)
    return app


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = bot_app() if kind == "bot" else proxy_app(sys.argv[3])
    loop = None
    if os.environ.get("BENCH_LOOP") == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
