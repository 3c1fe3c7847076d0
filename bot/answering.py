"""Turning ranked clauses into an Answer a person can trust: cited, quoted, or a plain 'not covered'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import in_force, messages
from bot.answer import Answer, Citation
from bot.index_store import IndexData
from bot.model_weights import MINILM, MPNET
from bot.question import MAX_QUESTION_CHARS, Question
from bot.retrieval import TAUGHT_SIMILARITY, Hit, Ranking
from knowledge.catalogue import Entry

SHOWN = 3
NEAREST = 10
QUOTE_GAP = " … "  # between two quoted sentences that are not next to each other


@dataclass(frozen=True)
class Calibration:
    """When the protocols do not cover a question, found by bench/calibrate.py per model.

    Two ways a question is not covered: nothing in the documents comes close to it (its best
    sentence/item similarity is below `min_similarity`), or it is closer to a topic the protocols
    do not cover (knowledge/not_covered.toml: council tax, bins, allowances, meeting dates ...)
    than to anything they say, by more than `not_covered_margin`.
    """

    min_similarity: float = 0.3
    not_covered_margin: float = 0.05
    # A second or third clause is shown only when it scores nearly as well as the first.
    shown_margin: float = 0.08

    @classmethod
    def for_model(cls, model: str) -> Calibration:
        return CALIBRATED.get(model, cls())

    def covers(self, ranking: Ranking) -> bool:
        taught = max(ranking.taught, ranking.taught_not_covered)
        if taught >= TAUGHT_SIMILARITY:  # an admin has said what answers a question like this one
            return ranking.taught >= ranking.taught_not_covered
        best = ranking.best_similarity
        return best >= self.min_similarity and ranking.not_covered - best <= self.not_covered_margin


# The output of bench/calibrate.py: the most out-of-scope questions declined while no more than
# 3% of answerable ones are, over our own, the development and the first unseen-council sets.
CALIBRATED = {
    MINILM: Calibration(min_similarity=0.26, not_covered_margin=0.04),
    MPNET: Calibration(min_similarity=0.28, not_covered_margin=0.05),
}


def quote(text: str, sentences: list[str]) -> str:
    """One or two sentences of a clause as they stand in it: in its order, and one verbatim span
    when they are next to each other."""
    spans = sorted((text.find(s), s) for s in sentences)
    if len(spans) == 2 and spans[0][0] >= 0:
        (a, first), (b, second) = spans
        if not text[a + len(first) : b].strip():
            return text[a : max(a + len(first), b + len(second))]
    return QUOTE_GAP.join(s for _, s in spans)


def _citation(data: IndexData, hit: Hit, today: date) -> Citation:
    clause = data.clauses[hit.clause]
    record = data.manifest.documents.get(clause.source)
    doc = record.catalogue if record else Entry(clause.source)
    quoted = [data.pieces[row].quote for row in hit.quote_pieces]
    return Citation(
        source=clause.source,
        council=doc.council,
        title=doc.title or clause.source,
        clause=clause.ref,
        heading=clause.heading_path[-1] if clause.heading_path else None,
        quote=quote(clause.text, quoted) if quoted else clause.text,
        text=clause.text,
        score=round(hit.score, 4),
        note=in_force.notes(doc, today),
    )


def compose(question: Question, ranking: Ranking, data: IndexData, calibration: Calibration, today: date) -> Answer:
    hits = ranking.hits
    nearest = tuple(_citation(data, h, today) for h in hits[:NEAREST])
    trimmed_note = messages.QUESTION_TRIMMED.format(limit=MAX_QUESTION_CHARS) + " " if question.trimmed else ""
    if not calibration.covers(ranking):
        return Answer(question.text, True, trimmed_note + messages.OUT_OF_SCOPE, (), nearest)
    top = hits[0].score
    shown = tuple(c for c, h in zip(nearest[:SHOWN], hits, strict=False) if h.score >= top - calibration.shown_margin)
    lead = messages.LEAD_ANSWER_MANY if len({c.source for c in shown}) > 1 else messages.LEAD_ANSWER
    return Answer(question.text, False, trimmed_note + lead, shown, nearest)
