"""Turns Teams activities into ProtocolBot calls and the results into replies."""

from __future__ import annotations

import asyncio
import logging
import re

from botbuilder.core import ActivityHandler, BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botbuilder.schema.teams import TeamsChannelData

from adapters.teams.render import FeedbackVote, answer_card, read_feedback
from adapters.teams.render import help_text, reindex_text, status_text, welcome_text
from bot import messages
from bot.answer import Scope
from bot.errors import ProtocolBotError
from bot.feedback import FeedbackStore
from bot.ports import ProtocolBot
from bot.reindex_runner import ReindexOutcome, ReindexRunner
from bot.scopes import Scopes
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "teams"
_ADMIN_COMMANDS = ("status", "reindex")
_MENTION_TAGS = re.compile(r"</?at\b[^>]*>", re.IGNORECASE)


class ProtocolTeamsBot(ActivityHandler):
    def __init__(self, bot: ProtocolBot, settings: Settings, store: FeedbackStore, scopes: Scopes) -> None:
        self._bot = bot
        self._settings = settings
        self._store = store
        self._scopes = scopes
        self._reindexer = ReindexRunner(bot)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        vote = read_feedback(activity.value)
        if vote is not None:
            await self._record(turn_context, vote)
            return
        question = _question(activity)
        command = question.strip(" .!?").lower()
        try:
            if not question:
                await turn_context.send_activity(messages.EMPTY_QUESTION)
            elif command == "help":
                documents = await asyncio.to_thread(self._bot.documents)
                await turn_context.send_activity(help_text(documents, admin=self._is_admin(turn_context)))
            elif command in _ADMIN_COMMANDS and not self._is_admin(turn_context):
                await turn_context.send_activity(messages.ADMIN_ONLY.format(command=command))
            elif command == "status":
                await turn_context.send_activity(status_text(await asyncio.to_thread(self._bot.status)))
            elif command == "reindex":
                await self._start_reindex(turn_context)
            else:
                answer = await asyncio.to_thread(self._bot.ask, question, self._scope(activity))
                card = CardFactory.adaptive_card(answer_card(answer))
                await turn_context.send_activity(MessageFactory.attachment(card))
        except ProtocolBotError as error:
            await turn_context.send_activity(str(error))

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
        await asyncio.to_thread(self._reindexer.wait)

    async def _record(self, turn_context: TurnContext, vote: FeedbackVote) -> None:
        user = turn_context.activity.from_property
        await asyncio.to_thread(
            self._store.record,
            platform=PLATFORM,
            user=user.aad_object_id or user.id,
            question=vote.question,
            helpful=vote.helpful,
            citations=vote.citations,
        )
        await turn_context.send_activity(messages.FEEDBACK_THANKS)

    async def _start_reindex(self, turn_context: TurnContext) -> None:
        # A rebuild takes longer than Teams waits for a turn, so it reports later as a proactive message.
        adapter = turn_context.adapter
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        identity = turn_context.turn_state.get(BotAdapter.BOT_IDENTITY_KEY)
        loop = asyncio.get_running_loop()
        acknowledged = asyncio.Event()  # a quick rebuild's report must not overtake the "started" reply

        async def post(report: str) -> None:
            await acknowledged.wait()

            async def send_report(context: TurnContext) -> None:
                await context.send_activity(report)

            try:
                await adapter.continue_conversation(reference, send_report, claims_identity=identity)
            except Exception:
                log.exception("Could not post the reindex result to Teams conversation %s", reference.conversation.id)

        def report(outcome: ReindexOutcome) -> None:
            # Runs on the reindex's thread; waiting for the post keeps `drain` waiting until it is sent.
            asyncio.run_coroutine_threadsafe(post(reindex_text(outcome)), loop).result()

        started = self._reindexer.start(report)
        try:
            await turn_context.send_activity(messages.REINDEX_STARTED if started else messages.REINDEX_BUSY)
        finally:
            acknowledged.set()

    def _scope(self, activity: Activity) -> Scope | None:
        """The documents that answer in the tenant, team and channel an activity came from."""
        data = TeamsChannelData().deserialize(activity.channel_data or {})
        # Teams puts the tenant in channelData; other Bot Framework channels only on the conversation
        tenant = (data.tenant.id if data.tenant else None) or activity.conversation.tenant_id
        return self._scopes.resolve(
            PLATFORM, tenant=tenant, team=data.team.id if data.team else None,
            channel=data.channel.id if data.channel else None,
        )

    def _is_admin(self, turn_context: TurnContext) -> bool:
        return self._settings.is_admin(turn_context.activity.from_property.aad_object_id)


async def apologise(turn_context: TurnContext, error: Exception) -> None:
    """The adapter's on_turn_error: log the traceback; a person who asked something gets an apology."""
    log.error("Unhandled error in a Teams turn", exc_info=error)
    if turn_context.activity.type != ActivityTypes.message:
        return
    try:
        await turn_context.send_activity(messages.ERROR_APOLOGY)
    except Exception:
        log.exception("Could not send the apology either")


def _question(activity: Activity) -> str:
    """The message text without the bot's @mention (or anyone else's <at> tags), whitespace tidied."""
    if not activity.text:
        return ""
    text = TurnContext.remove_recipient_mention(activity) or ""
    return " ".join(_MENTION_TAGS.sub("", text).split())
