"""Keeping clauses under MAX_CLAUSE_CHARS.

A clause is made of units: paragraphs and list items. One that is too long is cut
between units, and a unit that is itself too long is cut between sentences. A part
that starts inside a list repeats the list's lead-in, so it still reads in context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.clause import MAX_CLAUSE_CHARS, Clause
from knowledge.parse_text import Run, join, sentence_spans


@dataclass(frozen=True)
class Unit:
    run: Run
    item: bool = False
    lead_in: Run | None = None  # for an item: the sentence introducing its list


@dataclass
class Draft:
    ref: str | None
    heading_path: tuple[str, ...]
    units: list[Unit] = field(default_factory=list)
    # Where the clause starts in the source when that is before its text: its number.
    origin: int | None = None


def clauses(doc_id: str, draft: Draft) -> list[Clause]:
    whole = _join(draft.units)
    origin = whole.start if draft.origin is None else min(draft.origin, whole.start)
    if len(whole) <= MAX_CLAUSE_CHARS:
        return [Clause(doc_id, draft.ref, draft.heading_path, whole.text, origin, whole.end)]
    parts = _parts([piece for unit in draft.units for piece in _fit(unit)])
    repeated = {prefix.text for part in parts if (prefix := _prefix(part)) is not None}
    result: list[Clause] = []
    for part in parts:
        body = _join(part)
        prefix = _prefix(part)
        text = body.text if prefix is None else f"{prefix.text}\n{body.text}"
        lead_in = next((lead for lead in repeated if text.startswith(lead + "\n")), None)
        start = origin if not result else body.start
        result.append(Clause(doc_id, draft.ref, draft.heading_path, text, start, body.end, lead_in))
    return result


def _join(units: list[Unit]) -> Run:
    return join([unit.run for unit in units], ["\n"] * (len(units) - 1))


def _size(units: list[Unit]) -> int:
    return sum(len(unit.run) + 1 for unit in units) - 1


def _prefix(part: list[Unit]) -> Run | None:
    """The lead-in a part must repeat because it starts inside a list."""
    first = part[0]
    return first.lead_in if first.item else None


def _introduces(unit: Unit, item: Unit) -> bool:
    lead_in = item.lead_in
    return lead_in is not None and unit.run.start <= lead_in.start and unit.run.end == lead_in.end


def _parts(units: list[Unit]) -> list[list[Unit]]:
    """Greedy packing of units into parts that fit, lead-ins included."""
    parts: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in units:
        prefix = _prefix(current) if current else None
        cost = _size([*current, unit]) + (len(prefix) + 1 if prefix is not None else 0)
        if current and cost > MAX_CLAUSE_CHARS:
            carried: list[Unit] = []
            movable = len(current) > 1 and _size([current[-1], unit]) <= MAX_CLAUSE_CHARS
            if movable and _introduces(current[-1], unit):
                carried = [current.pop()]  # a lead-in stays with the items it introduces
            parts.append(current)
            current = carried
        current.append(unit)
    parts.append(current)
    return parts


def _fit(unit: Unit) -> list[Unit]:
    """Cut a unit longer than the limit into runs of whole sentences."""
    budget = MAX_CLAUSE_CHARS - (len(unit.lead_in) + 1 if unit.item and unit.lead_in else 0)
    if len(unit.run) <= budget:
        return [unit]
    pieces: list[Unit] = []
    begin = end = 0
    for first, last in _sentences_within(unit.run.text, budget):
        if end > begin and last - begin > budget:
            pieces.append(Unit(unit.run.cut(begin, end), unit.item, unit.lead_in))
            begin = first
        end = last
    pieces.append(Unit(unit.run.cut(begin, end), unit.item, unit.lead_in))
    return pieces


def _sentences_within(text: str, budget: int) -> list[tuple[int, int]]:
    """Sentence spans, with any sentence longer than the budget cut at spaces."""
    spans: list[tuple[int, int]] = []
    for first, last in sentence_spans(text):
        while last - first > budget:
            cut = text.rfind(" ", first, first + budget)
            cut = cut if cut > first else first + budget
            spans.append((first, cut))
            first = cut + 1 if text[cut : cut + 1] == " " else cut
        spans.append((first, last))
    return spans
