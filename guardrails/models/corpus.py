"""The labelled corpora in tests/data/: who wrote each row, and folds that leave writers out.

Accuracy is measured on writers, not rows (shared/EVALUATION.md): every row records its writer,
each writer has a persona and a group. ``train`` writers feed phrases, rules, models and
thresholds; ``frozen`` writers are read only by the final evaluation (``evaluate --frozen``), never
by training or tuning. Folds hold out whole writers, never random rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..build import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
ANSWERS = DATA / "answers"
SHOPPERS = DATA / "shoppers"

Group = Literal["train", "frozen"]

ANSWER_CATEGORIES = CATEGORIES


@dataclass(frozen=True, slots=True)
class Writer:
    id: str
    group: Group
    platform: str
    persona: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnswerRow:
    id: str
    writer: str
    platform: str
    labels: tuple[str, ...]
    text: str
    disguise: str
    lookalike: str

    @property
    def violating(self) -> bool:
        return bool(self.labels)


def load_writers(folder: Path) -> dict[str, Writer]:
    raw = json.loads((folder / "writers.json").read_text("utf-8"))
    writers = {}
    for writer_id, entry in raw.items():
        group = entry["group"]
        if group not in ("train", "frozen"):
            raise ValueError(f"{folder}/writers.json: {writer_id}: group must be train or frozen")
        writers[writer_id] = Writer(
            writer_id, group, entry["platform"], entry["persona"], tuple(entry["files"])
        )
    return writers


def _lines(path: Path) -> Iterator[dict[str, object]]:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc


def load_answers(groups: Sequence[Group] = ("train",), folder: Path = ANSWERS) -> list[AnswerRow]:
    """Answer rows of the writers in ``groups``. Reading the frozen group is for the final
    evaluation only: training and tuning must never pass it."""
    rows = []
    for writer in load_writers(folder).values():
        if writer.group not in groups:
            continue
        for name in writer.files:
            for raw in _lines(folder / name):
                labels = tuple(str(label) for label in raw["labels"])  # type: ignore[attr-defined]
                unknown = set(labels) - set(ANSWER_CATEGORIES)
                if unknown:
                    raise ValueError(f"{folder / name}: {raw['id']}: unknown labels {unknown}")
                rows.append(
                    AnswerRow(
                        id=str(raw["id"]),
                        writer=writer.id,
                        platform=str(raw["platform"]),
                        labels=labels,
                        text=str(raw["text"]),
                        disguise=str(raw.get("disguise", "")),
                        lookalike=str(raw.get("lookalike", "")),
                    )
                )
    return rows


def writer_folds(writers: Sequence[str], folds: int) -> list[tuple[str, ...]]:
    """Writers dealt into ``folds`` groups in sorted order (deterministic); each group is held
    out once."""
    ordered = sorted(set(writers))
    return [tuple(ordered[index::folds]) for index in range(min(folds, len(ordered)))]


SHOPPER_LABELS = ("human_request", "sensitive", "negative", "none")
SENSITIVE_KINDS = (
    "self_harm", "injury_safety", "minor", "violence", "legal_regulator_media", "fraud_police",
    "other",
)  # fmt: skip
# The kinds that must never stay with a bot (the safety-critical recall target).
SAFETY_CRITICAL = ("self_harm", "injury_safety", "minor", "violence")


@dataclass(frozen=True, slots=True)
class ShopperRow:
    id: str
    writer: str
    platform: str
    text: str
    label: str
    kind: str | None  # a SENSITIVE_KINDS for sensitive rows of writers who gave one
    sentiment: str
    strength: str | None
    lookalike: str

    @property
    def escalates(self) -> bool:
        return self.label != "none"


@dataclass(frozen=True, slots=True)
class Turn:
    shopper: str
    bot: str
    repeat_of: int | None  # 1-based turn whose bot answer this one repeats in meaning


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    writer: str
    platform: str
    reason: str  # bot_loop, frustration or none
    handover_turn: int | None  # 1-based
    turns: tuple[Turn, ...]


def load_shopper_messages(
    groups: Sequence[Group] = ("train",), folder: Path = SHOPPERS
) -> list[ShopperRow]:
    """Shopper messages of the writers in ``groups`` (the frozen group only for the final
    evaluation)."""
    rows = []
    for writer in load_writers(folder).values():
        if writer.group not in groups:
            continue
        for name in writer.files:
            for raw in _lines(folder / name):
                label = str(raw["label"])
                kind = raw.get("kind")
                if label not in SHOPPER_LABELS or (
                    kind is not None and kind not in SENSITIVE_KINDS
                ):
                    raise ValueError(f"{folder / name}: {raw['id']}: bad label or kind")
                rows.append(
                    ShopperRow(
                        id=str(raw["id"]),
                        writer=writer.id,
                        platform=str(raw.get("platform", "mixed")),
                        text=str(raw["text"]),
                        label=label,
                        kind=str(kind) if kind is not None and label == "sensitive" else None,
                        sentiment=str(raw.get("sentiment", "")),
                        strength=str(raw["strength"]) if raw.get("strength") else None,
                        lookalike=str(raw.get("lookalike", "")),
                    )
                )
    return rows


def load_conversations(
    groups: Sequence[Group] = ("train",), folder: Path = SHOPPERS
) -> list[Conversation]:
    raw_writers = json.loads((folder / "writers.json").read_text("utf-8"))
    conversations = []
    for writer in load_writers(folder).values():
        if writer.group not in groups:
            continue
        for name in raw_writers[writer.id].get("conversations", []):
            for raw in _lines(folder / name):
                turns = tuple(
                    Turn(str(t["shopper"]), str(t["bot"]), t.get("repeat_of"))
                    for t in raw["turns"]  # type: ignore[attr-defined]
                )
                conversations.append(
                    Conversation(
                        id=str(raw["id"]),
                        writer=writer.id,
                        platform=str(raw["platform"]),
                        reason=str(raw["reason"]),
                        handover_turn=raw.get("handover_turn"),  # type: ignore[arg-type]
                        turns=turns,
                    )
                )
    return conversations
