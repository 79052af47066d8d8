"""E-mail addresses, also disguised: ``name at 163 dot com``, ``name#qq.com``, ``a圈a163点com``."""

from __future__ import annotations

import re

from ..normalize import NormalizedText
from ..types import Finding
from .base import finding_from_shadow, mask

# "@" spelled out, or any one symbol put in its place ("#", "★", "📧" …) before a known mail host.
_AT = r"(?:@|\s*(?:\(at\)|\[at\]|\{at\}| at |艾特|圈a|小老鼠|[^\w\s,;!?。、])\s*)"
_DOT = r"(?:\.|\s*(?:\(dot\)|\[dot\]| dot |点|。)\s*)"
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
    rf"(?P<local>{_LOCAL}){_AT}(?P<domain>(?:{_MAIL_HOSTS}){_DOT}(?:{_TLDS}))(?![a-z0-9])"
)


class EmailDetector:
    name = "emails"

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for rule, pattern in (("email.address", _PLAIN), ("email.disguised", _DISGUISED)):
            for match in pattern.finditer(text.shadow):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                domain = re.sub(_DOT, ".", match.group("domain"))
                evidence = mask(match.group("local"), 1, 0) + "@" + domain
                findings.append(finding_from_shadow(text, rule, "email", start, end, evidence))
        return findings
