"""Slack events in, `Conversation` calls out, its replies back as Block Kit: translation only.

What a message means, who may do what, follow-ups, scopes and feedback are the core's
(bot/conversation.py); this module only knows Slack's shapes. Every listener acknowledges in the
request thread and does its work in a bolt lazy listener (`process_before_response=True`), so Slack
gets its acknowledgement within 3 seconds however long an answer takes.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.mrkdwn import escape, plain_question
from adapters.slack.render import (
    ACTION_HELPFUL,
    ACTION_SHARE,
    ACTION_SHOW_CLAUSE,
    ACTION_UNHELPFUL,
    FEEDBACK_INPUT,
    VIEW_FEEDBACK,
    SlackReply,
    answer_reply,
    clause_blocks,
    clause_text,
    feedback_modal,
    help_blocks,
    home_view,
    parse_citation_value,
    reindex_report,
    render,
    section,
    voted_blocks,
)
from adapters.slack.settings import SlackConfig
from bot import messages
from bot.conversation import Conversation, Message, Place, ReportReindex
from bot.errors import ProtocolBotError
from bot.reindex_runner import ReindexOutcome

logger = logging.getLogger(__name__)

PLATFORM = "slack"


def _ack(ack: Ack) -> None:
    ack()


def _thread_of(body: dict[str, Any]) -> str | None:
    """The thread of the message a button sits on, so a private reply appears beside it."""
    message: dict[str, Any] = body.get("message") or {}
    return message.get("thread_ts")


class SlackListeners:
    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation

    def register(self, app: App) -> None:
        app.event("app_mention")(ack=_ack, lazy=[self.on_mention])
        app.event("message")(ack=_ack, lazy=[self.on_message])
        app.event("app_home_opened")(ack=_ack, lazy=[self.on_home_opened])
        app.command(messages.SLACK_COMMAND)(ack=_ack, lazy=[self.on_command])
        app.action(ACTION_SHOW_CLAUSE)(ack=_ack, lazy=[self.on_show_clause])
        app.action(ACTION_SHARE)(ack=_ack, lazy=[self.on_share])
        # feedback runs before the ack: opening the modal needs the trigger_id, which expires in 3 seconds
        app.action(re.compile(f"^(?:{ACTION_HELPFUL}|{ACTION_UNHELPFUL})$"))(self.on_feedback)
        app.view(VIEW_FEEDBACK)(self.on_feedback_comment)

    # --- messages --------------------------------------------------------------------------------

    def on_mention(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("bot_id"):
            return  # another bot naming us must not start a conversation between bots
        self._on_message(event, context, client, addressed=True)

    def on_message(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and bots' posts are not questions
        self._on_message(event, context, client, addressed=event.get("channel_type") == "im")

    def _on_message(self, event: dict[str, Any], context: BoltContext, client: WebClient, *, addressed: bool) -> None:
        channel = event["channel"]
        # A DM reads like a conversation; in a channel the answer goes in the thread, out of everyone's way.
        thread = event.get("thread_ts") if event.get("channel_type") == "im" else event.get("thread_ts") or event["ts"]
        place = Place(PLATFORM, channel, thread, channel=context.channel_id or channel, team=context.team_id)
        message = Message(place, event.get("user"), plain_question(event.get("text", ""), context.bot_user_id),
                          id=f"{channel}:{event['ts']}", addressed=addressed)
        replied = threading.Event()  # a quick reindex's report must not overtake the "started" reply
        try:
            reply = self._conversation.handle(message, self._reporter(client, channel, thread, None, replied))
            if reply is not None:
                self._post(client, channel, thread, render(reply))
        finally:
            replied.set()

    def on_command(self, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        """/protocol <question or command>: answered privately, with a button to share an answer."""
        channel = command.get("channel_id", "")
        place = Place(PLATFORM, channel, channel=channel, team=context.team_id)
        message = Message(place, command.get("user_id"), plain_question(command.get("text", ""), context.bot_user_id))
        replied = threading.Event()
        try:
            reply = self._conversation.handle(message, self._reporter(client, channel, None, respond, replied))
            if reply is None:
                return
            line = messages.SLACK_QUESTION_LINE.format(question=escape(message.text))
            slack = render(reply, question_line=line, shareable=True)
            respond(response_type="ephemeral", text=slack.text, blocks=slack.blocks)
        finally:
            replied.set()

    def _post(self, client: WebClient, channel: str, thread_ts: str | None, reply: SlackReply) -> None:
        for attempt in (reply, SlackReply(messages.ERROR_APOLOGY)):
            try:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=attempt.text, blocks=attempt.blocks)
                return
            except SlackApiError:
                logger.exception("Posting a reply in %s failed", channel)

    def _reporter(self, client: WebClient, channel: str, thread: str | None, respond: Respond | None,
                  replied: threading.Event) -> ReportReindex:
        """Tell the channel a reindex ran in; privately tell the admin if the bot may not post there."""
        def report(outcome: ReindexOutcome) -> None:
            replied.wait()
            reply = reindex_report(outcome)
            try:
                client.chat_postMessage(channel=channel, thread_ts=thread, text=reply.text, blocks=reply.blocks)
            except SlackApiError as error:
                logger.warning("Could not post the reindex report in %s: %s", channel, error)
                if respond is not None:
                    respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks)

        return report

    # --- buttons ---------------------------------------------------------------------------------

    def _expired(self, respond: Respond, body: dict[str, Any]) -> None:
        respond(response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
                text=messages.ANSWER_EXPIRED)

    def on_show_clause(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        answer_id, index = parse_citation_value(action["value"])
        answer = self._conversation.answer(answer_id)
        if answer is None or not 0 <= index < len(answer.citations):
            self._expired(respond, body)
            return
        citation = answer.citations[index]
        respond(response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
                text=clause_text(citation), blocks=clause_blocks(citation))

    def on_share(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        answer = self._conversation.answer(action["value"])
        if answer is None:
            self._expired(respond, body)
            return
        line = messages.SLACK_SHARED_LINE.format(user=body["user"]["id"], question=escape(answer.question))
        shared = answer_reply(answer, action["value"], question_line=line)
        respond(response_type="in_channel", replace_original=False, text=shared.text, blocks=shared.blocks)
        respond(delete_original=True)  # the private copy with its Share button has done its job

    def on_feedback(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        helpful = action["action_id"] == ACTION_HELPFUL
        place = Place(PLATFORM, (body.get("channel") or {}).get("id", ""), _thread_of(body))
        voted = self._conversation.vote(place, body["user"]["id"], action["value"], helpful)
        if voted is None:
            self._expired(respond, body)
            return
        answer, feedback_id = voted
        if not helpful:
            try:
                client.views_open(trigger_id=body["trigger_id"], view=feedback_modal(feedback_id))
            except SlackApiError:
                logger.exception("Could not ask what was wrong with an answer")  # the 👎 itself is stored
        # The buttons give way to the thanks, so the same answer is not voted on twice.
        original = (body.get("message") or {}).get("blocks")
        reply = voted_blocks(original, answer, action["value"])
        respond(replace_original=True, text=reply.text, blocks=reply.blocks)

    def on_feedback_comment(self, ack: Ack, view: dict[str, Any]) -> None:
        ack()
        try:
            feedback_id = int(view["private_metadata"])
            comment = view["state"]["values"][FEEDBACK_INPUT][FEEDBACK_INPUT].get("value") or ""
        except (KeyError, TypeError, ValueError):
            logger.warning("A feedback comment arrived in an unexpected shape; it was not stored")
            return
        self._conversation.comment(feedback_id, comment)

    # --- App Home --------------------------------------------------------------------------------

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        try:
            body = help_blocks(self._conversation.documents())
        except ProtocolBotError as error:
            body = [section(escape(str(error)))]
        client.views_publish(user_id=event["user"], view=home_view(body))


def build_app(conversation: Conversation, config: SlackConfig, *, client: WebClient | None = None) -> App:
    """The bolt App with every listener registered."""
    app = App(
        client=client or WebClient(token=config.bot_token, base_url=config.api_url),
        signing_secret=config.signing_secret,
        process_before_response=True,
    )
    SlackListeners(conversation).register(app)
    return app
