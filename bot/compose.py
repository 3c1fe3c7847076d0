"""Turning ranked clauses into an Answer a person can trust: cited, quoted, or a plain 'not covered'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import messages, versions
from bot.answer import Answer, Citation
from bot.index_store import IndexData
from bot.models import MINILM, MPNET, TUNED
from bot.question import MAX_QUESTION_CHARS, Question
from bot.retrieval import Hit

SHOWN = 3
NEAREST = 10


# Below its model's threshold of best sentence/item similarity, the protocols do not cover a
# question. Each is the output of bench/calibrate.py (our own in- and out-of-scope questions).
THRESHOLDS = {TUNED: 0.27, MPNET: 0.37, MINILM: 0.365}
UNCALIBRATED_THRESHOLD = 0.35


@dataclass(frozen=True)
class Calibration:
    min_similarity: float = UNCALIBRATED_THRESHOLD
    # A second or third clause is shown only when it scores nearly as well as the first.
    shown_margin: float = 0.08

    @classmethod
    def for_model(cls, model: str) -> "Calibration":
        return cls(THRESHOLDS.get(model, UNCALIBRATED_THRESHOLD))


def _citation(data: IndexData, hit: Hit, today: date) -> Citation:
    clause = data.clauses[hit.clause]
    doc = data.manifest["documents"].get(clause.source, {})
    return Citation(
        source=clause.source,
        council=doc.get("council", ""),
        title=doc.get("title") or clause.source,
        clause=clause.ref,
        heading=clause.heading_path[-1] if clause.heading_path else None,
        quote=data.pieces[hit.best_piece].quote if hit.best_piece >= 0 else clause.text,
        text=clause.text,
        score=round(hit.score, 4),
        note=versions.notes(doc, today),
    )


def best_similarity(hits: list[Hit]) -> float:
    """How closely any sentence or item in reach matches: the signal abstention is calibrated on."""
    return max((h.similarity for h in hits), default=-1.0)


def compose(question: Question, hits: list[Hit], data: IndexData, calibration: Calibration, today: date) -> Answer:
    nearest = tuple(_citation(data, h, today) for h in hits[:NEAREST])
    trimmed_note = messages.QUESTION_TRIMMED.format(limit=MAX_QUESTION_CHARS) + " " if question.trimmed else ""
    if best_similarity(hits) < calibration.min_similarity:
        return Answer(question.text, True, trimmed_note + messages.OUT_OF_SCOPE, (), nearest)
    top = hits[0].score
    shown = tuple(c for c, h in zip(nearest[:SHOWN], hits) if h.score >= top - calibration.shown_margin)
    lead = messages.LEAD_ANSWER_MANY if len({c.source for c in shown}) > 1 else messages.LEAD_ANSWER
    return Answer(question.text, False, trimmed_note + lead, shown, nearest)
