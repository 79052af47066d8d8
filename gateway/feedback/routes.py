"""The feedback API (admin keys): record a correction of the outgoing filter, list the shop's
corrections with the phrases from them now in force."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..appkeys import CONFIG, FEEDBACK
from ..checks import finding_summary
from ..core.auth import authorize
from ..core.config import ExtraPhrases, KeyGrant, ShopConfig
from ..core.http import MAX_TEXT_CHARS, json_response, read_model, validate_query
from .service import Correction
from .store import ENTRY_ID_DIGITS, FeedbackEntry, Phrase

routes = web.RouteTableDef()
BASE = "/v1/shops/{shop_id}/feedback"


class PhraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["allow", "deny"]
    text: str = Field(min_length=1, max_length=100)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    expected: Literal["stop", "pass"]
    category: str | None = Field(None, min_length=1, max_length=64)
    note: str | None = Field(None, max_length=500)
    phrase: PhraseIn | None = None


class FeedbackQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, pattern=rf"^[0-9]{{{ENTRY_ID_DIGITS}}}$")


def entry_json(entry: FeedbackEntry) -> dict[str, Any]:
    phrase = entry.phrase
    return {
        "id": entry.entry_id,
        "shop_id": entry.shop_id,
        "text": entry.text,
        "expected": entry.expected,
        "category": entry.category,
        "note": entry.note,
        "phrase": {"kind": phrase.kind, "text": phrase.text} if phrase else None,
        "at": entry.at,
        "by": entry.by,
    }


def phrases_json(phrases: ExtraPhrases) -> dict[str, Any]:
    return {
        "allow": list(phrases.allow),
        "deny": {category: list(texts) for category, texts in phrases.deny.items()},
    }


def _admin(request: web.Request) -> tuple[ShopConfig, KeyGrant]:
    return authorize(
        request, request.app[CONFIG].current.shops, request.match_info["shop_id"], {"admin"}
    )


@routes.post(BASE)
async def record(request: web.Request) -> web.Response:
    shop, grant = _admin(request)
    body = await read_model(request, FeedbackIn)
    phrase = Phrase(body.phrase.kind, body.phrase.text) if body.phrase else None
    correction = Correction(body.text, body.expected, body.category, body.note, phrase)
    recorded = await request.app[FEEDBACK].record(shop, grant.key_id, correction)
    verdict = recorded.verdict
    return json_response(
        {
            **entry_json(recorded.entry),
            "verdict": {
                "action": verdict.action.label,
                "findings": [finding_summary(rated) for rated in verdict.findings],
            },
        },
        status=201,
    )


@routes.get(BASE)
async def list_feedback(request: web.Request) -> web.Response:
    """Newest first; ``phrases_in_force`` are the shop's feedback phrases compiled into the
    configuration in force (those recorded since the last reload are not among them yet)."""
    shop, _ = _admin(request)
    query = validate_query(FeedbackQuery, dict(request.query))
    page = await request.app[FEEDBACK].page(shop, query.cursor, query.limit)
    in_force = request.app[CONFIG].current.extra_phrases.get(shop.shop_id, ExtraPhrases())
    return json_response(
        {
            "shop_id": shop.shop_id,
            "platform": shop.platform,
            "entries": [entry_json(entry) for entry in page.entries],
            "next_cursor": page.next_cursor,
            "phrases_in_force": phrases_json(in_force),
        }
    )
