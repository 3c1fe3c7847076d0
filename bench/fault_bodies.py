"""The fault suite's malformed requests (bench/faults.py): what Slack and Teams would never send, or
would send only broken."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from adapters.slack.render import ACTION_HELPFUL, ACTION_SHARE, ACTION_SHOW_CLAUSE, ACTION_UNHELPFUL  # noqa: E402
from bench.fault_drivers import CHANNEL, FORGED, SLACK_USER, Malformed  # noqa: E402
from bot import messages  # noqa: E402
from tests.fake_slack import BOT_USER_ID, TEAM_ID, event_body  # noqa: E402

# --- malformed bodies --------------------------------------------------------------------------------


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def _payload(value: Any) -> Malformed:
    """An interactivity request (a button, a modal) whose payload is `value`."""
    return Malformed("", _form({"payload": json.dumps(value)}), "application/x-www-form-urlencoded")


def _named(name: str, case: Malformed) -> Malformed:
    return replace(case, name=name)


NESTED = b"[" * 50_000 + b"]" * 50_000  # deeper than any JSON parser's recursion limit
CLOSED_URL = "http://127.0.0.1:9/closed"  # nothing listens on the discard port here


def slack_malformed(next_ts: Callable[[], str]) -> list[Malformed]:
    """50 requests Slack would never send, or would send only broken."""

    def event(name: str, event_fields: dict[str, Any], **top: Any) -> Malformed:
        ts = next_ts()
        base = {"type": "app_mention", "user": SLACK_USER, "text": f"<@{BOT_USER_ID}> hello", "ts": ts, "channel": CHANNEL}
        body = {**event_body({**base, **event_fields}, f"EvBad{ts.replace('.', '')}"), **top}
        return Malformed(name, _json(body))

    def button(name: str, action: dict[str, Any], **fields: Any) -> Malformed:
        value = {"type": "block_actions", "user": {"id": SLACK_USER}, "team": {"id": TEAM_ID}, "api_app_id": "A0APP",
                 "trigger_id": "trigger-bad", "actions": [{"type": "button", "block_id": "b", "action_ts": "1", **action}],
                 **fields}
        return _named(name, _payload(value))

    command = {"command": messages.SLACK_COMMAND, "user_id": SLACK_USER, "channel_id": CHANNEL, "team_id": TEAM_ID}
    form = "application/x-www-form-urlencoded"
    return [
        Malformed("truncated JSON", b'{"type": "event_callback", "event": '),
        Malformed("JSON array", b"[1, 2, 3]"),
        Malformed("JSON null", b"null"),
        Malformed("JSON number", b"42"),
        Malformed("empty body", b""),
        Malformed("invalid UTF-8", b'{"type": "event_callback", "x": "\xff\xfe"}'),
        Malformed("JSON nested 50,000 deep", NESTED),
        Malformed("empty object", b"{}"),
        event("event_callback without event", {}, event=None),
        event("event is a list", {}, event=[1, 2]),
        event("mention without channel", {"channel": None}),
        event("mention without ts", {"ts": None}),
        event("mention with null text", {"text": None}),
        event("mention with numeric text", {"text": 12345}),
        event("mention with numeric ts", {"ts": 1700000000.5}),
        event("mention with channel an object", {"channel": {"id": CHANNEL}}),
        event("mention with user a list", {"user": ["U1", "U2"]}),
        event("event type with forged log lines", {"type": FORGED}),
        event("text with forged log lines", {"text": FORGED}),
        Malformed("top-level type with forged log lines", _json({"type": FORGED, "team_id": TEAM_ID})),
        Malformed("url_verification with an object challenge", _json({"type": "url_verification", "challenge": {}})),
        event("authorizations a string", {}, authorizations="everyone"),
        event("team_id a number", {}, team_id=7),
        Malformed("2 MB of JSON", b"{" + b" " * 2_000_000 + b"}"),
        Malformed("900 KB with forged log lines", _json({"type": "event_callback", "x": (FORGED * 12_000)[:900_000]})),
        event("900 KB mention text", {"text": f"<@{BOT_USER_ID}> " + "officers " * 100_000}),
        Malformed("form: payload not JSON", b"payload=%7Bnot+json", form),
        Malformed("form: payload a JSON array", b"payload=%5B1%2C2%5D", form),
        Malformed("form: payload null", b"payload=null", form),
        Malformed("form: junk", b"a=1&&&=&b", form),
        Malformed("form: invalid UTF-8", b"payload=%FF%FE%FD", form),
        button("button: actions null", {}, actions=None),
        button("button: actions empty", {}, actions=[]),
        button("button: show clause, value not a citation", {"action_id": ACTION_SHOW_CLAUSE, "value": "zzz"}),
        button("button: helpful, unknown answer, no user", {"action_id": ACTION_HELPFUL, "value": "nope"}, user=None),
        button("button: not helpful, no trigger", {"action_id": ACTION_UNHELPFUL, "value": "nope"}, trigger_id=None),
        button("button: share, numeric value", {"action_id": ACTION_SHARE, "value": 5}),
        _named("modal: private_metadata not a number",
               _payload({"type": "view_submission", "user": {"id": SLACK_USER}, "team": {"id": TEAM_ID},
                         "view": {"callback_id": "protocol_feedback", "private_metadata": "abc", "state": {}}})),
        Malformed("command: no trigger or response URL", _form({**command, "text": "can I copy an email?"}), form),
        Malformed("command: response URL refuses connections",
                  _form({**command, "text": "can I copy an email?", "trigger_id": f"trigger-{next_ts()}",
                         "response_url": CLOSED_URL}), form),
        Malformed("JSON as text/plain", b"{}", "text/plain"),
        Malformed("JSON as a form", _json({"type": "event_callback"}), form),
        Malformed("multipart junk", b"--x\r\nContent-Disposition: form-data\r\n\r\n?\r\n--x--",
                  "multipart/form-data; boundary=x"),
        Malformed("no Content-Type", b"{}", None),
        Malformed("no signature header", b"{}", omit=("X-Slack-Signature",)),
        Malformed("no timestamp header", b"{}", omit=("X-Slack-Request-Timestamp",)),
        Malformed("timestamp not a number", b"{}", timestamp="yesterday"),
        Malformed("stale timestamp", b"{}", timestamp=str(int(time.time()) - 3600)),
        Malformed("Content-Length not a number", b"{}", headers=(("Content-Length", "abc"),)),
        Malformed("Content-Length longer than the body", b"{}", headers=(("Content-Length", "100"),), timeout=5.0),
    ]


def teams_malformed(activity: Callable[..., dict[str, Any]]) -> list[Malformed]:
    """50 requests the Bot Connector would never send, or would send only broken."""

    def bad(label: str, fields: dict[str, Any] | None = None, *, text: str | None = "hello",
            drop: tuple[str, ...] = ()) -> Malformed:
        """A personal-chat message with `fields` replaced and `drop` left out."""
        body = {**activity(text), **(fields or {})}
        for key in drop:
            body.pop(key, None)
        return Malformed(label, _json(body))

    def card(name: str, value: Any) -> Malformed:
        return bad(name, {"value": value, "replyToId": "reply-1"}, text=None)

    message = activity("hello")
    return [
        Malformed("JSON null", b"null"),
        Malformed("JSON array", b"[1, 2]"),
        Malformed("JSON string", b'"text"'),
        Malformed("JSON number", b"42"),
        Malformed("JSON true", b"true"),
        Malformed("empty object", b"{}"),
        Malformed("empty body", b""),
        Malformed("truncated JSON", b'{"type": "message", "text": '),
        Malformed("invalid UTF-8", b'{"type": "message", "text": "\xff\xfe"}'),
        Malformed("JSON nested 50,000 deep", NESTED),
        bad("type a number", {"type": 7}),
        bad("type an object", {"type": {"message": True}}),
        Malformed("type message and nothing else", _json({"type": "message"})),
        bad("text null", {"text": None}, text=None),
        bad("text a number", {"text": 12345}, text=None),
        bad("text a list", {"text": ["a", "b"]}, text=None),
        bad("no recipient", drop=("recipient",)),
        bad("no conversation", drop=("conversation",)),
        bad("conversation null", {"conversation": None}),
        bad("conversation a string", {"conversation": "a:1"}),
        bad("no from", drop=("from",)),
        bad("from a string", {"from": "someone"}),
        bad("no serviceUrl", drop=("serviceUrl",)),
        bad("serviceUrl not a URL", {"serviceUrl": "not a url"}),
        bad("serviceUrl refuses connections", {"serviceUrl": CLOSED_URL}),
        bad("no id", drop=("id",)),
        bad("id a number", {"id": 17}),
        card("card value a string", "helpful"),
        card("card value a list", [1, 2]),
        card("card vote, helpful not a boolean", {"action": "feedback", "helpful": "yes", "answer": "x"}),
        card("card vote, unknown answer", {"action": "feedback", "helpful": True, "answer": "no-such-answer"}),
        card("card comment, feedback not a number", {"action": "feedback_comment", "feedback": "NaN", "answer": "x"}),
        card("card comment, unknown feedback", {"action": "feedback_comment", "feedback": 99999, "answer": "x",
                                                "comment": "bad"}),
        bad("channelData a string", {"channelData": "general"}),
        bad("channelData tenant a list", {"channelData": {"tenant": [1], "team": "x"}}),
        bad("entities not a list", {"entities": {"type": "mention"}}),
        bad("entities with a null mention", {"entities": [{"type": "mention", "mentioned": None, "text": None}]}),
        bad("attachments junk", {"attachments": "file.txt"}),
        bad("text with forged log lines", text=FORGED),
        bad("type with forged log lines", {"type": FORGED}),
        bad("conversationUpdate, membersAdded null", {"type": "conversationUpdate", "membersAdded": None}, text=None),
        bad("conversationUpdate, membersAdded [null]", {"type": "conversationUpdate", "membersAdded": [None]}, text=None),
        bad("invoke with a junk value", {"type": "invoke", "name": "adaptiveCard/action", "value": "junk"}, text=None),
        bad("messageReaction junk", {"type": "messageReaction", "reactionsAdded": "like"}, text=None),
        bad("timestamp not a date", {"timestamp": "yesterday"}),
        Malformed("2 MB of JSON", b"{" + b" " * 2_000_000 + b"}"),
        Malformed("900 KB text", _json({**message, "text": "officers " * 100_000})),
        Malformed("text/plain", _json(message), "text/plain"),
        Malformed("no Content-Type", _json(message), None),
        Malformed("Content-Length longer than the body", _json(message), headers=(("Content-Length", "100000"),),
                  timeout=5.0),
    ]


