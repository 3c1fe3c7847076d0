"""Corrections: an admin's word on what answers a question, kept as data beside the documents.

A correction says that a question is answered by a clause (a document and its clause reference, or
a verbatim part of a clause that has none), or that the protocols do not cover it. They live in one
store (bot/stores/corrections.py: `knowledge/corrections.toml` by default, the database when replicas
share one), each saying who made it and when. The store is asked before every question, so a correction
is used from the next question on; stored corrections that do not read leave the last good ones in use.

A correction works as another way of asking for its clause: a question worded like the corrected one
finds that clause first (and one like a "not covered" correction is declined), and a question that
is not like any corrected one is answered exactly as before (bot/core/retrieval.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot import messages
from bot.core.evaluation import normalise
from bot.core.index_store import IndexData, StoredClause
from bot.stores.corrections import Record

QUOTE_CHARS = 160  # how much of a clause a correction keeps, to find it again once reworded
# A reworded clause is still "recognisably the same" when this share of its words is shared.
SAME_CLAUSE_OVERLAP = 0.6
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Correction:
    question: str
    by: str
    at: str
    source: str | None = None
    clause: str | None = None
    quote: str | None = None  # a verbatim part of the clause: how it is found again once reworded
    not_covered: bool = False

    def describe(self, name: Callable[[str], str] = str) -> str:
        """The correction in a line; `name` says what to call its document (its file name unless told)."""
        if self.not_covered:
            return messages.CORRECTION_NOT_COVERED.format(question=self.question)
        where = f"clause {self.clause}" if self.clause else f"“{self.quote}”"
        return messages.CORRECTION_CLAUSE.format(question=self.question, source=name(self.source or ""), where=where)


@dataclass(frozen=True)
class Resolved:
    """A correction matched against an index version: the clause row it points at (None: not covered)."""

    correction: Correction
    clause: int | None


def from_record(record: Record) -> Correction:
    """A correction as its store keeps it (bot/stores/corrections.py checked its fields)."""
    def text(key: str) -> str | None:
        value = record.get(key)
        return value if isinstance(value, str) else None

    return Correction(text("question") or "", text("by") or "", text("at") or "", text("source"), text("clause"),
                      text("quote"), record.get("not_covered") is True)


def to_record(correction: Correction) -> Record:
    """What a store keeps of a correction: the fields it has, as `corrections.toml` writes them."""
    fields = {"question": correction.question, "source": correction.source, "clause": correction.clause,
              "quote": correction.quote, "by": correction.by, "at": correction.at}
    record: Record = {key: value for key, value in fields.items() if value}
    if correction.not_covered:
        record["not_covered"] = True
    return record


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolve(correction: Correction, data: IndexData) -> Resolved | None:
    """The clause a correction points at in this index version; None when it no longer exists.

    Found by its reference (the part holding its quote, when a long clause was split), else by its
    quote, else as the clause of the same document sharing most of the quote's words.
    """
    if correction.not_covered:
        return Resolved(correction, None)
    rows = [i for i, c in enumerate(data.clauses) if c.source == correction.source]
    quote = normalise(correction.quote or "")
    by_ref = [i for i in rows if correction.clause and data.clauses[i].ref == correction.clause]
    holding = [i for i in rows if quote and quote in normalise(data.clauses[i].text)]
    for found in ([i for i in by_ref if i in holding], holding, by_ref[:1] if not quote else []):
        if found:
            return Resolved(correction, found[0])
    best = max(rows, key=lambda i: _overlap(correction.quote or "", data.clauses[i].text), default=None)
    if best is not None and _overlap(correction.quote or "", data.clauses[best].text) >= SAME_CLAUSE_OVERLAP:
        return Resolved(correction, best)
    return None


def repointed(resolved: Resolved, data: IndexData) -> Correction:
    """The correction as it now points: the clause's current reference, and its quote while the clause
    still holds it verbatim (else the clause's opening words)."""
    if resolved.clause is None:
        return resolved.correction
    clause = data.clauses[resolved.clause]
    quote = resolved.correction.quote
    kept = quote if quote and normalise(quote) in normalise(clause.text) else quote_of(clause)
    return replace(resolved.correction, clause=clause.ref, quote=kept)


def quote_of(clause: StoredClause) -> str:
    return opening(clause.text)


def opening(text: str) -> str:
    """A clause's opening words, as a correction keeps them to find the clause again, numbered or not."""
    return text[:QUOTE_CHARS].rsplit(" ", 1)[0] if len(text) > QUOTE_CHARS else text


def _overlap(a: str, b: str) -> float:
    words_a, words_b = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(words_a & words_b) / len(words_a) if words_a else 0.0
