"""The questions a clerk already said were answered wrongly, asked again: a quality check with no file to write.

A correction says what should answer its question, so it either still holds or no longer does; a 👎 says
only that the answer was wrong, so what is worth knowing is whether the answer has changed since. Each is
asked of the published version and, when there is one, of the candidate a publish would now serve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Answer
from bot.core.corrections import Correction
from bot.core.evaluation import normalise
from bot.stores.feedback import FeedbackEntry, cited_refs

Ask = Callable[[str], Answer]


@dataclass(frozen=True)
class Verdict:
    answer: Answer
    good: bool  # a correction still holds; a voted-down answer has changed since the 👎


@dataclass(frozen=True)
class CorrectionCheck:
    correction: Correction
    now: Verdict
    candidate: Verdict | None  # None when there is no candidate to ask


@dataclass(frozen=True)
class VoteCheck:
    entry: FeedbackEntry
    now: Verdict
    candidate: Verdict | None


def corrections(listed: Sequence[Correction], ask: Ask, candidate: Ask | None = None) -> list[CorrectionCheck]:
    def verdict(correction: Correction, asking: Ask) -> Verdict:
        answer = asking(correction.question)
        return Verdict(answer, _holds(correction, answer))

    return [CorrectionCheck(c, verdict(c, ask), verdict(c, candidate) if candidate else None) for c in listed]


def votes(entries: Sequence[FeedbackEntry], corrected: Sequence[Correction], ask: Ask,
          candidate: Ask | None = None) -> list[VoteCheck]:
    """Each 👎 question not since corrected (a correction already says what answers it), asked once."""
    def verdict(entry: FeedbackEntry, asking: Ask) -> Verdict:
        answer = asking(entry.question)
        return Verdict(answer, cited_refs(answer) != entry.citations)

    seen = {normalise(c.question) for c in corrected}
    checks = []
    for entry in entries:
        key = normalise(entry.question)
        if entry.helpful or key in seen:
            continue
        seen.add(key)
        checks.append(VoteCheck(entry, verdict(entry, ask), verdict(entry, candidate) if candidate else None))
    return checks


def _holds(correction: Correction, answer: Answer) -> bool:
    if correction.not_covered:
        return answer.out_of_scope
    if answer.out_of_scope or not answer.citations:
        return False
    first = answer.citations[0]
    if first.source != correction.source:
        return False
    if correction.clause:
        return first.clause == correction.clause
    return normalise(correction.quote or "") in normalise(first.text)
