"""Teams activities in, `Conversation` calls out, its replies back as cards and text: translation only.

What a message means, who may do what, follow-ups, scopes and feedback are the core's
(bot/conversation.py); this module only knows the Bot Framework's shapes. Each message is kept in the
core's inbox before it is answered, with a reference to its conversation, so a reply that cannot be
sent now (Teams down, rate limits beyond the retries here) is sent later as a proactive message.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any

import aiohttp
from botbuilder.core import ActivityHandler, BotAdapter, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationReference
from botbuilder.schema.teams import TeamsChannelData
from msrest.exceptions import ClientRequestError

from adapters.teams.render import (
    TEACH_NOT_COVERED,
    CardAction,
    Comment,
    read_card_action,
    render,
    voted_card,
    welcome_text,
)
from bot import messages
from bot.conversation import Conversation, Message, Place, ReindexReport, Reply
from bot.errors import DeliveryDeferred
from bot.question import displayable

log = logging.getLogger(__name__)

PLATFORM = "teams"
_MENTION_TAGS = re.compile(r"</?at\b[^>]*>", re.IGNORECASE)
_REPLY_CHAIN = ";messageid="  # a channel conversation id with this names one thread of the channel


class ProtocolTeamsBot(ActivityHandler):
    def __init__(self, conversation: Conversation, adapter: BotAdapter | None = None, app_id: str = "",
                 workers: int = 4) -> None:
        self._conversation = conversation
        # for replies sent after their turn (reindex reports, put-off replies); else the first turn's
        self._adapter = adapter
        self._app_id = app_id
        self._loop: asyncio.AbstractEventLoop | None = None
        # Answers are worked on here, never on the loop's default executor: a worker waits for its
        # reply to be sent, and the Bot Framework SDK sends replies through that default executor, so
        # sharing it would deadlock once every worker is waiting.
        self._answering = ThreadPoolExecutor(workers, thread_name_prefix="teams-answer")

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        self._loop = asyncio.get_running_loop()
        self._adapter = self._adapter or turn_context.adapter
        action = read_card_action(activity.value)
        if action is not None:
            await self._card_action(turn_context, action)
            return
        message_id = activity.id or uuid.uuid4().hex
        message = Message(_place(activity), _user(activity), _question(activity), id=message_id)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        if not await asyncio.to_thread(self._conversation.take, message, {"reference": reference}):
            return  # a re-delivery of a message already answered, or being answered
        in_turn = True

        def deliver(reply: Reply, delivery: dict[str, Any]) -> None:
            if in_turn and not isinstance(reply, ReindexReport):
                self._run(_with_retries(lambda: _send(turn_context, reply)))
            else:
                self.deliver_later(reply, delivery)

        try:
            await asyncio.get_running_loop().run_in_executor(self._answering, self._conversation.work, PLATFORM,
                                                             message_id, deliver)
        finally:
            in_turn = False

    def deliver_later(self, reply: Reply, delivery: dict[str, Any]) -> None:
        """Send a reply after its turn, as a proactive message to the conversation it belongs to."""
        reference = ConversationReference().deserialize(delivery["reference"])
        failed: list[Exception] = []

        async def send(context: TurnContext) -> None:
            # the SDK threads a reply under its turn's activity: here, the question it answers
            context.activity.id = reference.activity_id or context.activity.id
            # caught here: the adapter's error handler would log it and report success
            try:
                await _send(context, reply)
            except Exception as error:
                failed.append(error)

        async def send_or_raise() -> None:
            failed.clear()
            await adapter.continue_conversation(reference, send, self._app_id)
            if failed:
                raise failed[0]

        adapter = self._adapter
        if adapter is None:
            raise DeliveryDeferred("no conversation has reached this process yet")
        # the app id positionally: CloudAdapter names it bot_app_id, the SDK's other adapters bot_id
        self._run(_with_retries(send_or_raise))

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        """Run on the server's event loop from a worker thread, and wait for it."""
        if self._loop is None:
            raise DeliveryDeferred("no conversation has reached this process yet")
        asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The server's event loop, so put-off replies can be sent before any new message arrives."""
        self._loop = loop

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """The bot's cards submit messages, never invokes: an invoke is acknowledged and left alone (the
        SDK's own handling of a malformed one fails while wording its error)."""
        return InvokeResponse(status=HTTPStatus.OK)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot = activity.recipient.id if activity.recipient else None
        bot_added = any(member is not None and member.id == bot for member in members_added)
        # In a team or group chat only the bot's own arrival is greeted, not every new colleague;
        # in a personal chat the user is the only other member. The Emulator sends no conversation type.
        personal = activity.conversation.conversation_type in (None, "personal")
        if bot_added or personal:
            await turn_context.send_activity(welcome_text())

    async def drain(self) -> None:
        """Wait for a running reindex to finish and report, so shutting down doesn't lose its result."""
        await asyncio.to_thread(self._conversation.drain)

    async def _card_action(self, turn_context: TurnContext, action: CardAction) -> None:
        activity = turn_context.activity
        if isinstance(action, Comment):
            await asyncio.to_thread(self._conversation.comment, action.feedback, action.text)
            answer = await asyncio.to_thread(self._conversation.answer, action.answer)
            if answer is None:
                await turn_context.send_activity(messages.FEEDBACK_THANKS)
            else:
                await self._replace_card(turn_context, voted_card(answer, action.answer, None))
            if action.choice is not None:
                choice = None if action.choice == TEACH_NOT_COVERED else int(action.choice) if action.choice.isdigit() else -1
                taught = await asyncio.to_thread(self._conversation.teach, _user(activity) or "", action.answer, choice)
                await turn_context.send_activity(taught.text)
            return
        voted = await asyncio.to_thread(self._conversation.vote, _place(activity), _user(activity) or "",
                                        action.answer, action.helpful)
        if voted is None:
            await turn_context.send_activity(messages.ANSWER_EXPIRED)
            return
        answer, feedback_id = voted
        # The buttons give way to the thanks (and, after a 👎, to a box for saying what was wrong).
        card = voted_card(answer, action.answer, None if action.helpful else feedback_id,
                          admin=self._conversation.is_admin(_user(activity)))
        await self._replace_card(turn_context, card)

    async def _replace_card(self, turn_context: TurnContext, card: dict[str, object]) -> None:
        update = MessageFactory.attachment(CardFactory.adaptive_card(card))
        update.id = turn_context.activity.reply_to_id
        try:
            if not update.id:
                raise ValueError("the click names no message to update")
            await turn_context.update_activity(update)
        except Exception as error:  # the vote is stored; a card Teams will not update is only cosmetic
            log.warning("Could not update the answer card after a vote: %.200r", error)
            await turn_context.send_activity(messages.FEEDBACK_THANKS)



async def _send(turn_context: TurnContext, reply: Reply) -> None:
    rendered = render(reply)
    if isinstance(rendered, str):
        await turn_context.send_activity(rendered)
    else:
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(rendered)))


_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
_RETRIES = 3
_LONGEST_WAIT = 30.0  # seconds; a longer Retry-After is left to the inbox rather than held here


async def _with_retries(send: Callable[[], Awaitable[object]]) -> None:
    """Send, retrying what the Bot Connector reports as transient (429, 5xx, dropped connections)
    with backoff, waiting as long as its Retry-After says; beyond that, DeliveryDeferred."""
    for attempt in range(_RETRIES + 1):
        try:
            await send()
            return
        except Exception as error:
            status, retry_after = _status(error)
            # a refused or dropped connection reaches here as aiohttp's error, or wrapped by msrest
            transient = status in _TRANSIENT or isinstance(
                error, aiohttp.ClientConnectionError | asyncio.TimeoutError | ClientRequestError)
            if not transient:
                raise
            if attempt == _RETRIES or (retry_after or 0) > _LONGEST_WAIT:
                raise DeliveryDeferred(f"the Bot Connector answered {status or type(error).__name__}") from error
            await asyncio.sleep(retry_after if retry_after is not None else 0.5 * 2 ** attempt)


def _status(error: Exception) -> tuple[int | None, float | None]:
    """The HTTP status and Retry-After (seconds) of a failed connector call, where it says them."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    try:
        retry_after = float(headers.get("Retry-After")) if headers.get("Retry-After") else None
    except (TypeError, ValueError):
        retry_after = None
    return (status if isinstance(status, int) else None), retry_after


async def apologise(turn_context: TurnContext, error: Exception) -> None:
    """The adapter's on_turn_error: log the traceback; a person who asked something gets an apology."""
    log.error("Unhandled error in a Teams turn", exc_info=error)
    if turn_context.activity.type != ActivityTypes.message:
        return
    try:
        await turn_context.send_activity(messages.ERROR_APOLOGY)
    except Exception as failure:  # one line: the traceback above already says what went wrong
        log.warning("Could not send the apology either: %.200r", failure)


def _place(activity: Activity) -> Place:
    """Where an activity was written: a channel thread has its own conversation id; a chat has no threads."""
    try:
        data = TeamsChannelData().deserialize(activity.channel_data if isinstance(activity.channel_data, dict) else {})
    except Exception:  # msrest raises several kinds for channelData of the wrong shape; it only narrows scopes
        data = TeamsChannelData()
    conversation = (activity.conversation.id if activity.conversation else None) or ""
    # Teams puts the tenant in channelData; other Bot Framework channels only on the conversation
    tenant = (data.tenant.id if data.tenant else None) or (activity.conversation.tenant_id if activity.conversation else None)
    return Place(
        PLATFORM,
        conversation.split(_REPLY_CHAIN, 1)[0],
        thread=conversation if _REPLY_CHAIN in conversation else None,
        channel=data.channel.id if data.channel else None,
        team=data.team.id if data.team else None,
        tenant=tenant,
    )


def _user(activity: Activity) -> str | None:
    """The Entra object id PROTOCOL_BOT_ADMINS lists; the channel's own id where there is none (the Emulator)."""
    sender = activity.from_property
    return (sender.aad_object_id or sender.id) if sender else None


def _question(activity: Activity) -> str:
    """The message text without the bot's @mention (or anyone else's <at> tags), safe to keep and show."""
    if not isinstance(activity.text, str) or not activity.text:
        return ""
    text = activity.text
    for mention in _own_mentions(activity):
        text = text.replace(mention, " ")
    return displayable(_MENTION_TAGS.sub("", text))


def _own_mentions(activity: Activity) -> list[str]:
    """The text of each mention of the bot, as it appears in the message (`<at>Protocol Bot</at>`).

    Read here rather than with TurnContext.remove_recipient_mention, which fails on a null entity or
    a mention naming nobody, and takes the mentioned name for a regular expression.
    """
    recipient = activity.recipient.id if activity.recipient else None
    found = []
    for entity in activity.entities or []:
        properties = (entity.additional_properties or {}) if entity is not None else {}
        mentioned, text = properties.get("mentioned"), properties.get("text")
        if (str(entity.type if entity is not None else "").lower() == "mention" and isinstance(mentioned, dict)
                and recipient and mentioned.get("id") == recipient and isinstance(text, str) and text):
            found.append(text)
    return found
