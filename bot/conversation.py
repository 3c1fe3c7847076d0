"""How any chat message becomes a reply, for every platform.

A chat adapter turns a platform event into a `Message` and renders the `Reply` it gets back (Block
Kit, an Adaptive Card, plain text); everything in between happens here, once: recognising the
commands (help, status, reindex), the admin check, the documents that answer in that place, the
topic a follow-up continues, remembering answers for their buttons, and recording votes.

    message ──► Conversation.handle ──► AnswerReply | TextReply | HelpReply | ReportReply | ReindexReply
    vote    ──► Conversation.vote   ──► the answer voted on (its buttons are then replaced), or None

The rules, the same on every platform:
- A message that is exactly "help", "status" or "reindex" (any case, trailing punctuation ignored)
  is a command; status and reindex are for admins only; anything else is a question.
- In a thread, every later message is asked together with the thread's first question, so "what
  about officers?" keeps the topic. In a conversation without threads (a direct message, a Teams
  chat) a message that reads as a follow-up (short, or opening with "and", "what about" ...) is asked
  with the previous question; any other message starts a new topic.
- A message nobody addressed to the bot (no mention, not a direct message) is answered only in a
  thread the bot is already part of.
- A message seen before (a platform's retry, or the same message as two events) is not answered again.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot import messages
from bot.answer import Answer
from bot.conversation_state import ConversationState
from bot.errors import ProtocolBotError
from bot.feedback import FeedbackStore, cited_refs
from bot.ports import ProtocolBot
from bot.reindex_runner import ReindexOutcome, ReindexRunner
from bot.scopes import Scopes
from bot.status import DocumentInfo
from bot.status_report import render_status

logger = logging.getLogger(__name__)

# "and for officers?", "what about the chair?": a chat message that carries on the last question.
_FOLLOW_UP = re.compile(r"^(and|but|also|so|or|what about|how about|what if|same for|and if|is that|does that)\b",
                        re.IGNORECASE)
_FOLLOW_UP_WORDS = 4  # a message this short has no topic of its own


class Command(Enum):
    HELP = "help"
    STATUS = "status"
    REINDEX = "reindex"


ADMIN_COMMANDS = frozenset({Command.STATUS, Command.REINDEX})


@dataclass(frozen=True)
class Place:
    """Where a message was written. Ids are the platform's own."""

    platform: str  # "slack", "teams"
    conversation: str  # the channel, direct message or chat
    thread: str | None = None  # the thread inside it, where the platform has threads
    # What the scopes file maps to documents (bot/scopes.py):
    channel: str | None = None
    team: str | None = None  # Slack workspace, Teams team
    tenant: str | None = None  # Teams tenant


@dataclass(frozen=True)
class Message:
    place: Place
    user: str | None  # Slack member id, Teams Entra object id (what PROTOCOL_BOT_ADMINS lists)
    text: str  # the question as typed, the bot's own mention removed
    id: str | None = None  # the platform's id of this message, for answering it once
    addressed: bool = True  # mentioned, a direct message or a command; else only answered in a known thread


@dataclass(frozen=True)
class AnswerReply:
    answer: Answer  # out_of_scope answers have no citations; render `answer.lead` either way
    answer_id: str  # what buttons carry, to find the answer again


@dataclass(frozen=True)
class TextReply:
    text: str  # plain text: a prompt, a refusal, an error the person can act on


@dataclass(frozen=True)
class HelpReply:
    documents: tuple[DocumentInfo, ...]
    admin: bool  # admins are also told about status and reindex


@dataclass(frozen=True)
class ReportReply:
    text: str  # preformatted plain text (the status report)


@dataclass(frozen=True)
class ReindexReply:
    started: bool  # False: one was already running; its result will be reported as usual

    @property
    def text(self) -> str:
        return messages.REINDEX_STARTED if self.started else messages.REINDEX_BUSY


Reply = AnswerReply | TextReply | HelpReply | ReportReply | ReindexReply
ReportReindex = Callable[[ReindexOutcome], None]


def command_of(text: str) -> Command | None:
    try:
        return Command(text.strip().strip(" .!?").lower())
    except ValueError:
        return None


def is_follow_up(text: str) -> bool:
    return len(text.split()) <= _FOLLOW_UP_WORDS or bool(_FOLLOW_UP.match(text.strip()))


class Conversation:
    def __init__(
        self,
        bot: ProtocolBot,
        *,
        admins: frozenset[str],
        scopes: Scopes,
        feedback: FeedbackStore,
        state: ConversationState,
    ) -> None:
        self._bot = bot
        self._admins = admins
        self._scopes = scopes
        self._feedback = feedback
        self._state = state
        self._reindexer = ReindexRunner(bot)

    def is_admin(self, user: str | None) -> bool:
        return bool(user) and user in self._admins

    def handle(self, message: Message, report_reindex: ReportReindex) -> Reply | None:
        """The reply to a message, or None when there is nothing to say (see the module's rules).

        `report_reindex` is called on the reindex's own thread once a reindex this message started ends.
        """
        if message.id is not None and not self._state.first_time(f"{message.place.platform}:{message.id}"):
            return None
        place = message.place
        # A thread's topic is everyone's in it; elsewhere (a channel's /protocol, a group chat) each person's own.
        topic_key = f"{place.platform}:{place.conversation}:" + (f"thread:{place.thread}" if place.thread else
                                                                f"user:{message.user}")
        topic = self._state.topic(topic_key)
        if not message.addressed and topic is None:
            return None
        command = command_of(message.text)
        if command is not None:
            return self._command(command, message, report_reindex)
        question = " ".join(message.text.split())
        if not question:
            if topic is None:
                self._state.set_topic(topic_key, "")  # the thread is the bot's now: follow-ups need no mention
            return TextReply(messages.EMPTY_QUESTION)
        continues = bool(topic) and (place.thread is not None or is_follow_up(question))
        if not continues:
            self._state.set_topic(topic_key, question)
        asked = f"{topic} {question}" if continues else question
        return self._guarded(f"Answering {asked!r}", lambda: self._answer(asked, place))

    def answer(self, answer_id: str) -> Answer | None:
        """An answer given earlier, for its buttons; None once forgotten (see ConversationState)."""
        return self._state.answer(answer_id)

    def vote(self, place: Place, user: str, answer_id: str, helpful: bool) -> tuple[Answer, int] | None:
        """Record a 👍/👎 on an earlier answer: the answer and the feedback id, or None when it is forgotten."""
        answer = self._state.answer(answer_id)
        if answer is None:
            return None
        feedback_id = self._feedback.record(platform=place.platform, user=user, question=answer.question,
                                            helpful=helpful, citations=cited_refs(answer))
        return answer, feedback_id

    def comment(self, feedback_id: int, text: str) -> None:
        """What a person said was wrong with an answer they marked 👎."""
        if text.strip():
            self._feedback.add_comment(feedback_id, text.strip())

    def documents(self) -> tuple[DocumentInfo, ...]:
        return self._bot.documents()

    def drain(self) -> None:
        """Wait for a running reindex to end and report, so shutting down doesn't lose its result."""
        self._reindexer.wait()

    def _command(self, command: Command, message: Message, report_reindex: ReportReindex) -> Reply:
        admin = self.is_admin(message.user)
        if command in ADMIN_COMMANDS and not admin:
            return TextReply(messages.ADMIN_ONLY.format(command=command.value))
        if command is Command.REINDEX:
            return ReindexReply(self._reindexer.start(report_reindex))
        if command is Command.STATUS:
            return self._guarded("Status", lambda: ReportReply(render_status(self._bot.status())))
        return self._guarded("Help", lambda: HelpReply(self._bot.documents(), admin))

    def _answer(self, question: str, place: Place) -> Reply:
        scope = self._scopes.resolve(place.platform, tenant=place.tenant, team=place.team, channel=place.channel)
        answer = self._bot.ask(question, scope)
        answer_id = uuid.uuid4().hex
        self._state.keep_answer(answer_id, answer)
        return AnswerReply(answer, answer_id)

    @staticmethod
    def _guarded(what: str, make: Callable[[], Reply]) -> Reply:
        """A reply whatever happens: the core's own error text, or an apology with the traceback logged."""
        try:
            return make()
        except ProtocolBotError as error:
            return TextReply(str(error))
        except Exception:
            logger.exception("%s failed", what)
            return TextReply(messages.ERROR_APOLOGY)
