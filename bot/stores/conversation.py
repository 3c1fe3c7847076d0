"""What a conversation remembers between messages.

Recent answers (behind every answer's buttons), each conversation's topic (so follow-ups keep it),
and the inbox: every message taken up, written before the platform is told it arrived and marked
done once its reply is delivered, so a crash loses nothing and a re-delivery is answered once.
Kept in the database, so a restart or a second process serving the same app keeps buttons,
follow-ups and unanswered questions. Every kind of row is bounded and expires.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from bot.answer import Answer

DAY = 24 * 3600.0
# (rows kept, seconds kept): enough for a busy council's month of buttons, a week of threads, and
# far longer than any platform re-delivers a message.
LIMITS = {"answers": (5000, 30 * DAY), "topics": (5000, 7 * DAY), "inbox": (20000, 2 * DAY)}
# A worker renews its claim every RENEW_SECONDS for as long as it works on a message, however long a platform
# keeps it waiting (a rate limit, retries); a claim not renewed for CLAIM_SECONDS is a dead worker's.
CLAIM_SECONDS = 60.0
RENEW_SECONDS = CLAIM_SECONDS / 3  # so two renewals can fail, or come late, before the claim lapses
MAX_ATTEMPTS = 5  # a message that failed this often is given up (and logged), not retried for ever


@dataclass(frozen=True)
class InboxItem:
    id: str
    payload: dict[str, Any]
    asked: str | None
    attempts: int  # this one included
    claim: str  # this worker's claim on it, to renew and to let go of


class ConversationState(ABC):
    """Thread-safe, and shared by processes serving the same app."""

    @abstractmethod
    def keep_answer(self, answer_id: str, answer: Answer) -> None:
        """Remember an answer (replacing one kept under the same id), for its buttons."""

    @abstractmethod
    def answer(self, answer_id: str) -> Answer | None:
        """An answer kept within LIMITS; None once forgotten."""

    @abstractmethod
    def set_topic(self, place: str, question: str) -> None:
        """What the conversation at `place` is about now."""

    @abstractmethod
    def topic(self, place: str) -> str | None:
        """The topic set within LIMITS; None when there is none."""

    @abstractmethod
    def accept(self, message_id: str, platform: str, payload: dict[str, Any]) -> bool:
        """Keep a message before the platform is acknowledged. False when it is already kept: a
        re-delivery, or the same message as a second event; it is then answered by whoever has it."""

    @abstractmethod
    def claim(self, message_id: str) -> InboxItem | None:
        """Take up a kept message to answer it; None when it is done, or another worker (in any
        process) has it now. A claim not renewed for CLAIM_SECONDS is a dead worker's, and can be taken."""

    @abstractmethod
    def renew(self, message_id: str, claim: str) -> bool:
        """The worker holding `claim` is still at work on the message: its claim runs CLAIM_SECONDS from now.
        False when the claim is no longer held: the message is done or let go, or was taken over after the
        claim lapsed."""

    @abstractmethod
    def set_asked(self, message_id: str, asked: str) -> None:
        """What the message asks, once worked out, so a retry asks the same whatever the topic is now."""

    @abstractmethod
    def done(self, message_id: str) -> None:
        """Its reply is delivered (or given up): keep only the id, against re-deliveries."""

    @abstractmethod
    def release(self, message_id: str, claim: str) -> None:
        """Delivering failed for now: leave it for a later attempt. Nothing changes when `claim` no longer holds
        it, so a worker whose claim lapsed cannot free the message from the worker that took it over."""

    @abstractmethod
    def pending(self, platform: str, *, older_than: float) -> list[str]:
        """Messages of `platform` not yet answered that nobody is working on, kept at least
        `older_than` seconds ago, oldest first."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database."""
