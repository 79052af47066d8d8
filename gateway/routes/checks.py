"""POST /v1/shops/{shop_id}/check: the verdict on a text without calling the bot."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ..appkeys import CHECKS, CONFIG
from ..checks import finding_summary
from ..core.auth import authorize
from ..core.http import checked_text, json_response, read_model

routes = web.RouteTableDef()


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    direction: Literal["answer", "message"] = "answer"


@routes.post("/v1/shops/{shop_id}/check")
async def check(request: web.Request) -> web.Response:
    shop, _ = authorize(
        request,
        request.app[CONFIG].current.shops,
        request.match_info["shop_id"],
        {"shop", "admin"},
    )
    body = await read_model(request, CheckIn)
    text = checked_text(body.text)
    checks = request.app[CHECKS]
    if body.direction == "answer":
        verdict = checks.check_answer(shop, text)
        return json_response(
            {
                "action": verdict.action.label,
                "text": verdict.text,
                "findings": [finding_summary(rated) for rated in verdict.findings],
            }
        )
    screened = checks.screen_message(shop, text)
    message = await checks.weigh_message(shop, text, screened, None)
    reasons = list(message.reasons)
    return json_response(
        {
            "action": "escalate" if reasons else "allow",
            "text": shop.replies.holding if reasons else text,
            "reasons": reasons,
            "sentiment": message.sentiment,
            "findings": [],
        }
    )
