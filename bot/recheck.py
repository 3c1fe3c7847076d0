"""The questions a clerk already said were answered wrongly, asked again: a quality check with no file to write.

A correction says what should answer its question, so it either still holds or no longer does; a 👎 says
only that the answer was wrong, so what is worth knowing is whether the answer has changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Answer
from bot.corrections import Correction
from bot.evaluation import normalise
from bot.feedback import FeedbackEntry, cited_refs

Ask = Callable[[str], Answer]


@dataclass(frozen=True)
class CorrectionCheck:
    correction: Correction
    answer: Answer
    holds: bool  # the answer is still what the correction says


@dataclass(frozen=True)
class VoteCheck:
    entry: FeedbackEntry
    answer: Answer
    changed: bool  # the answer cites other clauses, or declines, since the 👎


def corrections(listed: Sequence[Correction], ask: Ask) -> list[CorrectionCheck]:
    checks = []
    for correction in listed:
        answer = ask(correction.question)
        checks.append(CorrectionCheck(correction, answer, _holds(correction, answer)))
    return checks


def votes(entries: Sequence[FeedbackEntry], corrected: Sequence[Correction], ask: Ask) -> list[VoteCheck]:
    """Each 👎 question not since corrected (a correction already says what answers it), asked once."""
    seen = {normalise(c.question) for c in corrected}
    checks = []
    for entry in entries:
        key = normalise(entry.question)
        if entry.helpful or key in seen:
            continue
        seen.add(key)
        answer = ask(entry.question)
        checks.append(VoteCheck(entry, answer, cited_refs(answer) != entry.citations))
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
