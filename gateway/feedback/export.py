"""``cs-gateway feedback export``: a shop's feedback as labelled answers, in the format of
``tests/data/answers/*.jsonl``, paged from a running gateway's feedback API.

An entry becomes one line: ``labels`` is ``[category]`` for a text that should have been
stopped, ``[]`` for one that should have passed. A "stop" entry without a category has no label
to give, so it is left out and counted. Lines are written oldest entry first (a later export
of the same shop then only adds lines at the end), and only once every page has been read: a
failed export writes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import aiohttp
import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from yarl import URL

from ..core.config.shops import SHOP_ID_PATTERN

PAGE_SIZE = 200  # the API's largest page
TIMEOUT_S = 30.0


class ExportError(Exception):
    """The export cannot run: a bad URL, key or shop, or a gateway that does not answer."""


class EntryIn(BaseModel):
    """What the export reads of an entry of ``GET /v1/shops/{id}/feedback``."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    expected: Literal["stop", "pass"]
    category: str | None


class PageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    platform: str
    entries: list[EntryIn]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Exported:
    lines: list[str]  # oldest entry first
    skipped: int  # "stop" entries without a category


def corpus_row(shop_id: str, platform: str, entry: EntryIn) -> dict[str, Any] | None:
    """The labelled-corpus row of an entry; None for "stop" without a category."""
    if entry.expected == "stop":
        if not entry.category:
            return None
        labels = [entry.category]
    else:
        labels = []
    return {
        "id": f"fb-{shop_id}-{entry.id}",
        "writer": f"feedback:{shop_id}",
        "platform": platform,
        "text": entry.text,
        "labels": labels,
        "disguise": "feedback",
        "lookalike": "feedback",
    }


def _base_url(url: str) -> URL:
    parsed = URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ExportError(f"--url: '{url}' is not an http:// or https:// address with a host")
    return parsed


def _refusal(status: int, body: Any, shop_id: str, url: URL) -> ExportError:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if status == 401:
        return ExportError(f"--key: the gateway does not know this key ({message or status})")
    if status == 403:
        return ExportError(f"--key: not an admin key of shop '{shop_id}' ({message or status})")
    if status == 404 and code == "unknown_shop":
        return ExportError(f"--shop: the gateway has no shop '{shop_id}'")
    if status == 404:
        return ExportError(f"--url: no feedback API at {url} (is this a cs-gateway?)")
    return ExportError(f"the gateway answered {status} {code or ''}: {message or body}".strip())


async def fetch(url: str, key: str, shop_id: str) -> tuple[str, list[EntryIn]]:
    """The shop's platform and every entry, newest first, read page by page."""
    if not re.fullmatch(SHOP_ID_PATTERN, shop_id):
        raise ExportError(f"--shop: '{shop_id}' is not a shop id")
    endpoint = _base_url(url) / "v1" / "shops" / shop_id / "feedback"
    headers = {"Authorization": f"Bearer {key}"}
    entries: list[EntryIn] = []
    platform = ""
    cursor: str | None = None
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        while True:
            params = {"limit": str(PAGE_SIZE), **({"cursor": cursor} if cursor else {})}
            try:
                async with session.get(endpoint, params=params) as response:
                    raw = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
                raise ExportError(f"--url: cannot reach {endpoint}: {reason}") from exc
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = raw[:200].decode("utf-8", "replace")
            if status != 200:
                raise _refusal(status, body, shop_id, endpoint)
            try:
                page = PageIn.model_validate(body)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise ExportError(
                    f"--url: {endpoint} did not answer a feedback page ({where}: {first['msg']})"
                ) from exc
            platform = page.platform
            entries.extend(page.entries)
            if page.next_cursor is None:
                return platform, entries
            if page.next_cursor == cursor:
                raise ExportError(f"{endpoint} gave the same page twice (cursor {cursor})")
            cursor = page.next_cursor


def to_corpus(shop_id: str, platform: str, entries: Iterable[EntryIn]) -> Exported:
    """Rows for ``entries`` (newest first, as the API gives them), oldest first."""
    lines: list[str] = []
    skipped = 0
    for entry in reversed(list(entries)):
        row = corpus_row(shop_id, platform, entry)
        if row is None:
            skipped += 1
        else:
            # As the corpus files are written: json.dumps spacing, Chinese as it is.
            lines.append(json.dumps(row, ensure_ascii=False))
    return Exported(lines, skipped)


async def export(url: str, key: str, shop_id: str) -> Exported:
    platform, entries = await fetch(url, key, shop_id)
    return to_corpus(shop_id, platform, entries)


def write_lines(lines: list[str], out: Path | None, stdout: IO[str]) -> None:
    """To ``out`` whole or not at all (a temporary file renamed into place), else to stdout."""
    text = "".join(f"{line}\n" for line in lines)
    if out is None:
        stdout.write(text)
        stdout.flush()
        return
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_text(text, "utf-8")
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"--out: cannot write {out}: {exc.strerror or exc}") from exc
