"""snownlp's word segmentation: the same model, decoded over ten times faster in a tenth the memory.

snownlp segments Chinese with a character-based generative model (a second-order HMM over the tags
b/m/e/s, interpolating unigram, bigram and trigram counts of (character, tag) pairs). Its Python
decoder scores all 64 tag trigrams at every character through nested dict lookups (about 0.15 ms
a character), and loading its model makes a million tuple-keyed dicts (3 s, about 390 MB).

``SegmentationModel`` decodes the same model to the same words:

- the counts are turned once into the very floats snownlp computes (λ₁·P(c,t), λ₂·C(bigram)/C(…),
  λ₃·C(trigram)/C(…)) and kept in flat sorted arrays keyed by character ids (about 35 MB);
- at each character, the best predecessor of every tag pair is found once per previous tag, and
  the trigram term, which is zero for most tag triples, is looked at only where the trained counts
  have one. Ties are broken, and unknown characters handled, exactly as snownlp's decoder does.

The compact tables are built from snownlp's installed model file by ``build_tables`` (seconds, in
a child process: see ``models.py``) and cached on disk; loading them takes milliseconds.
"""

from __future__ import annotations

import array
import functools
import gzip
import hashlib
import json
import marshal
import math
import os
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
MAGIC = b"cs-gateway segmentation tables\n"
TAGS = ("b", "m", "e", "s")
BOS = 4  # the begin-of-sentence pseudo tag; its character is snownlp's '' (id 0 here)
_TAG_INDEX = {"b": 0, "m": 1, "e": 2, "s": 3, "BOS": BOS}
_NEG_INF = float("-inf")
_NEG_ROW = (_NEG_INF,) * 25
_NO_EXTRA: dict[int, dict[int, float]] = {}  # a shared "no entry" result: never mutated

# snownlp segments runs of these characters with the model; everything else is split on spaces.
HAN_RUN = re.compile("([\u4e00-\u9fa5]+)")


class SegmentationModelError(Exception):
    """The tables file is missing, truncated, or of another format."""


@dataclass(frozen=True, slots=True)
class Tables:
    """The model as flat arrays. Keys are character ids in base ``radix`` (id 0 is BOS), sorted;
    ``*_offsets[i]:*_offsets[i+1]`` are the entries of ``*_keys[i]``; an entry's code is its tag
    pair (t1·5+s) or triple ((t0·5+t1)·5+s) and its value the term snownlp adds for it."""

    chars: str
    unigram: array.array[float]  # 4 per character id: λ₁·P(c, t) for t in b, m, e, s
    pair_keys: array.array[int]
    pair_offsets: array.array[int]
    pair_codes: array.array[int]
    pair_values: array.array[float]
    triple_keys: array.array[int]
    triple_offsets: array.array[int]
    triple_codes: array.array[int]
    triple_values: array.array[float]

    _ARRAYS = (
        ("unigram", "d"),
        ("pair_keys", "q"),
        ("pair_offsets", "q"),
        ("pair_codes", "B"),
        ("pair_values", "d"),
        ("triple_keys", "q"),
        ("triple_offsets", "q"),
        ("triple_codes", "B"),
        ("triple_values", "d"),
    )

    @property
    def radix(self) -> int:
        return len(self.chars) + 1

    def save(self, path: Path, source_digest: str) -> None:
        header = {"format": FORMAT, "source": source_digest, "chars": self.chars, "arrays": {}}
        blobs = []
        for name, _ in self._ARRAYS:
            blob = getattr(self, name).tobytes()
            header["arrays"][name] = len(blob)  # type: ignore[index]
            blobs.append(blob)
        head = json.dumps(header, ensure_ascii=False).encode("utf-8")
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # processes may build at once
        with tmp.open("wb") as out:
            out.write(MAGIC + len(head).to_bytes(8, "little") + head)
            for blob in blobs:
                out.write(blob)
        tmp.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> tuple[Tables, str]:
        """The tables and the digest of the snownlp model they were built from."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SegmentationModelError(f"{path}: cannot read: {exc}") from exc
        try:
            if not data.startswith(MAGIC):
                raise ValueError("not a segmentation tables file")
            at = len(MAGIC)
            size = int.from_bytes(data[at : at + 8], "little")
            header = json.loads(data[at + 8 : at + 8 + size])
            if header.get("format") != FORMAT:
                raise ValueError(f"format {header.get('format')}, expected {FORMAT}")
            at += 8 + size
            arrays: dict[str, Any] = {}
            for name, typecode in cls._ARRAYS:
                length = header["arrays"][name]
                values = array.array(typecode)
                values.frombytes(data[at : at + length])
                arrays[name] = values
                at += length
            if at != len(data):
                raise ValueError("trailing or missing bytes")
        except (ValueError, KeyError, TypeError) as exc:
            raise SegmentationModelError(f"{path}: {exc}") from exc
        return cls(chars=header["chars"], **arrays), str(header["source"])


def snownlp_model_digest(model_file: Path) -> str:
    return hashlib.sha256(model_file.read_bytes()).hexdigest()


def build_tables(model_file: Path) -> Tables:
    """Compile snownlp's segmentation model file (``seg.marshal.3``, gzip + marshal) into tables.

    Every value is computed with the same float operations, in the same order, as snownlp's
    ``CharacterBasedGenerativeModel.log_prob``, so the decoder's sums are bit for bit its sums.
    """
    raw = model_file.read_bytes()
    try:
        raw = gzip.decompress(raw)
    except OSError:
        pass  # snownlp also reads the file plain when it is not gzip
    model = marshal.loads(raw)
    l1, l2, l3 = model["l1"], model["l2"], model["l3"]
    unigrams: dict[tuple[str, str], int] = model["uni"]["d"]
    bigrams: dict[tuple[tuple[str, str], tuple[str, str]], int] = model["bi"]["d"]
    trigrams: dict[tuple[tuple[str, str], ...], int] = model["tri"]["d"]
    total = model["uni"]["total"]

    chars = "".join(sorted({char for char, tag in unigrams if tag in TAGS and char}))
    ids = {char: index + 1 for index, char in enumerate(chars)}
    ids[""] = 0
    radix = len(chars) + 1

    unigram = array.array("d", [0.0] * (4 * radix))
    for (char, tag), count in unigrams.items():
        if char in ids and tag in TAGS:
            unigram[4 * ids[char] + _TAG_INDEX[tag]] = l1 * (float(count) / total)

    def div(v1: float, v2: float) -> float:
        return 0.0 if v2 == 0 else float(v1) / v2

    pairs: dict[int, list[tuple[int, float]]] = {}
    for ((c1, t1), (c2, t2)), count in bigrams.items():
        if c1 in ids and c2 in ids and t2 in TAGS:
            key = ids[c1] * radix + ids[c2]
            value = div(l2 * count, unigrams.get((c1, t1), 0))
            pairs.setdefault(key, []).append((_TAG_INDEX[t1] * 5 + _TAG_INDEX[t2], value))
    triples: dict[int, list[tuple[int, float]]] = {}
    for ((c0, t0), (c1, t1), (c2, t2)), count in trigrams.items():
        if c0 in ids and c1 in ids and c2 in ids and t2 in TAGS:
            key = (ids[c0] * radix + ids[c1]) * radix + ids[c2]
            value = div(l3 * count, bigrams.get(((c0, t0), (c1, t1)), 0))
            code = (_TAG_INDEX[t0] * 5 + _TAG_INDEX[t1]) * 5 + _TAG_INDEX[t2]
            triples.setdefault(key, []).append((code, value))

    def flatten(
        entries: dict[int, list[tuple[int, float]]],
    ) -> tuple[array.array[int], array.array[int], array.array[int], array.array[float]]:
        keys, offsets = array.array("q"), array.array("q", [0])
        codes, values = array.array("B"), array.array("d")
        for key in sorted(entries):
            keys.append(key)
            for code, value in sorted(entries[key]):
                codes.append(code)
                values.append(value)
            offsets.append(len(codes))
        return keys, offsets, codes, values

    return Tables(chars, unigram, *flatten(pairs), *flatten(triples))


class SegmentationModel:
    """Splits text into words as ``snownlp.seg.seg`` does. Immutable; safe to share."""

    def __init__(
        self, tables: Tables, *, cache_size: int = 8192, ngram_cache_size: int = 16384
    ) -> None:
        """``cache_size`` runs of Han characters keep their words (shoppers repeat themselves:
        在吗, 什么时候发货); 0 turns the cache off."""
        self._tables = tables
        self._run_words: Callable[[str], tuple[str, ...]] = self._segment_run_tuple
        self._caches_runs = cache_size > 0
        # Character pairs and triples recur across messages far more than whole runs do: their
        # table entries, looked up by bisection and unpacked, are memoised (a few MB at most).
        self._pair_of = self._pair_of_uncached
        self._triple_terms = self._triple_terms_of
        if ngram_cache_size:
            self._pair_of = functools.lru_cache(maxsize=ngram_cache_size)(self._pair_of_uncached)
            self._triple_terms = functools.lru_cache(maxsize=ngram_cache_size)(
                self._triple_terms_of
            )
        if cache_size:
            self._run_words = functools.lru_cache(maxsize=cache_size)(self._segment_run_tuple)
        self._radix = tables.radix
        self._ids = {char: index + 1 for index, char in enumerate(tables.chars)}
        unigram = tables.unigram
        self._unigram: list[tuple[float, float, float, float]] = [
            (unigram[4 * i], unigram[4 * i + 1], unigram[4 * i + 2], unigram[4 * i + 3])
            for i in range(self._radix)
        ]
        self._log_unigram = [
            tuple(math.log(value) if value else _NEG_INF for value in row) for row in self._unigram
        ]
        # The same, repeated for every previous tag: indexed by state t1·5+s (s 4 is unused).
        self._unigram_by_state = [(*row, 0.0) * 5 for row in self._unigram]
        self._log_unigram_by_state = [(*row, _NEG_INF) * 5 for row in self._log_unigram]

    @property
    def tables(self) -> Tables:
        return self._tables

    def words(self, text: str) -> list[str]:
        """``snownlp.seg.seg(text)``: Han runs through the model, the rest split on spaces."""
        words: list[str] = []
        for piece in HAN_RUN.split(text):
            piece = piece.strip()
            if not piece:
                continue
            if HAN_RUN.match(piece):
                words.extend(self._run_words(piece))
            else:
                words.extend(piece.split())
        return words

    def warm_steps(self, text: str) -> Iterator[None]:
        """Decodes the Han runs of ``text`` into the run cache, one run per step, so that a
        following ``words(text)`` only reads the cache. Nothing to do without a cache."""
        if not self._caches_runs:
            return
        for piece in HAN_RUN.findall(text):
            self._run_words(piece)
            yield

    def _segment_run_tuple(self, run: str) -> tuple[str, ...]:
        return tuple(self.segment_run(run))

    def segment_run(self, run: str) -> Iterator[str]:
        """The words of one run of Han characters (snownlp's ``Seg.seg``)."""
        word = ""
        for char, tag in zip(run, self.tags(run), strict=True):
            if tag == 2:  # e
                yield word + char
                word = ""
            elif tag == 0 or tag == 3:  # b, s
                if word:
                    yield word
                word = char
            else:
                word += char
        if word:
            yield word

    def tags(self, run: str) -> list[int]:
        """The best tag sequence (0..3 for b, m, e, s), decoded as snownlp's ``tag`` does.

        A state is (tag of the previous character, tag of this one); ``scores`` and ``backs`` are
        indexed t0·5+t1. snownlp keeps its states in the order (this tag, previous tag) and takes
        the first best on a tie, which here means the lowest previous tag; for a character it has
        never seen it copies the last state's score instead, which means the highest.
        """
        radix = self._radix
        pair_of, triple_terms = self._pair_of, self._triple_terms
        ids = self._ids
        scores = [_NEG_INF] * 25
        scores[BOS * 5 + BOS] = 0.0
        previous_tags: tuple[int, ...] = (BOS,)  # tags the previous character can have
        earlier_tags: tuple[int, ...] = (BOS,)  # tags the one before it can have
        # Back-pointers in bytearrays and two score rows used in turn: few objects for the
        # garbage collector to count, so scoring does not bring its pauses on more often.
        history: list[bytearray] = []
        spare = [_NEG_INF] * 25
        id1 = id0 = 0  # ids of the previous two characters; 0 is BOS, -1 unknown
        log = math.log
        for char in run:
            cid = ids.get(char, -1)
            new_scores = spare
            new_scores[:] = _NEG_ROW
            backs = bytearray(25)
            if cid < 0:
                last = earlier_tags[-1]
                for t1 in previous_tags:
                    value = scores[last * 5 + t1]
                    for s in range(4):
                        new_scores[t1 * 5 + s] = value
                        backs[t1 * 5 + s] = last
            else:
                found, totals, lps = pair_of(id1 if id1 >= 0 else -1, cid)
                extra = _NO_EXTRA
                if found and id0 >= 0:
                    extra = triple_terms(id0 * radix + id1, cid)
                for t1 in previous_tags:
                    best_t0 = earlier_tags[0]
                    best = scores[best_t0 * 5 + t1]
                    for t0 in earlier_tags[1:]:
                        value = scores[t0 * 5 + t1]
                        if value > best:
                            best, best_t0 = value, t0
                    for state in range(t1 * 5, t1 * 5 + 4):
                        lp = lps[state]
                        terms = extra.get(state) if extra else None
                        if terms is None:
                            new_scores[state] = best + lp
                            # Every candidate is -inf then; snownlp keeps the first.
                            backs[state] = best_t0 if lp > _NEG_INF else earlier_tags[0]
                            continue
                        first = True
                        for t0 in earlier_tags:
                            term = terms.get(t0)
                            if term is None:
                                candidate = scores[t0 * 5 + t1] + lp
                            else:
                                whole = totals[state] + term
                                candidate = scores[t0 * 5 + t1] + (
                                    log(whole) if whole else _NEG_INF
                                )
                            if first or candidate > new_scores[state]:
                                new_scores[state] = candidate
                                backs[state] = t0
                                first = False
            history.append(backs)
            spare, scores = scores, new_scores
            earlier_tags, previous_tags = previous_tags, (0, 1, 2, 3)
            id0, id1 = id1, cid
        # The first best state in snownlp's order: this tag first, then the previous tag.
        best_state, best = -1, _NEG_INF
        for s in range(4):
            for t1 in earlier_tags:
                state = t1 * 5 + s
                if best_state < 0 or scores[state] > best:
                    best_state, best = state, scores[state]
        tags = [0] * len(run)
        t1, s = divmod(best_state, 5)
        for position in range(len(run) - 1, -1, -1):
            tags[position] = s
            t0 = history[position][t1 * 5 + s]
            t1, s = t0, t1
        return tags

    def _pair_of_uncached(
        self, id1: int, cid: int
    ) -> tuple[bool, tuple[float, ...], tuple[float, ...]]:
        """For the pair (previous character, this one), by state t1·5+s: whether the model has
        the pair, the unigram + bigram count, and its log (snownlp's ``log_prob`` without the
        trigram). ``id1`` -1: the previous character is unknown, the unigram alone counts."""
        entries = self._entries(id1, cid, True) if id1 >= 0 else None
        if entries is None:
            return False, self._unigram_by_state[cid], self._log_unigram_by_state[cid]
        uni = self._unigram[cid]
        totals = list(self._unigram_by_state[cid])
        lps = list(self._log_unigram_by_state[cid])
        for code, value in zip(*entries, strict=True):
            total = uni[code % 5] + value
            totals[code] = total
            lps[code] = math.log(total) if total else _NEG_INF
        return True, tuple(totals), tuple(lps)

    def _triple_terms_of(self, prefix: int, cid: int) -> dict[int, dict[int, float]]:
        """State code → {tag two characters back: trigram count} for the three characters."""
        entries = self._entries(prefix, cid, False)
        if entries is None:
            return _NO_EXTRA
        extra: dict[int, dict[int, float]] = {}
        codes, values = entries
        for code, value in zip(codes, values, strict=True):
            extra.setdefault(code % 25, {})[code // 25] = value
        return extra

    def _entries(
        self, prefix: int, cid: int, pair: bool
    ) -> tuple[array.array[int], array.array[float]] | None:
        t = self._tables
        if pair:
            keys, offsets, codes, values = t.pair_keys, t.pair_offsets, t.pair_codes, t.pair_values
        else:
            keys, offsets = t.triple_keys, t.triple_offsets
            codes, values = t.triple_codes, t.triple_values
        key = prefix * self._radix + cid
        index = bisect_left(keys, key)
        if index == len(keys) or keys[index] != key:
            return None
        start, end = offsets[index], offsets[index + 1]
        return codes[start:end], values[start:end]
