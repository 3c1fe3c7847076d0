"""What the admin commands report, shared by every front end."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    council: str
    adopted: str
    review: str
    clauses: int = 0


@dataclass(frozen=True)
class IndexStatus:
    version: str
    built_at: str
    model: str
    documents: tuple[DocumentInfo, ...]
    change_report: str | None = None
    notes: tuple[str, ...] = ()  # what an admin should act on: corrections that point at nothing, a broken file


@dataclass(frozen=True)
class ReindexResult:
    version: str
    summary: str  # the per-document summary and change report, as printed by `protocol-bot index`
