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


# An address described instead of written:
# "发到我们法务的邮箱，用户名是 legal 下划线 taoyao，在一六三那家的".
# A mail word, a mail host or an "@" word, and an instruction to write, in one sentence; the
# shopper's own e-mail (发票发到您预留的邮箱) is the platform's flow, not a contact.
_MAIL_WORD = r"(?:邮箱|邮件|电邮|email|e-mail|gmail|mail)"
_MAIL_HOST_WORD = (
    r"(?:163|126|一六三|一二六|qq|企鹅|网易|foxmail|gmail|outlook|hotmail|sina|新浪|sohu|搜狐|139|yeah|"
    r"aliyun|icloud|yahoo|艾特|圈a|小老鼠|小耗子|@|at)"
)
_DESCRIBED = re.compile(
    rf"(?:发|投|寄|写|给|联系|send)[^。!?]{{0,16}}?{_MAIL_WORD}[^。!?]{{0,40}}?{_MAIL_HOST_WORD}"
    rf"|{_MAIL_WORD}[^。!?]{{0,24}}?(?:前缀|后缀|用户名|地址是|是|:)[^。!?]{{0,30}}?[a-z]{{3}}"
)
_OWN_MAIL = re.compile(
    r"(?:您|你)(?:的|预留的|绑定的|填写的|下单时填的|注册的)[^。!?]{0,4}邮箱|预留邮箱|绑定的邮箱"
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
        found = self._addresses(text)
        if not found:
            found = self._described(text)
        return found

    @staticmethod
    def _described(text: NormalizedText) -> list[Finding]:
        shadow = text.shadow
        if "邮" not in shadow and "mail" not in shadow:
            return []
        found = []
        for match in _DESCRIBED.finditer(shadow):
            sentence_start = max(shadow.rfind(c, 0, match.start()) for c in "。!?\n") + 1
            if _OWN_MAIL.search(shadow, sentence_start, match.end()):
                continue
            found.append(
                finding_from_shadow(text, "email.described", "email", *match.span(), "email")
            )
        return found

    def _addresses(self, text: NormalizedText) -> list[Finding]:
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
