"""Accuracy of the outgoing filter by writer, next to baselines on the same rows.

    python -m guardrails.models.evaluate --dev       # train writers, the model out of fold
    python -m guardrails.models.evaluate --frozen    # the frozen writers: the README's figures
        [--baseline-checkout DIR]                    # also the rules of another checkout

``--dev`` scores every train writer's rows with a model trained without that writer (folds by
writer, as in training) and the shipped bands: a development figure, since the rules were
written looking at these writers. ``--frozen`` scores the frozen writers, whom nothing was ever
tuned on; it is meant to be run once, at the end (shared/EVALUATION.md).

"Stopped" means the verdict is redact, block or escalate; a false alarm is a clean answer that
is stopped. Systems: ``gateway`` (rules and model), ``rules`` (rules alone), ``naive`` (a keyword
filter anyone would write first), and ``baseline`` (the rules of ``--baseline-checkout``, run in
that checkout's own interpreter).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..types import Action
from .corpus import ANSWER_CATEGORIES, AnswerRow, load_answers, writer_folds

Stops = Callable[[Sequence[AnswerRow]], list[bool]]

_NAIVE = re.compile(
    r"微信|vx|wx|qq|扣扣|电话|手机|加我|http|www|\.com|\.cn|二维码|扫码|地址|实体店|门店|转账|银行卡|"
    r"支付宝|淘宝|拼多多|傻|滚|死|操|妈的|最|第一|100%|\d{11}|\d{7,8}|@",
    re.IGNORECASE,
)


def naive(rows: Sequence[AnswerRow]) -> list[bool]:
    return [_NAIVE.search(row.text) is not None for row in rows]


def rules(rows: Sequence[AnswerRow]) -> list[bool]:
    from .rules_only import rules_catch

    return [rules_catch(row.text, row.platform) for row in rows]


def gateway(rows: Sequence[AnswerRow]) -> list[bool]:
    from .rules_only import platform_guardrails

    return [
        platform_guardrails(row.platform, True).check(row.text).action >= Action.REDACT
        for row in rows
    ]


def out_of_fold_gateway(rows: Sequence[AnswerRow]) -> list[bool]:
    """Rules and a model trained without each row's writer (the shipped bands)."""
    from ..engine import Guardrails
    from .answers import load_answer_model
    from .ngram import NgramClassifier
    from .rules_only import platform_guardrails
    from .train import features_of, fit

    shipped = load_answer_model()
    features = features_of(rows)
    stops = [False] * len(rows)
    heads = list(shipped.heads)
    for held in writer_folds([row.writer for row in rows], 6):
        train = [i for i, row in enumerate(rows) if row.writer not in held]
        fitted = fit([rows[i] for i in train], [features[i] for i in train], heads)
        model = NgramClassifier(heads, shipped.orders, fitted.bias, fitted.weights, shipped.bands)
        for i, row in enumerate(rows):
            if row.writer not in held:
                continue
            base = platform_guardrails(row.platform)
            guard = Guardrails(base.detectors, base.policy, base.normalizer, model, base.allowed)
            stops[i] = guard.check(row.text).action >= Action.REDACT
    return stops


def baseline(checkout: Path) -> Stops:
    """The rules of another checkout (say, before this work), in its own interpreter."""
    script = (
        "import json, sys\n"
        "from tests.guardrails.conftest import platform_guardrails, lexicon\n"
        "from guardrails import LexiconDetector, load_phrase_dir, default_normalizer, Action\n"
        "from tests.conftest import REPO\n"
        "lex = LexiconDetector(\n"
        "    load_phrase_dir(REPO / 'config' / 'lexicons'), default_normalizer()\n"
        ")\n"
        "shops = {p: platform_guardrails(p, lex) for p in ('jd', 'douyin', 'kuaishou')}\n"
        "for line in sys.stdin:\n"
        "    row = json.loads(line)\n"
        "    verdict = shops[row['platform']].check(row['text'])\n"
        "    print(int(verdict.action >= Action.REDACT))\n"
    )

    def stops(rows: Sequence[AnswerRow]) -> list[bool]:
        python = checkout / ".venv" / "bin" / "python"
        feed = "".join(
            json.dumps({"platform": r.platform, "text": r.text}, ensure_ascii=False) + "\n"
            for r in rows
        )
        done = subprocess.run(
            [str(python if python.exists() else sys.executable), "-c", script],
            cwd=checkout,
            input=feed,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line == "1" for line in done.stdout.split()]

    return stops


@dataclass
class Tally:
    violating: int = 0
    caught: int = 0
    clean: int = 0
    false_alarms: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    caught_by_category: Counter[str] = field(default_factory=Counter)

    def add(self, row: AnswerRow, stopped: bool) -> None:
        if row.labels:
            self.violating += 1
            self.caught += stopped
            for label in row.labels:
                self.by_category[label] += 1
                self.caught_by_category[label] += stopped
        else:
            self.clean += 1
            self.false_alarms += stopped

    @property
    def recall(self) -> float:
        return self.caught / self.violating if self.violating else float("nan")

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.clean if self.clean else float("nan")


def tally(rows: Sequence[AnswerRow], stopped: Sequence[bool]) -> dict[str, Tally]:
    """Tallies overall (``all``), per platform and per writer."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row, stop in zip(rows, stopped, strict=True):
        for key in ("all", f"platform:{row.platform}", f"writer:{row.writer}"):
            tallies[key].add(row, stop)
    return tallies


def report(rows: Sequence[AnswerRow], systems: dict[str, list[bool]]) -> str:
    names = list(systems)
    results = {name: tally(rows, stops) for name, stops in systems.items()}
    first = results[names[0]]["all"]
    lines = [
        f"{first.violating} violating and {first.clean} clean answers by "
        f"{len({r.writer for r in rows})} writers",
        "",
        "| rows | " + " | ".join(f"{n}: recall · false alarms" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    keys = ["all"] + sorted(k for k in results[names[0]] if k != "all")
    for key in keys:
        cells = []
        for name in names:
            t = results[name][key]
            cells.append(
                f"{t.recall:.3f} ({t.caught}/{t.violating}) · "
                f"{t.false_alarm_rate:.3f} ({t.false_alarms}/{t.clean})"
            )
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines += ["", "| category | " + " | ".join(f"{n}: recall" for n in names) + " |"]
    lines.append("|---|" + "---|" * len(names))
    for category in ANSWER_CATEGORIES:
        cells = []
        for name in names:
            t = results[name]["all"]
            total = t.by_category[category]
            caught = t.caught_by_category[category]
            cells.append(f"{caught / total:.3f} ({caught}/{total})" if total else "-")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def misses(rows: Sequence[AnswerRow], stopped: Sequence[bool]) -> str:
    out = []
    for row, stop in zip(rows, stopped, strict=True):
        if bool(row.labels) != stop:
            kind = "MISS" if row.labels else "FALSE"
            out.append(f"{kind} {row.id} {','.join(row.labels) or '-'} {row.text}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--dev", action="store_true")
    which.add_argument("--frozen", action="store_true")
    parser.add_argument("--baseline-checkout", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the rows each way wrong")
    parser.add_argument("--writers", nargs="*", help="only these writers")
    args = parser.parse_args(argv)
    rows = load_answers(("frozen",) if args.frozen else ("train",))
    if args.writers:
        rows = [row for row in rows if row.writer in args.writers]
    systems = {"gateway": out_of_fold_gateway(rows) if args.dev else gateway(rows)}
    systems["rules"] = rules(rows)
    if args.baseline_checkout:
        systems["baseline"] = baseline(args.baseline_checkout)(rows)
    systems["naive"] = naive(rows)
    print(report(rows, systems))
    if args.misses:
        print()
        print(misses(rows, systems["gateway"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
