"""``cs-gateway audit``: check a shop's answer corpus before it is uploaded to the bot.

Reads CSV (the column named answer/text/reply/content/回复/答案, or the only column), JSONL (the
same field names) or plain text (one answer a line); reports every finding with its line,
category, severity and action, a summary per category, the violation points the corpus would
cost under the shop's compliance policy (the same points the gateway's ledger charges) and the
100-point quality score (the same as the ledger's). The exit status is 1 when any answer would be
blocked or escalated, so it can gate an upload script.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from guardrails import Action, Guardrails, Verdict
from guardrails.scoring import DEDUCTIONS, deduction, quality_score

from .compliance.points import violations
from .core.config import CompliancePolicy

ANSWER_FIELDS = ("answer", "text", "reply", "content", "回复", "答案", "话术")


class AuditInputError(Exception):
    """The corpus file cannot be read as answers."""


@dataclass(frozen=True, slots=True)
class Answer:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class AuditedAnswer:
    answer: Answer
    verdict: Verdict


def read_answers(path: Path) -> Iterator[Answer]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise AuditInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with handle:
        try:
            suffix = path.suffix.lower()
            if suffix == ".csv":
                yield from _csv_answers(path, handle)
            elif suffix in (".jsonl", ".ndjson"):
                yield from _jsonl_answers(path, handle)
            else:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        yield Answer(number, line.rstrip("\r\n"))
        except UnicodeDecodeError as exc:
            raise AuditInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc


def _pick_field(path: Path, names: list[str]) -> str:
    for name in names:
        if name.strip().lower() in ANSWER_FIELDS:
            return name
    if len(names) == 1:
        return names[0]
    raise AuditInputError(
        f"{path}: no answer column; name one of: {', '.join(ANSWER_FIELDS)} (found: "
        f"{', '.join(names)})"
    )


def _csv_answers(path: Path, handle: IO[str]) -> Iterator[Answer]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames:
        return
    field = _pick_field(path, list(reader.fieldnames))
    for row in reader:
        text = (row.get(field) or "").strip()
        if text:
            yield Answer(reader.line_num, text)


def _jsonl_answers(path: Path, handle: IO[str]) -> Iterator[Answer]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AuditInputError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        if isinstance(record, str):
            text = record
        elif isinstance(record, dict):
            text = str(record[_pick_field(path, list(record))])
        else:
            raise AuditInputError(f"{path}:{number}: expected an object or a string")
        if text.strip():
            yield Answer(number, text)


def audit(
    answers: Iterator[Answer], guardrails: Guardrails, progress: Progress
) -> list[AuditedAnswer]:
    audited = []
    for answer in answers:
        audited.append(AuditedAnswer(answer, guardrails.check(answer.text)))
        progress.advance()
    progress.close()
    return audited


def blocking(audited: list[AuditedAnswer]) -> bool:
    return any(a.verdict.action >= Action.BLOCK for a in audited)


def summary(audited: list[AuditedAnswer], policy: CompliancePolicy) -> dict[str, Any]:
    answers_by_category: Counter[str] = Counter()
    findings_by_category: Counter[str] = Counter()
    points_by_category: Counter[str] = Counter()
    rule_of: dict[str, tuple[str, str]] = {}
    for item in audited:
        for violation in violations(item.verdict, policy):
            answers_by_category[violation.category] += 1
            points_by_category[violation.category] += violation.points
        for rated in item.verdict.findings:
            findings_by_category[rated.finding.category] += 1
            rule_of[rated.finding.category] = (rated.action.label, rated.severity.label)
    return {
        "answers": len(audited),
        "violating_answers": sum(1 for a in audited if a.verdict.findings),
        "blocked_answers": sum(1 for a in audited if a.verdict.action >= Action.BLOCK),
        "quality_score": quality_score(a.verdict for a in audited),
        "points": sum(points_by_category.values()),
        "categories": {
            category: {
                "answers": answers_by_category[category],
                "findings": findings_by_category[category],
                "points": points_by_category[category],
                "action": rule_of[category][0],
                "severity": rule_of[category][1],
            }
            for category in sorted(findings_by_category)
        },
    }


def write_text_report(audited: list[AuditedAnswer], policy: CompliancePolicy, out: IO[str]) -> None:
    for item in audited:
        for rated in item.verdict.findings:
            finding = rated.finding
            out.write(
                f"line {item.answer.line}: {finding.category:<10} {rated.severity.label:<18} "
                f"{rated.action.label:<8} {finding.rule} [{finding.start}:{finding.end}] "
                f"{finding.evidence}\n"
            )
    report = summary(audited, policy)
    out.write("\n")
    out.write(
        f"{'category':<12}{'answers':>8}{'findings':>10}{'points':>8}  {'action':<9}"
        f"{'severity':<18}\n"
    )
    for category, row in report["categories"].items():
        out.write(
            f"{category:<12}{row['answers']:>8}{row['findings']:>10}{row['points']:>8}  "
            f"{row['action']:<9}{row['severity']:<18}\n"
        )
    out.write(
        f"\n{report['answers']} answers, {report['violating_answers']} with findings, "
        f"{report['blocked_answers']} would be blocked or escalated.\n"
        f"Violation points: {report['points']} (one per category an answer breaks; the shop "
        f"is warned at {policy.warn_at} and its bot mode suspended at {policy.suspend_at} "
        "within 30 days)\n"
        f"Quality score: {report['quality_score']}/100 (deductions per violating answer: "
        + ", ".join(f"{s.label} {p}" for s, p in DEDUCTIONS.items())
        + ")\n"
    )


def write_json_report(audited: list[AuditedAnswer], policy: CompliancePolicy, out: IO[str]) -> None:
    report: Mapping[str, Any] = {
        **summary(audited, policy),
        "findings": [
            {"line": item.answer.line, "deduction": deduction(item.verdict), **rated.to_json()}
            for item in audited
            for rated in item.verdict.findings
        ],
    }
    json.dump(report, out, ensure_ascii=False, indent=2)
    out.write("\n")


class Progress:
    """A one-line progress bar on stderr, drawn only when it is a terminal (or when asked)."""

    def __init__(self, total: int, enabled: bool, stream: IO[str] | None = None) -> None:
        self._total = max(total, 1)
        self._enabled = enabled
        self._stream = stream or sys.stderr
        self._done = 0

    def advance(self) -> None:
        self._done += 1
        if self._enabled and (self._done % 200 == 0 or self._done == self._total):
            filled = int(30 * self._done / self._total)
            self._stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {self._done}/{self._total}"
            )
            self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()
