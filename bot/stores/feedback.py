"""Thumbs up/down on answers, shared by every chat platform and read by the console and `protocol-bot feedback`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from bot.answer import Answer


@dataclass(frozen=True)
class CitedRef:
    source: str
    clause: str | None
    heading: str | None


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    at: str
    platform: str
    user: str
    question: str
    helpful: bool
    comment: str | None
    citations: tuple[CitedRef, ...]


@dataclass(frozen=True)
class ClauseTally:
    source: str
    clause: str | None
    heading: str | None
    unhelpful: int


@dataclass(frozen=True)
class WeekTally:
    week: str  # the Monday it starts on, YYYY-MM-DD
    helpful: int
    unhelpful: int


def cited_refs(answer: Answer) -> tuple[CitedRef, ...]:
    return tuple(CitedRef(c.source, c.clause, c.heading) for c in answer.citations)


class FeedbackStore(ABC):
    """Thread-safe: chat adapters record from worker threads."""

    @abstractmethod
    def record(self, *, platform: str, user: str, question: str, helpful: bool, citations: tuple[CitedRef, ...],
               comment: str | None = None) -> int:
        """Keep one vote, timed now; its id, for a comment that follows."""

    @abstractmethod
    def add_comment(self, feedback_id: int, comment: str) -> None:
        """Attach what the voter typed to their vote (replacing an earlier comment)."""

    @abstractmethod
    def entry(self, feedback_id: int) -> FeedbackEntry | None:
        """One vote; None when there is none with that id."""

    @abstractmethod
    def recent(self, limit: int = 20) -> list[FeedbackEntry]:
        """The newest `limit` votes, newest first."""

    @abstractmethod
    def by_week(self, weeks: int = 12) -> list[WeekTally]:
        """👍 and 👎 per week (weeks starting on Monday), newest first, for the weeks that had any."""

    @abstractmethod
    def most_unhelpful(self, limit: int = 10) -> list[ClauseTally]:
        """The clauses cited most often in answers voted unhelpful, most first."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database."""
