"""The one error middleware: every failure leaves as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from .errors import GatewayError, Unavailable
from .http import json_response
from .logging import event

log = logging.getLogger("gateway.http")


def error_response(status: int, code: str, message: str, **extra: object) -> web.Response:
    error: dict[str, object] = {"code": code, "message": message, **extra}
    return json_response({"error": error}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GatewayError as exc:
        response = json_response(exc.body(), status=exc.status)
        if isinstance(exc, Unavailable) and exc.retry_after_s is not None:
            response.headers["Retry-After"] = str(exc.retry_after_s)
        if exc.status >= 500:
            event(
                log,
                "http.error",
                logging.WARNING,
                code=exc.code,
                path=request.path,
                detail=exc.message,
            )
        return response
    except web.HTTPException as exc:
        if exc.empty_body or exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        response = error_response(exc.status, code, message)
        for name in ("Allow", "Retry-After"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        log.exception("http.unhandled", extra={"fields": {"path": request.path}})
        return error_response(500, "internal", "internal error; see the gateway's log")
