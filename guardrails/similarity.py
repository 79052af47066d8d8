"""Answer fingerprints for repeat detection: pure; storing them is the gateway's business.

Two bot answers are the same when their canonical text is equal, or near-identical: an edit
distance of at most 10% of the longer one (``REPEAT_THRESHOLD``). The canonical text is the
normaliser's shadow (full-width folded, traditional to simplified, lower case) with whitespace,
punctuation, emoji and every other non-word character removed.

A fingerprint is a string the gateway can keep per conversation (the last few answers) and
compare in any process: ``r1:<digest>:<length>:<head>``, where ``digest`` is a BLAKE2b hash of
the whole canonical text, ``length`` its length and ``head`` its first ``HEAD_CHARS``
characters. The head is stored rather than a MinHash or SimHash signature because the answers
that matter are short: a sketch of a 20-character answer cannot tell 已发货 from 已签收, and an
estimate of 0.9 similarity from 64 hashes wobbles by ±0.04 either side of the threshold, while
an edit distance on the text itself is exact and takes tens of microseconds. The cost is a few
hundred bytes an answer; the same answers are already kept in the conversation's log.

Edit distance measured as a share of the length is what separates a stuck bot from a template:
one word changed in a 30-character boilerplate answer is 93% the same, while 亲，您的订单已发货
and 亲，您的订单已签收 differ in 2 of 8 characters (75%) and are different answers.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import Normalizer, default_normalizer

VERSION = "r1"
HEAD_CHARS = 200
REPEAT_THRESHOLD = 0.9

_NOT_A_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A parsed fingerprint: the hash and length of the canonical text, and its first characters."""

    digest: str
    length: int
    head: str

    @property
    def truncated(self) -> bool:
        return self.length > len(self.head)

    def __str__(self) -> str:
        return f"{VERSION}:{self.digest}:{self.length}:{self.head}"

    @classmethod
    def parse(cls, value: str) -> Fingerprint | None:
        """None for anything this version did not write (an older format, a damaged entry)."""
        version, _, rest = value.partition(":")
        digest, _, rest = rest.partition(":")
        length, _, head = rest.partition(":")
        if version != VERSION or len(digest) != 16 or not length.isdigit():
            return None
        if int(length) < len(head) or (int(length) > len(head) and len(head) != HEAD_CHARS):
            return None
        return cls(digest, int(length), head)


def canonical(text: str, normalizer: Normalizer | None = None) -> str:
    """The text two answers are compared on: shadow letters, digits and ideographs only. An answer
    with none of those (emoji only) keeps its shadow without whitespace, so it equals itself."""
    shadow = (normalizer or default_normalizer())(text).shadow
    words = _NOT_A_WORD.sub("", shadow)
    return words or "".join(shadow.split())


def fingerprint(text: str, normalizer: Normalizer | None = None) -> str:
    """A short, stable, storable fingerprint of a bot answer (see the module docstring)."""
    return str(make_fingerprint(text, normalizer))


def make_fingerprint(text: str, normalizer: Normalizer | None = None) -> Fingerprint:
    value = canonical(text, normalizer)
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).hexdigest()
    return Fingerprint(digest, len(value), value[:HEAD_CHARS])


def similarity(first: str | Fingerprint, second: str | Fingerprint) -> float:
    """1.0 for the same canonical text, else 1 - edit distance / the longer length, in [0, 1].
    0.0 when either fingerprint cannot be read.

    For answers longer than HEAD_CHARS only the heads are compared (plus the difference in
    length): two long answers that open with the same 200 characters count as near-identical,
    which to a shopper they are.
    """
    a = first if isinstance(first, Fingerprint) else Fingerprint.parse(first)
    b = second if isinstance(second, Fingerprint) else Fingerprint.parse(second)
    if a is None or b is None:
        return 0.0
    if a.digest == b.digest and a.length == b.length:
        return 1.0
    longest = max(a.length, b.length)
    if longest == 0:
        return 1.0
    distance = levenshtein(a.head, b.head)
    if a.truncated or b.truncated:
        distance = max(distance, abs(a.length - b.length))
    return max(0.0, 1.0 - distance / longest)


def similar_enough(
    first: str | Fingerprint, second: str | Fingerprint, threshold: float = REPEAT_THRESHOLD
) -> bool:
    """``similarity(first, second) >= threshold``, deciding cheaply where it can: the length
    difference and the character-count difference both bound the edit distance from below, so
    answers that are plainly different never reach the edit-distance computation (which costs
    ~75 us for two 100-character answers; the message path may compare against ten)."""
    a = first if isinstance(first, Fingerprint) else Fingerprint.parse(first)
    b = second if isinstance(second, Fingerprint) else Fingerprint.parse(second)
    if a is None or b is None:
        return False
    if a.digest == b.digest and a.length == b.length:
        return True
    longest = max(a.length, b.length)
    allowed = (1.0 - threshold) * longest
    if abs(a.length - b.length) > allowed:
        return False
    if not (a.truncated or b.truncated):
        # Every edit changes the multiset of characters by at most two.
        counts_a, counts_b = Counter(a.head), Counter(b.head)
        differing = sum((counts_a - counts_b).values()) + sum((counts_b - counts_a).values())
        if differing / 2 > allowed:
            return False
    return similarity(a, b) >= threshold


def is_repeat(
    new: str | Fingerprint,
    previous: Sequence[str | Fingerprint],
    threshold: float = REPEAT_THRESHOLD,
) -> bool:
    """True when the answer fingerprinted as ``new`` is the same as or near-identical to one of
    ``previous`` (fingerprints, as stored). Entries that cannot be read are skipped."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    parsed = new if isinstance(new, Fingerprint) else Fingerprint.parse(new)
    if parsed is None:
        return False
    for entry in previous:
        other = entry if isinstance(entry, Fingerprint) else Fingerprint.parse(entry)
        if other is None:
            continue
        if similar_enough(parsed, other, threshold):
            return True
    return False


def levenshtein(first: str, second: str) -> int:
    """Edit distance (insert, delete, substitute one character), bit-parallel (Myers 1999, in
    Hyyrö's formulation): one pass over the longer string with the shorter one as bit vectors."""
    if len(first) < len(second):
        first, second = second, first
    size = len(second)
    if size == 0:
        return len(first)
    masks: dict[str, int] = {}
    for index, char in enumerate(second):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << size) - 1
    last = 1 << (size - 1)
    plus, minus, score = full, 0, size
    for char in first:
        equal = masks.get(char, 0)
        vertical = equal | minus
        horizontal = (((equal & plus) + plus) ^ plus) | equal
        up = minus | ~(horizontal | plus)
        down = plus & horizontal
        if up & last:
            score += 1
        elif down & last:
            score -= 1
        up = (up << 1) | 1
        down <<= 1
        plus = (down | ~(vertical | up)) & full
        minus = (up & vertical) & full
    return score
