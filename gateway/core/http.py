"""HTTP edges: request bodies into pydantic models with clear 400/413 errors; JSON responses."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, StringConstraints, ValidationError

from .errors import InvalidJSON, PayloadTooLarge, ValidationFailed

M = TypeVar("M", bound=BaseModel)

# Conversation, shopper, message and order ids as clients send them.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")]
MAX_TEXT_CHARS = 2000


def describe(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in error["loc"]) or "(body)", "problem": error["msg"]}
        for error in exc.errors()
    ]


async def read_model(request: web.Request, model: type[M]) -> M:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(
            f"request body is larger than {request.client_max_size} bytes"
        ) from exc
    if not raw:
        raise InvalidJSON("request body is empty; expected a JSON object")
    try:
        # pydantic-core parses and validates in one pass (the message path's hottest step).
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise InvalidJSON(f"request body is not valid JSON: {exc.errors()[0]['msg']}") from exc
        if any(error["type"] == "model_type" and not error["loc"] for error in exc.errors()):
            raise ValidationFailed("request body must be a JSON object") from exc
        problems = describe(exc)
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        raise ValidationFailed(f"invalid request: {summary}", details=problems) from exc


def validate_query(model: type[M], query: dict[str, str]) -> M:
    try:
        return model.model_validate(query)
    except ValidationError as exc:
        problems = describe(exc)
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        raise ValidationFailed(f"invalid query: {summary}", details=problems) from exc


# Chinese text stays readable in responses (and half the size of \u escapes).
dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=dumps)


def checked_text(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLarge(
            f"text is {len(text)} characters; at most {MAX_TEXT_CHARS} are accepted"
        )
    if not text.strip():
        raise ValidationFailed("text: must not be empty")
    return text
