"""The compliance API: the shop's standing (points, sanctions, bot mode, satisfaction, service
times), its ledger, switching bot mode, shoppers' ratings and the platform's satisfaction
figure."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..appkeys import COMPLIANCE, CONFIG
from ..core.auth import authorize
from ..core.config import KeyGrant, Role, ShopConfig
from ..core.errors import ValidationFailed
from ..core.http import Identifier, describe, json_response, read_model, validate_query
from .service import Report, ServiceFigures, satisfaction_json
from .store import ENTRY_ID_DIGITS, BotMode, BotModeChange, LedgerEntry, ModeTotals, WindowTotals

routes = web.RouteTableDef()
BASE = "/v1/shops/{shop_id}"
QUALITY_START = 100


class BotModeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    reason: str = Field(min_length=1, max_length=500)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    ticket_id: Identifier | None = None


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float | None = Field(ge=0, le=1)


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, pattern=rf"^[0-9]{{{ENTRY_ID_DIGITS}}}$")


class ConversationPath(BaseModel):
    conversation_id: Identifier


def _shop(request: web.Request, roles: set[Role]) -> tuple[ShopConfig, KeyGrant]:
    return authorize(
        request, request.app[CONFIG].current.shops, request.match_info["shop_id"], roles
    )


def bot_mode_json(mode: BotMode) -> dict[str, Any]:
    return {
        "enabled": mode.enabled,
        "state": mode.state,
        "since": mode.since,
        "by": mode.by,
        "reason": mode.reason,
    }


def change_json(change: BotModeChange) -> dict[str, Any]:
    return {"at": change.at, "enabled": change.enabled, "by": change.by, "reason": change.reason}


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.entry_id,
        "at": entry.at,
        "mode": entry.mode,
        "author": entry.author,
        "action": entry.action,
        "ref": entry.ref,
        "text_hash": entry.text_hash,
        "points": entry.points,
        "deduction": entry.deduction,
        "violations": [
            {
                "category": v.category,
                "severity": v.severity.label,
                "points": v.points,
                "findings": v.findings,
                "rules": list(v.rules),
                "evidence": list(v.evidence),
            }
            for v in entry.violations
        ],
    }


def window_json(totals: WindowTotals) -> dict[str, Any]:
    def tallies(found: dict[str, Any]) -> dict[str, Any]:
        return {
            name: {"points": t.points, "texts": t.texts, "findings": t.findings}
            for name, t in sorted(found.items())
        }

    return {
        "entries": totals.entries,
        "points": totals.points,
        "quality_deduction": totals.deduction,
        "categories": tallies(totals.categories),
        "authors": tallies(totals.authors),
    }


def service_json(found: ServiceFigures) -> dict[str, Any]:
    return {
        "tickets": found.tickets,
        "first_replies": found.first_replies,
        "first_reply_p50_s": found.first_reply_p50_s,
        "first_reply_p90_s": found.first_reply_p90_s,
        "first_reply_within_target": found.first_reply_within_target,
        "answered_within_window": found.answered_within_window,
        "missed": found.missed,
        "share_within_window": found.share_within_window,
        "waiting": found.waiting,
    }


def _level(totals: ModeTotals, warn_at: int, suspended: bool) -> str:
    if suspended:
        return "suspended"
    return "warned" if totals.sanction_points >= warn_at else "clean"


def report_json(shop: ShopConfig, report: Report) -> dict[str, Any]:
    policy, standing, totals = report.policy, report.standing, report.totals
    enforce, monitor = totals["enforce"], totals["monitor"]
    mode = standing.bot_mode
    quality = {
        name: max(
            0,
            QUALITY_START - enforce.windows[name].deduction - monitor.windows[name].deduction,
        )
        for name in enforce.windows
    }
    return {
        "shop_id": shop.shop_id,
        "platform": shop.platform,
        "at": report.at,
        "mode": policy.mode,
        "bot_mode": {
            **bot_mode_json(mode),
            "history": [change_json(change) for change in report.history],
        },
        "sanctions": {
            "level": _level(enforce, policy.warn_at, mode.state == "suspended"),
            "points": enforce.sanction_points,
            "warn_at": policy.warn_at,
            "suspend_at": policy.suspend_at,
            "counting_since": standing.reset_at,
            "warned_at": enforce.warned_at,
        },
        "monitor": {
            "would_be": _level(monitor, policy.warn_at, monitor.suspended_at is not None),
            "points": monitor.sanction_points,
            "warned_at": monitor.warned_at,
            "suspended_at": monitor.suspended_at,
        },
        "ledger": {
            name: {window: window_json(t) for window, t in found.windows.items()}
            for name, found in totals.items()
        },
        "quality_score": quality,
        "recent": [entry_json(entry) for entry in report.recent],
        "satisfaction": satisfaction_json(report.satisfaction),
        "service_time": {
            "first_reply_target_s": policy.first_reply_s,
            "answer_window_s": policy.answer_window_s,
            **{name: service_json(found) for name, found in report.service.items()},
        },
    }


@routes.get(BASE + "/compliance")
async def standing(request: web.Request) -> web.Response:
    shop, _ = _shop(request, {"admin", "shop"})
    report = await request.app[COMPLIANCE].report(shop)
    return json_response(report_json(shop, report))


@routes.get(BASE + "/compliance/ledger")
async def ledger(request: web.Request) -> web.Response:
    """Newest first; pass ``next_cursor`` as ``cursor`` for the next page."""
    shop, _ = _shop(request, {"admin", "shop"})
    query = validate_query(LedgerQuery, dict(request.query))
    entries = await request.app[COMPLIANCE].entries(shop, query.cursor, query.limit + 1)
    page = entries[: query.limit]
    more = len(entries) > query.limit
    return json_response(
        {
            "shop_id": shop.shop_id,
            "entries": [entry_json(entry) for entry in page],
            "next_cursor": page[-1].entry_id if more else None,
        }
    )


@routes.post(BASE + "/bot-mode")
async def set_bot_mode(request: web.Request) -> web.Response:
    shop, grant = _shop(request, {"admin"})
    body = await read_model(request, BotModeIn)
    result = await request.app[COMPLIANCE].set_bot_mode(
        shop, body.enabled, grant.key_id, body.reason.strip() or body.reason
    )
    return json_response({"bot_mode": bot_mode_json(result.mode), "changed": result.changed})


@routes.post(BASE + "/conversations/{conversation_id}/rating")
async def rate(request: web.Request) -> web.Response:
    shop, _ = _shop(request, {"shop"})
    try:
        path = ConversationPath.model_validate(
            {"conversation_id": request.match_info["conversation_id"]}
        )
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid conversation id in the path", details=describe(exc)
        ) from exc
    body = await read_model(request, RatingIn)
    rating = await request.app[COMPLIANCE].rate(
        shop, path.conversation_id, body.ticket_id, body.score
    )
    return json_response(
        {
            "conversation_id": path.conversation_id,
            "ticket_id": rating.ticket_id,
            "score": rating.score,
            "satisfied": rating.satisfied,
            "at": rating.at,
        },
        status=201,
    )


@routes.put(BASE + "/satisfaction")
async def set_satisfaction(request: web.Request) -> web.Response:
    """The platform's own figure for the shop (0..1), which wins over ratings; null clears it."""
    shop, grant = _shop(request, {"admin"})
    body = await read_model(request, SatisfactionIn)
    found = await request.app[COMPLIANCE].set_platform_satisfaction(shop, body.rate, grant.key_id)
    return json_response(satisfaction_json(found))
