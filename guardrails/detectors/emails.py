"""E-mail addresses, also disguised: ``name at 163 dot com``, ``name#qq.com``, ``a圈a163点com``."""

from __future__ import annotations

import re

from ..normalize import NormalizedText
from ..types import Finding
from .base import Triggers, finding_from_shadow, mask

# "@" spelled out (any host), or one symbol in its place ("#", "★", "📧" …: known hosts only).
_AT_WORD = r"\s*(?:\(at\)|\[at\]|\{at\}| at |艾特|圈a|小老鼠)\s*"
_AT_SYMBOL = r"\s*[^\w\s,;!?。、]\s*"
_DOT = r"(?:\s*\.\s*|\s*(?:\(dot\)|\[dot\]| dot |点|。)\s*)"
# With a real "@" any domain will do; a disguised "@" must be followed by a known mail host.
_MAIL_HOSTS = (
    "qq|163|126|yeah|sina|sohu|gmail|outlook|hotmail|foxmail|139|189|aliyun|icloud|yahoo|"
    "live|msn|vip\\.qq|vip\\.163|tom|21cn"
)
_TLDS = r"com|cn|net|org|com\.cn|net\.cn|cc|io|me|co"
_LOCAL = r"[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9])?"
_PLAIN = re.compile(
    rf"(?P<local>{_LOCAL})\s*@\s*(?P<domain>[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}(?:{_TLDS}))"
    r"(?![a-z0-9])"
)
_DISGUISED = re.compile(
    rf"(?P<local>{_LOCAL})(?:{_AT_WORD}(?P<domain>[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}(?:{_TLDS}))"
    rf"|{_AT_SYMBOL}(?P<known>(?:{_MAIL_HOSTS}){_DOT}(?:{_TLDS})))(?![a-z0-9])"
)
# Letters typed apart: "q u a n @ y e a h . n e t".
_SPACED = re.compile(
    r"(?P<local>(?:[a-z0-9_.-] ?){3,40})@ ?"
    r"(?P<domain>(?:[a-z0-9-] ?){2,30}\. ?(?:c ?o ?m|n ?e ?t|c ?n|o ?r ?g))(?![a-z0-9])"
)
# "…后面加@outlook.com": the address is assembled by the shopper.
_SUFFIX = re.compile(
    rf"(?:后面|后边|后缀|结尾)?加?\s*@\s*(?P<domain>(?:{_MAIL_HOSTS}){_DOT}(?:{_TLDS}))"
)


# "（#换成@）": the text says which character stands for "@".
_SWAP_HINT = re.compile(r"(?P<symbol>[^\w\s])\s*(?:换成|替换成|改成|就是|代表|=)\s*(?:@|艾特|at)")
# Cheap test first: every pattern needs an "@" (or a word for it), or a mail host and a dot.
_MAYBE = Triggers(
    ["@", "#", "(at)", "[at]", "{at}", " at ", "艾特", "圈a", "小老鼠", "换成", "改成"]
    + _MAIL_HOSTS.replace("\\.", ".").split("|")
)


class EmailDetector:
    name = "emails"

    def detect(self, text: NormalizedText) -> list[Finding]:
        if not _MAYBE.found_in(text.shadow):
            return []
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        patterns = [
            ("email.address", _PLAIN),
            ("email.disguised", _DISGUISED),
            ("email.disguised", _SPACED),
            ("email.suffix", _SUFFIX),
        ]
        hint = _SWAP_HINT.search(text.shadow)
        if hint:
            symbol = re.escape(hint.group("symbol"))
            patterns.append(("email.disguised", re.compile(_PLAIN.pattern.replace("@", symbol))))
        for rule, pattern in patterns:
            for match in pattern.finditer(text.shadow):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                groups = match.groupdict()
                domain = re.sub(_DOT, ".", groups.get("domain") or groups.get("known") or "")
                domain = domain.replace(" ", "")
                local = (groups.get("local") or "").replace(" ", "")
                evidence = (mask(local, 1, 0) if local else "") + "@" + domain
                findings.append(finding_from_shadow(text, rule, "email", start, end, evidence))
        return findings
