"""Normalisation: the shadow text detectors read, with a map back to the original offsets.

Three views of one text:

- ``original``: what the bot wrote; every finding's offsets point here.
- ``shadow``: per character, NFKC (full-width, circled, mathematical and enclosed digits and
  letters), invisible characters dropped, case folded, traditional Chinese folded to simplified,
  and Chinese numerals folded to digits only inside runs of several digit-like characters.
- ``compact``: the shadow without the separators people insert between characters (spaces, dashes,
  dots, ``*``, ``❤``, emoji …), with each character's shadow position. Detectors match on it and
  then accept a match only if no gap between two of its characters is wider than ``MAX_GAP``
  separators: separators are skipped inside a candidate match, never deleted from the whole text
  (that would join words across a sentence and find contacts that are not there).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

MAX_GAP = 3
MIN_NUMERAL_RUN = 4

# Punctuation that ends a clause: never skipped, so nothing matches across it.
HARD_BREAKS = frozenset(",;!?。、｡")
# Kept in the compact view: "+V" and "+86" are words there, not decoration.
KEPT_SYMBOLS = frozenset("+")
# Emoji that stand for a word in disguises and insults (加🐧 for QQ, 🍑宝 for 淘宝, 你是🐷).
EMOJI_WORDS = {
    "➕": "+", "🐷": "猪", "🐖": "猪", "🐶": "狗", "🐕": "狗", "💩": "屎", "🍑": "桃",
    "🐧": "企鹅", "🐴": "马", "🐎": "马", "🐔": "鸡", "📧": "@", "✉": "@", "🔸": ".", "🔹": ".",
}  # fmt: skip

CHINESE_DIGITS = {
    "零": "0", "〇": "0", "洞": "0",
    "一": "1", "幺": "1", "壹": "1",
    "二": "2", "贰": "2",
    "三": "3", "叁": "3", "参": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6",
    "七": "7", "柒": "7", "拐": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9", "勾": "9",
}  # fmt: skip
# 洞/拐/勾 are the radio-operator readings of 0/7/9; like 幺 they count only inside digit runs.

# Planes outside the BMP whose characters are used to disguise digits and letters.
_EXTRA_RANGES = ((0x1D400, 0x1D800), (0x1F100, 0x1F200))
_EMOJI_RANGES = ((0x1F000, 0x1FB00), (0x2600, 0x27C0), (0x2B00, 0x2C00))


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cf" or (category == "Cc" and char not in "\n\t"):
        return True
    code = ord(char)
    # Variation selectors and the combining keycap (1️⃣ is "1" + FE0F + 20E3).
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or code == 0x20E3


def _load_traditional_to_simplified() -> dict[str, str]:
    # Character-level OpenCC table (shipped in the opencc-python-reimplemented package): one
    # character in, one out, so the conversion never moves an offset.
    source = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    table: dict[str, str] = {}
    for line in source.read_text("utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        candidate = simplified.split(" ")[0] if simplified else ""
        if len(traditional) == 1 and len(candidate) == 1:
            table[traditional] = candidate
    return table


def _digit_value(char: str) -> str | None:
    """Digits that NFKC leaves alone (❶, ➊, ⓵ …), but never CJK ideographs such as 一."""
    if unicodedata.category(char) not in ("No", "Nd"):
        return None
    value = unicodedata.numeric(char, -1.0)
    if value < 0 or value != int(value) or value > 50:
        return None
    return str(int(value))


@dataclass(frozen=True)
class _Tables:
    # Every code point we know -> its replacement ('' drops it), identity entries included:
    # str.translate raises and clears a KeyError for every character missing from the table,
    # which made a lookup ~10x slower than a hit.
    translate: dict[int, str]
    uneven: re.Pattern[str]  # characters whose replacement is not exactly one character
    separator: re.Pattern[str]  # one skippable separator character (in the shadow)
    numeral_run: re.Pattern[str]
    chinese_digit: re.Pattern[str]


def _code_points() -> Iterable[int]:
    yield from range(0x10000)
    for start, stop in _EXTRA_RANGES + _EMOJI_RANGES:
        yield from range(max(start, 0x10000), stop)


@functools.cache
def _tables() -> _Tables:
    t2s = _load_traditional_to_simplified()
    translate: dict[int, str] = {}
    uneven: list[str] = []
    separators: set[str] = set()
    for code in _code_points():
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if _is_invisible(char):
            out = ""
        elif char in EMOJI_WORDS:
            out = EMOJI_WORDS[char]
        else:
            folded = unicodedata.normalize("NFKC", char)
            digit = _digit_value(folded) if len(folded) == 1 and not folded.isascii() else None
            if digit is not None:
                folded = digit
            out = "".join(t2s.get(c, c) for c in folded.casefold())
        translate[code] = out
        if len(out) != 1:
            uneven.append(char)
        elif _is_separator(out):
            separators.add(out)
    digit_like = "0-9" + "".join(CHINESE_DIGITS)
    separator_class = _char_class(separators)
    return _Tables(
        translate=translate,
        uneven=re.compile(f"[{_char_class(uneven)}]"),
        separator=re.compile(f"[{separator_class}]"),
        numeral_run=re.compile(
            f"[{digit_like}](?:[{separator_class}]{{0,{MAX_GAP}}}[{digit_like}])+"
        ),
        chinese_digit=re.compile(f"[{''.join(CHINESE_DIGITS)}]"),
    )


def _is_separator(char: str) -> bool:
    if char in HARD_BREAKS or char in KEPT_SYMBOLS or char == "\x00":
        return False
    category = unicodedata.category(char)
    return category[0] in "ZPS" or char in "\n\t"


def _char_class(chars: Iterable[str]) -> str:
    """A regex character class body written as ranges (a class of thousands of single
    characters compiles to a slow linear scan; ranges compile to a bitmap)."""
    codes = sorted({ord(c) for c in chars})
    parts: list[str] = []
    index = 0
    while index < len(codes):
        first = last = codes[index]
        while index + 1 < len(codes) and codes[index + 1] == last + 1:
            index += 1
            last = codes[index]
        parts.append(re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else ""))
        index += 1
    return "".join(parts) or "\x00"


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text and its shadow and compact views; see the module docstring."""

    original: str
    shadow: str
    compact: str
    # shadow index -> original [start, end); None when every character maps to exactly one.
    _spans: tuple[tuple[int, int], ...] | None
    # compact index -> shadow index; None when the shadow has no separators.
    _positions: tuple[int, ...] | None

    def original_span(self, shadow_start: int, shadow_end: int) -> tuple[int, int]:
        if shadow_end <= shadow_start:
            return shadow_start, shadow_start
        if self._spans is None:
            return shadow_start, shadow_end
        return self._spans[shadow_start][0], self._spans[shadow_end - 1][1]

    def shadow_index(self, compact_index: int) -> int:
        return compact_index if self._positions is None else self._positions[compact_index]

    def compact_to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.original_span(self.shadow_index(start), self.shadow_index(end - 1) + 1)

    def gaps_ok(self, start: int, end: int, max_gap: int = MAX_GAP) -> bool:
        """True when no two neighbouring characters of compact[start:end] are further apart in
        the shadow than ``max_gap`` separators."""
        positions = self._positions
        if positions is None:
            return True
        return all(positions[i + 1] - positions[i] - 1 <= max_gap for i in range(start, end - 1))

    def shadow_before(self, compact_index: int) -> str:
        """The shadow character right before compact[compact_index] ('' at the start)."""
        position = self.shadow_index(compact_index)
        return self.shadow[position - 1] if position > 0 else ""

    def shadow_after(self, compact_end: int) -> str:
        """The shadow character right after compact[:compact_end] ('' at the end)."""
        position = self.shadow_index(compact_end - 1) + 1
        return self.shadow[position] if position < len(self.shadow) else ""


class Normalizer:
    """Builds NormalizedText; construction loads the tables (tens of ms), calls are cheap."""

    def __init__(self) -> None:
        self._tables = _tables()

    def __call__(self, text: str) -> NormalizedText:
        tables = self._tables
        spans: tuple[tuple[int, int], ...] | None = None
        if tables.uneven.search(text) is None:
            shadow = text.translate(tables.translate)
        else:
            shadow, spans = self._with_spans(text)
        shadow = self._fold_numerals(shadow)
        positions: list[int] = []
        pieces: list[str] = []
        last = 0
        for separator in tables.separator.finditer(shadow):
            here = separator.start()
            if here > last:
                positions.extend(range(last, here))
                pieces.append(shadow[last:here])
            last = here + 1
        if not pieces and last == 0:
            return NormalizedText(text, shadow, shadow, spans, None)
        positions.extend(range(last, len(shadow)))
        pieces.append(shadow[last:])
        return NormalizedText(text, shadow, "".join(pieces), spans, tuple(positions))

    def _with_spans(self, text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        translate = self._tables.translate
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        for index, char in enumerate(text):
            out = translate.get(ord(char), char)
            pieces.append(out)
            spans.extend([(index, index + 1)] * len(out))
        return "".join(pieces), tuple(spans)

    def _fold_numerals(self, shadow: str) -> str:
        if self._tables.chinese_digit.search(shadow) is None:
            return shadow
        pieces: list[str] = []
        last = 0
        for run in self._tables.numeral_run.finditer(shadow):
            chunk = run.group()
            digit_like = sum(1 for c in chunk if c.isdigit() or c in CHINESE_DIGITS)
            if digit_like < MIN_NUMERAL_RUN or not any(c in CHINESE_DIGITS for c in chunk):
                continue
            pieces.append(shadow[last : run.start()])
            pieces.append("".join(CHINESE_DIGITS.get(c, c) for c in chunk))
            last = run.end()
        if not pieces:
            return shadow
        pieces.append(shadow[last:])
        return "".join(pieces)


@functools.cache
def default_normalizer() -> Normalizer:
    return Normalizer()


def normalize(text: str) -> NormalizedText:
    return default_normalizer()(text)
