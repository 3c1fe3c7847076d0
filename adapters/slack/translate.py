"""The Slack app: Slack events in, `ProtocolBot` calls out, answers back as Block Kit.

Every listener acknowledges in the request thread and does its slow work in a bolt lazy listener
(`process_before_response=True`), so Slack gets its acknowledgement within 3 seconds however long
an answer or a busy listener pool takes.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.render import (
    ACTION_HELPFUL,
    ACTION_SHARE,
    ACTION_SHOW_CLAUSE,
    ACTION_UNHELPFUL,
    FEEDBACK_INPUT,
    MAX_SECTION_TEXT,
    VIEW_FEEDBACK,
    Block,
    answer_blocks,
    answer_text,
    clause_blocks,
    clause_text,
    feedback_modal,
    help_blocks,
    home_view,
    parse_citation_value,
    preformatted_blocks,
    section,
)
from adapters.slack.settings import SlackConfig
from adapters.slack.memory import Recent
from adapters.slack.mrkdwn import escape, fit, plain_question
from bot import messages
from bot.answer import Answer, Scope
from bot.errors import ProtocolBotError
from bot.feedback import FeedbackStore, cited_refs
from bot.ports import ProtocolBot
from bot.reindex_runner import ReindexOutcome, ReindexRunner
from bot.scopes import Scopes
from bot.settings import Settings
from bot.status_report import render_status

logger = logging.getLogger(__name__)

PLATFORM = "slack"
# Enough for a busy workspace's day; all three are lost on restart, which only costs context and old buttons.
ANSWERS_KEPT = 2000
THREADS_KEPT = 2000
MESSAGES_KEPT = 10000


class Command(Enum):
    EMPTY = ""
    HELP = "help"
    STATUS = "status"
    REINDEX = "reindex"
    QUESTION = "question"


ADMIN_COMMANDS = frozenset({Command.STATUS, Command.REINDEX})


def route(text: str) -> Command:
    """What `/protocol <text>` asks for: a bare keyword is a command, anything else a question."""
    try:
        return Command(text.strip().lower())
    except ValueError:
        return Command.QUESTION


@dataclass(frozen=True)
class Reply:
    text: str  # escaped mrkdwn: the whole reply, or the fallback for `blocks`
    blocks: list[Block] | None = None


def _ack(ack: Ack) -> None:
    ack()


def _thread_of(body: dict[str, Any]) -> str | None:
    """The thread of the message a button sits on, so a private reply appears beside it."""
    message: dict[str, Any] = body.get("message") or {}
    return message.get("thread_ts")


class SlackListeners:
    def __init__(self, bot: ProtocolBot, settings: Settings, store: FeedbackStore, scopes: Scopes) -> None:
        self._bot = bot
        self._settings = settings
        self._store = store
        self._scopes = scopes
        self._reindexer = ReindexRunner(bot)
        self._answers: Recent[str, Answer] = Recent(ANSWERS_KEPT)  # answer id (in button values) -> answer
        self._threads: Recent[str, str] = Recent(THREADS_KEPT)  # "channel:thread ts" -> the thread's question
        self._seen: Recent[str, bool] = Recent(MESSAGES_KEPT)  # "channel:ts" of messages already taken up

    def register(self, app: App) -> None:
        app.event("app_mention")(ack=_ack, lazy=[self.on_mention])
        app.event("message")(ack=_ack, lazy=[self.on_message])
        app.event("app_home_opened")(ack=_ack, lazy=[self.on_home_opened])
        app.command(messages.SLACK_COMMAND)(ack=self.on_command, lazy=[self.on_command_work])
        app.action(ACTION_SHOW_CLAUSE)(ack=_ack, lazy=[self.on_show_clause])
        app.action(ACTION_SHARE)(ack=_ack, lazy=[self.on_share])
        # feedback runs before the ack: opening the modal needs the trigger_id, which expires in 3 seconds
        app.action(re.compile(f"^(?:{ACTION_HELPFUL}|{ACTION_UNHELPFUL})$"))(self.on_feedback)
        app.view(VIEW_FEEDBACK)(self.on_feedback_comment)

    # --- conversations ---------------------------------------------------------------------------

    def on_mention(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("bot_id"):
            return  # another bot naming us must not start a conversation between bots
        self._answer_message(event, context, client)

    def on_message(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and bots' posts are not questions
        root = event.get("thread_ts") or event["ts"]
        if event.get("channel_type") != "im" and self._threads.get(f"{event['channel']}:{root}") is None:
            return  # channel chatter outside the threads we answered is none of our business
        self._answer_message(event, context, client)

    def _answer_message(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        channel = event["channel"]
        # One message can arrive several times: Slack's retries, and as both app_mention and message.
        if not self._seen.add(f"{channel}:{event['ts']}", True):
            return
        root = event.get("thread_ts") or event["ts"]
        # A DM reads like a conversation; in a channel the answer goes in the thread, out of everyone's way.
        reply_in = event.get("thread_ts") if event.get("channel_type") == "im" else root
        question = plain_question(event.get("text", ""), context.bot_user_id)
        thread = f"{channel}:{root}"
        earlier = self._threads.get(thread)
        if not earlier:
            # the thread's first real question stays its context, so follow-ups keep the topic
            self._threads.put(thread, question)
        if not question:
            reply = Reply(messages.EMPTY_QUESTION)
        else:
            reply = self._answer(f"{earlier} {question}" if earlier else question, self._scope(context))
        self._post(client, channel, reply_in, reply)

    def _post(self, client: WebClient, channel: str, thread_ts: str | None, reply: Reply) -> None:
        for attempt in (reply, Reply(messages.ERROR_APOLOGY)):
            try:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=attempt.text, blocks=attempt.blocks)
                return
            except SlackApiError:
                logger.exception("Posting a reply in %s failed", channel)

    # --- answers ---------------------------------------------------------------------------------

    def _safely(self, what: str, make: Callable[[], Reply]) -> Reply:
        """A reply whatever happens: the core's own error text, or an apology with the traceback logged."""
        try:
            return make()
        except ProtocolBotError as error:
            return Reply(escape(str(error)))
        except Exception:
            logger.exception("%s failed", what)
            return Reply(messages.ERROR_APOLOGY)

    def _scope(self, context: BoltContext) -> Scope | None:
        """The documents that answer in the workspace and channel a request came from."""
        return self._scopes.resolve(PLATFORM, team=context.team_id, channel=context.channel_id)

    def _answer(
        self, question: str, scope: Scope | None, *, question_line: str | None = None, shareable: bool = False
    ) -> Reply:
        def make() -> Reply:
            answer = self._bot.ask(question, scope)
            if answer.out_of_scope:
                return Reply(messages.OUT_OF_SCOPE)
            answer_id = uuid.uuid4().hex
            self._answers.put(answer_id, answer)
            blocks = answer_blocks(answer, answer_id, question_line=question_line, shareable=shareable)
            return Reply(answer_text(answer), blocks)

        return self._safely(f"Answering {question!r}", make)

    # --- /protocol -------------------------------------------------------------------------------

    def on_command(self, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """The fast half: replies that need no answering, or an empty ack for `on_command_work`."""
        verb = route(command.get("text", ""))
        if verb in ADMIN_COMMANDS and not self._settings.is_admin(command.get("user_id")):
            ack(text=messages.ADMIN_ONLY.format(command=f"{messages.SLACK_COMMAND} {verb.value}"))
        elif verb is Command.EMPTY:
            ack(text=messages.EMPTY_QUESTION)
        elif verb is Command.HELP:
            reply = self._safely("Help", lambda: Reply(messages.SLACK_HELP_INTRO, help_blocks(self._bot.documents())))
            ack(text=reply.text, blocks=reply.blocks)
        elif verb is Command.REINDEX:
            started = self._reindexer.start(lambda outcome: self._report(client, respond, command, outcome))
            ack(text=messages.REINDEX_STARTED if started else messages.REINDEX_BUSY)
        else:
            ack()

    def on_command_work(self, command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        verb = route(command.get("text", ""))
        if verb is Command.QUESTION:
            question = plain_question(command["text"], context.bot_user_id)
            line = messages.SLACK_QUESTION_LINE.format(question=escape(question))
            reply = self._answer(question, self._scope(context), question_line=line, shareable=True)
        elif verb is Command.STATUS and self._settings.is_admin(command.get("user_id")):
            reply = self._safely("Status", lambda: self._plain_reply(render_status(self._bot.status())))
        else:
            return  # answered in the ack
        respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks)

    @staticmethod
    def _plain_reply(text: str) -> Reply:
        return Reply(fit(escape(text), MAX_SECTION_TEXT), preformatted_blocks(text))

    def _report(self, client: WebClient, respond: Respond, command: dict[str, Any], outcome: ReindexOutcome) -> None:
        """Tell the channel the reindex ran in; privately tell the admin if the bot may not post there."""
        headline = escape(outcome.headline)
        blocks = [section(headline)] + (preformatted_blocks(outcome.details) if outcome.details else [])
        try:
            client.chat_postMessage(channel=command["channel_id"], text=headline, blocks=blocks)
        except SlackApiError as error:
            logger.warning("Could not post the reindex report in %s: %s", command["channel_id"], error)
            respond(response_type="ephemeral", text=headline, blocks=blocks)

    # --- buttons ---------------------------------------------------------------------------------

    def _expired(self, respond: Respond, body: dict[str, Any]) -> None:
        respond(
            response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
            text=messages.SLACK_ANSWER_EXPIRED,
        )

    def on_show_clause(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        answer_id, index = parse_citation_value(action["value"])
        answer = self._answers.get(answer_id)
        if answer is None or not 0 <= index < len(answer.citations):
            self._expired(respond, body)
            return
        citation = answer.citations[index]
        respond(
            response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
            text=clause_text(citation), blocks=clause_blocks(citation),
        )

    def on_share(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        answer = self._answers.get(action["value"])
        if answer is None:
            self._expired(respond, body)
            return
        line = messages.SLACK_SHARED_LINE.format(user=body["user"]["id"], question=escape(answer.question))
        respond(
            response_type="in_channel", replace_original=False,
            text=answer_text(answer), blocks=answer_blocks(answer, action["value"], question_line=line),
        )
        respond(delete_original=True)  # the private copy with its Share button has done its job

    def on_feedback(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        answer = self._answers.get(action["value"])
        if answer is None:
            self._expired(respond, body)
            return
        helpful = action["action_id"] == ACTION_HELPFUL
        feedback_id = self._store.record(
            platform=PLATFORM, user=body["user"]["id"], question=answer.question, helpful=helpful,
            citations=cited_refs(answer),
        )
        if helpful:
            respond(
                response_type="ephemeral", replace_original=False, thread_ts=_thread_of(body),
                text=messages.FEEDBACK_THANKS,
            )
        else:
            try:
                client.views_open(trigger_id=body["trigger_id"], view=feedback_modal(feedback_id))
            except SlackApiError:
                logger.exception("Could not ask what was wrong with an answer")  # the 👎 itself is stored

    def on_feedback_comment(self, ack: Ack, view: dict[str, Any]) -> None:
        ack()
        comment = (view["state"]["values"][FEEDBACK_INPUT][FEEDBACK_INPUT].get("value") or "").strip()
        if comment:
            self._store.add_comment(int(view["private_metadata"]), comment)

    # --- App Home --------------------------------------------------------------------------------

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        try:
            body = help_blocks(self._bot.documents())
        except ProtocolBotError as error:
            body = [section(escape(str(error)))]
        client.views_publish(user_id=event["user"], view=home_view(body))


def build_app(
    bot: ProtocolBot,
    settings: Settings,
    *,
    client: WebClient | None = None,
    store: FeedbackStore | None = None,
    config: SlackConfig | None = None,
    scopes: Scopes | None = None,
) -> App:
    """The bolt App with every listener registered; `config` defaults to the SLACK_* environment.

    Without `scopes` every document answers everywhere.
    """
    config = config or SlackConfig.from_env()
    app = App(
        client=client or WebClient(token=config.bot_token, base_url=config.api_url),
        signing_secret=config.signing_secret,
        process_before_response=True,
    )
    SlackListeners(bot, settings, store or FeedbackStore(settings.feedback_path), scopes or Scopes()).register(app)
    return app
