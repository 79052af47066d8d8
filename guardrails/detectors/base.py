"""The detector protocol and the helpers detectors share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from ahocorasick_rs import AhoCorasick, MatchKind

from ..normalize import MAX_GAP, DigitRun, NormalizedText
from ..types import Finding


class Detector(Protocol):
    """Pure and synchronous: reads a normalised text, returns what it found, never raises."""

    name: str

    def detect(self, text: NormalizedText) -> list[Finding]: ...


def mask(value: str, keep_start: int = 2, keep_end: int = 2) -> str:
    """``13800138000`` -> ``138****8000``-style evidence that names the kind, not the contact."""
    value = "".join(value.split())
    if len(value) <= keep_start + keep_end:
        return "*" * max(len(value), 3)
    return value[:keep_start] + "****" + value[len(value) - keep_end :]


def finding_from_compact(
    text: NormalizedText, rule: str, category: str, start: int, end: int, evidence: str
) -> Finding:
    original_start, original_end = text.compact_to_original(start, end)
    return Finding(rule, category, original_start, original_end, evidence)


def finding_from_shadow(
    text: NormalizedText, rule: str, category: str, start: int, end: int, evidence: str
) -> Finding:
    original_start, original_end = text.original_span(start, end)
    return Finding(rule, category, original_start, original_end, evidence)


def compact_matches(
    pattern: re.Pattern[str], text: NormalizedText, group: int | str = 0
) -> Iterator[re.Match[str]]:
    """Matches on the compact view whose characters are no further apart than MAX_GAP."""
    for match in pattern.finditer(text.compact):
        start, end = match.span(group)
        if start < end and text.gaps_ok(start, end, MAX_GAP):
            yield match


class Triggers:
    """Words one of which every pattern of a detector contains: a cheap test before the regexes
    (an alternation in Python's re tries every branch at every position; an automaton does not)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._automaton = AhoCorasick(sorted(set(words)), matchkind=MatchKind.LeftmostFirst)

    def found_in(self, text: str) -> bool:
        return bool(self._automaton.find_matches_as_indexes(text))


def is_latin_boundary(char: str) -> bool:
    """True when ``char`` cannot continue a Latin word (so a short Latin keyword stands alone)."""
    return not (char.isascii() and char.isalnum())


def digit_runs(text: NormalizedText) -> tuple[DigitRun, ...]:
    return text.digit_runs
