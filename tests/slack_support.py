"""Driving the real Slack app over HTTP against a fake Slack on 127.0.0.1, as Slack itself would."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from adapters.slack.server import EVENTS_PATH, http_app
from adapters.slack.settings import SlackConfig
from adapters.slack.translate import SlackBot
from bot import messages
from bot.service.conversation import Conversation
from bot.service.ports import ProtocolBot
from bot.service.scopes import Scopes
from bot.stores.conversation import ConversationState
from bot.stores.feedback import FeedbackStore
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.background import AiohttpInBackground
from tests.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack, event_body, send_signed
from tests.fakes import FakeProtocolBot, conversation

SECRET = "test-signing-secret"
ADMIN = "U0ADMIN"
USER = "U0ALICE"
CHANNEL = "C0GENERAL"
LIVE_MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS", "<#C0", "<!subteam^")

_ids = itertools.count(1)


def _ts() -> str:
    return f"1700000{next(_ids):03d}.000100"


@dataclass
class Slack:
    fake: FakeSlack
    bot: Any  # the fake core the app answers from
    store: FeedbackStore
    url: str
    conversation: Conversation
    app: SlackBot

    def post(self, body: str, content_type: str, **kwargs: Any) -> tuple[int, str]:
        return send_signed(self.url, SECRET, body, content_type, **kwargs)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any) -> tuple[int, str]:
        return self.post(json.dumps(event_body(event, event_id or f"Ev{next(_ids)}")), "application/json", **kwargs)

    def command(self, text: str, *, user: str = USER, channel: str = CHANNEL) -> tuple[int, str]:
        self.last_command = f"command-{next(_ids)}"
        form = {
            "command": messages.SLACK_COMMAND, "text": text, "user_id": user, "channel_id": channel,
            "team_id": TEAM_ID, "response_url": self.fake.response_url(self.last_command),
            "trigger_id": f"trigger-{self.last_command}",
        }
        # surrogatepass: a lone surrogate travels as the bytes a careless client would send for it
        return self.post(urlencode(form, errors="surrogatepass"), "application/x-www-form-urlencoded")

    def command_reply(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """/protocol <text>: acknowledged at once and empty, then answered privately on the response URL."""
        assert self.command(text, **kwargs) == (200, "")
        [reply] = self.responses(self.last_command)
        assert reply["response_type"] == "ephemeral"
        return reply

    def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, message: dict[str, Any] | None = None, user: str = USER,
              kind: str = "button") -> str:
        """Press a button (or another interactive element `kind`); returns the name of the response URL
        that click carries."""
        name = f"click-{next(_ids)}"
        payload = {
            "type": "block_actions", "user": {"id": user}, "team": {"id": TEAM_ID}, "api_app_id": "A0APP",
            "trigger_id": f"trigger-{name}", "channel": {"id": CHANNEL},
            "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": message is None},
            "response_url": self.fake.response_url(name),
            "actions": [{"type": kind, "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
        }
        if message is not None:
            payload["message"] = message
        status, _ = self.interact(payload)
        assert status == 200
        return name

    def vote(self, blocks: list[dict[str, Any]], helpful: bool, *, message: dict[str, Any] | None = None,
             user: str = USER) -> str:
        """Click 👍 or 👎 in an answer's feedback_buttons; returns the name of the click's response URL."""
        return self.click("protocol_feedback_buttons", feedback_values(blocks)[helpful], message=message, user=user,
                          kind="feedback_buttons")

    def responses(self, name: str, count: int = 1) -> list[dict[str, Any]]:
        return self.fake.wait_for("response_url", count, path=name)

    def posts(self, count: int = 1) -> list[dict[str, Any]]:
        return self.fake.wait_for("chat.postMessage", count=count)


def mention(text: str, *, ts: str | None = None, thread_ts: str | None = None, user: str = USER) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts or _ts(),
             "channel": CHANNEL}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(text: str, *, channel: str = CHANNEL, channel_type: str = "channel", ts: str | None = None,
            thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {"type": "message", "channel_type": channel_type, "user": USER, "text": text, "ts": ts or _ts(),
             "channel": channel, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def buttons(blocks: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                found.setdefault(element["action_id"], []).append(element["value"])
    return found


def feedback_values(blocks: list[dict[str, Any]]) -> dict[bool, str]:
    """What each side of an answer's feedback_buttons sends: {True: 👍's value, False: 👎's}."""
    [element] = [e for block in blocks if block["type"] == "context_actions" for e in block["elements"]
                 if e["type"] == "feedback_buttons"]
    return {True: element["positive_button"]["value"], False: element["negative_button"]["value"]}


def rendered(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)



class SlackStarter:
    """Starts apps over fake Slacks and stops them all at the end of a test."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._stops: list[Callable[[], None]] = []

    def __call__(self, bot: ProtocolBot | None = None, scopes: Scopes | None = None,
                 state: ConversationState | None = None) -> Slack:
        fake = FakeSlack().start()
        self._stops.append(fake.stop)
        bot = bot or FakeProtocolBot()
        store = SqlFeedbackStore(self._tmp_path / "feedback.sqlite3")
        self._stops.append(store.close)
        config = SlackConfig(bot_token="xoxb-test", signing_secret=SECRET, api_url=fake.api_url)
        talk = conversation(bot, store, admins=frozenset({ADMIN}), scopes=scopes, state=state)
        slack_bot = SlackBot(talk, config)
        server = AiohttpInBackground("slack-http")
        port = server.start(lambda: http_app(slack_bot.app, SECRET))
        self._stops.append(server.stop)
        return Slack(fake, bot, store, f"http://127.0.0.1:{port}{EVENTS_PATH}", talk, slack_bot)

    def stop_all(self) -> None:
        for stop in reversed(self._stops):
            stop()
