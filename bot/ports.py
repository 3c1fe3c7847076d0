"""The port every front end talks to. Adapters receive a ProtocolBot and nothing else of the core."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.answer import Answer, Scope
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
