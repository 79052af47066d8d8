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

**r2, repeats by meaning.** Edit distance misses a bot that rewords its canned answer (退款1-3个
工作日原路退回, then 款项将在三个工作日内退回原支付账户: 30% alike). ``meaning_fingerprint``
writes ``r2:<digest>:<length>:<facts>:<text>``: the r1 digest and length, the hashes of the
answer's facts (guardrails/facts.py: times, dates, places, numbers, statuses; 6 hex digits each,
``.``-separated) and its meaning text, the canonical text with every fact but a status masked
and the courtesy formulas, particles and forms of address dropped (非常抱歉, 感谢理解, 亲, 哦,
您, 请, 的 …), first ``MEANING_CHARS`` characters. Two answers repeat when

- the later one states no fact the earlier one did not (a new location, time, date, number or
  status is an update, never a loop), and
- the Dice overlap of the sets of characters of their meaning texts is at least
  ``MEANING_THRESHOLD``.

Sets of single characters, because a reworded canned answer keeps its words but not their order
or their neighbours (款项/退款, 原支付账户/原路). While calibrating on the labelled answer pairs of
the train conversations, bigrams, trigrams, IDF weights, a synonym table and a logistic mix of
these did no better out of fold and were not kept. The threshold is the best F0.5 on those pairs
(``python -m guardrails.models.evaluate_conversations --fit``); chosen by writer folds it moves by
0.02 at most. An r1 and an r2 fingerprint of the same canonical text repeat (same digest);
otherwise the two versions do not compare.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .facts import find_facts, mask_facts
from .normalize import Normalizer, default_normalizer

VERSION = "r1"
HEAD_CHARS = 200
REPEAT_THRESHOLD = 0.9

MEANING_VERSION = "r2"
MEANING_CHARS = 80
MEANING_THRESHOLD = 0.54
MAX_FACTS = 24
FACT_HEX = 6

_NOT_A_WORD = re.compile(r"[\W_]+")
# Said in every answer, so they make any two answers alike: courtesy formulas (apologies,
# empathy, thanks), particles and forms of address. Longer first: 亲亲 before 亲.
_PARTICLES = re.compile(
    "非常抱歉|很抱歉|抱歉|不好意思|给您带来不便|带来不便|给您带来不好的体验|带来不好的体验|给您带来困扰"
    "|理解您的心情|理解您着急的心情|感谢您的理解|感谢理解|感谢您的耐心|不用担心|麻烦您|麻烦"
    "|亲亲|亲|哦|呢|呀|啦|哈|噢|喔|嗯|的|了|您好|您|请|吧|一下|哟|好的|这边|我们|为您|给您"
)
_FACT_HASH = re.compile(f"[0-9a-f]{{{FACT_HEX}}}")


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
    return _canonical_shadow((normalizer or default_normalizer())(text).shadow)


def _canonical_shadow(shadow: str) -> str:
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
    new: str | Fingerprint | MeaningFingerprint,
    previous: Sequence[str | Fingerprint | MeaningFingerprint],
    threshold: float = REPEAT_THRESHOLD,
    meaning_threshold: float = MEANING_THRESHOLD,
) -> bool:
    """True when the answer fingerprinted as ``new`` repeats one of ``previous`` (fingerprints,
    as stored, of either version): near-identical for two r1 fingerprints (``threshold``), alike
    in meaning with no new fact for two r2 (``meaning_threshold``), the same canonical text for
    one of each. Entries that cannot be read are skipped."""
    return count_repeats(new, previous, threshold, meaning_threshold, stop_at=1) > 0


def count_repeats(
    new: str | Fingerprint | MeaningFingerprint,
    previous: Sequence[str | Fingerprint | MeaningFingerprint],
    threshold: float = REPEAT_THRESHOLD,
    meaning_threshold: float = MEANING_THRESHOLD,
    *,
    stop_at: int | None = None,
) -> int:
    """How many of ``previous`` the answer ``new`` repeats (see ``is_repeat``), counting no
    further than ``stop_at``: a shop escalating at the n-th answer of a kind needs n - 1."""
    for name, value in (("threshold", threshold), ("meaning_threshold", meaning_threshold)):
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{name} must be in (0, 1], not {value}")
    parsed = read_fingerprint(new)
    if parsed is None:
        return 0
    count = 0
    for entry in previous:
        other = read_fingerprint(entry)
        if other is None or not _alike(parsed, other, threshold, meaning_threshold):
            continue
        count += 1
        if stop_at is not None and count >= stop_at:
            break
    return count


def _alike(
    new: Fingerprint | MeaningFingerprint,
    earlier: Fingerprint | MeaningFingerprint,
    threshold: float,
    meaning_threshold: float,
) -> bool:
    if isinstance(new, MeaningFingerprint) and isinstance(earlier, MeaningFingerprint):
        return meaning_similarity(new, earlier) >= meaning_threshold
    if isinstance(new, Fingerprint) and isinstance(earlier, Fingerprint):
        return similar_enough(new, earlier, threshold)
    # One of each (stored before and after a switch of version): the same canonical text only.
    return new.digest == earlier.digest and new.length == earlier.length


# --- r2: repeats by meaning -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeaningFingerprint:
    """A parsed r2 fingerprint: the r1 digest and length of the canonical text, the hashes of
    the answer's facts, and its meaning text (see the module docstring)."""

    digest: str
    length: int
    facts: frozenset[str]
    text: str
    chars: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chars", frozenset(self.text))

    def __str__(self) -> str:
        facts = ".".join(sorted(self.facts))
        return f"{MEANING_VERSION}:{self.digest}:{self.length}:{facts}:{self.text}"

    @classmethod
    def parse(cls, value: str) -> MeaningFingerprint | None:
        """None for anything this version did not write (r1, a damaged entry)."""
        parts = value.split(":")
        if len(parts) != 5:
            return None
        version, digest, length, facts, text = parts
        if version != MEANING_VERSION or len(digest) != 16 or not length.isdigit():
            return None
        if not _HEX16.fullmatch(digest) or len(text) > MEANING_CHARS:
            return None
        hashes = facts.split(".") if facts else []
        if len(hashes) > MAX_FACTS or not all(_FACT_HASH.fullmatch(h) for h in hashes):
            return None
        if _NOT_A_WORD.search(text) is not None:
            return None
        return cls(digest, int(length), frozenset(hashes), text)


_HEX16 = re.compile("[0-9a-f]{16}")


def meaning_fingerprint(text: str, normalizer: Normalizer | None = None) -> str:
    """The r2 fingerprint of a bot answer, a few hundred bytes at most (see the module
    docstring)."""
    return str(make_meaning_fingerprint(text, normalizer))


def make_meaning_fingerprint(text: str, normalizer: Normalizer | None = None) -> MeaningFingerprint:
    shadow = (normalizer or default_normalizer())(text).shadow
    value = _canonical_shadow(shadow)  # r1's canonical text, from the same normalisation
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).hexdigest()
    facts = find_facts(shadow)
    hashes = sorted({_fact_hash(fact.key) for fact in facts})[:MAX_FACTS]
    meaning = meaning_text(mask_facts(shadow, facts))
    return MeaningFingerprint(digest, len(value), frozenset(hashes), meaning[:MEANING_CHARS])


def meaning_text(masked_shadow: str) -> str:
    """What two answers are compared on: letters, digits and ideographs of the masked shadow,
    without particles and forms of address."""
    return _PARTICLES.sub("", _NOT_A_WORD.sub("", masked_shadow))


def _fact_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=FACT_HEX // 2).hexdigest()


def meaning_similarity(new: str | MeaningFingerprint, earlier: str | MeaningFingerprint) -> float:
    """How far ``new`` (the later answer) repeats ``earlier`` in meaning, in [0, 1]: 1.0 for the
    same canonical text, 0.0 when ``new`` states a fact ``earlier`` did not or either cannot be
    read, else the Dice overlap of their meaning texts' characters. Not symmetric: an answer
    that drops a fact can repeat one that stated it, not the other way round."""
    a = new if isinstance(new, MeaningFingerprint) else _read_meaning(new)
    b = earlier if isinstance(earlier, MeaningFingerprint) else _read_meaning(earlier)
    if a is None or b is None:
        return 0.0
    if a.digest == b.digest and a.length == b.length:
        return 1.0
    if not a.facts <= b.facts:
        return 0.0
    if not a.chars or not b.chars:
        return 0.0
    return 2 * len(a.chars & b.chars) / (len(a.chars) + len(b.chars))


def read_fingerprint(
    value: str | Fingerprint | MeaningFingerprint,
) -> Fingerprint | MeaningFingerprint | None:
    """A stored fingerprint of either version, parsed; None when it cannot be read."""
    if isinstance(value, (Fingerprint, MeaningFingerprint)):
        return value
    return _read_cached(value)


@functools.lru_cache(maxsize=4096)
def _read_cached(value: str) -> Fingerprint | MeaningFingerprint | None:
    # The same stored strings are read again for every answer of a conversation: parse once.
    if value.startswith(f"{MEANING_VERSION}:"):
        return MeaningFingerprint.parse(value)
    return Fingerprint.parse(value)


def _read_meaning(value: str) -> MeaningFingerprint | None:
    parsed = _read_cached(value)
    return parsed if isinstance(parsed, MeaningFingerprint) else None


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
