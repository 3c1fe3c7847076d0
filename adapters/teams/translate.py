"""Teams activities in, `Conversation` calls out, its replies back as cards and text: translation only.

What a message means, who may do what, follow-ups, scopes and feedback are the core's
(bot/service/conversation.py); this module only knows the shapes of the Bot Connector's JSON, and reaches the SDK
through the host port (adapters/teams/host.py), so it is the same on every host. Each message is kept in
the core's inbox before it is answered, with a reference to its conversation, so a reply that cannot be
sent now (Teams down, rate limits beyond the retries here) is sent later as a proactive message.
The Bot Connector cannot read a conversation back, so a message is crossed off the moment the
Connector takes its reply, before anything else is done: a crash after that does not send it again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, RetryError, retry_if_exception, stop_after_attempt, wait_exponential

from adapters.teams.host import Host, InvokeReply, Json, SendFailure, Turn
from adapters.teams.render import (
    SUBMIT_ACTION,
    TEACH_NOT_COVERED,
    CardAction,
    Comment,
    Feedback,
    card_message,
    correction_card,
    read_card_action,
    read_feedback,
    render,
    voted_card,
)
from bot import messages
from bot.errors import DeliveryDeferred
from bot.question import displayable
from bot.service.conversation import AnswerReply, Conversation, Message, Place, ReindexReport, Reply

log = logging.getLogger(__name__)

PLATFORM = "teams"
_T = TypeVar("_T")
_MENTION_TAGS = re.compile(r"</?at\b[^>]*>", re.IGNORECASE)
_REPLY_CHAIN = ";messageid="  # a channel conversation id with this names one thread of the channel


class ProtocolTeamsBot:
    def __init__(self, conversation: Conversation, host: Host, workers: int = 4) -> None:
        self._conversation = conversation
        self._host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        # Answers are worked on here, never on the loop's default executor: a worker waits for its
        # reply to be sent, and the SDKs do blocking work (token and key fetches) on that default
        # executor, so sharing it would deadlock once every worker is waiting.
        self._answering = ThreadPoolExecutor(workers, thread_name_prefix="teams-answer")
        host.on_error(apologise)

    async def on_turn(self, turn: Turn) -> InvokeReply | None:
        activity = turn.activity
        kind = activity.get("type")
        if kind == "message":
            await self._on_message(turn)
        elif kind == "invoke":
            feedback = read_feedback(activity.get("value")) if activity.get("name") == SUBMIT_ACTION else None
            if feedback is not None:
                await self._feedback(turn, feedback)
            # Anything else is acknowledged and left alone: the bot's cards submit messages, not invokes.
            return InvokeReply(HTTPStatus.OK)
        # No welcome when the bot is added: the app's prompt starters (teams-package/manifest.json) greet
        # a person instead, and Teams asks for one or the other, not both.
        return None

    async def _on_message(self, turn: Turn) -> None:
        activity = turn.activity
        self._loop = asyncio.get_running_loop()
        action = read_card_action(activity.get("value"))
        if action is not None:
            await self._card_action(turn, action)
            return
        message_id = _text_field(activity, "id") or uuid.uuid4().hex
        message = Message(_place(activity), _user(activity), _question(activity), id=message_id)
        delivery = {"reference": _reference(activity), "message": message_id}
        if not await asyncio.to_thread(self._conversation.take, message, delivery):
            return  # a re-delivery of a message already answered, or being answered
        in_turn = True

        def deliver(reply: Reply, delivery: dict[str, Any]) -> None:
            if in_turn and not isinstance(reply, ReindexReport):
                self._sent(reply, message_id, self._run(_with_retries(self._host, lambda: self._send(turn, reply))))
            else:
                self.deliver_later(reply, delivery)

        try:
            await asyncio.get_running_loop().run_in_executor(self._answering, self._conversation.work, PLATFORM,
                                                             message_id, deliver)
        finally:
            in_turn = False

    def deliver_later(self, reply: Reply, delivery: dict[str, Any]) -> None:
        """Send a reply after its turn, as a proactive message to the conversation it belongs to."""
        failed: list[Exception] = []
        posted: list[str | None] = [None]

        async def send(turn: Turn) -> None:
            # caught here: the host's error handler would log it and report success
            try:
                posted[0] = await self._send(turn, reply)
            except Exception as error:
                failed.append(error)

        async def send_or_raise() -> str | None:
            failed.clear()
            await self._host.continue_conversation(delivery["reference"], send)
            if failed:
                raise failed[0]
            return posted[0]

        self._sent(reply, delivery.get("message"), self._run(_with_retries(self._host, send_or_raise)))

    def _run(self, work: Coroutine[Any, Any, _T]) -> _T:
        """Run on the server's event loop from a worker thread, and wait for it."""
        if self._loop is None:
            work.close()
            raise DeliveryDeferred("no conversation has reached this process yet")
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The server's event loop, so put-off replies can be sent before any new message arrives."""
        self._loop = loop

    @staticmethod
    async def _send(turn: Turn, reply: Reply) -> str | None:
        """Send a reply; the name it is posted under, where Teams gave it an id."""
        rendered = render(reply)
        posted = await turn.send(_text(rendered) if isinstance(rendered, str) else rendered)
        return _posted_key(turn.activity, posted) if posted else None

    def _sent(self, reply: Reply, message_id: str | None, posted: str | None) -> None:
        """The reply to the kept message `message_id` (None: one kept before replies named it) was taken by
        the Connector. Crossed off here, in the worker that waited for the send, rather than on a thread of
        the loop's busy default executor: the wait between the two is the one moment a replica killed
        mid-answer can leave a reply to be sent twice."""
        if message_id is not None and not isinstance(reply, ReindexReport):
            self._conversation.reply_sent(PLATFORM, message_id)
        if isinstance(reply, AnswerReply) and posted:
            self._conversation.posted(reply.answer_id, posted)

    async def _feedback(self, turn: Turn, feedback: Feedback) -> None:
        """A click on Teams' own 👍/👎 under an answer: stored as a vote, with what was typed as its comment;
        an admin's 👎 is followed by the card for correcting the answer."""
        activity = turn.activity
        key = _posted_key(activity, _text_field(activity, "replyToId") or "")
        user = _user(activity)
        voted = await asyncio.to_thread(self._conversation.vote, _place(activity), user or "", key, feedback.helpful)
        if voted is None:
            await turn.send(_text(messages.ANSWER_EXPIRED))
            return
        answer, feedback_id = voted
        await asyncio.to_thread(self._conversation.comment, feedback_id, feedback.text)
        if not feedback.helpful and self._conversation.is_admin(user):
            await turn.send(card_message(correction_card(answer, key, feedback_id)))

    async def drain(self) -> None:
        """Wait for a running reindex to finish and report, so shutting down doesn't lose its result."""
        await asyncio.to_thread(self._conversation.drain)

    async def _card_action(self, turn: Turn, action: CardAction) -> None:
        activity = turn.activity
        if isinstance(action, Comment):
            await asyncio.to_thread(self._conversation.comment, action.feedback, action.text)
            answer = await asyncio.to_thread(self._conversation.answer, action.answer)
            if answer is None:
                await turn.send(_text(messages.FEEDBACK_THANKS))
            else:
                await _replace_card(turn, voted_card(answer, action.answer, None))
            if action.choice is not None:
                choice = None if action.choice == TEACH_NOT_COVERED else int(action.choice) if action.choice.isdigit() else -1
                taught = await asyncio.to_thread(self._conversation.teach, _user(activity) or "", action.answer, choice)
                await turn.send(_text(taught.text))
            return
        voted = await asyncio.to_thread(self._conversation.vote, _place(activity), _user(activity) or "",
                                        action.answer, action.helpful)
        if voted is None:
            await turn.send(_text(messages.ANSWER_EXPIRED))
            return
        answer, feedback_id = voted
        # The buttons give way to the thanks (and, after a 👎, to a box for saying what was wrong).
        card = voted_card(answer, action.answer, None if action.helpful else feedback_id,
                          admin=self._conversation.is_admin(_user(activity)))
        await _replace_card(turn, card)


async def _replace_card(turn: Turn, card: dict[str, object]) -> None:
    update = {**card_message(card), "id": _text_field(turn.activity, "replyToId")}
    try:
        if not update["id"]:
            raise ValueError("the click names no message to update")
        await turn.update(update)
    except Exception as error:  # the vote is stored; a card Teams will not update is only cosmetic
        log.warning("Could not update the answer card after a vote: %.200r", error)
        await turn.send(_text(messages.FEEDBACK_THANKS))


def _text(text: str) -> Json:
    return {"type": "message", "text": text}


def _posted_key(activity: Json, message_id: str) -> str:
    """The name an answer is also kept under once posted: its message, which Teams' feedback names (with
    the chat or channel, not the thread: the two may name a thread's conversation differently)."""
    return f"{PLATFORM}:{_place(activity).conversation}:{message_id}"


_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
_RETRIES = 3
_LONGEST_WAIT = 30.0  # seconds; a longer Retry-After is left to the inbox rather than held here
_BACKOFF = wait_exponential(multiplier=0.5)  # 0.5 s, 1 s, 2 s where the Bot Connector names no wait


async def _with_retries(host: Host, send: Callable[[], Awaitable[_T]]) -> _T:
    """Send, retrying what the Bot Connector reports as transient (429, 5xx, dropped connections)
    with backoff, waiting as long as its Retry-After says; beyond that, DeliveryDeferred."""

    def transient(error: BaseException | None) -> SendFailure | None:
        failure = host.failure(error) if isinstance(error, Exception) else None
        return failure if failure and (failure.status is None or failure.status in _TRANSIENT) else None

    def retry_after(state: RetryCallState) -> float | None:
        failure = transient(state.outcome.exception() if state.outcome else None)
        return failure.retry_after if failure else None

    def wait(state: RetryCallState) -> float:
        said = retry_after(state)
        return _BACKOFF(state) if said is None else said

    def too_long(state: RetryCallState) -> bool:
        return (retry_after(state) or 0) > _LONGEST_WAIT

    # a failure that is not transient (a 403, a bug) is raised as it is, at once
    retrying = AsyncRetrying(retry=retry_if_exception(lambda error: transient(error) is not None),
                             stop=stop_after_attempt(_RETRIES + 1) | too_long, wait=wait)
    try:
        # attempts in a loop, not retrying(send): tenacity would call a lambda returning a coroutine without awaiting it
        async for attempt in retrying:
            with attempt:
                return await send()
    except RetryError as gave_up:
        error = gave_up.last_attempt.exception()
        failure = transient(error)
        answered = failure.status if failure and failure.status else type(error).__name__
        raise DeliveryDeferred(f"the Bot Connector answered {answered}") from error


async def apologise(turn: Turn, error: Exception) -> None:
    """For an error a turn did not handle: log the traceback; a person who asked something gets an apology."""
    log.error("Unhandled error in a Teams turn", exc_info=error)
    if turn.activity.get("type") != "message":
        return
    try:
        await turn.send(_text(messages.ERROR_APOLOGY))
    except Exception as failure:  # one line: the traceback above already says what went wrong
        log.warning("Could not send the apology either: %.200r", failure)


def _text_field(value: object, *path: str) -> str | None:
    """The non-empty string at `path` inside nested JSON objects; None where anything on the way is missing
    or of another type (a channel may leave fields out, and a forged body may put anything anywhere)."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def _reference(activity: Json) -> Json:
    """Where a reply to `activity` goes, in the Bot Framework's ConversationReference JSON."""
    fields = {"activityId": "id", "user": "from", "bot": "recipient", "conversation": "conversation",
              "channelId": "channelId", "serviceUrl": "serviceUrl", "locale": "locale"}
    return {name: activity[field] for name, field in fields.items() if activity.get(field) is not None}


def _place(activity: Json) -> Place:
    """Where an activity was written: a channel thread has its own conversation id; a chat has no threads."""
    conversation = _text_field(activity, "conversation", "id") or ""
    data = activity.get("channelData")
    # Teams puts the tenant in channelData; other Bot Framework channels only on the conversation
    tenant = _text_field(data, "tenant", "id") or _text_field(activity, "conversation", "tenantId")
    return Place(
        PLATFORM,
        conversation.split(_REPLY_CHAIN, 1)[0],
        thread=conversation if _REPLY_CHAIN in conversation else None,
        channel=_text_field(data, "channel", "id"),
        team=_text_field(data, "team", "id"),
        tenant=tenant,
    )


def _user(activity: Json) -> str | None:
    """The Entra object id PROTOCOL_BOT_ADMINS lists; the channel's own id where there is none (the Emulator)."""
    return _text_field(activity, "from", "aadObjectId") or _text_field(activity, "from", "id")


def _question(activity: Json) -> str:
    """The message text without the bot's @mention (or anyone else's <at> tags), safe to keep and show."""
    text = _text_field(activity, "text") or ""
    for mention in _own_mentions(activity):
        text = text.replace(mention, " ")
    return displayable(_MENTION_TAGS.sub("", text))


def _own_mentions(activity: Json) -> list[str]:
    """The text of each mention of the bot, as it appears in the message (`<at>Protocol Bot</at>`).

    Read from the JSON rather than with the SDKs' remove_recipient_mention, which fails on a null entity or
    a mention naming nobody, and takes the mentioned name for a regular expression.
    """
    bot = _text_field(activity, "recipient", "id")
    entities = activity.get("entities")
    found = []
    for entity in entities if isinstance(entities, list) else []:
        text = _text_field(entity, "text")
        if (bot and text and (_text_field(entity, "type") or "").lower() == "mention"
                and _text_field(entity, "mentioned", "id") == bot):
            found.append(text)
    return found
