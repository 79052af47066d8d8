"""Handover at the right turn: repeats by meaning and frustration over turns, replayed turn by turn
on the labelled conversations, next to how the gateway decides today.

    python -m guardrails.models.evaluate_conversations --dev      # train writers
    python -m guardrails.models.evaluate_conversations --fit      # the constants to ship
    python -m guardrails.models.evaluate_conversations --frozen   # the frozen writers, once

Each conversation is replayed as the gateway would: the shopper's message is read (frustration;
with ``--screen`` also the message screen's explicit requests and sensitive matters), then the
bot's answer is compared with its last ``KEEP`` answers (repeats). The first turn that escalates
is the handover. It is on time at the labelled turn, or one turn early for building frustration;
a calm conversation must never be handed over.

Systems: ``today`` is similarity.is_repeat at 0.9 on r1 fingerprints plus two messages in a row
below the sentiment model's conversation threshold (``negative_conversation``); ``r2 +
frustration`` is repeats by meaning (r2) plus ``Frustration`` with the sentiment score, and again
without it (a scorer that is down).

``--dev`` gives development figures on the train writers: out of fold (the repeat threshold, the
frustration weights and threshold fitted on the other writers' folds, four folds of two writers),
then the shipped constants on all train writers, a regression figure since they were fitted
there. Answer pairs: every bot answer and each of its conversation's previous ``KEEP`` answers; a
pair repeats when ``repeat_of`` links them (directly or through another answer). ``--fit`` fits
on all train writers and prints the constants. ``--frozen`` replays the frozen writers with the
shipped constants; it is meant to be run once, at the end (shared/EVALUATION.md).

Fitting needs scikit-learn (the ``train`` extra); the gateway never imports this module.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace

from ..escalation import DEFAULT_POLICY, HUMAN_REQUEST, SENSITIVE, MessageScreen
from ..frustration import (
    FRUSTRATION,
    MAX_LENGTH,
    MAX_PRESSURE,
    MAX_TURN,
    NEGATIVE_BELOW,
    SHIPPED_WEIGHTS,
    THRESHOLD,
    Frustration,
    FrustrationState,
    FrustrationWeights,
    message_cues,
)
from ..similarity import (
    MEANING_THRESHOLD,
    REPEAT_THRESHOLD,
    count_repeats,
    fingerprint,
    meaning_fingerprint,
    meaning_similarity,
)
from .corpus import REPO, Conversation, Group, load_conversations, writer_folds

KEEP = 10  # the answers a conversation remembers (gateway/conversations/store.py)
FOLDS = 4
C = 1.0
REPEATED_ANSWER = "repeated_answer"
NEGATIVE_CONVERSATION = "negative_conversation"
REPEAT_GRID = tuple(round(0.30 + step / 100, 2) for step in range(66))  # 0.30 … 0.95
FRUSTRATION_GRID = tuple(round(-4.0 + step / 10, 1) for step in range(101))  # -4.0 … 6.0
DIGITS = 2

Key = tuple[str, int]  # conversation id, 0-based turn
Scores = dict[Key, float | None]


@dataclass(frozen=True, slots=True)
class Handover:
    turn: int  # 1-based
    reason: str


@dataclass(frozen=True, slots=True)
class Readings:
    """What the message screen said of every shopper message: sentiment and explicit reasons."""

    sentiment: Scores
    explicit: dict[Key, tuple[str, ...]]
    conversation_below: float


def read_messages(conversations: Sequence[Conversation], screen: MessageScreen) -> Readings:
    sentiment: Scores = {}
    explicit: dict[Key, tuple[str, ...]] = {}
    for conversation in conversations:
        for index, turn in enumerate(conversation.turns):
            verdict = screen.check(turn.shopper)
            sentiment[(conversation.id, index)] = verdict.sentiment
            explicit[(conversation.id, index)] = tuple(
                r for r in verdict.reasons if r in (HUMAN_REQUEST, SENSITIVE)
            )
    return Readings(sentiment, explicit, screen.conversation_below(DEFAULT_POLICY))


def shipped_screen() -> MessageScreen:
    from ..sentiment import ShopperSentiment
    from ..sentiment.tables_cache import load_segmentation

    scorer = ShopperSentiment.load(load_segmentation())
    return MessageScreen.from_directory(REPO / "config" / "lexicons" / "escalation", scorer)


# --- the systems ----------------------------------------------------------------------------

MessageRule = Callable[[Conversation, int, Readings, object], tuple[object, str | None]]


@dataclass(frozen=True)
class System:
    """A way to decide: a fingerprint and threshold for the bot's answers, and a rule for the
    shopper's messages that carries its own per-conversation state."""

    name: str
    fingerprint: Callable[[str], str]
    threshold: float
    meaning_threshold: float
    message: MessageRule
    start: Callable[[], object]
    screen: bool = False


def today_rule(
    conversation: Conversation, index: int, readings: Readings, state: object
) -> tuple[object, str | None]:
    """Two messages in a row below the conversation threshold (guardrails.conversation_negative)."""
    score = readings.sentiment[(conversation.id, index)]
    previous = state if isinstance(state, float) else None
    below = readings.conversation_below
    negative = previous is not None and score is not None and previous < below and score < below
    return score, NEGATIVE_CONVERSATION if negative else None


def frustration_rule(frustration: Frustration, use_sentiment: bool = True) -> MessageRule:
    def rule(
        conversation: Conversation, index: int, readings: Readings, state: object
    ) -> tuple[object, str | None]:
        sentiment = readings.sentiment[(conversation.id, index)] if use_sentiment else None
        current = state if isinstance(state, FrustrationState) else None
        text = conversation.turns[index].shopper
        new_state, escalate = frustration.update(current, text, sentiment)
        return new_state, FRUSTRATION if escalate else None

    return rule


def today() -> System:
    return System("today", fingerprint, REPEAT_THRESHOLD, MEANING_THRESHOLD, today_rule, _none)


def proposed(
    frustration: Frustration,
    meaning_threshold: float = MEANING_THRESHOLD,
    use_sentiment: bool = True,
    name: str = "r2 + frustration",
) -> System:
    rule = frustration_rule(frustration, use_sentiment)
    return System(
        name, meaning_fingerprint, REPEAT_THRESHOLD, meaning_threshold, rule, FrustrationState
    )


def _none() -> object:
    return None


def replay(conversation: Conversation, system: System, readings: Readings) -> Handover | None:
    """The first turn at which ``system`` hands ``conversation`` to a person, and why."""
    state = system.start()
    answers: list[str] = []  # newest first, as the gateway keeps them
    for index, turn in enumerate(conversation.turns):
        if system.screen and readings.explicit[(conversation.id, index)]:
            return Handover(index + 1, readings.explicit[(conversation.id, index)][0])
        state, reason = system.message(conversation, index, readings, state)
        if reason is not None:
            return Handover(index + 1, reason)
        answer = system.fingerprint(turn.bot)
        if count_repeats(answer, answers, system.threshold, system.meaning_threshold, stop_at=1):
            return Handover(index + 1, REPEATED_ANSWER)
        answers.insert(0, answer)
        del answers[KEEP:]
    return None


# --- outcomes -------------------------------------------------------------------------------


def judge(conversation: Conversation, handover: Handover | None) -> str:
    """on_time, early, late (missed), calm_ok or calm_handed_over."""
    wanted = conversation.handover_turn
    if wanted is None:
        return "calm_handed_over" if handover is not None else "calm_ok"
    if handover is None or handover.turn > wanted:
        return "late"
    allowed = wanted - 1 if conversation.reason == "frustration" else wanted
    return "on_time" if handover.turn >= allowed else "early"


@dataclass
class Tally:
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (reason, outcome)
    triggers: Counter[tuple[str, str]] = field(default_factory=Counter)  # (reason, trigger)

    def add(self, conversation: Conversation, handover: Handover | None) -> None:
        self.outcomes[(conversation.reason, judge(conversation, handover))] += 1
        self.triggers[(conversation.reason, handover.reason if handover else "-")] += 1

    def count(self, reason: str, outcome: str) -> int:
        return self.outcomes[(reason, outcome)]

    def total(self, reason: str) -> int:
        return sum(n for (r, _), n in self.outcomes.items() if r == reason)

    def merge(self, other: Tally) -> None:
        self.outcomes.update(other.outcomes)
        self.triggers.update(other.triggers)


def tally(conversations: Sequence[Conversation], system: System, readings: Readings) -> Tally:
    result = Tally()
    for conversation in conversations:
        result.add(conversation, replay(conversation, system, readings))
    return result


NEED = ("bot_loop", "frustration")


def conversation_table(title: str, tallies: dict[str, Tally]) -> str:
    lines = [
        f"{title}",
        "",
        "| system | on time (all) | bot_loop | frustration | early | late | calm handed over |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, t in tallies.items():
        on_time = sum(t.count(r, "on_time") for r in NEED)
        needed = sum(t.total(r) for r in NEED)
        cells = [f"{on_time / needed:.3f} ({on_time}/{needed})" if needed else "-"]
        for reason in NEED:
            n = t.total(reason)
            cells.append(f"{t.count(reason, 'on_time')}/{n}" if n else "-")
        cells.append(" · ".join(f"{r} {t.count(r, 'early')}" for r in NEED))
        cells.append(" · ".join(f"{r} {t.count(r, 'late')}" for r in NEED))
        cells.append(f"{t.count('none', 'calm_handed_over')}/{t.total('none')}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, t in tallies.items():
        by = ", ".join(
            f"{reason}→{trigger} {n}" for (reason, trigger), n in sorted(t.triggers.items())
        )
        lines.append(f"- {name}, what fired: {by}")
    return "\n".join(lines)


# --- answer pairs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    conversation: str
    writer: str
    later: str  # the bot's answer
    earlier: str  # one of its previous KEEP answers
    repeat: bool


def _groups(conversation: Conversation) -> list[int]:
    """Each turn's group: turns linked by repeat_of (directly or not) share one."""
    parent = list(range(len(conversation.turns)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for index, turn in enumerate(conversation.turns):
        if turn.repeat_of:
            parent[root(index)] = root(turn.repeat_of - 1)
    return [root(index) for index in range(len(conversation.turns))]


def answer_pairs(conversations: Sequence[Conversation]) -> list[Pair]:
    pairs = []
    for conversation in conversations:
        groups = _groups(conversation)
        turns = conversation.turns
        for later in range(len(turns)):
            for earlier in range(max(0, later - KEEP), later):
                pairs.append(
                    Pair(
                        conversation.id,
                        conversation.writer,
                        turns[later].bot,
                        turns[earlier].bot,
                        groups[later] == groups[earlier],
                    )
                )
    return pairs


@dataclass
class PairTally:
    caught: int = 0
    false: int = 0
    missed: int = 0

    @property
    def precision(self) -> float:
        return self.caught / (self.caught + self.false) if self.caught + self.false else 0.0

    @property
    def recall(self) -> float:
        return self.caught / (self.caught + self.missed) if self.caught + self.missed else 0.0

    def add(self, repeat: bool, said: bool) -> None:
        if said and repeat:
            self.caught += 1
        elif said:
            self.false += 1
        elif repeat:
            self.missed += 1

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f} · recall {self.recall:.3f} "
            f"({self.caught} caught, {self.false} false, {self.missed} missed)"
        )


def meaning_scores(pairs: Sequence[Pair]) -> list[float]:
    return [
        meaning_similarity(meaning_fingerprint(p.later), meaning_fingerprint(p.earlier))
        for p in pairs
    ]


def choose_repeat_threshold(pairs: Sequence[Pair], scores: Sequence[float]) -> float:
    """The threshold with the best F0.5 on ``pairs`` (precision counts twice: a false repeat
    hands a calm conversation over); the higher one on a tie."""
    best = (-1.0, 0.0)
    for threshold in REPEAT_GRID:
        t = PairTally()
        for pair, score in zip(pairs, scores, strict=True):
            t.add(pair.repeat, score >= threshold)
        p, r = t.precision, t.recall
        f = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        best = max(best, (f, threshold))
    return best[1]


def pair_report(pairs: Sequence[Pair], folds: Sequence[tuple[str, ...]] | None) -> str:
    """Pair precision and recall: r1 at 0.9, and r2 (out of fold when ``folds`` are given)."""
    scores = meaning_scores(pairs)
    r1, r2 = PairTally(), PairTally()
    for pair in pairs:
        r1.add(pair.repeat, count_repeats(fingerprint(pair.later), [fingerprint(pair.earlier)]) > 0)
    chosen = []
    if folds:
        for held in folds:
            inside = [i for i, p in enumerate(pairs) if p.writer not in held]
            threshold = choose_repeat_threshold(
                [pairs[i] for i in inside], [scores[i] for i in inside]
            )
            chosen.append(threshold)
            for pair, score in zip(pairs, scores, strict=True):
                if pair.writer in held:
                    r2.add(pair.repeat, score >= threshold)
    else:
        for pair, score in zip(pairs, scores, strict=True):
            r2.add(pair.repeat, score >= MEANING_THRESHOLD)
    positives = sum(p.repeat for p in pairs)
    how = f"out of fold, thresholds {chosen}" if folds else f"threshold {MEANING_THRESHOLD}"
    return "\n".join(
        [
            f"Answer pairs: {len(pairs)} ({positives} repeats in meaning) in "
            f"{len({p.conversation for p in pairs})} conversations",
            f"- today, r1 edit distance ≥ {REPEAT_THRESHOLD}: {r1}",
            f"- r2 by meaning ({how}): {r2}",
        ]
    )


# --- fitting frustration --------------------------------------------------------------------


def message_rows(
    conversations: Sequence[Conversation], readings: Readings, decay: float
) -> Iterator[tuple[list[float], int | None]]:
    """Per shopper message, its features (as ``Frustration.score`` weighs them) and its label:
    1 at a frustrated conversation's handover, 0 where nothing may fire (every calm message,
    frustration two or more turns early, a bot loop before its turn), None where either is
    right."""
    for conversation in conversations:
        pressure = 0.0
        wanted = conversation.handover_turn
        for index, turn in enumerate(conversation.turns):
            cues = message_cues(turn.shopper)
            sentiment = readings.sentiment[(conversation.id, index)]
            negative = sentiment is not None and sentiment < NEGATIVE_BELOW
            gate = cues.beyond_waiting or negative
            length = min(cues.length, MAX_LENGTH) / 10 if gate else 0.0
            row = [float(n) for n in cues.counts] + [length, pressure, float(min(index, MAX_TURN))]
            number = index + 1
            label: int | None
            if wanted is None:
                label = 0
            elif conversation.reason == "frustration":
                label = 1 if number == wanted else (0 if number < wanted - 1 else None)
            else:
                label = 0 if number < wanted else None
            yield row, label
            pressure = round(min(pressure * decay + cues.total, MAX_PRESSURE), 3)


def fit_weights(
    conversations: Sequence[Conversation], readings: Readings, decay: float = 0.7
) -> FrustrationWeights:
    from sklearn.linear_model import LogisticRegression

    rows = [(x, y) for x, y in message_rows(conversations, readings, decay) if y is not None]
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit([x for x, _ in rows], [y for _, y in rows])
    coef = [round(float(w), DIGITS) for w in model.coef_[0]]
    names = [f.name for f in fields(FrustrationWeights)][: len(coef)]
    values = dict(zip(names, coef, strict=True))
    return FrustrationWeights(**values, bias=round(float(model.intercept_[0]), DIGITS), decay=decay)


def choose_frustration_threshold(
    conversations: Sequence[Conversation], readings: Readings, weights: FrustrationWeights
) -> float:
    """The highest threshold that hands no calm conversation over and no bot loop early, with
    the most frustrated conversations on time (frustration alone, as it will run beside the
    repeats)."""
    best: tuple[int, int, float] | None = None
    for threshold in FRUSTRATION_GRID:
        rule = frustration_rule(Frustration(weights, threshold))
        system = System("fit", meaning_fingerprint, 1.0, 1.0, rule, FrustrationState)
        t = Tally()
        for conversation in conversations:
            handover = _first_message_handover(conversation, system, readings)
            t.add(conversation, handover)
        harm = t.count("none", "calm_handed_over") + t.count("bot_loop", "early")
        key = (-harm, t.count("frustration", "on_time"), threshold)
        if best is None or key > best:
            best = key
    assert best is not None
    return best[2]


def _first_message_handover(
    conversation: Conversation, system: System, readings: Readings
) -> Handover | None:
    state = system.start()
    for index in range(len(conversation.turns)):
        state, reason = system.message(conversation, index, readings, state)
        if reason is not None:
            return Handover(index + 1, reason)
    return None


@dataclass(frozen=True, slots=True)
class Fitted:
    meaning_threshold: float
    weights: FrustrationWeights
    threshold: float

    def frustration(self) -> Frustration:
        return Frustration(self.weights, self.threshold)


def fit(conversations: Sequence[Conversation], readings: Readings) -> Fitted:
    pairs = answer_pairs(conversations)
    meaning_threshold = choose_repeat_threshold(pairs, meaning_scores(pairs))
    weights = fit_weights(conversations, readings)
    return Fitted(
        meaning_threshold, weights, choose_frustration_threshold(conversations, readings, weights)
    )


SHIPPED = Fitted(MEANING_THRESHOLD, SHIPPED_WEIGHTS, THRESHOLD)


# --- the command ----------------------------------------------------------------------------


def folds_of(conversations: Sequence[Conversation]) -> list[tuple[str, ...]]:
    return writer_folds([c.writer for c in conversations], FOLDS)


def out_of_fold(
    conversations: Sequence[Conversation], readings: Readings, screen: bool
) -> tuple[dict[str, Tally], list[Fitted]]:
    names = ("r2 + frustration", "  without sentiment")
    tallies = {name: Tally() for name in names}
    fitted = []
    for held in folds_of(conversations):
        inside = [c for c in conversations if c.writer not in held]
        outside = [c for c in conversations if c.writer in held]
        chosen = fit(inside, readings)
        fitted.append(chosen)
        for name, use_sentiment in zip(names, (True, False), strict=True):
            system = replace(
                proposed(chosen.frustration(), chosen.meaning_threshold, use_sentiment),
                screen=screen,
            )
            tallies[name].merge(tally(outside, system, readings))
    return tallies, fitted


def shipped_systems(screen: bool) -> dict[str, System]:
    frustration = SHIPPED.frustration()
    return {
        "today": replace(today(), screen=screen),
        "r2 + frustration": replace(proposed(frustration), screen=screen),
        "  without sentiment": replace(proposed(frustration, use_sentiment=False), screen=screen),
    }


def misses(conversations: Sequence[Conversation], system: System, readings: Readings) -> str:
    """The conversations ``system`` does not hand over on time, with what it did instead."""
    lines = []
    for conversation in conversations:
        handover = replay(conversation, system, readings)
        outcome = judge(conversation, handover)
        if outcome not in ("on_time", "calm_ok"):
            got = f"turn {handover.turn} ({handover.reason})" if handover else "never"
            wanted = conversation.handover_turn or "never"
            lines.append(f"{outcome} {conversation.id} {conversation.reason}: {wanted}, got {got}")
    return "\n".join(lines)


def run(group: Group, screen_requests: bool, refit: bool, show_misses: bool = False) -> str:
    conversations = load_conversations((group,))
    readings = read_messages(conversations, shipped_screen())
    reasons = Counter(c.reason for c in conversations)
    head = (
        f"{len(conversations)} conversations by {len({c.writer for c in conversations})} "
        f"{group} writers: "
        + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items()))
        + (" · with the message screen's explicit requests" if screen_requests else "")
    )
    parts = [head, ""]
    pairs = answer_pairs(conversations)
    if refit:
        tallies, fitted = out_of_fold(conversations, readings, screen_requests)
        base = tally(conversations, replace(today(), screen=screen_requests), readings)
        parts += [
            conversation_table(
                "Out of fold (repeat threshold, frustration weights and threshold fitted without "
                "the held-out writers)",
                {"today": base, **tallies},
            ),
            "",
            "Frustration thresholds by fold: "
            + ", ".join(f"{f.threshold}" for f in fitted)
            + " · repeat thresholds by fold: "
            + ", ".join(f"{f.meaning_threshold}" for f in fitted),
            "",
            pair_report(pairs, folds_of(conversations)),
            "",
        ]
    systems = shipped_systems(screen_requests)
    title = "Shipped constants" + (
        " (fitted on these writers: a regression figure)" if refit else ""
    )
    parts.append(
        conversation_table(
            title, {n: tally(conversations, s, readings) for n, s in systems.items()}
        )
    )
    if not refit:
        parts += ["", pair_report(pairs, None)]
    if show_misses:
        parts += ["", misses(conversations, systems["r2 + frustration"], readings)]
    return "\n".join(parts)


def fit_command() -> str:
    conversations = load_conversations(("train",))
    readings = read_messages(conversations, shipped_screen())
    chosen = fit(conversations, readings)
    same = chosen == SHIPPED
    return "\n".join(
        [
            f"MEANING_THRESHOLD = {chosen.meaning_threshold}",
            f"SHIPPED_WEIGHTS = {chosen.weights}",
            f"THRESHOLD = {chosen.threshold}",
            "the shipped constants are these" if same else "the shipped constants differ",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--dev", action="store_true", help="train writers: folds and shipped")
    which.add_argument("--frozen", action="store_true", help="the frozen writers, once")
    which.add_argument("--fit", action="store_true", help="fit on the train writers and print")
    parser.add_argument(
        "--screen", action="store_true", help="also hand over on explicit requests (the screen)"
    )
    parser.add_argument("--misses", action="store_true", help="list what the shipped rules miss")
    args = parser.parse_args(argv)
    if args.fit:
        print(fit_command())
    else:
        group: Group = "frozen" if args.frozen else "train"
        print(run(group, args.screen, refit=args.dev, show_misses=args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
