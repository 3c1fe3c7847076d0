"""Slack events in, `Conversation` calls out, its replies back as Block Kit: translation only.

What a message means, who may do what, follow-ups, scopes and feedback are the core's
(bot/service/conversation.py); this module only knows Slack's shapes. A message is kept in the core's inbox
before Slack is acknowledged and answered afterwards in a bolt lazy listener
(`process_before_response=True`), so Slack gets its acknowledgement within 3 seconds and a crash
in between loses nothing: `Sweeper` answers what is left when the bot starts again. Every reply
carries its question's ts in its message metadata, so a message taken up again after a crash is
first looked for in its thread (`delivered`) and not answered twice.
"""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, Assistant, BoltContext, Respond, SetSuggestedPrompts
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.slack.mrkdwn import escape, plain_question
from adapters.slack.render import (
    ACTION_FEEDBACK,
    ACTION_HELPFUL,
    ACTION_SHARE,
    ACTION_SHOW_CLAUSE,
    ACTION_UNHELPFUL,
    FEEDBACK_INPUT,
    TEACH_INPUT,
    TEACH_NOT_COVERED,
    VIEW_FEEDBACK,
    SlackReply,
    answer_reply,
    clause_blocks,
    clause_text,
    feedback_modal,
    help_blocks,
    home_view,
    parse_citation_value,
    parse_feedback_value,
    render,
    section,
    voted_blocks,
)
from adapters.slack.settings import SlackConfig, retry_handlers
from bot import messages
from bot.errors import DeliveryDeferred, ProtocolBotError
from bot.service.conversation import Conversation, Message, Place, ReindexReport, Reply

logger = logging.getLogger(__name__)

PLATFORM = "slack"
# The metadata every reply in a thread or channel carries, naming the question it answers
REPLY_EVENT = "protocol_bot_reply"
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
_MOST_PROMPTS = 4  # Slack shows at most four suggested prompts


def _ack(ack: Ack) -> None:
    ack()


def _nothing() -> None:
    """A listener with nothing to do beyond bolt's acknowledgement."""


def _text(value: object) -> str:
    """A field Slack should send as text; anything else (null, a number) reads as nothing."""
    return value if isinstance(value, str) else ""


def _thread_of(body: dict[str, Any]) -> str | None:
    """The thread of the message a button sits on, so a private reply appears beside it."""
    message: dict[str, Any] = body.get("message") or {}
    return message.get("thread_ts")


def _tag(delivery: dict[str, Any]) -> dict[str, Any] | None:
    """The message metadata of the reply to the question `delivery` names; None for a question kept before
    replies were tagged."""
    question = delivery.get("question")
    return {"event_type": REPLY_EVENT, "event_payload": {"question": question}} if question else None


def _tag_of(message: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a message's metadata a reply is tagged with (Slack may add more to it)."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_payload"), dict):
        return None
    return {"event_type": metadata.get("event_type"), "event_payload": {"question": metadata["event_payload"].get("question")}}


class SlackListeners:
    def __init__(self, conversation: Conversation, client: WebClient) -> None:
        self._conversation = conversation
        self._client = client
        self._bot_id: str | None = None  # asked of Slack the first time a reply is looked for

    def register(self, app: App) -> None:
        app.event("app_mention")(ack=self.take_mention, lazy=[self.work_event])
        app.event("message")(ack=self.take_message, lazy=[self.work_event])
        app.event("app_home_opened")(ack=_ack, lazy=[self.on_home_opened])
        app.command(messages.SLACK_COMMAND)(ack=self.take_command, lazy=[self.work_command])
        app.action(ACTION_SHOW_CLAUSE)(ack=_ack, lazy=[self.on_show_clause])
        app.action(ACTION_SHARE)(ack=_ack, lazy=[self.on_share])
        # feedback runs before the ack: opening the modal needs the trigger_id, which expires in 3 seconds
        app.action(re.compile(f"^(?:{ACTION_FEEDBACK}|{ACTION_HELPFUL}|{ACTION_UNHELPFUL})$"))(self.on_feedback)
        app.view(VIEW_FEEDBACK)(self.on_feedback_comment)
        # Slack's agent messaging: a person's questions in it arrive as direct messages, handled above
        assistant = Assistant()
        assistant.thread_started(self.on_thread_started)
        # which channel the person is looking at changes no answer, so it is not kept
        assistant.thread_context_changed(_nothing)
        app.assistant(assistant)

    # --- messages: kept before the ack, answered after it ----------------------------------------

    def take_mention(self, ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        # another bot naming us must not start a conversation between bots
        if not event.get("bot_id"):
            self._take(event, context, addressed=True)
        ack()

    def take_message(self, ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        # edits, joins and bots' posts are not questions
        if not event.get("subtype") and not event.get("bot_id"):
            self._take(event, context, addressed=event.get("channel_type") == "im")
        ack()

    def _take(self, event: dict[str, Any], context: BoltContext, *, addressed: bool) -> None:
        channel, ts = _text(event.get("channel")), _text(event.get("ts"))
        if not channel or not ts:
            logger.warning("A message event without a channel or timestamp was ignored")
            return
        # A DM reads like a conversation; in a channel the answer goes in the thread, out of everyone's way.
        thread = _text(event.get("thread_ts")) or (None if event.get("channel_type") == "im" else ts)
        place = Place(PLATFORM, channel, thread or None, channel=context.channel_id or channel, team=context.team_id)
        text = plain_question(_text(event.get("text")), context.bot_user_id)
        message = Message(place, _text(event.get("user")) or None, text, id=f"{channel}:{ts}", addressed=addressed)
        self._conversation.take(message, {"channel": channel, "thread": place.thread, "question": ts})

    def work_event(self, event: dict[str, Any]) -> None:
        channel, ts = _text(event.get("channel")), _text(event.get("ts"))
        if channel and ts:
            if event.get("channel_type") == "im" and _text(event.get("thread_ts")):
                self._show_status(channel, _text(event.get("thread_ts")))
            self._conversation.work(PLATFORM, f"{channel}:{ts}", self.deliver, self.delivered)

    def _show_status(self, channel: str, thread: str) -> None:
        """'Protocol Bot is looking through the protocols…' in an agent thread, until the answer is posted."""
        try:
            self._client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread,
                                                     status=messages.SLACK_STATUS_ANSWERING)
        except SlackApiError as error:  # a direct-message thread outside agent messaging has no status
            logger.debug("No status shown in %r: %s", channel, error.response.get("error"))

    def on_thread_started(self, set_suggested_prompts: SetSuggestedPrompts) -> None:
        """A person opened the agent: the example questions, ready to send."""
        set_suggested_prompts(prompts=[{"title": title, "message": question}
                                       for title, question in messages.EXAMPLE_PROMPTS[:_MOST_PROMPTS]],
                              title=messages.SLACK_PROMPTS_TITLE)

    def take_command(self, ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        """/protocol <question or command>: answered privately, with a button to share an answer."""
        channel = _text(command.get("channel_id"))
        text = plain_question(_text(command.get("text")), context.bot_user_id)
        message = Message(Place(PLATFORM, channel, channel=channel, team=context.team_id),
                          _text(command.get("user_id")) or None, text, id=_text(command.get("trigger_id")) or None)
        self._conversation.take(message, {
            "channel": channel, "response_url": _text(command.get("response_url")),
            "question_line": messages.SLACK_QUESTION_LINE.format(question=escape(text)),
        })
        ack()

    def work_command(self, command: dict[str, Any]) -> None:
        if command.get("trigger_id"):
            self._conversation.work(PLATFORM, _text(command.get("trigger_id")), self.deliver, self.delivered)

    # --- delivery --------------------------------------------------------------------------------

    def deliver(self, reply: Reply, delivery: dict[str, Any]) -> None:
        """Send a reply where `delivery` says. The clients retry rate limits (honouring Retry-After) and
        server errors; what still fails for now raises DeliveryDeferred, to be tried again later."""
        if isinstance(reply, ReindexReport):
            self._report(render(reply), delivery)
        elif delivery.get("response_url"):
            self._respond(delivery["response_url"],
                          render(reply, question_line=delivery.get("question_line"), shareable=True))
        else:
            self._post(delivery["channel"], delivery.get("thread"), render(reply), _tag(delivery))

    def _post(self, channel: str, thread: str | None, reply: SlackReply, tag: dict[str, Any] | None) -> None:
        try:
            self._client.chat_postMessage(channel=channel, thread_ts=thread, text=reply.text, blocks=reply.blocks,
                                          metadata=tag)
        except SlackApiError as error:
            if error.response.status_code in _TRANSIENT:
                raise DeliveryDeferred(f"Slack answered {error.response.status_code}") from error
            # Slack refused this reply itself (too long, bad blocks): say sorry rather than nothing.
            logger.error("Slack refused a reply in %.200r: %.200s", channel, error.response.get("error"))
            self._client.chat_postMessage(channel=channel, thread_ts=thread, text=messages.ERROR_APOLOGY,
                                          metadata=tag)

    def delivered(self, delivery: dict[str, Any]) -> bool:
        """Whether the bot's reply to the question `delivery` names is already in its thread (or, in a direct
        message without threads, its channel), found by the metadata it was posted with. A private reply
        through a response URL cannot be read back, nor one posted before replies carried metadata: False."""
        tag = _tag(delivery)
        if tag is None or delivery.get("response_url"):
            return False
        channel, thread = delivery["channel"], delivery.get("thread")
        since = {"channel": channel, "oldest": delivery["question"], "include_all_metadata": True}
        try:
            pages = (self._client.conversations_replies(ts=thread, **since) if thread
                     else self._client.conversations_history(**since))
            own = self._own_bot_id()
            return any(message.get("bot_id") == own and _tag_of(message) == tag
                       for page in pages for message in page.get("messages") or [])
        except SlackApiError as error:
            if error.response.status_code in _TRANSIENT:
                raise DeliveryDeferred(f"Slack answered {error.response.status_code}") from error
            raise

    def _own_bot_id(self) -> str | None:
        """The bot's own id on its messages, so another app's reply (a second install) is not taken for its own."""
        if self._bot_id is None:
            self._bot_id = _text(self._client.auth_test().get("bot_id")) or None
        return self._bot_id

    def _respond(self, url: str, reply: SlackReply) -> None:
        sent = WebhookClient(url, retry_handlers=retry_handlers()).send(
            response_type="ephemeral", text=reply.text, blocks=reply.blocks)
        if sent.status_code in _TRANSIENT:
            raise DeliveryDeferred(f"Slack's response URL answered {sent.status_code}")
        if sent.status_code != 200:
            logger.warning("A private reply could not be sent (HTTP %d); the response URL may have expired",
                           sent.status_code)

    def _report(self, reply: SlackReply, delivery: dict[str, Any]) -> None:
        """Tell the channel a reindex ran in; privately tell the admin if the bot may not post there."""
        try:
            self._client.chat_postMessage(channel=delivery["channel"], thread_ts=delivery.get("thread"),
                                          text=reply.text, blocks=reply.blocks)
        except SlackApiError as error:
            logger.warning("Could not post the reindex report in %.200r: %.200s", delivery["channel"],
                           error.response.get("error"))
            if delivery.get("response_url"):
                self._respond(delivery["response_url"], reply)

    # --- buttons ---------------------------------------------------------------------------------

    def _expired(self, respond: Respond, body: dict[str, Any]) -> None:
        try:
            respond(response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
                    text=messages.ANSWER_EXPIRED)
        except ValueError:  # a click that came without a response URL has nowhere to be answered
            logger.warning("A button click without a response URL was not answered")

    def on_show_clause(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        try:
            answer_id, index = parse_citation_value(_text(action.get("value")))
        except ValueError:
            answer_id, index = "", -1
        answer = self._conversation.answer(answer_id)
        if answer is None or not 0 <= index < len(answer.citations):
            self._expired(respond, body)
            return
        citation = answer.citations[index]
        respond(response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
                text=clause_text(citation), blocks=clause_blocks(citation))

    def on_share(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        answer_id = _text(action.get("value"))
        answer = self._conversation.answer(answer_id)
        if answer is None:
            self._expired(respond, body)
            return
        line = messages.SLACK_SHARED_LINE.format(user=body["user"]["id"], question=escape(answer.question))
        shared = answer_reply(answer, answer_id, question_line=line)
        respond(response_type="in_channel", replace_original=False, text=shared.text, blocks=shared.blocks)
        respond(delete_original=True)  # the private copy with its Share button has done its job

    def on_feedback(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        if action.get("action_id") == ACTION_FEEDBACK:
            helpful, answer_id = parse_feedback_value(_text(action.get("value"))) or (False, "")
        else:
            helpful, answer_id = action.get("action_id") == ACTION_HELPFUL, _text(action.get("value"))
        place = Place(PLATFORM, _text((body.get("channel") or {}).get("id")), _thread_of(body))
        user = _text((body.get("user") or {}).get("id"))
        voted = self._conversation.vote(place, user, answer_id, helpful)
        if voted is None:
            self._expired(respond, body)
            return
        answer, feedback_id = voted
        if not helpful:
            # an admin can say which clause answers it, correcting the answer for everyone
            nearest = answer.nearest if self._conversation.is_admin(user) else None
            try:
                client.views_open(trigger_id=body["trigger_id"],
                                  view=feedback_modal(feedback_id, answer_id, place.conversation, nearest))
            except SlackApiError:
                logger.exception("Could not ask what was wrong with an answer")  # the 👎 itself is stored
        # The buttons give way to the thanks, so the same answer is not voted on twice.
        original = (body.get("message") or {}).get("blocks")
        reply = voted_blocks(original, answer, answer_id)
        respond(replace_original=True, text=reply.text, blocks=reply.blocks)

    def on_feedback_comment(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        try:
            about = json.loads(view["private_metadata"])
            values = view["state"]["values"]
            comment = (values.get(FEEDBACK_INPUT, {}).get(FEEDBACK_INPUT) or {}).get("value") or ""
            chosen = ((values.get(TEACH_INPUT, {}).get(TEACH_INPUT) or {}).get("selected_option") or {}).get("value")
            feedback_id, answer_id, channel = int(about["feedback"]), str(about["answer"]), str(about["channel"])
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("A feedback comment arrived in an unexpected shape; it was not stored")
            return
        self._conversation.comment(feedback_id, _text(comment))
        if chosen is None:
            return
        user = _text((body.get("user") or {}).get("id"))
        choice = None if chosen == TEACH_NOT_COVERED else int(chosen) if str(chosen).isdigit() else -1
        reply = self._conversation.teach(user, answer_id, choice)
        try:
            self._client.chat_postEphemeral(channel=channel, user=user, text=escape(reply.text))
        except SlackApiError:
            logger.warning("Could not tell an admin their correction was made")

    # --- App Home --------------------------------------------------------------------------------

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        try:
            body = help_blocks(self._conversation.documents())
        except ProtocolBotError as error:
            body = [section(escape(str(error)))]
        client.views_publish(user_id=event["user"], view=home_view(body))


class SlackBot:
    """The bolt App with every listener registered, and how its replies are delivered."""

    def __init__(self, conversation: Conversation, config: SlackConfig, *, workers: int = 4) -> None:
        client = WebClient(token=config.bot_token, base_url=config.api_url, retry_handlers=retry_handlers())
        # Answers run on this pool; its size is how many are worked on at once.
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-answer")
        # request_verification_enabled=False: adapters/slack/server.py checks the signature once, on the raw
        # bytes, before bolt sees a request (bolt's check fails with a 500 on a forged non-ASCII signature)
        self.app = App(client=client, signing_secret=config.signing_secret, process_before_response=True,
                       listener_executor=self.executor, request_verification_enabled=False)
        self.listeners = SlackListeners(conversation, client)
        self.listeners.register(self.app)


def build_app(conversation: Conversation, config: SlackConfig) -> App:
    return SlackBot(conversation, config).app
