"""Scoring retrieval on a question set in the format of shared/eval/dev.jsonl.

A question is a hit at rank k when one of its first k citations comes from a gold document and
contains that entry's snippet, ignoring whitespace, quote style and case. When the first citation
is a hit, its quote holds the answer when the snippet is in the quote too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.answer import Answer, Citation
from bot.errors import QuestionFileError

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'", "´": "'"})


def normalise(text: str) -> str:
    return "".join(text.translate(_QUOTES).lower().split())


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    gold: tuple[tuple[str, str], ...]  # (source, snippet)
    out_of_scope: bool


@dataclass(frozen=True)
class Outcome:
    question: EvalQuestion
    rank: int | None  # 1-based rank of the first hit among the citations
    abstained: bool
    seconds: float
    quote_holds: bool | None = None  # with a hit at rank 1: whether its quote holds the gold snippet


def load(path: Path) -> list[EvalQuestion]:
    return parse(path.read_text(encoding="utf-8"), path.name)


def parse(text: str, name: str) -> list[EvalQuestion]:
    """The questions of a question file; QuestionFileError names the first line that is not one."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                gold = tuple((str(g["source"]), str(g["snippet"])) for g in row.get("gold", ()))
                out.append(EvalQuestion(str(row["id"]), str(row["question"]), gold, bool(row.get("out_of_scope"))))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise QuestionFileError(messages.EVAL_BAD_LINE.format(file=name, number=number)) from exc
    return out


def holds(source: str, text: str, gold: tuple[tuple[str, str], ...]) -> bool:
    """Whether `text`, from document `source`, holds one of a question's gold snippets."""
    return any(source == gold_source and normalise(snippet) in normalise(text) for gold_source, snippet in gold)


def first_hit(citations: Iterable[Citation], gold: tuple[tuple[str, str], ...]) -> int | None:
    for rank, citation in enumerate(citations, start=1):
        if holds(citation.source, citation.text, gold):
            return rank
    return None


def outcome(question: EvalQuestion, answer: Answer, seconds: float = 0.0) -> Outcome:
    rank = first_hit(answer.nearest, question.gold)
    first = answer.nearest[0] if rank == 1 else None
    quote_holds = holds(first.source, first.quote, question.gold) if first else None
    return Outcome(question, rank, answer.out_of_scope, seconds, quote_holds)


def run(questions: list[EvalQuestion], ask: Callable[[str], Answer]) -> list[Outcome]:
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        answer = ask(q.question)
        outcomes.append(outcome(q, answer, time.perf_counter() - started))
    return outcomes


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else 0.0


@dataclass(frozen=True)
class Scores:
    answerable: int
    unanswerable: int
    recall: dict[int, float]
    mrr10: float
    quote: float  # share of first citations that are right whose quote holds the answer
    abstention: float  # share of out-of-scope questions the bot declined
    false_abstention: float  # share of answerable questions it wrongly declined
    p50_ms: float
    p95_ms: float

    def report(self) -> str:
        return messages.EVAL_REPORT.format(
            answerable=self.answerable, unanswerable=self.unanswerable, r1=self.recall[1], r3=self.recall[3],
            r5=self.recall[5], mrr=self.mrr10, quote=self.quote, abstention=self.abstention,
            false_abstention=self.false_abstention, p50=self.p50_ms, p95=self.p95_ms,
        )


def score(outcomes: list[Outcome]) -> Scores:
    answerable = [o for o in outcomes if not o.question.out_of_scope]
    unanswerable = [o for o in outcomes if o.question.out_of_scope]

    def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    def within(k: int) -> Callable[[Outcome], bool]:
        return lambda o: o.rank is not None and o.rank <= k

    recall = {k: share(answerable, within(k)) for k in (1, 3, 5, 10)}
    mrr = sum(1 / o.rank for o in answerable if o.rank is not None and o.rank <= 10) / len(answerable) if answerable else 0.0
    times = [o.seconds * 1000 for o in outcomes]
    quoted = [o for o in answerable if o.quote_holds is not None]
    return Scores(
        len(answerable), len(unanswerable), recall, mrr, share(quoted, lambda o: bool(o.quote_holds)),
        share(unanswerable, lambda o: o.abstained), share(answerable, lambda o: o.abstained),
        _percentile(times, 50), _percentile(times, 95),
    )


def missed(outcomes: list[Outcome], k: int = 3) -> list[Outcome]:
    """Answerable questions without the right clause in the first `k` citations."""
    return [o for o in outcomes if not o.question.out_of_scope and (o.rank is None or o.rank > k)]
