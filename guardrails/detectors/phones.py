"""Phone numbers: mainland mobiles, landlines with area code, 400/800 hotlines, +86 forms.

Digits are read as the groups a person typed (``138 0013 8000``, ``１３８-００１３-８０００``,
``幺三八零零…`` after normalisation), and a number is only a phone when whole groups make it up
exactly: a phone-shaped slice of a longer digit string (an order or tracking number) is not one.
"""

from __future__ import annotations

import re

from ..normalize import DigitRun, NormalizedText
from ..types import Finding
from .base import digit_runs, finding_from_shadow

_MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
# Area codes: 010, 02x, then 0[3-9]xx; local numbers never start with 0 or 1.
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d\d)[2-9]\d{6,7})")
_HOTLINE = re.compile(r"([48]00\d{7})")
# Hong Kong, Macau, Taiwan and a few common foreign forms; only read after "+" or "00".
_INTERNATIONAL = re.compile(
    r"(?:00)?(?:85[23][2-9]\d{7}|886[2-9]\d{7,8}|65[689]\d{7}|60\d{8,10}|1[2-9]\d{9}|"
    r"44\d{9,10}|81\d{9,10}|82\d{8,10})"
)
# Digits spelled in pinyin: "yao wu qi / er san ba liu / si jiu ling wu".
_PINYIN_DIGITS = {
    "ling": "0", "dong": "0", "yao": "1", "yi": "1", "er": "2", "liang": "2", "san": "3",
    "si": "4", "wu": "5", "liu": "6", "qi": "7", "guai": "7", "ba": "8", "jiu": "9", "gou": "9",
}  # fmt: skip
_PINYIN_WORD = "(?:" + "|".join(sorted(_PINYIN_DIGITS, key=len, reverse=True)) + ")"
_PINYIN_RUN = re.compile(rf"(?<![a-z]){_PINYIN_WORD}(?:[\s/,.\-·]*{_PINYIN_WORD}(?![a-z])){{6,}}")
_PINYIN_WORD_FINDER = re.compile(r"(?:ling|yao|san|jiu|liu|dong|guai|qi|wu|ba|er|si|yi)\b")
# A number handed over in parts: "前三位136，中间4582，尾号0917".
_SPLIT = re.compile(
    r"前(?:三|3)位\D{0,4}?(?P<a>1[3-9]\d)\D{1,8}?(?P<b>\d{4})\D{1,8}?(?:尾号|后四位|最后)?\D{0,3}?(?P<c>\d{4})"
)
# "倒着写" / "反过来打": the number is written backwards to get past filters.
_REVERSED_HINT = re.compile(r"倒着|倒过来|反过来|反着|倒序|逆序|从后往前")
# Text right after a number that makes it a quantity, not a phone (13800元, 4008mAh …).
_UNIT_AFTER = re.compile(r"\s*(?:元|块|rmb|¥|mah|gb|tb|mb|ml|kg|g\b|w\b|mm|cm|m\b|l\b|码|号码?段)")


class PhoneDetector:
    name = "phones"

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings: list[Finding] = []
        shadow = text.shadow
        reversed_hint = _REVERSED_HINT.search(text.compact) is not None
        for run in digit_runs(text):
            if sum(end - start for start, end in run.groups) < 7:
                continue  # shorter than any phone number
            found = self._in_run(text, shadow, run)
            if not found and reversed_hint:
                found = self._reversed(text, shadow, run)
            findings.extend(found)
        findings.extend(self._spelled(text))
        return findings

    @staticmethod
    def _spelled(text: NormalizedText) -> list[Finding]:
        """Numbers in pinyin words or handed over in parts."""
        shadow = text.shadow
        found: list[Finding] = []
        # Seven pinyin words need at least 14 Latin letters; a split number needs "前…位".
        pinyin = sum(map(shadow.count, "aeiouy")) >= 7 and _PINYIN_WORD_FINDER.search(shadow)
        for match in _PINYIN_RUN.finditer(shadow) if pinyin else ():
            words = re.findall(_PINYIN_WORD, match.group())
            digits = "".join(_PINYIN_DIGITS[word] for word in words)
            if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
                evidence = digits[:3] + "****" + digits[-4:]
                found.append(
                    finding_from_shadow(text, "phone.pinyin", "phone", *match.span(), evidence)
                )
        for match in _SPLIT.finditer(shadow) if "前" in shadow else ():
            digits = match.group("a") + match.group("b") + match.group("c")
            evidence = digits[:3] + "****" + digits[-4:]
            found.append(finding_from_shadow(text, "phone.split", "phone", *match.span(), evidence))
        return found

    @staticmethod
    def _reversed(text: NormalizedText, shadow: str, run: DigitRun) -> list[Finding]:
        digits = run.digits(shadow, 0, len(run.groups) - 1)[::-1]
        if not _MOBILE.fullmatch(digits):
            return []
        start, end = run.groups[0][0], run.groups[-1][1]
        evidence = digits[:3] + "****" + digits[-4:]
        return [finding_from_shadow(text, "phone.reversed", "phone", start, end, evidence)]

    def _in_run(self, text: NormalizedText, shadow: str, run: DigitRun) -> list[Finding]:
        # A phone starts its digit run ("+86" included): one that starts in the middle of a
        # longer run (an account or order number typed in groups) is a slice of something else.
        start = run.groups[0][0]
        if _glued_to_letters(shadow, start):
            return []
        match = self._longest_phone(shadow, run, 0)
        if match is None:
            return []
        last, rule, digits = match
        end = run.groups[last][1]
        if _UNIT_AFTER.match(shadow, end) or _glued_to_letters(shadow, end, after=True):
            return []
        if start > 0 and shadow[start - 1] == "+":
            start -= 1
        national = digits[-11:] if rule == "phone.mobile" else digits
        evidence = national[:3] + "****" + national[-4:]
        return [finding_from_shadow(text, rule, "phone", start, end, evidence)]

    @staticmethod
    def _longest_phone(shadow: str, run: DigitRun, first: int) -> tuple[int, str, str] | None:
        best: tuple[int, str, str] | None = None
        start = run.groups[first][0]
        international = start > 0 and shadow[start - 1] == "+"
        for last in range(first, len(run.groups)):
            digits = run.digits(shadow, first, last)
            if len(digits) > 15:
                break
            for rule, pattern in (
                ("phone.mobile", _MOBILE),
                ("phone.landline", _LANDLINE),
                ("phone.hotline", _HOTLINE),
                ("phone.international", _INTERNATIONAL),
            ):
                if rule == "phone.international" and not (international or digits.startswith("00")):
                    continue
                if pattern.fullmatch(digits):
                    best = (last, rule, digits)
                    break
        return best


def _glued_to_letters(shadow: str, index: int, after: bool = False) -> bool:
    """A digit group stuck to Latin letters is part of a code (JDVA1234…, RTX4090, 5000mah)."""
    neighbour = index if after else index - 1
    if not 0 <= neighbour < len(shadow):
        return False
    char = shadow[neighbour]
    return char.isascii() and char.isalpha()
