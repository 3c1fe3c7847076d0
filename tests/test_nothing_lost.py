"""Nothing acknowledged is lost or answered twice, and nothing bad gets a 500: each mechanism on its own.

Outages and rate limits are played by the fake Slack and a stand-in Bot Connector; a crash between
acknowledging and answering is played by keeping a message and answering it from a fresh sweeper, and
a worker dying around its reply's delivery by a `deliver` that raises `Killed` (which nothing catches).
The counts under load and a real `kill -9` are in bench/faults.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.settings import TeamsHost
from bot import messages
from bot.service.conversation import Conversation, Deliver, Message, Place, Reply, Sweeper
from bot.stores.conversation import CLAIM_SECONDS
from bot.stores.sql_conversation import SqlConversationState
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.background import WAIT_SECONDS
from tests.fake_slack import TEAM_ID
from tests.fakes import FakeProtocolBot, conversation
from tests.slack_support import CHANNEL, SECRET, USER, Slack, SlackStarter, mention, message, rendered
from tests.teams_server import eventually, running_teams

REFUSED_UNREAD = 0  # the server closed the connection without reading the body


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Killed(BaseException):
    """The worker's process is gone: raised where a kill -9 lands, past every `except Exception`."""


def worker_dies(talk: Conversation, monkeypatch: pytest.MonkeyPatch, *, after_delivering: bool) -> threading.Event:
    """The next message `talk` works on is taken up, and its worker dies just before (or just after) its
    reply is delivered, so the message is left claimed and not crossed off. The event is set once it has died."""
    died = threading.Event()
    work = talk.work

    def work_then_die(platform: str, message_id: str, deliver: Deliver, *args: Any) -> None:
        def deliver_and_die(reply: Reply, delivery: dict[str, Any]) -> None:
            if after_delivering:
                deliver(reply, delivery)
            raise Killed

        monkeypatch.undo()  # only this worker dies
        try:
            work(platform, message_id, deliver_and_die, *args)
        except Killed:
            died.set()

    monkeypatch.setattr(talk, "work", work_then_die)
    return died


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Slack]]:
    starter = SlackStarter(tmp_path)
    yield starter
    starter.stop_all()


# --- Slack: requests checked before they are read ---------------------------------------------------------

MALFORMED = [
    ('{"type": "event_callback", "event": ', "application/json"),  # truncated JSON
    ("[1, 2, 3]", "application/json"),
    ("null", "application/json"),
    ('"just a string"', "application/json"),
    ("\udcff\udcfe not utf-8", "application/json"),
    ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),  # a JSON array as the button payload
    ("payload=null", "application/x-www-form-urlencoded"),
    ("a=1&&&=&b", "application/x-www-form-urlencoded"),
    ("", "application/json"),
    ('{"type": "event_callback", "event": null}', "application/json"),
    ('{"type": "event_callback", "event": [1]}', "application/json"),
    ('{"type": "event_callback", "event": {"type": "app_mention"}, "authorizations": "all"}', "application/json"),
    ('{"type": "event_callback", "event": {"type": "x\\nERROR forged"}}', "application/json"),
    ("[" * 50_000 + "]" * 50_000, "application/json"),
    ('payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%5D%7D', "application/x-www-form-urlencoded"),
    ('payload=%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%7B%7D%7D', "application/x-www-form-urlencoded"),
]


def _post_raw(slack: Slack, body: bytes, content_type: str, *, signed: bool) -> int:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(slack.url, data=body, method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}" if signed else "v0=forged"})
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except urllib.error.URLError:
        return REFUSED_UNREAD


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_a_malformed_body_gets_a_4xx_never_a_500_and_the_next_question_is_answered(
    start: Callable[..., Slack], signed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    slack = start()
    with caplog.at_level(logging.DEBUG):
        statuses = [_post_raw(slack, body.encode("utf-8", "surrogateescape"), kind, signed=signed)
                    for body, kind in MALFORMED]
    assert all(400 <= status < 500 for status in statuses), statuses
    assert statuses.count(401) == (0 if signed else len(MALFORMED))
    slack.event(mention("Can I copy an email?"))
    assert "CORRESPONDENCE" in rendered(slack.posts()[0])


def test_a_rejected_body_is_never_logged_so_it_cannot_forge_log_lines_or_fill_the_log(
    start: Callable[..., Slack], caplog: pytest.LogCaptureFixture
) -> None:
    slack = start()
    forged = "x\nERROR adapters.slack: the database is gone\nCRITICAL disk full\n" + "A" * 900_000
    with caplog.at_level(logging.DEBUG):
        status = _post_raw(slack, forged.encode(), "application/json", signed=False)
    assert status == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "database is gone" not in logged and "disk full" not in logged
    assert len(logged) < 2_000


def test_a_body_larger_than_any_slack_sends_is_refused_unread(
    start: Callable[..., Slack], caplog: pytest.LogCaptureFixture
) -> None:
    slack = start()
    with caplog.at_level(logging.WARNING):
        status = _post_raw(slack, b"{" + b" " * 2_000_000 + b"}", "application/json", signed=True)
    assert status in (413, REFUSED_UNREAD)
    assert [r.getMessage() for r in caplog.records] == ["Refused a request to /slack/events: 2000002 bytes"]


def test_an_event_with_a_null_or_numeric_text_is_answered_politely(start: Callable[..., Slack]) -> None:
    slack = start()
    for text in (None, 12345):
        event = mention("x")
        event["text"] = text
        slack.event(event)
    posts = slack.posts(2)
    assert [post["text"] for post in posts] == [messages.EMPTY_QUESTION] * 2


# --- Slack: retries that respect the platform ------------------------------------------------------------


def test_server_errors_while_posting_are_retried_and_the_answer_arrives_once_without_an_apology(
    start: Callable[..., Slack],
) -> None:
    slack = start()
    slack.fake.fail("chat.postMessage", 500, times=2)
    slack.event(mention("Can I copy an email?"))
    [post] = slack.posts()
    assert "CORRESPONDENCE" in rendered(post)
    assert slack.fake.failed("chat.postMessage") == 2
    time.sleep(0.2)
    assert [p["text"] for p in slack.fake.calls_to("chat.postMessage")].count(messages.ERROR_APOLOGY) == 0


def test_a_rate_limit_is_waited_out_as_long_as_retry_after_says(start: Callable[..., Slack]) -> None:
    slack = start()
    slack.fake.fail("chat.postMessage", 429, times=1, retry_after=1)
    started = time.monotonic()
    slack.event(mention("Can I copy an email?"))
    slack.posts()
    assert time.monotonic() - started >= 1.0


def test_an_outage_longer_than_the_retries_leaves_the_answer_kept_and_it_is_delivered_after(
    start: Callable[..., Slack],
) -> None:
    clock = Clock()
    slack = start(state=SqlConversationState(":memory:", clock=clock))
    slack.fake.fail("chat.postMessage", 503, times=4)  # the first attempt and all its retries
    slack.event(mention("Can I copy an email?"))
    deadline = time.monotonic() + WAIT_SECONDS
    while slack.fake.failed("chat.postMessage") < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert slack.fake.calls_to("chat.postMessage") == []  # nothing yet, and no apology
    clock.now += 60
    assert Sweeper(slack.conversation, "slack", slack.app.listeners.deliver).sweep() == 1
    [post] = slack.posts()
    assert "CORRESPONDENCE" in rendered(post)


def test_a_question_acknowledged_before_a_crash_is_answered_when_the_bot_starts_again(
    start: Callable[..., Slack], tmp_path: Path
) -> None:
    clock = Clock()
    path = tmp_path / "state.sqlite3"
    before = conversation(FakeProtocolBot(), SqlFeedbackStore(":memory:"), state=SqlConversationState(path, clock=clock))
    thread = "1700000999.000100"
    before.take(Message(Place("slack", CHANNEL, thread, channel=CHANNEL, team=TEAM_ID), USER, "Can I copy an email?",
                        id=f"{CHANNEL}:{thread}"), {"channel": CHANNEL, "thread": thread})
    # the process dies here; a new one starts on the same database
    slack = start(state=SqlConversationState(path, clock=clock))
    clock.now += 60
    Sweeper(slack.conversation, "slack", slack.app.listeners.deliver).sweep()
    [post] = slack.posts()
    assert post["thread_ts"] == thread and "CORRESPONDENCE" in rendered(post)


# --- Slack: a worker killed around its reply, taken over by the sweeper ------------------------------------


def _take_over(slack: Slack, clock: Clock) -> int:
    """What a sweeper does once the dead worker's claim has expired: how many messages it took up."""
    clock.now += CLAIM_SECONDS + 1
    listeners = slack.app.listeners
    return Sweeper(slack.conversation, "slack", listeners.deliver, delivered=listeners.delivered).sweep()


@pytest.mark.parametrize("event", [
    mention("Can I copy an email?"),
    message("Can I copy an email?", channel="D0ALICE", channel_type="im"),
], ids=["channel thread", "direct message"])
def test_a_slack_reply_posted_just_before_its_worker_was_killed_is_not_posted_again_when_the_message_is_taken_over(
    start: Callable[..., Slack], monkeypatch: pytest.MonkeyPatch, event: dict[str, Any],
) -> None:
    clock = Clock()
    slack = start(state=SqlConversationState(":memory:", clock=clock))
    channel, thread = event["channel"], event.get("thread_ts") or (None if event.get("channel_type") == "im" else event["ts"])
    # people wrote in between, so the reply is found on a later page of the thread or channel
    for n in range(1, 4):
        slack.fake.add_message(channel, {"type": "message", "user": "U0BOB", "text": f"me too {n}",
                                         "ts": f"{float(event['ts']) + n:.6f}", **({"thread_ts": thread} if thread else {})})
    slack.fake.page = {"conversations.replies": 2, "conversations.history": 2}
    died = worker_dies(slack.conversation, monkeypatch, after_delivering=True)
    slack.event(event)
    assert died.wait(WAIT_SECONDS)
    assert _take_over(slack, clock) == 1
    time.sleep(0.2)
    [post] = slack.fake.calls_to("chat.postMessage")
    assert post.get("thread_ts") == thread and "CORRESPONDENCE" in rendered(post)
    assert slack.conversation.pending("slack") == [] and _take_over(slack, clock) == 0


def test_a_slack_question_whose_worker_was_killed_before_posting_is_answered_once_when_taken_over(
    start: Callable[..., Slack], monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    slack = start(state=SqlConversationState(":memory:", clock=clock))
    died = worker_dies(slack.conversation, monkeypatch, after_delivering=False)
    event = mention("Can I copy an email?")
    slack.event(event)
    assert died.wait(WAIT_SECONDS)
    assert slack.fake.calls_to("chat.postMessage") == []
    assert _take_over(slack, clock) == 1
    [post] = slack.posts()
    assert post["thread_ts"] == event["ts"] and "CORRESPONDENCE" in rendered(post)
    assert _take_over(slack, clock) == 0


def test_a_reply_another_slack_app_tagged_the_same_way_is_not_taken_for_the_bots_own(
    start: Callable[..., Slack], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second install of the bot (a trial one, say) answering in the same thread."""
    clock = Clock()
    slack = start(state=SqlConversationState(":memory:", clock=clock))
    event = mention("Can I copy an email?")
    slack.fake.add_message(CHANNEL, {
        "type": "message", "ts": f"{float(event['ts']) + 1:.6f}", "thread_ts": event["ts"], "bot_id": "B0TRIAL",
        "app_id": "A0TRIAL", "text": "an answer",
        "metadata": {"event_type": "protocol_bot_reply", "event_payload": {"question": event["ts"]}}})
    died = worker_dies(slack.conversation, monkeypatch, after_delivering=False)
    slack.event(event)
    assert died.wait(WAIT_SECONDS)
    assert _take_over(slack, clock) == 1
    [post] = slack.posts()
    assert post["thread_ts"] == event["ts"] and "CORRESPONDENCE" in rendered(post)


# --- Teams ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, [1, 2], "text", 42], ids=["null", "array", "string", "number"])
async def test_a_teams_body_that_is_not_an_activity_gets_400_not_500(body: object, host_kind: TeamsHost) -> None:
    async with running_teams(host_kind) as bot:
        assert await bot.post(body) == 400


@pytest.mark.parametrize("change", [
    {"serviceUrl": None}, {"serviceUrl": "not a url"}, {"serviceUrl": "https://elsewhere.example/"},
    {"conversation": None}, {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": "junk"}},
], ids=["no service url", "bad service url", "unauthenticated elsewhere", "no conversation", "junk invoke"])
async def test_a_teams_activity_the_bot_cannot_answer_is_refused_with_a_4xx_or_ignored_never_a_500(
    change: dict[str, object], host_kind: TeamsHost,
) -> None:
    async with running_teams(host_kind) as bot:
        assert await bot.post({**bot.question(), **change}) < 500
        assert bot.core.asked == [] and bot.connector.replies == []


async def test_teams_answers_more_questions_at_once_than_it_has_workers(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind, workers=2) as bot:
        statuses = await asyncio.gather(*(bot.post(bot.question(f"Can I copy email {n}?")) for n in range(12)))
        assert statuses == [201] * 12 and len(bot.connector.replies) == 12


async def test_a_teams_reply_the_connector_refuses_for_a_while_is_sent_later_and_threaded_under_its_question(
    host_kind: TeamsHost,
) -> None:
    clock = Clock()
    # the reply's attempts in its turn, and the first sweep's, all fail
    async with running_teams(host_kind, 8, state=SqlConversationState(":memory:", clock=clock)) as bot:
        activity = bot.question()
        await bot.post(activity)
        await eventually(lambda: bot.connector.refused == 4)  # the first try and its three retries, in its turn
        await asyncio.sleep(0.2)  # for the turn to put the reply off
        assert bot.connector.replies == []
        for _ in range(2):
            clock.now += 60
            await asyncio.to_thread(Sweeper(bot.conversation, "teams", bot.handler.deliver_later).sweep)
        assert len(bot.connector.replies) == 1 and bot.connector.replies[0]["replyToId"] == activity["id"]


async def test_a_teams_message_without_a_recipient_is_answered_not_dropped(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind) as bot:
        activity = bot.question()
        del activity["recipient"]
        assert await bot.post(activity) < 500
        assert bot.core.asked == [("Can I copy an email?", None)]


async def test_teams_replies_that_meet_server_errors_are_retried_honouring_retry_after(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind, 2, status=429, retry_after="1") as bot:
        started = time.monotonic()
        assert await bot.post(bot.question()) in (201, 202)  # acknowledged, at the latest once ACK_WITHIN_SECONDS pass
        await eventually(lambda: len(bot.connector.replies) == 1)
        assert bot.connector.refused == 2
        assert time.monotonic() - started >= 2.0
        assert bot.connector.replies[0]["attachments"]  # the answer card, not an apology


async def test_a_teams_reply_told_to_wait_longer_than_half_a_minute_is_put_off_at_once_and_sent_by_a_sweep(
    host_kind: TeamsHost,
) -> None:
    clock = Clock()
    async with running_teams(host_kind, 1, status=429, retry_after="120",
                             state=SqlConversationState(":memory:", clock=clock)) as bot:
        # 201: the turn ended within the acknowledgement time, its reply put off rather than held for two minutes
        assert await bot.post(bot.question()) == 201
        assert bot.connector.refused == 1 and bot.connector.replies == []
        clock.now += 180
        await asyncio.to_thread(Sweeper(bot.conversation, "teams", bot.handler.deliver_later).sweep)
        assert len(bot.connector.replies) == 1 and bot.connector.replies[0]["attachments"]


async def test_a_teams_re_delivery_of_an_answered_activity_is_not_answered_again(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind) as bot:
        activity = bot.question()
        for _ in range(3):
            await bot.post(activity)
        assert len(bot.core.asked) == 1 and len(bot.connector.replies) == 1


@pytest.mark.parametrize("after_delivering", [True, False], ids=["after sending", "before sending"])
async def test_a_teams_question_whose_worker_was_killed_around_its_reply_is_answered_exactly_once_after_take_over(
    host_kind: TeamsHost, monkeypatch: pytest.MonkeyPatch, after_delivering: bool,
) -> None:
    clock = Clock()
    async with running_teams(host_kind, state=SqlConversationState(":memory:", clock=clock)) as bot:
        died = worker_dies(bot.conversation, monkeypatch, after_delivering=after_delivering)
        activity = bot.question()
        await bot.post(activity)
        assert await asyncio.to_thread(died.wait, WAIT_SECONDS)
        assert len(bot.connector.replies) == (1 if after_delivering else 0)
        clock.now += CLAIM_SECONDS + 1
        for _ in range(2):
            await asyncio.to_thread(Sweeper(bot.conversation, "teams", bot.handler.deliver_later).sweep)
        [reply] = bot.connector.replies
        assert reply["replyToId"] == activity["id"] and reply["attachments"]
