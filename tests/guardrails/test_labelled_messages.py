"""Precision and recall of the message screen and of the sentiment model on the labelled shopper
messages in tests/data/shoppers/legacy_*_messages.jsonl.

Every message has an escalation label (none, human_request, sensitive, negative), a sentiment
with a strength, and a split. Files a and b mix train and heldout; c is train only; d is heldout
only, written apart from the rest. Phrases, rules, the sentiment model and its threshold come
from the train split only; the heldout figures are the honest ones. Two questions are scored:

- the screen: does the message go to a human at all (and for which reason)?
- sentiment alone: is the message "negative enough" (sentiment negative, strength moderate or
  strong)? Stock snownlp with a plain threshold answers the same question on the same messages.

Thresholds here sit just under what the code reaches today, so a regression fails the suite.

    python -m tests.guardrails.test_labelled_messages     # prints the table
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest

from guardrails import MessageScreen, MessageVerdict
from guardrails.escalation import REASONS
from guardrails.sentiment import ShopperSentiment
from guardrails.sentiment.tables_cache import load_segmentation
from tests.conftest import REPO

DATA = REPO / "tests" / "data"
LABELS = ("none", *REASONS)
STOCK_THRESHOLDS = (0.3, 0.5)
# Held-out, first and only run after training: P 0.913, R 0.699 (stock <0.3: 0.390, 0.749).
NEGATIVE_ENOUGH_PRECISION = 0.90
NEGATIVE_ENOUGH_RECALL = 0.68


@dataclass(frozen=True)
class Message:
    id: str
    text: str
    label: str
    split: str
    traditional: bool
    negative_enough: bool  # sentiment negative, strength moderate or strong


def load_messages() -> list[Message]:
    messages = []
    for path in sorted((DATA / "shoppers").glob("legacy_*_messages.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            messages.append(
                Message(
                    row["id"],
                    row["text"],
                    row["label"],
                    row["split"],
                    row["traditional"],
                    row["sentiment"] == "negative" and row["strength"] in ("moderate", "strong"),
                )
            )
    return messages


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        self.true_positive += predicted and actual
        self.false_positive += predicted and not actual
        self.false_negative += actual and not predicted

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        relevant = self.true_positive + self.false_negative
        return self.true_positive / relevant if relevant else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class Scores:
    escalate: Counts = field(default_factory=Counts)
    by_reason: dict[str, Counts] = field(default_factory=lambda: {r: Counts() for r in REASONS})
    # Messages labelled none that a reason fired on (the cost: a human takes a chat for nothing).
    none_touched: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    messages: int = 0


def score(messages: Iterable[Message], reasons_of: Callable[[Message], Iterable[str]]) -> Scores:
    scores = Scores()
    for message in messages:
        reasons = set(reasons_of(message))
        scores.messages += 1
        scores.escalate.add(bool(reasons), message.label != "none")
        for reason in REASONS:
            scores.by_reason[reason].add(reason in reasons, message.label == reason)
            scores.none_touched[reason] += message.label == "none" and reason in reasons
    return scores


def stock_snownlp() -> Callable[[str], float | None]:
    """snownlp as it ships, on the raw text: what a plain threshold on it would do."""
    from snownlp import sentiment  # imported here: seconds and hundreds of MB

    def classify(text: str) -> float | None:
        try:
            return float(sentiment.classify(text))
        except ZeroDivisionError:  # an empty text
            return None

    return classify


def stock_reasons(
    classify: Callable[[str], float | None], threshold: float
) -> Callable[[Message], list[str]]:
    def reasons(message: Message) -> list[str]:
        value = classify(message.text)
        return ["negative"] if value is not None and value < threshold else []

    return reasons


def negative_enough_counts(
    messages: Iterable[Message], is_negative: Callable[[Message], bool]
) -> Counts:
    counts = Counts()
    for message in messages:
        counts.add(is_negative(message), message.negative_enough)
    return counts


def ours_negative(sentiment: ShopperSentiment) -> Callable[[Message], bool]:
    def is_negative(message: Message) -> bool:
        value = sentiment.score(message.text)
        return value is not None and value < sentiment.threshold

    return is_negative


def stock_negative(
    classify: Callable[[str], float | None], threshold: float
) -> Callable[[Message], bool]:
    def is_negative(message: Message) -> bool:
        value = classify(message.text)
        return value is not None and value < threshold

    return is_negative


def heldout(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.split == "heldout"]


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return load_messages()


@pytest.fixture(scope="module")
def verdicts(screen: MessageScreen, messages: list[Message]) -> dict[str, MessageVerdict]:
    return {message.id: screen.check(message.text) for message in messages}


@pytest.fixture(scope="module")
def stock() -> Callable[[str], float | None]:
    return stock_snownlp()


def split_scores(
    messages: list[Message], verdicts: dict[str, MessageVerdict], split: str
) -> Scores:
    return score((m for m in messages if m.split == split), lambda m: verdicts[m.id].reasons)


def test_data_set_is_as_described(messages: list[Message]) -> None:
    assert len(messages) >= 1700
    assert len({m.id for m in messages}) == len(messages)
    assert {m.label for m in messages} == set(LABELS)
    assert {m.split for m in messages} == {"train", "heldout"}
    held = heldout(messages)
    assert len(held) >= 750 and all(any(m.label == label for m in held) for label in LABELS)
    assert sum(m.negative_enough for m in held) >= 150
    assert all(m.split == "heldout" for m in messages if m.id.startswith("md"))
    assert all(m.split == "train" for m in messages if m.id.startswith("mc"))


@pytest.mark.parametrize(
    ("split", "precision", "recall"),
    # train recall 0.946 -> 0.938 when hazard words in a question stopped escalating on their
    # own (电热毯会不会漏电): the intent model, not in this rules-only screen, weighs those now.
    [("train", 0.97, 0.935), ("heldout", 0.94, 0.88)],
)
def test_escalate_or_not(
    messages: list[Message],
    verdicts: dict[str, MessageVerdict],
    split: str,
    precision: float,
    recall: float,
) -> None:
    scores = split_scores(messages, verdicts, split)
    assert scores.escalate.precision >= precision
    assert scores.escalate.recall >= recall


@pytest.mark.parametrize(
    ("reason", "precision", "recall"),
    # "negative" counts as right only on messages labelled negative, but it also fires, rightly,
    # on angry messages whose label is human_request or sensitive: hence its low precision.
    [("human_request", 0.93, 0.88), ("sensitive", 0.95, 0.74), ("negative", 0.45, 0.84)],
)
def test_heldout_per_reason(
    messages: list[Message],
    verdicts: dict[str, MessageVerdict],
    reason: str,
    precision: float,
    recall: float,
) -> None:
    counts = split_scores(messages, verdicts, "heldout").by_reason[reason]
    assert counts.precision >= precision
    assert counts.recall >= recall


def test_heldout_negative_enough(sentiment: ShopperSentiment, messages: list[Message]) -> None:
    counts = negative_enough_counts(heldout(messages), ours_negative(sentiment))
    assert counts.precision >= NEGATIVE_ENOUGH_PRECISION
    assert counts.recall >= NEGATIVE_ENOUGH_RECALL


@pytest.mark.parametrize("threshold", STOCK_THRESHOLDS)
def test_heldout_beats_stock_snownlp(
    sentiment: ShopperSentiment,
    messages: list[Message],
    stock: Callable[[str], float | None],
    threshold: float,
) -> None:
    """On the same held-out messages, better precision and better F1 than stock snownlp."""
    held = heldout(messages)
    ours = negative_enough_counts(held, ours_negative(sentiment))
    theirs = negative_enough_counts(held, stock_negative(stock, threshold))
    assert ours.precision > theirs.precision + 0.2
    assert ours.f1 > theirs.f1 + 0.1


def test_plain_questions_rarely_negative(
    messages: list[Message],
    verdicts: dict[str, MessageVerdict],
    stock: Callable[[str], float | None],
) -> None:
    """Calm service questions (train and heldout alike): stock snownlp scores a large share of
    them below 0.3, which would send them to a human; the screen sends at most 2% as negative
    (today 6 of 398, mostly questions that mention allergies, colour differences or ???)."""
    plain = [
        m
        for m in messages
        if m.label == "none"
        and not m.negative_enough
        and m.text.rstrip().endswith(("吗", "?", "？"))
        and "!" not in m.text
    ]
    assert len(plain) > 300
    ours = [m.text for m in plain if "negative" in verdicts[m.id].reasons]
    theirs = [m.text for m in plain if stock_negative(stock, 0.3)(m)]
    assert len(ours) <= len(plain) * 0.02
    assert len(theirs) > len(ours) * 10


def cell(scores: Scores, reason: str) -> str:
    counts = scores.by_reason[reason]
    if counts.true_positive + counts.false_positive == 0:
        return f"{'never fires':18}"
    return f"{counts.precision:.3f}/{counts.recall:.3f} ({scores.none_touched[reason]:3})"


def report() -> str:
    """The tables the README and the issue quote."""
    messages = load_messages()
    sentiment = ShopperSentiment.load(load_segmentation())
    screen = MessageScreen.from_directory(REPO / "config" / "lexicons" / "escalation", sentiment)
    verdicts = {m.id: screen.check(m.text) for m in messages}
    classify = stock_snownlp()
    lines = [
        "Negative enough (sentiment negative, moderate or strong)",
        "split    system               n     P      R      F1",
    ]
    for split in ("train", "heldout"):
        chosen = [m for m in messages if m.split == split]
        systems = [(f"ours <{sentiment.threshold:.2f}", ours_negative(sentiment))]
        systems += [(f"stock snownlp <{t}", stock_negative(classify, t)) for t in STOCK_THRESHOLDS]
        for name, is_negative in systems:
            c = negative_enough_counts(chosen, is_negative)
            lines.append(
                f"{split:8} {name:20} {len(chosen):4}  "
                f"{c.precision:.3f}  {c.recall:.3f}  {c.f1:.3f}"
            )
    lines += [
        "",
        "Escalate or not (the whole screen); per reason: P/R (labelled-none messages it hit)",
        "split    system               escalate P/R   "
        + "  ".join(f"{reason} P/R (none hit)" for reason in REASONS),
    ]
    for split in ("train", "heldout"):
        chosen = [m for m in messages if m.split == split]
        systems = [("screen", split_scores(messages, verdicts, split))]
        for threshold in STOCK_THRESHOLDS:
            systems.append(
                (f"stock snownlp <{threshold}", score(chosen, stock_reasons(classify, threshold)))
            )
        for name, scores in systems:
            cells = [cell(scores, reason) for reason in REASONS]
            lines.append(
                f"{split:8} {name:20} {scores.escalate.precision:.3f}/{scores.escalate.recall:.3f}"
                f"    " + "    ".join(cells)
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
