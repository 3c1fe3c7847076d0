"""Corrections: an admin's word on what answers a question, kept as data beside the documents.

A correction says that a question is answered by a clause (a document and its clause reference, or
a verbatim part of a clause that has none), or that the protocols do not cover it. They live in one
human-readable file, `knowledge/corrections.toml`, reviewed and versioned like the documents, each
saying who made it and when. The bot reads the file again whenever it changes, so a correction is
used from the next question on; a file that does not read keeps the last good corrections in use.

A correction works as another way of asking for its clause: a question worded like the corrected one
finds that clause first (and one like a "not covered" correction is declined), and a question that
is not like any corrected one is answered exactly as before (bot/core/retrieval.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot import messages
from bot.core.evaluation import normalise
from bot.core.index_store import IndexData, StoredClause
from bot.errors import CorrectionError

logger = logging.getLogger(__name__)

FILE_NAME = "corrections.toml"
QUOTE_CHARS = 160  # how much of a clause a correction keeps, to find it again once reworded
# A reworded clause is still "recognisably the same" when this share of its words is shared.
SAME_CLAUSE_OVERLAP = 0.6
_WORD = re.compile(r"\w+")

_HEADER = """# Corrections to wrong answers, made by admins (protocol-bot teach, or from a 👎 in Slack or Teams).
# Each says what answers a question: `source` (a file in protocols/) with its `clause` reference, or a
# verbatim `quote` of the clause; or `not_covered = true` when the protocols do not answer it. The bot
# uses a correction from the next question on; edit or delete entries as you would any other text.
"""


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


def read(path: Path) -> tuple[Correction, ...]:
    """The corrections in `path` (none when there is no file). Raises CorrectionError naming the problem."""
    if not path.is_file():
        return ()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorrectionError(messages.CORRECTIONS_UNREADABLE.format(name=path.name, detail=exc)) from exc
    entries = raw.get("corrections", [])
    if not isinstance(entries, list):
        raise CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=path.name, number=1))
    return tuple(_entry(path, number, entry) for number, entry in enumerate(entries, start=1))


def _entry(path: Path, number: int, entry: object) -> Correction:
    if not isinstance(entry, dict):
        raise CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=path.name, number=number))
    text = {k: v for k, v in entry.items() if k in ("question", "by", "at", "source", "clause", "quote")}
    if not all(isinstance(v, str) for v in text.values()) or not isinstance(entry.get("not_covered", False), bool):
        raise CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=path.name, number=number))
    correction = Correction(**{"by": "", "at": "", **text}, not_covered=entry.get("not_covered", False))
    points = bool(correction.source and (correction.clause or correction.quote))
    if not correction.question.strip() or points == correction.not_covered:
        raise CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=path.name, number=number))
    return correction


def write(path: Path, corrections: tuple[Correction, ...]) -> None:
    """Replace the file in one rename, so a reader never sees half of it."""
    lines = [_HEADER]
    for c in corrections:
        lines.append("[[corrections]]")
        fields = {"question": c.question, "source": c.source, "clause": c.clause, "quote": c.quote, "by": c.by,
                  "at": c.at}
        # A JSON string is a TOML basic string: the same quotes and escapes.
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items() if value]
        if c.not_covered:
            lines.append("not_covered = true")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".corrections-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.replace(staging, path)


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


class CorrectionsFile:
    """The corrections in force: read again when the file changes; the last good ones kept if it breaks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._corrections: tuple[Correction, ...] = ()
        self.problem: str | None = None  # why the file on disk is not the one in use

    def current(self) -> tuple[Correction, ...]:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._corrections = read(self.path)
                    self.problem = None
                except CorrectionError as error:
                    logger.error("%s", error)  # the last good corrections stay in use
                    self.problem = str(error)
                self._stamp = stamp
            return self._corrections
