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
  chat) a message that reads as a follow-up (opening with "and", "what about" ..., or short and not a
  whole question of its own: "even online?", "who decides that?", not "can officers be friends?") is
  asked with the previous question; any other message starts a new topic.
- A message nobody addressed to the bot (no mention, not a direct message) is answered only in a
  thread the bot is already part of.
- A message that only thanks, greets or acknowledges ("thanks", "ok", "👍"), or says the last answer missed
  ("that's not what I asked"), is never asked with the topic, which would bring the last answer back:
  addressed to the bot it gets a short reply, otherwise none.
- A message seen before (a platform's retry, or the same message as two events) is not answered again.

Nothing acknowledged is lost: a front end `take`s a message into the inbox (bot/stores/conversation.py)
before telling its platform it arrived, then has it `work`ed; a reply that cannot be delivered now
stays there, and `pending` lists what a crash or an outage left, for the front end to work again.
A worker renews its claim on a message for as long as it works on it, so only a dead worker's message
is taken up by another, however long a platform keeps a live one waiting.
Nor is it answered twice: a worker can die after its reply reached the platform and before crossing
the message off, so a message taken up again is first looked for in its conversation, where the
platform can be read back (`AlreadyDelivered`), and only crossed off when its reply is found there.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from bot import messages
from bot.answer import Answer
from bot.core.answering import QUOTE_GAP
from bot.core.small_talk import reply_to_small_talk
from bot.errors import DeliveryDeferred, ProtocolBotError
from bot.question import has_words
from bot.service.ports import ProtocolBot
from bot.service.reindex_runner import ReindexOutcome, ReindexRunner
from bot.service.scopes import Scopes
from bot.service.status_report import render_status
from bot.status import DocumentInfo
from bot.stores.conversation import MAX_ATTEMPTS, RENEW_SECONDS, ConversationState, InboxItem
from bot.stores.feedback import FeedbackStore, cited_refs

logger = logging.getLogger(__name__)

# "and for officers?", "what about the chair?": a chat message that carries on the last question.
_FOLLOW_UP = re.compile(r"^(and|but|also|so|or|what about|how about|what if|same for|and if|is that|does that)\b",
                        re.IGNORECASE)
_FOLLOW_UP_WORDS = 4  # a message this short has no topic of its own ...
# ... unless it is a whole question of its own: it opens as a question does and points back at nothing
# ("can officers be friends?", "how do I complain?"; not "who decides that?", "can they?").
_OWN_QUESTION = re.compile(r"^(can|could|may|might|must|should|shall|will|would|do|does|did|is|are|am|has|have|"
                           r"who|whom|whose|what|when|where|why|how|which)\b", re.IGNORECASE)
_POINTS_BACK = re.compile(r"\b(it|its|they|them|their|that|this|those|these|he|she|him|her|there|same|so)\b",
                          re.IGNORECASE)
_OWN_QUESTION_WORDS = 3


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


@dataclass(frozen=True)
class ReindexReport:
    outcome: ReindexOutcome  # how a reindex that a message started ended, delivered after the reply to it


Reply = AnswerReply | TextReply | HelpReply | ReportReply | ReindexReply | ReindexReport
ReportReindex = Callable[[ReindexOutcome], None]
# Sends a reply where the adapter's `delivery` says; raises DeliveryDeferred when the platform cannot
# take it now (an outage, a rate limit that outlasted the retries).
Deliver = Callable[[Reply, dict[str, Any]], None]
# Whether the reply to a message is already in its conversation, read back from the platform where `delivery`
# says; asked only of a message taken up before. Raises DeliveryDeferred when the platform cannot be read now.
AlreadyDelivered = Callable[[dict[str, Any]], bool]
REPORT_AFTER_REPLY_SECONDS = 60.0
PENDING_AFTER_SECONDS = 10.0  # a kept message this old and unclaimed was left by a crash or a put-off delivery


def _topic_key(message: Message) -> str:
    """A thread's topic is everyone's in it; elsewhere (a channel's /protocol, a group chat) each person's own."""
    place = message.place
    return f"{place.platform}:{place.conversation}:" + (f"thread:{place.thread}" if place.thread else
                                                        f"user:{message.user}")


def _inbox_id(message: Message) -> str:
    return f"{message.place.platform}:{message.id or uuid.uuid4().hex}"


def _message(raw: dict[str, Any]) -> Message:
    return Message(**{**raw, "place": Place(**raw["place"])})


def command_of(text: str) -> Command | None:
    try:
        return Command(text.strip().strip(" .!?").lower())
    except ValueError:
        return None


def asks_nothing(text: str) -> bool:
    """Thanks, a greeting, "ok", "that's not what I asked", or no words at all (an emoji)."""
    return reply_to_small_talk(text) is not None or not has_words(text)


def is_follow_up(text: str) -> bool:
    text = text.strip()
    if _FOLLOW_UP.match(text):
        return True
    words = len(text.split())
    own = words >= _OWN_QUESTION_WORDS and _OWN_QUESTION.match(text) is not None and not _POINTS_BACK.search(text)
    return words <= _FOLLOW_UP_WORDS and not own


class Conversation:
    def __init__(
        self,
        bot: ProtocolBot,
        *,
        admins: frozenset[str],
        scopes: Scopes,
        feedback: FeedbackStore,
        state: ConversationState,
        reindexer: ReindexRunner | None = None,  # the process's one runner (bootstrap), shared with the console
        renew_seconds: float = RENEW_SECONDS,  # how often a worker renews its claim on the message it answers
    ) -> None:
        self._bot = bot
        self._admins = admins
        self._scopes = scopes
        self._feedback = feedback
        self._state = state
        self._reindexer = reindexer or ReindexRunner(bot)
        self._renew_seconds = renew_seconds

    def is_admin(self, user: str | None) -> bool:
        return bool(user) and user in self._admins

    # --- the inbox: nothing acknowledged is lost ------------------------------------------------

    def take(self, message: Message, delivery: dict[str, Any]) -> bool:
        """Keep a message, with where its reply goes, before its platform is told it arrived.

        False when there is nothing to do: it is already kept (a re-delivery, or the same message as a
        second event), or nobody addressed the bot outside a thread it is part of.
        """
        if not message.addressed and self._state.topic(_topic_key(message)) is None:
            return False
        payload = {"message": asdict(message), "delivery": delivery}
        return self._state.accept(_inbox_id(message), message.place.platform, payload)

    def work(self, platform: str, message_id: str, deliver: Deliver,
             delivered: AlreadyDelivered | None = None) -> None:
        """Answer a kept message and hand the reply to `deliver`; it is done once delivered.

        When `deliver` raises DeliveryDeferred the message stays kept and is tried again later (see
        `pending`); a message that has failed MAX_ATTEMPTS times is given up, and logged. A reindex
        the message starts is reported through `deliver` too, never before the reply to the message.
        A message taken up before is first looked for with `delivered`, where the platform can be read.
        """
        key = f"{platform}:{message_id}"
        item = self._state.claim(key)
        if item is None:
            return  # done already, or another worker has it
        with self._holding(item):
            self._work(item, deliver, delivered)

    @contextmanager
    def _holding(self, item: InboxItem) -> Iterator[None]:
        """Renew the claim on `item` while it is worked on, so a platform keeping this worker waiting (a rate
        limit, retries) does not make it look dead and have another worker or replica answer it again."""
        over = threading.Event()

        def renew() -> None:
            while not over.wait(self._renew_seconds):
                try:
                    if not self._state.renew(item.id, item.claim):
                        return  # crossed off already (a front end's reply_sent), or let go
                except Exception as error:  # tried again next time; the claim lasts several renewals
                    logger.warning("Could not renew the claim on %.200r: %.200r", item.id, error)

        heartbeat = threading.Thread(target=renew, name="inbox-claim", daemon=True)
        heartbeat.start()
        try:
            yield
        finally:
            over.set()
            heartbeat.join()

    def _work(self, item: InboxItem, deliver: Deliver, delivered: AlreadyDelivered | None) -> None:
        key = item.id
        if item.attempts > MAX_ATTEMPTS:
            logger.error("Giving up on message %.200r after %d attempts to deliver its reply", key, MAX_ATTEMPTS)
            self._state.done(key)
            return
        # Taken up before: that worker may have delivered the reply and died before crossing it off.
        # Looked for before answering, so a reindex the message asked for is not started twice either.
        if item.attempts > 1 and delivered is not None:
            try:
                found = delivered(item.payload["delivery"])
            except DeliveryDeferred as why:
                logger.warning("Looking for an earlier reply to %.200r is put off: %.200s", key, why)
                self._state.release(key, item.claim)
                return
            except Exception as error:  # answered again rather than maybe never: a second reply beats none
                logger.warning("Could not look for an earlier reply to %.200r: %.200r", key, error)
                found = False
            if found:
                logger.info("The reply to %.200r was delivered before a restart; it is not sent again", key)
                self._state.done(key)
                return
        message = _message(item.payload["message"])
        asked = item.asked if item.asked is not None else self.understand(message)
        if asked is None:
            self._state.done(key)
            return
        if item.asked is None:
            self._state.set_asked(key, asked)
        delivery = item.payload["delivery"]
        replied = threading.Event()

        def report(outcome: ReindexOutcome) -> None:
            replied.wait(REPORT_AFTER_REPLY_SECONDS)
            try:
                deliver(ReindexReport(outcome), delivery)
            except Exception:  # the rebuild itself is done and logged; only its report is lost
                logger.exception("Could not report a reindex's outcome for %.200r", key)

        try:
            deliver(self.respond(message, asked, report), delivery)
        except DeliveryDeferred as why:
            logger.warning("Delivering the reply to %.200r is put off: %.200s", key, why)
            self._state.release(key, item.claim)
            return
        except Exception as error:  # one line, not a traceback: it is tried again, up to MAX_ATTEMPTS
            logger.warning("Delivering the reply to %.200r failed: %.200r", key, error)
            self._state.release(key, item.claim)
            return
        finally:
            replied.set()
        self._state.done(key)

    def reply_sent(self, platform: str, message_id: str) -> None:
        """The reply to a kept message reached its platform: crossed off at once, for a front end that has
        more to do before its `deliver` returns and no way to read a reply back, so that a crash leaves
        only the send itself as the moment in which a reply can be sent twice."""
        self._state.done(f"{platform}:{message_id}")

    def pending(self, platform: str) -> list[str]:
        """Ids of `platform`'s kept messages nobody is answering: left by a crash, or by a delivery put off."""
        prefix = f"{platform}:"
        return [key[len(prefix):] for key in self._state.pending(platform, older_than=PENDING_AFTER_SECONDS)]

    # --- what a message means, and the reply -----------------------------------------------------

    def handle(self, message: Message, report_reindex: ReportReindex) -> Reply | None:
        """The reply to a message, or None when there is nothing to say (see the module's rules).

        `report_reindex` is called on the reindex's own thread once a reindex this message started ends.
        """
        asked = self.understand(message)
        return None if asked is None else self.respond(message, asked, report_reindex)

    def understand(self, message: Message) -> str | None:
        """What a message asks, with the topic it continues; a command as typed; None: not for the bot.

        Keeps the conversation's topic up to date, so it is worked out once per message.
        """
        topic_key = _topic_key(message)
        topic = self._state.topic(topic_key)
        if not message.addressed and topic is None:
            return None
        if command_of(message.text) is not None:
            return message.text
        question = " ".join(message.text.split())
        if not question:
            if topic is None:
                self._state.set_topic(topic_key, "")  # the thread is the bot's now: follow-ups need no mention
            return ""
        if asks_nothing(question):  # "thanks", "ok", "👍": never asked with the topic, which would answer it again
            return question if message.addressed else None
        continues = bool(topic) and (message.place.thread is not None or is_follow_up(question))
        if not continues:
            self._state.set_topic(topic_key, question)
        return f"{topic} {question}" if continues else question

    def respond(self, message: Message, asked: str, report_reindex: ReportReindex) -> Reply:
        """The reply to what `understand` found a message asks."""
        command = command_of(asked)
        if command is not None:
            return self._command(command, message, report_reindex)
        if not asked:
            return TextReply(messages.EMPTY_QUESTION)
        if (reply := reply_to_small_talk(asked)) is not None:
            return TextReply(reply)
        return self._guarded(f"Answering {asked!r}", lambda: self._answer(asked, message.place))

    def answer(self, answer_id: str) -> Answer | None:
        """An answer given earlier, for its buttons; None once forgotten (see ConversationState)."""
        return self._state.answer(answer_id)

    def posted(self, answer_id: str, message_key: str) -> None:
        """The platform's own id for the message an answer was posted as, so that controls the platform
        draws itself (Teams' 👍/👎), which name only the message, find the answer too."""
        answer = self._state.answer(answer_id)
        if answer is not None:
            self._state.keep_answer(message_key, answer)

    def vote(self, place: Place, user: str, answer_id: str, helpful: bool) -> tuple[Answer, int] | None:
        """Record a 👍/👎 on an earlier answer: the answer and the feedback id, or None when it is forgotten."""
        answer = self._state.answer(answer_id)
        if answer is None:
            return None
        feedback_id = self._feedback.record(platform=place.platform, user=user, question=answer.question,
                                            helpful=helpful, citations=cited_refs(answer))
        return answer, feedback_id

    def teach(self, user: str, answer_id: str, choice: int | None) -> TextReply:
        """An admin's correction of an answer: which of its nearest clauses answers it (`choice`, an
        index into `answer.nearest`), or None: the protocols do not cover the question."""
        if not self.is_admin(user):
            return TextReply(messages.ADMIN_ONLY.format(command="teach"))
        answer = self._state.answer(answer_id)
        if answer is None or (choice is not None and not 0 <= choice < len(answer.nearest)):
            return TextReply(messages.ANSWER_EXPIRED)

        def make() -> Reply:
            if choice is None:
                taught = self._bot.teach(answer.question, by=user, not_covered=True)
            else:
                cited = answer.nearest[choice]
                # the quoted sentence pins the right part of a clause that was split, and is what is quoted;
                # a quote opens with the lead-in or referent a rule needs, so the rule itself is its last part
                quoted = cited.quote.split(QUOTE_GAP)[-1]
                taught = self._bot.teach(answer.question, by=user, source=cited.source, clause=cited.clause,
                                         quote=quoted)
            return TextReply(messages.TEACH_DONE.format(description=taught.describe()))

        reply = self._guarded("Teaching", make)
        assert isinstance(reply, TextReply)
        return reply

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
            logger.exception("%.200s failed", what)
            return TextReply(messages.ERROR_APOLOGY)


class Sweeper:
    """Answers, now and every so often, what a crash or a put-off delivery left in a platform's inbox."""

    def __init__(self, conversation: Conversation, platform: str, deliver: Deliver,
                 every: float = PENDING_AFTER_SECONDS, *, delivered: AlreadyDelivered | None = None) -> None:
        self._conversation = conversation
        self._platform = platform
        self._deliver = deliver
        self._delivered = delivered
        self._every = every
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> int:
        """One pass; how many kept messages it took up."""
        pending = self._conversation.pending(self._platform)
        for message_id in pending:
            if self._stopped.is_set():
                break
            try:
                self._conversation.work(self._platform, message_id, self._deliver, self._delivered)
            except Exception:  # one bad message must not stop the others being answered
                logger.exception("Answering kept message %.200r failed", message_id)
        return len(pending)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self._platform}-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.sweep()
            self._stopped.wait(self._every)
