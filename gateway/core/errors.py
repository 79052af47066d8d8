"""The gateway's error tree; the error middleware turns each into ``{"error": {code, message}}``.

GatewayError (500 internal)
├── BadRequest (400 bad_request)
│   ├── InvalidJSON (400 invalid_json)
│   └── ValidationFailed (400 validation_failed)
├── PayloadTooLarge (413 payload_too_large)
├── Unauthorized (401 unauthorized)
├── Forbidden (403 forbidden)
├── NotFound (404 not_found)
│   ├── UnknownShop (404 unknown_shop)
│   ├── UnknownTicket (404 unknown_ticket; gateway.handoffs.service)
│   ├── NoSuchTicket (404 unknown_ticket, a rating's ticket; gateway.compliance.service)
│   └── PrivacyNotConfigured (404 privacy_not_configured; gateway.privacy.service)
├── Conflict (409 conflict)
│   ├── TicketConflict (409 conflict, the ticket's state in details; gateway.handoffs.service)
│   ├── RatingRefused (409 conflict: not resolved, or rated already; gateway.compliance.service)
│   └── SatisfactionTooLow (409 satisfaction_below_threshold, the figures in details;
│       gateway.compliance.service)
├── ReplyBlocked (422 reply_blocked, the findings in details; gateway.handoffs.service)
├── ConfigError (500 config_error; raised at start-up and reload, never from a request)
└── Unavailable (503 unavailable)
    ├── StoreUnavailable (503 store_unavailable)
    └── NumbersExhausted (503 privacy_numbers_exhausted, Retry-After; gateway.privacy.service)

Upstream (bot) faults are not errors of the request: they end in a holding reply and a handoff, so
they live in ``gateway.conversations.upstream`` as ``UpstreamError``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class GatewayError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(GatewayError):
    status = 400
    code = "bad_request"


class InvalidJSON(BadRequest):
    code = "invalid_json"


class ValidationFailed(BadRequest):
    code = "validation_failed"


class PayloadTooLarge(GatewayError):
    status = 413
    code = "payload_too_large"


class Unauthorized(GatewayError):
    status = 401
    code = "unauthorized"


class Forbidden(GatewayError):
    status = 403
    code = "forbidden"


class NotFound(GatewayError):
    status = 404
    code = "not_found"


class UnknownShop(NotFound):
    code = "unknown_shop"


class Conflict(GatewayError):
    status = 409
    code = "conflict"


class ConfigError(GatewayError):
    code = "config_error"


class Unavailable(GatewayError):
    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after_s: int | None = None, details: Any = None):
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class StoreUnavailable(Unavailable):
    code = "store_unavailable"
