"""Scoring retrieval on a question set in the format of shared/eval/dev.jsonl.

A question is a hit at rank k when one of its first k citations comes from a gold document and
contains that entry's snippet, ignoring whitespace, quote style and case.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer, Citation

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


def load(path: Path) -> list[EvalQuestion]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold = tuple((g["source"], g["snippet"]) for g in row.get("gold", ()))
            out.append(EvalQuestion(str(row["id"]), row["question"], gold, bool(row.get("out_of_scope"))))
    return out


def first_hit(citations: Iterable[Citation], gold: tuple[tuple[str, str], ...]) -> int | None:
    wanted = [(source, normalise(snippet)) for source, snippet in gold]
    for rank, citation in enumerate(citations, start=1):
        text = normalise(citation.text)
        if any(citation.source == source and snippet in text for source, snippet in wanted):
            return rank
    return None


def run(questions: list[EvalQuestion], ask: Callable[[str], Answer]) -> list[Outcome]:
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        answer = ask(q.question)
        seconds = time.perf_counter() - started
        outcomes.append(Outcome(q, first_hit(answer.nearest, q.gold), answer.out_of_scope, seconds))
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
    abstention: float  # share of out-of-scope questions the bot declined
    false_abstention: float  # share of answerable questions it wrongly declined
    p50_ms: float
    p95_ms: float

    def report(self) -> str:
        return "\n".join([
            f"questions: {self.answerable} answerable, {self.unanswerable} out of scope",
            "Recall@1  {:.3f}   Recall@3  {:.3f}   Recall@5  {:.3f}".format(*(self.recall[k] for k in (1, 3, 5))),
            f"MRR@10    {self.mrr10:.3f}",
            f"out-of-scope abstention  {self.abstention:.1%}   false abstention  {self.false_abstention:.1%}",
            f"latency per question  p50 {self.p50_ms:.0f} ms   p95 {self.p95_ms:.0f} ms",
        ])


def score(outcomes: list[Outcome]) -> Scores:
    answerable = [o for o in outcomes if not o.question.out_of_scope]
    unanswerable = [o for o in outcomes if o.question.out_of_scope]

    def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    recall = {k: share(answerable, lambda o, k=k: o.rank is not None and o.rank <= k) for k in (1, 3, 5, 10)}
    mrr = sum(1 / o.rank for o in answerable if o.rank is not None and o.rank <= 10) / len(answerable) if answerable else 0.0
    times = [o.seconds * 1000 for o in outcomes]
    return Scores(
        len(answerable), len(unanswerable), recall, mrr,
        share(unanswerable, lambda o: o.abstained), share(answerable, lambda o: o.abstained),
        _percentile(times, 50), _percentile(times, 95),
    )


def misses(outcomes: list[Outcome], k: int = 3) -> list[str]:
    return [
        f"  {o.question.id}: {o.question.question}  (rank {o.rank or '>10'})"
        for o in outcomes
        if not o.question.out_of_scope and (o.rank is None or o.rank > k)
    ]
