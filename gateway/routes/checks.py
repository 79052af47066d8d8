"""POST /v1/shops/{shop_id}/check: the verdict on a text without calling the bot."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ..appkeys import CHECKS, CONFIG
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
        review = checks.answer.review_answer(shop, text)
        return json_response(
            {
                "action": review.action.label,
                "text": review.text,
                "findings": [
                    {key: finding[key] for key in FINDING_FIELDS} for finding in review.findings
                ],
            }
        )
    screened = checks.message.screen_message(shop, text)
    message = await checks.message.weigh_message(shop, text, screened, None)
    reasons = list(message.escalate_reasons)
    return json_response(
        {
            "action": "escalate" if reasons else "allow",
            "text": shop.replies.holding if reasons else text,
            "reasons": reasons,
            "sentiment": message.sentiment,
            "findings": [],
        }
    )


FINDING_FIELDS = ("rule", "category", "severity", "action", "start", "end")
