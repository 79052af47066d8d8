"""Mainland mobile numbers: normalise what people type, mask what we show."""

from __future__ import annotations

import re
import unicodedata

# 1, then 3-9, then nine digits; [0-9] and not \d, which also matches other scripts' digits.
MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-.()/]")
_PHONE_LIKE = re.compile(r"\+?[0-9]{3,20}")
_MAX_INPUT = 40


def _clean(text: str) -> str:
    # NFKC turns full-width digits, plus signs and brackets (１３８…, ＋８６, （）) into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text[:_MAX_INPUT]))


def normalize_mobile(text: str) -> str | None:
    """The 11-digit form of a mainland mobile number (``+86``/``0086``/``86`` prefixes and
    separators accepted), or None when ``text`` is not one."""
    if len(text) > _MAX_INPUT:
        return None
    cleaned = _clean(text)
    for prefix in ("+86", "0086"):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :]
            break
    else:
        if cleaned.startswith("86") and len(cleaned) == 13:
            cleaned = cleaned[2:]
    return cleaned if MOBILE.fullmatch(cleaned) else None


def is_phone_like(text: str) -> bool:
    """Digits with an optional leading plus and separators: a phone number of some kind."""
    return len(text) <= _MAX_INPUT and _PHONE_LIKE.fullmatch(_clean(text)) is not None


def mask_phone(number: str) -> str:
    """``13800138000`` -> ``138****8000``; anything shorter than 8 characters is hidden whole."""
    if len(number) < 8:
        return "****"
    return f"{number[:3]}****{number[-4:]}"
