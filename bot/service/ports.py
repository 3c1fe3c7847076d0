"""The port every front end talks to. Adapters receive a ProtocolBot and nothing else of the core."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from bot.answer import Answer, Scope
from bot.core.corrections import Correction
from bot.status import DocumentInfo, IndexStatus, ReindexResult


class ProtocolBot(ABC):
    @abstractmethod
    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        """Answer a question with cited clauses. Raises ProtocolBotError with a user-facing text."""

    @abstractmethod
    def documents(self) -> tuple[DocumentInfo, ...]:
        """The documents the bot answers from, for help and home screens."""

    @abstractmethod
    def status(self) -> IndexStatus:
        """The index being served, for admins."""

    @abstractmethod
    def reindex(self) -> ReindexResult:
        """Rebuild the index from the knowledge folder and switch to it; raises ReindexFailed."""

    @abstractmethod
    def teach(self, question: str, *, by: str, source: str | None = None, clause: str | None = None,
              quote: str | None = None, not_covered: bool = False) -> Correction:
        """Record what answers a question (a clause, or nothing: not covered), used from the next question on.

        Raises CorrectionError saying what is wrong (no such document or clause, an empty question).
        """

    @abstractmethod
    def corrections(self) -> tuple[tuple[Correction, bool], ...]:
        """Every correction, and whether it is in use (its clause still exists)."""

    @abstractmethod
    def forget(self, number: int) -> Correction:
        """Remove correction `number` (1-based, as listed); raises CorrectionError when there is none."""

    def candidate(self, scratch: Path) -> ProtocolBot | None:
        """A bot answering from the documents as a publish would now serve them, built in `scratch` without
        changing what is served; None from a bot that cannot build one (it has no documents of its own)."""
        return None
