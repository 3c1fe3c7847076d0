"""What a reindex changes: clauses added, removed, reworded and renumbered per document, and documents
added or retired.

Clauses are matched by what they say, not by their number, so removing clause 2.2 without renumbering
reads as "2.2 removed", and renumbering as renumbering:
  1. identical text anywhere in the document is the same clause (a new number makes it renumbered);
  2. of what is left, the most similar pairs of old and new clauses with the same number or under the
     same heading path, when at least half their words line up, are one clause reworded;
  3. everything else is added or removed.
A reference printed twice in one document (a long list split into parts) is labelled by its occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any, Protocol

from bot import messages

DIFF_CHARS = 200
MARK_CHARS = 5  # "[-", "-]" and a space around each run of a word diff, as plain text
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


SAME, REMOVED, ADDED = "same", "removed", "added"


@dataclass(frozen=True)
class Words:
    """A run of words in a word diff: unchanged, removed or added."""

    kind: str  # SAME, REMOVED or ADDED
    text: str


@dataclass(frozen=True)
class ClauseChange:
    label: str  # "clause 2.6", or the heading of an unnumbered clause
    detail: str  # the start of the clause's text, or a word diff for a reworded one, as plain text
    words: tuple[Words, ...] = ()  # a reworded clause's word diff, run by run, for pages that mark it up


@dataclass(frozen=True)
class DocumentChanges:
    source: str
    added: tuple[ClauseChange, ...]
    removed: tuple[ClauseChange, ...]
    reworded: tuple[ClauseChange, ...]
    renumbered: tuple[ClauseChange, ...] = ()  # same words under a new number: "clause 2.3 (now 2.2)"

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.reworded or self.renumbered)


@dataclass(frozen=True)
class ChangeReport:
    previous: str | None  # the version compared with; None for the first build
    documents_added: tuple[str, ...]
    documents_retired: tuple[str, ...]
    documents: tuple[DocumentChanges, ...]  # documents in both versions whose clauses changed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ChangeReport:
        """A report as a build stored it; reports stored before word runs were kept have their diff re-read."""
        def change(item: Mapping[str, Any]) -> ClauseChange:
            words = tuple(Words(str(w["kind"]), str(w["text"])) for w in item.get("words", ()))
            return ClauseChange(str(item["label"]), str(item["detail"]), words)

        def changes(doc: Mapping[str, Any], kind: str) -> tuple[ClauseChange, ...]:
            return tuple(change(item) for item in doc.get(kind, ()))

        return cls(
            raw.get("previous"), tuple(raw.get("documents_added", ())), tuple(raw.get("documents_retired", ())),
            tuple(DocumentChanges(str(doc["source"]), changes(doc, "added"), changes(doc, "removed"),
                                  tuple(_reread(c) for c in changes(doc, "reworded")), changes(doc, "renumbered"))
                  for doc in raw.get("documents", ())))

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
                source=doc.source, added=len(doc.added), removed=len(doc.removed), reworded=len(doc.reworded),
                renumbered=len(doc.renumbered)))
            entries = ([messages.CHANGES_ADDED.format(label=c.label, text=c.detail) for c in doc.added]
                       + [messages.CHANGES_REMOVED.format(label=c.label, text=c.detail) for c in doc.removed]
                       + [messages.CHANGES_REWORDED.format(label=c.label, diff=c.detail) for c in doc.reworded]
                       + [messages.CHANGES_RENUMBERED.format(label=c.label) for c in doc.renumbered])
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
    old_labels, new_labels = _labels(old), _labels(new)
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    renumbered: list[ClauseChange] = []
    for j in list(new_left):
        i = next((i for i in old_left if old[i].text == new[j].text), None)
        if i is None:
            continue
        old_left.remove(i)
        new_left.remove(j)
        if old[i].ref != new[j].ref:
            renumbered.append(ClauseChange(messages.CHANGES_NOW.format(old=old_labels[i], new=new_labels[j]),
                                           _trim(new[j].text, SNIPPET_CHARS)))
    pairs = sorted(((_similarity(old[i].text, new[j].text), -j, -i) for i in old_left for j in new_left
                    if _comparable(old[i], new[j])), reverse=True)
    reworded: dict[int, ClauseChange] = {}
    for score, minus_j, minus_i in pairs:
        i, j = -minus_i, -minus_j
        if score < SIMILAR:
            break
        if i in old_left and j in new_left:
            old_left.remove(i)
            new_left.remove(j)
            label = (new_labels[j] if old[i].ref == new[j].ref
                     else messages.CHANGES_NOW.format(old=old_labels[i], new=new_labels[j]))
            reworded[j] = _reworded(label, old[i], new[j])
    for j in list(new_left):  # a clause keeping its number, rewritten beyond recognition, is still that clause
        i = next((i for i in old_left if old[i].ref is not None and old_labels[i] == new_labels[j]), None)
        if i is not None:
            old_left.remove(i)
            new_left.remove(j)
            reworded[j] = _reworded(new_labels[j], old[i], new[j])
    added = [ClauseChange(new_labels[j], _trim(new[j].text, SNIPPET_CHARS)) for j in new_left]
    removed = [ClauseChange(old_labels[i], _trim(old[i].text, SNIPPET_CHARS)) for i in old_left]
    return DocumentChanges(source, tuple(added), tuple(removed), tuple(reworded[j] for j in sorted(reworded)),
                           tuple(renumbered))


def _reworded(label: str, old: ClauseLike, new: ClauseLike) -> ClauseChange:
    words = word_runs(old.text, new.text)
    return ClauseChange(label, _markup(words), words)


def _comparable(old: ClauseLike, new: ClauseLike) -> bool:
    """Only a clause keeping its number or its heading can be a rewording of another."""
    return (old.ref is not None and old.ref == new.ref) or old.heading_path == new.heading_path


def word_diff(old: str, new: str, limit: int = DIFF_CHARS) -> str:
    """`[-removed words-] {+added words+}` with a few unchanged words around each change, as plain text."""
    return _markup(word_runs(old, new, limit))


def word_runs(old: str, new: str, limit: int = DIFF_CHARS) -> tuple[Words, ...]:
    """The runs of a word diff, with a few unchanged words around each change, cut after whole runs once
    about `limit` characters are shown (so no run is left half open)."""
    a, b = old.split(), new.split()
    runs: list[Words] = []
    opcodes = SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            context = _context(a[i1:i2], first=n == 0, last=n == len(opcodes) - 1)
            if context:
                runs.append(Words(SAME, context))
            continue
        if i2 > i1:
            runs.append(Words(REMOVED, " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(Words(ADDED, " ".join(b[j1:j2])))
    shown: list[Words] = []
    room = limit
    for run in runs:
        if room < MARK_CHARS + 2:
            shown.append(Words(SAME, "…"))
            break
        text = _trim(run.text, room - MARK_CHARS)
        shown.append(Words(run.kind, text))
        room -= len(text) + MARK_CHARS
    return tuple(shown)


def _markup(runs: Sequence[Words]) -> str:
    marks = {SAME: "{}", REMOVED: "[-{}-]", ADDED: "{{+{}+}}"}
    return " ".join(marks[run.kind].format(run.text) for run in runs)


_MARKED = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}")


def _reread(change: ClauseChange) -> ClauseChange:
    """Word runs for a reworded clause stored as marked-up text only; a mark left open is plain text."""
    if change.words:
        return change
    runs: list[Words] = []
    at = 0
    for found in _MARKED.finditer(change.detail):
        if change.detail[at:found.start()].strip():
            runs.append(Words(SAME, change.detail[at:found.start()].strip()))
        runs.append(Words(REMOVED, found.group(1)) if found.group(1) is not None else Words(ADDED, found.group(2)))
        at = found.end()
    if change.detail[at:].strip():
        runs.append(Words(SAME, change.detail[at:].strip()))
    return ClauseChange(change.label, change.detail, tuple(runs))


def _context(words: list[str], *, first: bool, last: bool) -> str:
    """An unchanged run, shortened to the words next to the changes on either side of it."""
    keep_head = 0 if first else CONTEXT_WORDS
    keep_tail = 0 if last else CONTEXT_WORDS
    if len(words) <= keep_head + keep_tail + 1:
        return " ".join(words)
    head, tail = words[:keep_head], words[len(words) - keep_tail:] if keep_tail else []
    return " ".join([*head, "…", *tail])


def _labels(clauses: Sequence[ClauseLike]) -> list[str]:
    seen: dict[str, int] = {}
    labels = []
    for clause in clauses:
        if clause.ref is None:
            heading = clause.heading_path[-1] if clause.heading_path else None
            labels.append(messages.CHANGES_UNNUMBERED.format(heading=heading) if heading else messages.CHANGES_UNTITLED)
            continue
        seen[clause.ref] = seen.get(clause.ref, 0) + 1
        labels.append(messages.CHANGES_CLAUSE_PART.format(ref=clause.ref, part=seen[clause.ref]) if seen[clause.ref] > 1
                      else messages.CHANGES_CLAUSE.format(ref=clause.ref))
    return labels


def _similarity(old: str, new: str) -> float:
    return SequenceMatcher(a=old.split(), b=new.split(), autojunk=False).ratio()


def _trim(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
