"""Escalation of shopper messages by writer, next to baselines on the same messages.

    python -m guardrails.models.evaluate_messages --dev      # train writers, the model out of fold
    python -m guardrails.models.evaluate_messages --frozen   # the frozen writers (run once)

Systems: ``gateway`` (the screen's rules, the intent model and the sentiment model, as the
gateway decides), ``screen`` (the rules and the sentiment model, the intent model left out: the
gateway before this model), ``snownlp`` (stock snownlp, score below 0.5 escalates). "Escalated"
is any reason; recall is over messages that need a person, by label and sensitive kind; false
escalations are over calm messages, also split into the writers' innocent look-alikes and the
rest.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from .corpus import SAFETY_CRITICAL, ShopperRow, load_shopper_messages, writer_folds

Escalates = Callable[[Sequence[ShopperRow]], list[bool]]


def _screen(model: object | None) -> object:
    from ..escalation import MessageScreen
    from ..sentiment import ShopperSentiment
    from ..sentiment.tables_cache import load_segmentation
    from .corpus import REPO

    scorer = ShopperSentiment.load(load_segmentation())
    return MessageScreen.from_directory(
        REPO / "config" / "lexicons" / "escalation",
        scorer,
        model=model,  # type: ignore[arg-type]
    )


def screen_only(rows: Sequence[ShopperRow]) -> list[bool]:
    screen = _screen(None)
    return [screen.check(row.text).escalate for row in rows]  # type: ignore[attr-defined]


def gateway(rows: Sequence[ShopperRow]) -> list[bool]:
    from .messages import load_message_model

    screen = _screen(load_message_model())
    return [screen.check(row.text).escalate for row in rows]  # type: ignore[attr-defined]


def out_of_fold_gateway(rows: Sequence[ShopperRow]) -> list[bool]:
    """The shipped thresholds with, for each writer, a model trained without that writer."""
    from .messages import MessageModel, load_message_model
    from .mlp import MlpClassifier
    from .train_messages import examples, features_of, fit

    shipped = load_message_model()
    train = examples()
    features = features_of(train)
    out = [False] * len(rows)
    for held in writer_folds([row.writer for row in rows], 6):
        keep = [i for i, row in enumerate(train) if row.writer not in held]
        classifier = MlpClassifier.from_json(
            fit([train[i] for i in keep], [features[i] for i in keep])
        )
        screen = _screen(MessageModel(classifier, shipped.thresholds))
        for i, row in enumerate(rows):
            if row.writer in held:
                out[i] = screen.check(row.text).escalate  # type: ignore[attr-defined]
    return out


def snownlp(rows: Sequence[ShopperRow]) -> list[bool]:
    from ..sentiment import SnowNLPScorer

    scorer = SnowNLPScorer()
    return [(s := scorer.score(row.text)) is not None and s < 0.5 for row in rows]


def kind_of(row: ShopperRow) -> str:
    return f"sensitive.{row.kind}" if row.label == "sensitive" and row.kind else row.label


def report(rows: Sequence[ShopperRow], systems: dict[str, list[bool]]) -> str:
    names = list(systems)
    keys = sorted({kind_of(r) for r in rows if r.escalates})
    lines = [
        f"{sum(r.escalates for r in rows)} messages that need a person and "
        f"{sum(not r.escalates for r in rows)} calm ones by "
        f"{len({r.writer for r in rows})} writers",
        "",
        "| messages | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]

    def cell(selected: list[int], stops: list[bool]) -> str:
        hit = sum(stops[i] for i in selected)
        return f"{hit / len(selected):.3f} ({hit}/{len(selected)})" if selected else "-"

    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.escalates:
            groups["recall: all"].append(i)
            groups[f"recall: {kind_of(row)}"].append(i)
            if row.kind in SAFETY_CRITICAL:
                groups["recall: safety-critical"].append(i)
            groups[f"recall: platform {row.platform}"].append(i)
        else:
            groups["false escalations: all"].append(i)
            lookalike = row.lookalike not in ("", "none")
            groups[f"false escalations: {'look-alikes' if lookalike else 'others'}"].append(i)
            groups[f"false escalations: platform {row.platform}"].append(i)
    order = ["recall: all", "recall: safety-critical"] + [f"recall: {k}" for k in keys]
    order += sorted(k for k in groups if k.startswith("recall: platform"))
    order += ["false escalations: all", "false escalations: look-alikes"]
    order += ["false escalations: others"]
    order += sorted(k for k in groups if k.startswith("false escalations: platform"))
    for key in order:
        if key in groups:
            cells = [cell(groups[key], systems[name]) for name in names]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--dev", action="store_true")
    which.add_argument("--frozen", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--no-snownlp", action="store_true")
    args = parser.parse_args(argv)
    rows = load_shopper_messages(("frozen",) if args.frozen else ("train",))
    if args.dev:
        rows = [row for row in rows if not row.writer.startswith("legacy")]
    systems = {"gateway": out_of_fold_gateway(rows) if args.dev else gateway(rows)}
    systems["screen"] = screen_only(rows)
    if not args.no_snownlp:
        systems["snownlp < 0.5"] = snownlp(rows)
    print(report(rows, systems))
    if args.misses:
        for row, hit in zip(rows, systems["gateway"], strict=True):
            if hit != row.escalates:
                print("MISS" if row.escalates else "FALSE", row.id, kind_of(row), row.text)
    counts = Counter(row.writer for row in rows)
    print("\nwriters:", dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
