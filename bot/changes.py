"""What a reindex changes: clauses added, removed and reworded per document, and documents added or retired.

Numbered clauses are matched by (document, reference); a reference printed twice in one document
(a long list split into parts) is matched by its occurrence, so "1.4" part 2 meets "1.4" part 2.
Unnumbered clauses have no key an admin could rely on, so they are matched in two steps:
  1. identical text anywhere in the document is the same clause, so moving a paragraph is no change;
  2. of what is left, a new clause is a rewording of the most similar old clause under the same
     heading path when at least half their words line up; everything else is added or removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any, Protocol

from bot import messages

DIFF_CHARS = 200
SNIPPET_CHARS = 100
CONTEXT_WORDS = 4  # unchanged words kept either side of a change in a word diff
SIMILAR = 0.5  # share of words two unnumbered clauses need in common to count as one reworded clause
LINES_PER_DOCUMENT = 20  # the text rendering lists this many clause changes per document; changes.json has all


class ClauseLike(Protocol):
    """Both the parser's Clause and the index's StoredClause."""

    @property
    def ref(self) -> str | None: ...

    @property
    def heading_path(self) -> tuple[str, ...]: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class ClauseChange:
    label: str  # "clause 2.6", or the heading of an unnumbered clause
    detail: str  # the start of the clause's text, or a word diff for a reworded one


@dataclass(frozen=True)
class DocumentChanges:
    source: str
    added: tuple[ClauseChange, ...]
    removed: tuple[ClauseChange, ...]
    reworded: tuple[ClauseChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.reworded)


@dataclass(frozen=True)
class ChangeReport:
    previous: str | None  # the version compared with; None for the first build
    documents_added: tuple[str, ...]
    documents_retired: tuple[str, ...]
    documents: tuple[DocumentChanges, ...]  # documents in both versions whose clauses changed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        if self.previous is None:
            lines = [messages.CHANGES_FIRST]
        elif not (self.documents_added or self.documents_retired or self.documents):
            return messages.CHANGES_NONE.format(version=self.previous)
        else:
            lines = [messages.CHANGES_HEADER.format(version=self.previous)]
        if self.documents_added:
            lines.append(messages.CHANGES_DOCUMENTS_ADDED.format(names=", ".join(self.documents_added)))
        if self.documents_retired:
            lines.append(messages.CHANGES_DOCUMENTS_RETIRED.format(names=", ".join(self.documents_retired)))
        for doc in self.documents:
            lines.append(messages.CHANGES_DOCUMENT.format(
                source=doc.source, added=len(doc.added), removed=len(doc.removed), reworded=len(doc.reworded)
            ))
            entries = ([messages.CHANGES_ADDED.format(label=c.label, text=c.detail) for c in doc.added]
                       + [messages.CHANGES_REMOVED.format(label=c.label, text=c.detail) for c in doc.removed]
                       + [messages.CHANGES_REWORDED.format(label=c.label, diff=c.detail) for c in doc.reworded])
            lines += entries[:LINES_PER_DOCUMENT]
            if len(entries) > LINES_PER_DOCUMENT:
                lines.append(messages.CHANGES_MORE.format(count=len(entries) - LINES_PER_DOCUMENT))
        return "\n".join(lines)


def compare(
    previous: str | None,
    before: Mapping[str, Sequence[ClauseLike]],
    after: Mapping[str, Sequence[ClauseLike]],
) -> ChangeReport:
    """Compare the clauses of each document (keyed by file name) in the previous version with the new ones."""
    both = sorted(set(before) & set(after))
    changed = tuple(d for d in (compare_document(s, before[s], after[s]) for s in both) if d.changed)
    return ChangeReport(previous, tuple(sorted(set(after) - set(before))), tuple(sorted(set(before) - set(after))),
                        changed)


def compare_document(source: str, old: Sequence[ClauseLike], new: Sequence[ClauseLike]) -> DocumentChanges:
    added: list[ClauseChange] = []
    removed: list[ClauseChange] = []
    reworded: list[ClauseChange] = []
    old_numbered, new_numbered = _numbered(old), _numbered(new)
    for key, clause in new_numbered.items():
        was = old_numbered.get(key)
        if was is None:
            added.append(ClauseChange(_label(clause, key[1]), _trim(clause.text, SNIPPET_CHARS)))
        elif was.text != clause.text:
            reworded.append(ClauseChange(_label(clause, key[1]), word_diff(was.text, clause.text)))
    removed += [ClauseChange(_label(c, key[1]), _trim(c.text, SNIPPET_CHARS))
                for key, c in old_numbered.items() if key not in new_numbered]

    old_loose = [c for c in old if c.ref is None]
    new_loose = [c for c in new if c.ref is None]
    for clause in list(new_loose):
        same = next((c for c in old_loose if c.text == clause.text), None)
        if same is not None:
            old_loose.remove(same)
            new_loose.remove(clause)
    for clause in new_loose:
        scored = [(_similarity(c.text, clause.text), i) for i, c in enumerate(old_loose)
                  if c.heading_path == clause.heading_path]
        best = max(scored, default=None)
        if best is not None and best[0] >= SIMILAR:
            was = old_loose.pop(best[1])
            reworded.append(ClauseChange(_label(clause, 1), word_diff(was.text, clause.text)))
        else:
            added.append(ClauseChange(_label(clause, 1), _trim(clause.text, SNIPPET_CHARS)))
    removed += [ClauseChange(_label(c, 1), _trim(c.text, SNIPPET_CHARS)) for c in old_loose]
    return DocumentChanges(source, tuple(added), tuple(removed), tuple(reworded))


def word_diff(old: str, new: str, limit: int = DIFF_CHARS) -> str:
    """`[-removed words-] {+added words+}` with a few unchanged words around each change."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    opcodes = SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            parts.append(_context(a[i1:i2], first=n == 0, last=n == len(opcodes) - 1))
            continue
        if i2 > i1:
            parts.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            parts.append(f"{{+{' '.join(b[j1:j2])}+}}")
    return _trim(" ".join(p for p in parts if p), limit)


def _context(words: list[str], *, first: bool, last: bool) -> str:
    """An unchanged run, shortened to the words next to the changes on either side of it."""
    keep_head = 0 if first else CONTEXT_WORDS
    keep_tail = 0 if last else CONTEXT_WORDS
    if len(words) <= keep_head + keep_tail + 1:
        return " ".join(words)
    head, tail = words[:keep_head], words[len(words) - keep_tail:] if keep_tail else []
    return " ".join([*head, "…", *tail])


def _numbered(clauses: Sequence[ClauseLike]) -> dict[tuple[str, int], ClauseLike]:
    keyed: dict[tuple[str, int], ClauseLike] = {}
    seen: dict[str, int] = {}
    for clause in clauses:
        if clause.ref is not None:
            seen[clause.ref] = seen.get(clause.ref, 0) + 1
            keyed[(clause.ref, seen[clause.ref])] = clause
    return keyed


def _label(clause: ClauseLike, occurrence: int) -> str:
    if clause.ref is None:
        heading = clause.heading_path[-1] if clause.heading_path else None
        return messages.CHANGES_UNNUMBERED.format(heading=heading) if heading else messages.CHANGES_UNTITLED
    if occurrence > 1:
        return messages.CHANGES_CLAUSE_PART.format(ref=clause.ref, part=occurrence)
    return messages.CHANGES_CLAUSE.format(ref=clause.ref)


def _similarity(old: str, new: str) -> float:
    return SequenceMatcher(a=old.split(), b=new.split(), autojunk=False).ratio()


def _trim(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
