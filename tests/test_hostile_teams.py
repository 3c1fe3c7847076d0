"""The Teams server against the hostile corpus: every message answered, every bad request a 4xx, no
traceback and no long line in the log, and an acknowledgement that never waits on a dead serviceUrl."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cli.main import OneLineFormatter
from adapters.teams import TeamsSettings, build_app
from adapters.teams.server import ACK_WITHIN_SECONDS, MAX_ID_CHARS, MESSAGES_PATH
from adapters.teams.settings import TeamsHost
from bot import messages
from bot.stores.sql_feedback import SqlFeedbackStore
from tests import teams_support as teams
from tests.background import WAIT_SECONDS, AiohttpInBackground
from tests.fakes import FakeProtocolBot, conversation
from tests.hostile import MB, TEXTS
from tests.teams_server import FlakyConnector, Teams, eventually, running_teams

HOSTILE = [pytest.param(text, id=f"{category}-{n}") for category, texts in TEXTS.items() for n, text in enumerate(texts)]
LOG_LINE_LIMIT = 1_000


def no_tracebacks_or_long_lines(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing in the log a server would write as a traceback, or as a line longer than LOG_LINE_LIMIT
    (formatted as `protocol-bot teams` formats its log)."""
    assert [r.getMessage()[:200] for r in caplog.records if r.exc_info] == []
    formatter = OneLineFormatter("%(levelname)s %(name)s: %(message)s")
    assert [len(formatter.format(r)) for r in caplog.records if len(formatter.format(r)) >= LOG_LINE_LIMIT] == []


async def answered(bot: Teams, activity: dict[str, Any]) -> dict[str, Any]:
    assert await bot.post(activity) in (201, 202)
    await eventually(lambda: len(bot.connector.replies) == 1)
    [reply] = bot.connector.replies
    assert reply.get("text") != messages.ERROR_APOLOGY
    return reply


@pytest.mark.parametrize("text", HOSTILE)
async def test_any_text_in_a_message_is_answered_and_never_with_an_apology(
    text: str, caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        await answered(bot, bot.question(text))
    no_tracebacks_or_long_lines(caplog)


async def test_a_lone_surrogate_in_a_message_is_answered_as_the_question_it_is(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind) as bot:
        reply = await answered(bot, bot.question("can I \ud83d copy an email?"))
        assert reply["attachments"] and bot.core.asked == [("can I \ufffd copy an email?", None)]


@pytest.mark.parametrize("entities", [
    [None], [{"type": "mention", "mentioned": None, "text": "<at>Protocol Bot</at>"}],
    [{"type": None}], [{"type": "mention", "mentioned": {"id": None}}], [{}],
    [{"type": "mention", "text": "(*", "mentioned": teams.BOT}],  # a name that is no regular expression
])
async def test_a_message_with_broken_mentions_is_still_answered(
    entities: list[Any], caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        await answered(bot, {**bot.question(f"{teams.MENTION} can I copy an email?"), "entities": entities})
        assert bot.core.asked[0][0].endswith("can I copy an email?")
    no_tracebacks_or_long_lines(caplog)


@pytest.mark.parametrize("members", [[None], [None, teams.BOT], [{"id": None}]])
async def test_members_added_with_nulls_ends_the_turn_without_an_error(
    members: list[Any], caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        update = teams.members_added(members, conversation=teams.CHANNEL_THREAD, conversation_type="channel")
        assert await bot.post({**update, "serviceUrl": bot.url}) == 201
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("headers", "body"), [
    ({"Content-Type": "application/json; charset=klingon"}, None),
    ({"Content-Type": "application/json; charset=latin-1"}, None),
    ({"Content-Type": "text/plain"}, None),
    ({"Content-Encoding": "gzip"}, None),
    ({"Content-Encoding": "br"}, None),
    ({"Content-Encoding": "deflate"}, None),
    ({}, b'{"type": "message", "text": "\xff\xfe"}'),
    ({}, b"[" * 100_000 + b"]" * 100_000),
    ({}, b"\xef\xbb\xbf{}"),
    ({}, b'{"type": "message", "id": 1e400, "text": NaN}'),
], ids=["unknown charset", "latin-1", "not json", "gzip", "brotli", "deflate", "not utf-8", "deep", "bom", "nan"])
async def test_a_malformed_request_gets_a_4xx_and_one_short_log_line(
    headers: dict[str, str], body: bytes | None, caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        caplog.clear()
        status = await bot.post_raw(body if body is not None else json.dumps(bot.question()).encode(), headers)
        assert 400 <= status < 500
        assert bot.core.asked == []
        refusals = [r for r in caplog.records if r.name.startswith("adapters.teams")]
        assert len(refusals) == 1
    no_tracebacks_or_long_lines(caplog)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("field", ["id", "replyToId"])
async def test_a_megabyte_id_is_refused_with_400_and_one_short_log_line(
    field: str, caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        caplog.clear()
        assert await bot.post({**bot.question(), field: "x" * MB}) == 400
        assert len(caplog.records) == 1
    no_tracebacks_or_long_lines(caplog)


async def test_a_long_id_in_the_log_lines_of_a_reply_put_off_is_cut_short(
    caplog: pytest.LogCaptureFixture, host_kind: TeamsHost
) -> None:
    async with running_teams(host_kind) as bot:
        # nobody takes the reply, so it is retried and put off, and both are logged with the reply's URL or id
        activity = teams.personal_message("Can I copy an email?", service_url=f"http://127.0.0.1:{_closed_port()}")
        assert await bot.post({**activity, "id": "x" * MAX_ID_CHARS}) in (201, 202)
        await eventually(lambda: any("put off" in r.getMessage() for r in caplog.records), within=60)
    no_tracebacks_or_long_lines(caplog)


async def test_a_service_url_nobody_answers_never_delays_the_acknowledgement(host_kind: TeamsHost) -> None:
    async with running_teams(host_kind) as bot:
        started = time.monotonic()
        status = await bot.post(teams.personal_message("Can I copy an email?", service_url=f"http://127.0.0.1:{_closed_port()}"))
        assert status in (201, 202) and time.monotonic() - started < ACK_WITHIN_SECONDS + 1
        assert bot.core.asked  # kept and answered; the reply waits in the inbox for the connector to come back


# --- properties: any activity-shaped body --------------------------------------------------------

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(st.characters(codec=None), max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)
_FIELDS = ["type", "text", "entities", "membersAdded", "from", "recipient", "conversation", "channelData", "value",
           "id", "replyToId", "attachments", "channelId", "locale", "name"]


@pytest.fixture(scope="module", params=list(TeamsHost))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[int, str]]:
    """The Teams app on each SDK host and a connector it replies to, on a loop of their own (Hypothesis drives
    them from here)."""
    server = AiohttpInBackground("hostile-teams")
    connector = FlakyConnector(0)
    on_host = TeamsSettings(host=TeamsHost(request.param))
    port = server.start(lambda: build_app(conversation(FakeProtocolBot(), SqlFeedbackStore(":memory:")), on_host))
    server.call(connector.server.start_server())
    yield port, f"http://127.0.0.1:{connector.server.port}"
    server.call(connector.server.close())
    server.stop()


def _post(port: int, body: bytes) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{MESSAGES_PATH}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=4))
def test_any_activity_shaped_body_is_answered_or_refused_never_a_server_error_nor_a_traceback(
    served: tuple[int, str], caplog: pytest.LogCaptureFixture, fuzz: dict[str, Any]
) -> None:
    port, connector_url = served
    caplog.clear()
    activity = {**teams.personal_message("Can I copy an email?", service_url=connector_url), **fuzz}
    assert _post(port, json.dumps(activity).encode()) < 500
    no_tracebacks_or_long_lines(caplog)
