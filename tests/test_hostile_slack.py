"""The Slack server against the hostile corpus: every signed message answered, every bad request a 4xx."""

from __future__ import annotations

import json
import logging
import socket
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict
from slack_sdk.signature import SignatureVerifier

from adapters.slack.server import EVENTS_PATH, READ_TIMEOUT_SECONDS, refusal
from tests.fake_slack import event_body
from tests.hostile import TEXTS
from tests.slack_support import LIVE_MARKUP, SECRET, Slack, SlackStarter, mention, message, rendered


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[Slack]:
    starter = SlackStarter(tmp_path)
    yield starter()
    starter.stop_all()


HOSTILE = [pytest.param(text, id=f"{category}-{n}") for category, texts in TEXTS.items() for n, text in enumerate(texts)]
# what may appear in a reply though it is invisible: the word joiner that keeps an escaped @here inert
_ALLOWED_INVISIBLE = {"\u2060", "\n"}


def shown_safely(text: str) -> bool:
    """No controls, escapes, bidi overrides or other format characters, and nothing that cannot be UTF-8."""
    text.encode("utf-8")
    return all(ch in _ALLOWED_INVISIBLE or unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"} for ch in text)


def strings(payload: object) -> list[str]:
    """Every text in a Slack payload, wherever in its blocks it sits."""
    if isinstance(payload, str):
        return [payload]
    if isinstance(payload, dict):
        payload = list(payload.values())
    return [text for item in payload for text in strings(item)] if isinstance(payload, list) else []


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_in_a_mention_or_a_direct_message_is_answered_in_its_place(slack: Slack, text: str) -> None:
    assert slack.event(mention(text))[0] == 200
    assert slack.event(message(text, channel="D0DIRECT", channel_type="im"))[0] == 200
    posts = slack.posts(2)
    assert {p["channel"] for p in posts} == {"C0GENERAL", "D0DIRECT"}
    for markup in LIVE_MARKUP:
        assert all(markup not in rendered(p) for p in posts)


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_in_a_slash_command_is_answered_privately_and_its_question_shown_safely(slack: Slack, text: str) -> None:
    reply = slack.command_reply(text)
    assert all(shown_safely(shown) for shown in strings(reply))
    assert all(markup not in rendered(reply) for markup in LIVE_MARKUP)


def test_a_lone_surrogate_in_a_message_is_kept_and_the_question_still_answered(slack: Slack) -> None:
    slack.event(mention("can I \ud83d copy an email?"))
    slack.event(message("who \udcff instructs the clerk?", channel="D0DIRECT", channel_type="im"))
    slack.posts(2)
    assert sorted(q for q, _ in slack.bot.asked) == ["can I \ufffd copy an email?", "who \ufffd instructs the clerk?"]


def test_bidi_overrides_controls_and_terminal_escapes_are_not_echoed_in_a_private_answer(slack: Slack) -> None:
    reply = slack.command_reply("Can a \u202ecouncillor\u202c \x1b[31minstruct\x1b[0m \x00\x9b staff?")
    assert "*Question:* Can a councillor instruct staff?" in strings(reply)


def test_a_signature_with_characters_beyond_ascii_is_refused_with_401(slack: Slack) -> None:
    body = json.dumps(event_body(mention("Can I copy an email?"), "Ev-latin"))
    assert slack.post(body, "application/json", signature="v0=é" + "0" * 63)[0] == 401
    assert slack.bot.asked == []


def _raw_post(url: str, headers: str, body: bytes) -> tuple[bytes, float]:
    """Sends a request as written, keeps the connection open, and times how long the answer takes."""
    port = int(url.split(":")[2].split("/")[0])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as conn:
        conn.sendall(f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode() + body)
        answer = conn.recv(1024)
    return answer, time.monotonic() - started


@pytest.mark.parametrize("length", ["100", "-5"])
def test_a_content_length_the_body_does_not_match_is_answered_400_promptly(slack: Slack, length: str) -> None:
    answer, took = _raw_post(slack.url, f"Content-Type: application/json\r\nContent-Length: {length}\r\n", b"{}")
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
    assert took < READ_TIMEOUT_SECONDS + 1


@pytest.mark.parametrize("length", ["abc", "1e3", "10, 20"])
def test_a_content_length_that_is_not_a_number_is_answered_400_and_logged_in_one_line_without_its_bytes(
        slack: Slack, caplog: pytest.LogCaptureFixture, length: str) -> None:
    with caplog.at_level(logging.INFO):
        answer, _ = _raw_post(slack.url, f"Content-Type: application/json\r\nContent-Length: {length}\r\n", b"{}")
    assert answer.split(b" ")[1] == b"400"
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1 and logged[0].exc_info is None and length not in logged[0].getMessage()


def test_a_refused_request_logs_one_short_line(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="adapters.slack"):  # the servers' level unless -v asks for more
        slack.post("x" * 500_000, "application/json")
    refusals = [r.getMessage() for r in caplog.records
                if r.name == "adapters.slack.server" and r.levelno >= logging.INFO]
    assert len(refusals) == 1 and len(refusals[0]) < 200


# --- properties: the request checks, on any headers and body -------------------------------------

_HEADER = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=80)  # HTTP headers are Latin-1


def _status(body: bytes, headers: dict[str, str]) -> int:
    refused = refusal(body, CIMultiDict(headers), SECRET)
    return refused[0] if refused else 200


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300), timestamp=_HEADER, signature=_HEADER, content_type=_HEADER)
def test_any_request_headers_and_body_get_an_answer_that_is_never_a_server_error(
    body: bytes, timestamp: str, signature: str, content_type: str
) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature, "Content-Type": content_type}
    assert _status(body, headers) in {200, 400, 401}


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(st.characters(codec=None)),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["type", "event", "authorizations", "payload", "x"]), _JSON, max_size=4),
       st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
def test_any_signed_body_is_let_through_or_refused_400_never_a_server_error(raw: dict[str, Any], content_type: str) -> None:
    text = json.dumps(raw)
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=text) or ""
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}
    assert _status(text.encode(), headers) in {200, 400}
