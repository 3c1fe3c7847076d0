"""Teams activities in, `Conversation` calls out, its replies back as cards and text: translation only.

What a message means, who may do what, follow-ups, scopes and feedback are the core's
(bot/conversation.py); this module only knows the Bot Framework's shapes.
"""

from __future__ import annotations

import asyncio
import logging
import re

from botbuilder.core import ActivityHandler, BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botbuilder.schema.teams import TeamsChannelData

from adapters.teams.render import (
    CardAction,
    Comment,
    read_card_action,
    reindex_text,
    render,
    voted_card,
    welcome_text,
)
from bot import messages
from bot.conversation import Conversation, Message, Place, ReportReindex
from bot.reindex_runner import ReindexOutcome

log = logging.getLogger(__name__)

PLATFORM = "teams"
_MENTION_TAGS = re.compile(r"</?at\b[^>]*>", re.IGNORECASE)
_REPLY_CHAIN = ";messageid="  # a channel conversation id with this names one thread of the channel


class ProtocolTeamsBot(ActivityHandler):
    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        action = read_card_action(activity.value)
        if action is not None:
            await self._card_action(turn_context, action)
            return
        message = Message(_place(activity), _user(activity), _question(activity), id=activity.id)
        replied = asyncio.Event()  # a quick reindex's report must not overtake the "started" reply
        try:
            reply = await asyncio.to_thread(self._conversation.handle, message, self._reporter(turn_context, replied))
            if reply is None:
                return
            rendered = render(reply)
            if isinstance(rendered, str):
                await turn_context.send_activity(rendered)
            else:
                await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(rendered)))
        finally:
            replied.set()

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_added = any(member.id == activity.recipient.id for member in members_added)
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
            return
        voted = await asyncio.to_thread(self._conversation.vote, _place(activity), _user(activity) or "",
                                        action.answer, action.helpful)
        if voted is None:
            await turn_context.send_activity(messages.ANSWER_EXPIRED)
            return
        answer, feedback_id = voted
        # The buttons give way to the thanks (and, after a 👎, to a box for saying what was wrong).
        card = voted_card(answer, action.answer, None if action.helpful else feedback_id)
        await self._replace_card(turn_context, card)

    async def _replace_card(self, turn_context: TurnContext, card: dict[str, object]) -> None:
        update = MessageFactory.attachment(CardFactory.adaptive_card(card))
        update.id = turn_context.activity.reply_to_id
        try:
            if not update.id:
                raise ValueError("the click names no message to update")
            await turn_context.update_activity(update)
        except Exception as error:  # the vote is stored; a card Teams will not update is only cosmetic
            log.warning("Could not update the answer card after a vote: %r", error)
            await turn_context.send_activity(messages.FEEDBACK_THANKS)

    def _reporter(self, turn_context: TurnContext, replied: asyncio.Event) -> ReportReindex:
        # A rebuild takes longer than Teams waits for a turn, so it reports later as a proactive message.
        adapter = turn_context.adapter
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        identity = turn_context.turn_state.get(BotAdapter.BOT_IDENTITY_KEY)
        loop = asyncio.get_running_loop()

        async def post(report: str) -> None:
            await replied.wait()

            async def send_report(context: TurnContext) -> None:
                await context.send_activity(report)

            try:
                await adapter.continue_conversation(reference, send_report, claims_identity=identity)
            except Exception:
                log.exception("Could not post the reindex result to Teams conversation %s", reference.conversation.id)

        def report(outcome: ReindexOutcome) -> None:
            # Runs on the reindex's thread; waiting for the post keeps `drain` waiting until it is sent.
            asyncio.run_coroutine_threadsafe(post(reindex_text(outcome)), loop).result()

        return report


async def apologise(turn_context: TurnContext, error: Exception) -> None:
    """The adapter's on_turn_error: log the traceback; a person who asked something gets an apology."""
    log.error("Unhandled error in a Teams turn", exc_info=error)
    if turn_context.activity.type != ActivityTypes.message:
        return
    try:
        await turn_context.send_activity(messages.ERROR_APOLOGY)
    except Exception:
        log.exception("Could not send the apology either")


def _place(activity: Activity) -> Place:
    """Where an activity was written: a channel thread has its own conversation id; a chat has no threads."""
    data = TeamsChannelData().deserialize(activity.channel_data or {})
    conversation = activity.conversation.id or ""
    # Teams puts the tenant in channelData; other Bot Framework channels only on the conversation
    tenant = (data.tenant.id if data.tenant else None) or activity.conversation.tenant_id
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
    """The message text without the bot's @mention (or anyone else's <at> tags), whitespace tidied."""
    if not activity.text:
        return ""
    text = TurnContext.remove_recipient_mention(activity) or ""
    return " ".join(_MENTION_TAGS.sub("", text).split())
