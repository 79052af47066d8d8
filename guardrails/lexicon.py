"""Phrase lists (one phrase a line, ``#`` comments, a category per file) and their loader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ALLOW = "allow"


class LexiconError(ValueError):
    """A lexicon file that cannot be read or holds something that is not a phrase."""


@dataclass(frozen=True, slots=True)
class PhraseList:
    """Banned phrases by category, and allowed phrases that win over banned ones inside them."""

    banned: Mapping[str, tuple[str, ...]]
    allowed: tuple[str, ...] = ()

    def merged(self, other: PhraseList) -> PhraseList:
        banned = {category: tuple(phrases) for category, phrases in self.banned.items()}
        for category, phrases in other.banned.items():
            banned[category] = banned.get(category, ()) + tuple(phrases)
        return PhraseList(banned, self.allowed + other.allowed)

    def with_allowed(self, phrases: Iterable[str]) -> PhraseList:
        return PhraseList(self.banned, self.allowed + tuple(phrases))


def read_phrases(path: Path) -> tuple[str, ...]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: cannot read: {exc}") from exc
    phrases = []
    for line in lines:
        phrase = line.strip()
        if phrase and not phrase.startswith("#"):
            phrases.append(phrase)
    return tuple(phrases)


def load_phrase_dir(directory: Path) -> PhraseList:
    """``<category>.txt`` files of banned phrases plus ``allow.txt``; sub-directories ignored."""
    if not directory.is_dir():
        raise LexiconError(f"{directory}: lexicon directory not found")
    banned: dict[str, tuple[str, ...]] = {}
    allowed: tuple[str, ...] = ()
    for path in sorted(directory.glob("*.txt")):
        if path.stem == ALLOW:
            allowed = read_phrases(path)
        else:
            banned[path.stem] = read_phrases(path)
    return PhraseList(banned, allowed)
