"""Banned phrases from lexicon files (abuse, threats, obscenity, politics, advertising-law terms),
matched on the compact view with one Aho-Corasick automaton, so ``傻❤逼`` and ``傻 逼`` match.

Allowed phrases sit in the same automaton; leftmost-longest matching lets an allowed phrase win
over a shorter banned phrase inside it (``不能根治`` over ``根治``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ahocorasick_rs import AhoCorasick, MatchKind

from ..lexicon import PhraseList
from ..normalize import HARD_BREAKS, NormalizedText, Normalizer
from ..types import Finding
from .base import finding_from_compact, is_latin_boundary

WHOLE_CLAUSE = "="


def _a_whole_clause(compact: str, start: int, end: int) -> bool:
    before = compact[start - 1] if start > 0 else ","
    after = compact[end] if end < len(compact) else ","
    return before in HARD_BREAKS and after in HARD_BREAKS


_NUMERALS = str.maketrans("一二三四五六七八九", "123456789")


def _with_digits(phrase: str) -> str:
    """第一品牌 is also written 第1品牌 (or 第①品牌, which normalises to it)."""
    variant = phrase.translate(_NUMERALS)
    return variant if variant != phrase else ""


class LexiconDetector:
    name = "lexicon"

    def __init__(self, phrases: PhraseList, normalizer: Normalizer) -> None:
        # Phrases are normalised like the text (simplified, lower-case, separators dropped), so a
        # list may be written in traditional characters or with "100%"; the compact form is what
        # the automaton sees.
        entries: dict[str, str | None] = {}
        whole: set[str] = set()
        for category, items in phrases.banned.items():
            for phrase in items:
                # "=滚": abusive only as a clause of its own ("滚，别烦我"), never inside 滚筒.
                standalone = phrase.startswith(WHOLE_CLAUSE)
                key = normalizer(phrase.removeprefix(WHOLE_CLAUSE)).compact
                for variant in (key, _with_digits(key)):
                    if variant:
                        entries.setdefault(variant, category)
                        if standalone:
                            whole.add(variant)
        for phrase in phrases.allowed:
            key = normalizer(phrase).compact
            if key:
                entries[key] = None  # allowed: wins over a banned phrase of the same text
        self._keys = list(entries)
        self._categories = [entries[key] for key in self._keys]
        self._latin = [key.isascii() for key in self._keys]
        self._whole = [key in whole for key in self._keys]
        self._automaton = AhoCorasick(self._keys, matchkind=MatchKind.LeftmostLongest)
        self.size = len(self._keys)

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings: list[Finding] = []
        for index, start, end in self._automaton.find_matches_as_indexes(text.compact):
            category = self._categories[index]
            if category is None or not text.gaps_ok(start, end):
                continue
            if self._latin[index] and not (
                is_latin_boundary(text.shadow_before(start))
                and is_latin_boundary(text.shadow_after(end))
            ):
                continue
            if self._whole[index] and not _a_whole_clause(text.compact, start, end):
                continue
            findings.append(
                finding_from_compact(
                    text, f"lexicon.{category}", category, start, end, self._keys[index]
                )
            )
        return findings


class AllowedSpans:
    """Where a list of allowed phrases occurs in a text (compact spans): what the answer model
    is not shown, so that a shop's allowed phrase is allowed by the model as by the lexicon."""

    def __init__(self, phrases: Iterable[str], normalizer: Normalizer) -> None:
        keys = sorted({key for phrase in phrases if (key := normalizer(phrase).compact)})
        self._automaton = AhoCorasick(keys, matchkind=MatchKind.LeftmostLongest) if keys else None

    def __call__(self, text: NormalizedText) -> list[tuple[int, int]]:
        if self._automaton is None:
            return []
        return [(s, e) for _, s, e in self._automaton.find_matches_as_indexes(text.compact)]
