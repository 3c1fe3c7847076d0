"""The corrections in force for one bot: checked when made, matched against the served index, embedded.

`Teaching.taught` is what each question is answered with (bot/core/retrieval.py raises a corrected clause
for questions like the corrected one); it follows the corrections store and the index version, so a
correction made by anyone, anywhere, is used from the next question on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from bot import messages
from bot.core import corrections
from bot.core.corrections import Correction, Resolved
from bot.core.embedding import Embedder
from bot.core.evaluation import normalise
from bot.core.index_store import IndexData
from bot.core.retrieval import Taught
from bot.errors import CorrectionError
from bot.question import clean
from bot.stores.corrections import CorrectionsStore, Record

MIN_NAMING_WORDS = 3  # fewer words than this are found in too many clauses to name one


def _named(data: IndexData, rows: list[int], words: str) -> int | None:
    """The clause of a document a person names by its heading (its first clause), or by words it holds."""
    wanted = normalise(words)
    if not wanted:
        return None
    for i in rows:
        if any(normalise(heading) == wanted for heading in data.clauses[i].heading_path):
            return i
    if len(words.split()) < MIN_NAMING_WORDS:
        return None
    return next((i for i in rows if wanted in normalise(data.clauses[i].text)), None)


class Teaching:
    def __init__(self, store: CorrectionsStore, embedder: Embedder) -> None:
        self._store = store
        self._embedder = embedder
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}  # by question: a correction is embedded once
        self._cached: tuple[tuple[str, tuple[Correction, ...]], Taught | None] | None = None

    def _in_force(self) -> tuple[Correction, ...]:
        return tuple(corrections.from_record(record) for record in self._store.current())

    def _change(self, edit: Callable[[tuple[Correction, ...]], tuple[Correction, ...]]) -> None:
        def on_records(records: tuple[Record, ...]) -> tuple[Record, ...]:
            return tuple(corrections.to_record(c) for c in edit(tuple(map(corrections.from_record, records))))

        self._store.change(on_records)

    def taught(self, data: IndexData) -> Taught | None:
        in_force = self._in_force()
        key = (data.version, in_force)
        with self._lock:
            if self._cached is None or self._cached[0] != key:
                resolved = [r for c in in_force if (r := corrections.resolve(c, data)) is not None]
                self._cached = (key, self._taught(resolved) if resolved else None)
            return self._cached[1]

    def _taught(self, resolved: list[Resolved]) -> Taught:
        questions = [clean(r.correction.question).text for r in resolved]
        missing = [q for q in dict.fromkeys(questions) if q not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._embedder.encode(missing), strict=True))
        return Taught(np.stack([self._vectors[q] for q in questions]), tuple(r.clause for r in resolved),
                      tuple(r.correction.quote for r in resolved))

    def teach(self, data: IndexData, question: str, *, by: str, source: str | None = None, clause: str | None = None,
              quote: str | None = None, not_covered: bool = False) -> Correction:
        """Check a correction against the served index and add it to the store; CorrectionError says what is wrong."""
        if not question.strip():
            raise CorrectionError(messages.TEACH_NO_QUESTION)
        made = Correction(" ".join(question.split()), by, corrections.now(), not_covered=True)
        if not not_covered:
            made = self._pointing(data, made, source, clause, quote)

        def add(existing: tuple[Correction, ...]) -> tuple[Correction, ...]:
            # a new correction of the same question replaces the old one
            return (*(c for c in existing if normalise(c.question) != normalise(made.question)), made)

        self._change(add)
        return made

    @staticmethod
    def _pointing(data: IndexData, made: Correction, source: str | None, clause: str | None,
                  quote: str | None) -> Correction:
        if not source or not (clause or quote):
            raise CorrectionError(messages.TEACH_NEEDS_TARGET)
        rows = [i for i, c in enumerate(data.clauses) if c.source == source]
        if not rows:
            raise CorrectionError(messages.TEACH_UNKNOWN_SOURCE.format(
                source=source, documents=", ".join(data.manifest.documents)))
        if clause and not any(data.clauses[i].ref == clause for i in rows):
            # not a printed number: a heading or the clause's own words, which every clause has
            named = _named(data, rows, clause)
            if named is None:
                refs = ", ".join(dict.fromkeys(r for i in rows if (r := data.clauses[i].ref)))
                raise CorrectionError(messages.TEACH_UNKNOWN_CLAUSE.format(source=source, clause=clause, clauses=refs)
                                      if refs else messages.TEACH_UNKNOWN_UNNUMBERED.format(source=source, clause=clause))
            clause, quote = data.clauses[named].ref, quote or corrections.quote_of(data.clauses[named])
        resolved = corrections.resolve(Correction(made.question, made.by, made.at, source, clause, quote), data)
        if resolved is None or resolved.clause is None:
            raise CorrectionError(messages.TEACH_QUOTE_NOT_FOUND.format(source=source, quote=quote))
        return corrections.repointed(resolved, data)

    def listing(self, data: IndexData) -> tuple[tuple[Correction, bool], ...]:
        """Every correction in the store, and whether it is in use (its clause still exists)."""
        return tuple((c, corrections.resolve(c, data) is not None) for c in self._in_force())

    def forget(self, number: int) -> Correction:
        gone: list[Correction] = []

        def remove(existing: tuple[Correction, ...]) -> tuple[Correction, ...]:
            if not 1 <= number <= len(existing):
                raise CorrectionError(messages.TEACH_NO_SUCH.format(number=number))
            gone.append(existing[number - 1])
            return existing[: number - 1] + existing[number:]

        self._change(remove)
        return gone[0]

    def follow(self, data: IndexData) -> list[str]:
        """After a reindex: re-point corrections whose clause was reworded; say which point at nothing now."""
        moved: list[Correction] = []
        lost: list[Correction] = []

        def follow(existing: tuple[Correction, ...]) -> tuple[Correction, ...]:
            moved.clear()  # the store may hand the edit what another replica kept meanwhile: judged afresh
            lost.clear()
            updated = []
            for correction in existing:
                resolved = corrections.resolve(correction, data)
                if resolved is None:
                    lost.append(correction)
                    updated.append(correction)  # kept, so it works again if its clause comes back
                    continue
                now = corrections.repointed(resolved, data)
                if (now.clause, now.quote) != (correction.clause, correction.quote):
                    moved.append(now)
                updated.append(now)
            return tuple(updated)

        self._change(follow)  # written only when one moved: nothing else changed
        return self.notes(moved, lost)

    def stale(self, data: IndexData) -> list[str]:
        return self.notes([], [c for c, used in self.listing(data) if not used])

    @staticmethod
    def notes(moved: list[Correction], lost: list[Correction]) -> list[str]:
        notes = []
        if moved:
            notes.append(messages.CORRECTIONS_REPOINTED.format(
                count=len(moved), questions="; ".join(f"“{c.question}”" for c in moved)))
        if lost:
            notes.append(messages.CORRECTIONS_STALE.format(
                count=len(lost), questions="; ".join(f"“{c.question}”" for c in lost)))
        return notes
