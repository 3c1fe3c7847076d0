"""The core's own response types: everything an adapter needs to render a reply."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot import messages


@dataclass(frozen=True)
class Scope:
    """Which documents may answer. `documents=None` means every indexed document."""

    documents: frozenset[str] | None = None
    include_superseded: bool = False

    def allows(self, source: str) -> bool:
        return self.documents is None or source in self.documents


_OPENING_WORDS = 5  # of a paragraph with no number or heading, to say which one it is


@dataclass(frozen=True)
class Citation:
    source: str  # the document's file name, e.g. "000_071d258fd975c70b.txt"
    council: str
    title: str
    clause: str | None  # the reference as printed ("2.6", "13(b)"), None for unnumbered text
    heading: str | None
    quote: str  # the single best-matching sentence, verbatim
    text: str  # the full clause, verbatim
    score: float
    note: str | None = None  # e.g. "review due October 2025"

    @property
    def label(self) -> str:
        """How a reader refers to it: "clause 2.6 (Councillors)" or the heading alone."""
        parts = []
        if self.clause:
            parts.append(f"clause {self.clause}")
        if self.heading:
            parts.append(f"({self.heading})" if self.clause else self.heading)
        if parts:
            return " ".join(parts)
        # with neither, its opening words are what a reader can find it by in the document
        words = self.text.lstrip("-•·*– ").split()
        if not words:
            return messages.CITATION_UNLABELLED
        return messages.CITATION_OPENING.format(words=" ".join(words[:_OPENING_WORDS]))


@dataclass(frozen=True)
class DocumentGroup:
    council: str
    title: str
    source: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class CouncilGroup:
    council: str  # "" for documents that do not name their council
    documents: tuple[DocumentGroup, ...]


@dataclass(frozen=True)
class Answer:
    question: str
    out_of_scope: bool
    lead: str  # one line a person reads first
    citations: tuple[Citation, ...]  # what the reply shows, best first (at most three)
    nearest: tuple[Citation, ...] = field(default=())  # ranked candidates, for evaluation

    @property
    def by_council(self) -> tuple[CouncilGroup, ...]:
        """Cited documents grouped by council, so one council's rules are never read as another's.

        Councils, and documents within a council, come in order of their best clause. Documents that do not
        name their council are each a group of their own: nothing says they are one council's.
        """
        by_source: dict[str, list[Citation]] = {}
        for citation in self.citations:
            by_source.setdefault(citation.source, []).append(citation)
        councils: dict[tuple[str, str], list[DocumentGroup]] = {}
        for source, cs in by_source.items():
            key = (cs[0].council, "" if cs[0].council else source)
            councils.setdefault(key, []).append(DocumentGroup(cs[0].council, cs[0].title, source, tuple(cs)))
        return tuple(CouncilGroup(council, tuple(groups)) for (council, _), groups in councils.items())

    @property
    def groups(self) -> tuple[DocumentGroup, ...]:
        """Cited clauses grouped by document, in council order (see `by_council`)."""
        return tuple(group for council in self.by_council for group in council.documents)

    @property
    def in_reading_order(self) -> tuple[Citation, ...]:
        """Citations as a reply lists them: grouped by council, then by document."""
        return tuple(c for group in self.groups for c in group.citations)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
