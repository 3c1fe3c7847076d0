"""The same conversations on every platform: one set of scenarios, run against Slack, Teams and,
where it applies, the terminal.

Each driver talks to its front end as a person would (Slack over HTTP against a fake Slack, Teams
through a host that records what the bot sends) and reads back what that person would see.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pytest

from adapters.cli import main as cli
from adapters.teams.translate import ProtocolTeamsBot
from bot import messages
from bot.answer import Answer, Scope
from bot.stores.sql_feedback import SqlFeedbackStore
from tests import teams_support as teams
from tests.fakes import FakeProtocolBot, conversation
from tests.slack_support import ADMIN, CHANNEL, USER, SlackStarter, mention, message, rendered

TRIMMED = messages.QUESTION_TRIMMED.format(limit=1000)
LONG = "Can I copy this email to another councillor? " + "Please explain in detail. " * 60


class TrimmingBot(FakeProtocolBot):
    """Says, as the real core does, that a very long question was answered from its start."""

    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        answer = super().ask(question, scope)
        return replace(answer, lead=f"{TRIMMED} {answer.lead}") if len(question) > 1000 else answer


class Driver(Protocol):
    core: FakeProtocolBot

    def ask(self, text: str, *, user: str = ...) -> str:
        """Ask where the bot is addressed (a new thread or chat turn); what the person then sees."""

    def follow_up(self, text: str) -> str:
        """Say more in the same thread or chat; what the person then sees."""

    def vote(self, helpful: bool) -> list[tuple[bool, str]]:
        """Vote on the last answer with the platform's own feedback control: the votes stored
        (helpful, question), newest first."""

    def redeliver(self) -> None:
        """Deliver the last message again, as the platform does after a timeout."""


class SlackDriver:
    def __init__(self, starter: SlackStarter, core: FakeProtocolBot, *, direct: bool) -> None:
        self.core = core
        self.slack = starter(core)
        self.direct = direct
        self.thread: str | None = None
        self.last: dict[str, Any] = {}
        self.posted = 0
        self.last_event: dict[str, Any] = {}

    def _send(self, event: dict[str, Any], event_id: str | None = None) -> str:
        self.last_event = event
        self.slack.event(event, event_id=event_id)
        self.posted += 1
        self.last = self.slack.posts(self.posted)[-1]
        return rendered(self.last)

    def ask(self, text: str, *, user: str = USER) -> str:
        if self.direct:
            return self._send(message(text, channel="D0ALICE", channel_type="im", user=user))
        event = mention(text, user=user)
        self.thread = event["ts"]
        return self._send(event)

    def follow_up(self, text: str) -> str:
        if self.direct:
            return self._send(message(text, channel="D0ALICE", channel_type="im"))
        return self._send(message(text, thread_ts=self.thread))

    def vote(self, helpful: bool) -> list[tuple[bool, str]]:
        self.slack.vote(self.last["blocks"], helpful, message={"ts": self.last.get("ts", "1"), "blocks": self.last["blocks"]})
        return [(entry.helpful, entry.question) for entry in self.slack.store.recent()]

    def redeliver(self) -> None:
        self.slack.event(self.last_event)  # a retry carries a new envelope, the same message
        self.ask("a later question, to know the retry was processed")


class TeamsDriver:
    def __init__(self, core: FakeProtocolBot, *, chat: bool) -> None:
        self.core = core
        self.chat = chat
        self.store = SqlFeedbackStore(":memory:")
        self.host = teams.RecordingHost()
        self.bot = ProtocolTeamsBot(conversation(core, self.store, admins=frozenset({teams.ADMIN_AAD})), self.host)
        self.last: dict[str, Any] | None = None
        self.posted = ""  # the id Teams gave the last reply
        self.last_sent: dict[str, Any] = {}

    async def _send(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        self.last_sent = activity
        await self.host.process(None, activity, self.bot.on_turn)
        return self.host.taken()

    async def _said(self, activity: dict[str, Any]) -> str:
        (reply,) = await self._send(activity)
        self.last, self.posted = reply, self.host.last_id
        return json.dumps(reply, ensure_ascii=False)

    def _activity(self, text: str, aad: str = teams.USER_AAD) -> dict[str, Any]:
        return teams.personal_message(text, aad=aad) if self.chat else teams.channel_mention(text, aad=aad)

    async def ask(self, text: str, *, user: str = teams.USER_AAD) -> str:
        return await self._said(self._activity(text, user))

    async def follow_up(self, text: str) -> str:
        return await self._said(self._activity(text))

    async def vote(self, helpful: bool) -> list[tuple[bool, str]]:
        assert self.last is not None
        await self._send(teams.feedback(self.posted, helpful=helpful,
                                        conversation=teams.PERSONAL_CHAT if self.chat else teams.CHANNEL_THREAD))
        return [(entry.helpful, entry.question) for entry in self.store.recent()]

    async def redeliver(self) -> None:
        await self._send(self.last_sent)


PLACES = ["slack thread", "slack direct message", "teams channel thread", "teams chat"]


@pytest.fixture
def starter(tmp_path: Path) -> Iterator[SlackStarter]:
    started = SlackStarter(tmp_path)
    yield started
    started.stop_all()


def driver(place: str, starter: SlackStarter, core: FakeProtocolBot | None = None) -> Any:
    core = core or FakeProtocolBot()
    if place.startswith("slack"):
        return SlackDriver(starter, core, direct="direct" in place)
    return TeamsDriver(core, chat="chat" in place)


async def run(value: Any) -> Any:
    """Drivers are sync (Slack over HTTP) or async (Teams' recording host); scenarios read either."""
    return await value if hasattr(value, "__await__") else value


@pytest.mark.parametrize("place", PLACES)
async def test_a_follow_up_keeps_the_topic_of_the_question_before_it(place: str, starter: SlackStarter) -> None:
    talk = driver(place, starter)
    await run(talk.ask("Can I copy an email to another councillor?"))
    await run(talk.follow_up("and to officers?"))
    assert talk.core.asked[-1][0] == "Can I copy an email to another councillor? and to officers?"


@pytest.mark.parametrize("place", PLACES)
async def test_the_note_that_a_long_question_was_trimmed_reaches_the_reader(place: str, starter: SlackStarter) -> None:
    talk = driver(place, starter, TrimmingBot())
    assert TRIMMED in await run(talk.ask(LONG))
    assert TRIMMED in await run(talk.follow_up(LONG + " poem"))  # out of scope, still says it


def test_the_terminal_shows_the_trimmed_note_too(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert cli.main(["ask", LONG], out, bot=TrimmingBot()) == 0
    assert TRIMMED in out.getvalue()


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("helpful", [True, False], ids=["thumbs up", "thumbs down"])
async def test_a_vote_with_the_platforms_own_feedback_control_is_stored_with_its_question(
    place: str, helpful: bool, starter: SlackStarter
) -> None:
    talk = driver(place, starter)
    await run(talk.ask("Can I copy an email?"))
    assert await run(talk.vote(helpful)) == [(helpful, "Can I copy an email?")]


@pytest.mark.parametrize("place", PLACES)
async def test_admin_commands_are_refused_to_others_and_answered_for_admins(place: str, starter: SlackStarter) -> None:
    talk = driver(place, starter)
    admin = ADMIN if place.startswith("slack") else teams.ADMIN_AAD
    assert json.dumps(messages.ADMIN_ONLY.format(command="status"))[1:-1] in await run(talk.ask("status"))
    assert "Index v-test" in await run(talk.ask("status", user=admin))


@pytest.mark.parametrize("place", ["slack thread", "teams chat"])
async def test_a_message_delivered_twice_is_answered_once(place: str, starter: SlackStarter) -> None:
    talk = driver(place, starter)
    await run(talk.ask("Can I copy an email?"))
    await run(talk.redeliver())
    assert [q for q, _ in talk.core.asked].count("Can I copy an email?") == 1


def test_every_scenario_runs_on_both_chat_platforms() -> None:
    assert {p.split()[0] for p in PLACES} == {"slack", "teams"}
    assert CHANNEL and USER  # the Slack places talk in the shared test channel as the shared test user
