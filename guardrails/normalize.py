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
from collections.abc import Callable, Iterable
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
    "⬛": "方块", "⬜": "方块", "🔳": "方块", "🔲": "方块",
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

# Homophones and look-alikes of digits (妖散捌 = 138, l37-OO9l = 137-0091). Common characters, so
# they count only inside a run long enough to be a phone number (MIN_WEAK_RUN digit-like chars).
WEAK_DIGITS = {
    "妖": "1", "要": "1", "散": "3", "伞": "3", "舞": "5", "武": "5", "流": "6", "溜": "6",
    "期": "7", "酒": "9", "久": "9", "爸": "8", "巴": "8", "思": "4", "寺": "4", "死": "4",
    "而": "2", "儿": "2", "灵": "0", "铃": "0", "玲": "0", "凌": "0", "o": "0", "l": "1",
}  # fmt: skip
MIN_WEAK_RUN = 7

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
    # Every shadow character -> one letter naming its class, so runs of digits and separators are
    # found by small regexes over that string instead of large character classes over the shadow:
    # D ASCII digit, N Chinese numeral, W homophone digit, L "o"/"l", a other Latin letter,
    # S separator, x anything else.
    classes: dict[int, str]


def _fold(char: str, t2s: dict[str, str]) -> str:
    """One character's replacement: dropped, an emoji's word, or NFKC + casefold + simplified."""
    if _is_invisible(char):
        return ""
    if char in EMOJI_WORDS:
        return EMOJI_WORDS[char]
    folded = unicodedata.normalize("NFKC", char)
    digit = _digit_value(folded) if len(folded) == 1 and not folded.isascii() else None
    if digit is not None:
        folded = digit
    return "".join(t2s.get(c, c) for c in folded.casefold())


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
    classes: dict[int, str] = {}
    for code in _code_points():
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        classes[code] = _class_of(char)
        out = _fold(char, t2s)
        # Apply the folding until nothing changes (OpenCC has chains such as 薴 -> 苧 -> 苎), so
        # that normalising a shadow text again leaves it as it is.
        for _ in range(4):
            again = "".join(_fold(c, t2s) for c in out)
            if again == out:
                break
            out = again
        translate[code] = out
        if len(out) != 1:
            uneven.append(char)
        elif _is_separator(out):
            separators.add(out)
    return _Tables(
        translate=translate,
        uneven=re.compile(f"[{_char_class(uneven)}]"),
        classes=classes,
    )


def _class_of(char: str) -> str:
    if "0" <= char <= "9":
        return "D"
    if char in CHINESE_DIGITS:
        return "N"
    if char in WEAK_DIGITS:
        return "L" if char.isascii() else "W"
    if "a" <= char <= "z":
        return "a"
    return "S" if _is_separator(char) else "x"


# o and l count as digits only when not part of a Latin word ("ok", "hello" stay words).
_DIGIT_LIKE = "(?:[DNW]|(?<!a)L(?!a))"
_NUMERAL_RUN = re.compile(f"{_DIGIT_LIKE}(?:S{{0,{MAX_GAP}}}{_DIGIT_LIKE})+")
# Folding changes something only where a numeral or look-alike stands next to another digit.
_FOLD_NEEDED = re.compile(f"[NWL]S{{0,{MAX_GAP}}}[DNWL]|[DNWL]S{{0,{MAX_GAP}}}[NWL]")
_STRONG_PIECE = re.compile("[DNS]+")


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
class DigitRun:
    """Digits in the shadow as groups a person typed between separators (``138 0013 8000``).

    ``groups`` are (shadow start, shadow end) of each unbroken digit sequence; two groups belong
    to one run when only separators, at most MAX_GAP of them, stand between them.
    """

    groups: tuple[tuple[int, int], ...]

    def digits(self, shadow: str, first: int, last: int) -> str:
        return "".join(shadow[s:e] for s, e in self.groups[first : last + 1])


_DIGITS = re.compile(r"\d+")
# A run: digit groups with at most MAX_GAP separators between them (spaces, dashes, dots, stars,
# hearts, emoji; not a letter, a CJK character, a comma, a colon or a slash).
_DIGIT_RUN = re.compile(rf"\d+(?:(?:[^\w,;!?。、:/\u4e00-\u9fff]|_){{1,{MAX_GAP}}}\d+)*")


@dataclass(frozen=True)
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

    @functools.cached_property
    def digit_runs(self) -> tuple[DigitRun, ...]:
        """The shadow's digit runs, computed once for every detector that reads numbers."""
        runs: list[DigitRun] = []
        for run in _DIGIT_RUN.finditer(self.shadow):
            if run.group().isdigit():
                runs.append(DigitRun(((run.start(), run.end()),)))
                continue
            groups = tuple(
                (run.start() + group.start(), run.start() + group.end())
                for group in _DIGITS.finditer(run.group())
            )
            runs.append(DigitRun(groups))
        return tuple(runs)

    @functools.cached_property
    def compact_starts(self) -> tuple[int, ...]:
        """For each compact character, where it starts in the original (ascending)."""
        shadow_index = range(len(self.compact)) if self._positions is None else self._positions
        spans = self._spans
        if spans is None:
            return tuple(shadow_index)
        return tuple(spans[i][0] for i in shadow_index)

    @functools.cached_property
    def number_groups(self) -> tuple[NumberGroup, ...]:
        """Every group of digits in any script (see ``NumberGroup``), computed once."""
        return read_number_groups(self.shadow)


@dataclass(frozen=True, slots=True)
class NumberGroup:
    """Digits a person wrote in one go, in any script: ``138``, ``一三八``, ``幺三八``, ``壹叁捌``,
    ``one three eight``, ``yao san ba``; (shadow start, shadow end) and the digits they spell."""

    start: int
    end: int
    digits: str
    spelled: bool  # written in words or numerals, not (only) in digits


# Numerals that stand for one digit each; multipliers (十百千万) end a group
# (二零一九年十月: a date).
_WORD_DIGITS = {
    **CHINESE_DIGITS, "两": "2",
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
    "ling": "0", "yao": "1", "yi": "1", "er": "2", "san": "3", "si": "4", "wu": "5", "liu": "6",
    "qi": "7", "ba": "8", "jiu": "9",
}  # fmt: skip
_LATIN_WORDS = sorted((w for w in _WORD_DIGITS if w.isascii()), key=len, reverse=True)
_NUMBER_TOKEN = re.compile(
    "[0-9]|[" + "".join(c for c in _WORD_DIGITS if not c.isascii()) + "]"
    "|(?<![a-z])(?:" + "|".join(_LATIN_WORDS) + ")(?![a-z])"
)
# Between two tokens of one group: nothing, or one separator (space, dash, dot, star …).
_TOKEN_GAP = re.compile(r"[\s\-.·•_~|]?")


def read_number_groups(shadow: str) -> tuple[NumberGroup, ...]:
    groups: list[NumberGroup] = []
    start = end = -1
    digits: list[str] = []
    spelled = False
    for token in _NUMBER_TOKEN.finditer(shadow):
        word = token.group()
        if digits and not _TOKEN_GAP.fullmatch(shadow, end, token.start()):
            groups.append(NumberGroup(start, end, "".join(digits), spelled))
            digits = []
        if not digits:
            start, spelled = token.start(), False
        digits.append(word if word.isdigit() and word.isascii() else _WORD_DIGITS[word])
        spelled = spelled or not word.isascii() or not word.isdigit()
        end = token.end()
    if digits:
        groups.append(NumberGroup(start, end, "".join(digits), spelled))
    return tuple(groups)


# A message is read by several checks in one request (the escalation screen, then the sentiment
# model; an answer by the guardrails, then repeat detection): the last few results are kept.
RECENT_TEXTS = 64


class Normalizer:
    """Builds NormalizedText; construction loads the tables (tens of ms), calls are cheap and
    the most recent RECENT_TEXTS results are reused (NormalizedText is immutable)."""

    def __init__(self, recent_texts: int = RECENT_TEXTS) -> None:
        """``recent_texts`` 0 turns the reuse off (benchmarks measure the work itself)."""
        self._tables = _tables()
        self._recent: Callable[[str], NormalizedText] = self._normalize
        if recent_texts:
            self._recent = functools.lru_cache(maxsize=recent_texts)(self._normalize)

    def __call__(self, text: str) -> NormalizedText:
        return self._recent(text)

    def _normalize(self, text: str) -> NormalizedText:
        tables = self._tables
        spans: tuple[tuple[int, int], ...] | None = None
        if tables.uneven.search(text) is None:
            shadow = text.translate(tables.translate)
        else:
            shadow, spans = self._with_spans(text)
        classes = shadow.translate(tables.classes)
        if _FOLD_NEEDED.search(classes) is not None:
            shadow = _fold_numerals(shadow, classes)
        if "S" not in classes:
            return NormalizedText(text, shadow, shadow, spans, None)
        positions: list[int] = []
        pieces: list[str] = []
        last = 0
        for separators in re.finditer("S+", classes):
            here = separators.start()
            if here > last:
                positions.extend(range(last, here))
                pieces.append(shadow[last:here])
            last = separators.end()
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


def _fold_numerals(shadow: str, classes: str) -> str:
    """Fold Chinese numerals and look-alike digits to digits inside runs of digit-like characters.

    A run with look-alikes (妖, o, l …) folds whole only when phone-long (MIN_WEAK_RUN) and holds
    a real numeral; otherwise only its stretches of real numerals fold, when MIN_NUMERAL_RUN long
    and holding a Chinese numeral (a run of ASCII digits needs no folding).
    """
    pieces: list[str] = []
    last = 0
    for run in _NUMERAL_RUN.finditer(classes):
        kinds = run.group()
        strong = kinds.count("D") + kinds.count("N")
        weak = kinds.count("W") + kinds.count("L")
        if weak and strong and weak + strong >= MIN_WEAK_RUN:
            stretches = [run.span()]
        else:
            stretches = [
                (run.start() + piece.start(), run.start() + piece.end())
                for piece in _STRONG_PIECE.finditer(kinds)
                if "N" in piece.group()
                and piece.group().count("D") + piece.group().count("N") >= MIN_NUMERAL_RUN
            ]
        for start, end in stretches:
            pieces.append(shadow[last:start])
            pieces.append(
                "".join(CHINESE_DIGITS.get(c, WEAK_DIGITS.get(c, c)) for c in shadow[start:end])
            )
            last = end
    if not pieces:
        return shadow
    pieces.append(shadow[last:])
    return "".join(pieces)


@functools.cache
def default_normalizer() -> Normalizer:
    return Normalizer()


def normalize(text: str) -> NormalizedText:
    return default_normalizer()(text)
