"""A stand-in for Slack on 127.0.0.1: the Web API, response URLs and a Socket Mode WebSocket.

It records every call so tests can assert on what the bot said, and wait for it with a bounded poll;
`event_body` and `send_signed` deliver requests to the app the way Slack does. What the bot posts is
kept as Slack keeps messages, so conversations.replies and conversations.history read it back: oldest
and latest exclusive unless inclusive, metadata only with include_all_metadata, pages by cursor.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

from tests.background import WAIT_SECONDS, AiohttpInBackground

# The Web API methods the bot uses; any other is refused as Slack refuses a method it does not have.
METHODS = frozenset({
    "auth.test", "apps.connections.open", "chat.postMessage", "chat.postEphemeral", "views.open", "views.publish",
    "assistant.threads.setStatus", "assistant.threads.setSuggestedPrompts", "conversations.replies",
    "conversations.history",
})
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0APP"
TEAM_ID = "T0TEAM"
PAGE = {"conversations.replies": 1000, "conversations.history": 100}  # Slack's default `limit`s
TRUE = ("1", "true", True)  # how a boolean argument arrives: a form or query field, or JSON


@dataclass(frozen=True)
class Call:
    method: str  # a Web API method, "response_url" or "socket_ack"
    payload: dict[str, Any]
    path: str = ""


def event_body(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """An Events API delivery of `event`, as Slack wraps it."""
    return {
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": APP_ID, "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000, "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def send_signed(url: str, secret: str, body: str, content_type: str, *, timestamp: int | None = None,
                signature: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST `body` to the app as Slack would, signed with `secret` unless a `signature` is forged."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signed = signature or SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signed,
        **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


Refusal = Callable[[dict[str, Any]], str | None]  # a payload -> the error to answer with, or None


@dataclass
class RateFault:
    """A share of a method's calls answered with an HTTP error, picked at random, until a deadline."""

    rate: float
    faults: tuple[tuple[int, int | None], ...]  # (HTTP status, Retry-After) to pick from
    until: float | None  # time.monotonic() after which calls succeed again; None: for ever
    rng: random.Random

    def pick(self) -> tuple[int, int | None] | None:
        if self.until is not None and time.monotonic() >= self.until:
            return None
        return self.rng.choice(self.faults) if self.rng.random() < self.rate else None


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._refusals: dict[str, Refusal] = {}
        self._faults: dict[str, list[tuple[int, int | None]]] = {}  # method -> (HTTP status, Retry-After) to answer next
        self._rate_faults: dict[str, RateFault] = {}  # method -> a random share of its calls to fail
        self._envelopes: asyncio.Queue[str] | None = None
        self._server = AiohttpInBackground("fake-slack")
        self.port = 0
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> its messages, oldest first
        self.page = dict(PAGE)  # messages per page of each read when no `limit` is asked (a test may shrink it)
        self._last_ts = 0.0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self.port = self._server.start(self._app)
        return self

    def _app(self) -> web.Application:
        self._envelopes = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # the SDK reads history with GET and a query string
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        return app

    def stop(self) -> None:
        self._server.stop()

    # --- what tests use --------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def refuse(self, method: str, refusal: Refusal) -> None:
        """Answer `method` with ok=false and the returned error whenever `refusal` names one."""
        self._refusals[method] = refusal

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` calls of `method` ("response_url" for response URLs) with an HTTP error,
        as Slack does in an outage (500, 503) or when rate-limiting (429 with Retry-After)."""
        self._faults.setdefault(method, []).extend([(status, retry_after)] * times)

    def fail_rate(self, method: str, rate: float, faults: list[tuple[int, int | None]], *,
                  until: float | None = None, seed: int | None = None) -> None:
        """Answer a random `rate` share of `method`'s calls with one of `faults` (HTTP status, Retry-After),
        until `until` (a time.monotonic() value; None: until changed), as a flaky Slack does. Calls queued
        with `fail` are answered first; a rate of 0 stops it."""
        self._rate_faults[method] = RateFault(rate, tuple(faults), until, random.Random(seed))

    def failed(self, method: str) -> int:
        """How many calls of `method` were answered with an injected error."""
        with self._changed:
            return sum(1 for c in self.calls if c.method == f"{method}!")

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._changed:
            return [c.payload for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, *, path: str | None = None, timeout: float = WAIT_SECONDS
                 ) -> list[dict[str, Any]]:
        """The payloads of `method` (to `path`) once there are at least `count`; fails after `timeout` seconds."""

        def found() -> list[dict[str, Any]]:
            return [c.payload for c in self.calls if c.method == method and path in (None, c.path)]

        with self._changed:
            self._changed.wait_for(lambda: len(found()) >= count, timeout)
            payloads = found()
        assert len(payloads) >= count, f"expected {count} {method} call(s); all calls: {self.calls!r}"
        return payloads

    def add_message(self, channel: str, message: dict[str, Any]) -> None:
        """A message someone else (a person, another app) wrote in `channel`, for the bot to read back."""
        with self._changed:
            self.messages.setdefault(channel, []).append(message)
            self.messages[channel].sort(key=lambda kept: float(kept["ts"]))

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected client."""
        queue = self._envelopes
        assert queue is not None
        self._server.loop.call_soon_threadsafe(queue.put_nowait, json.dumps(envelope))

    # --- handlers --------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    @staticmethod
    async def _payload(request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.content_type == "application/json":
            return {**request.query, **(json.loads(raw) if raw else {})}
        return {**request.query, **dict(parse_qsl(raw))}

    def _next_ts(self) -> str:
        """A new message's ts: the time it was posted, later than every ts before it, as Slack's are."""
        with self._changed:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def _keep(self, payload: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage: the message as Slack stores it, from the bot."""
        fields = ("text", "blocks", "thread_ts", "metadata")
        message = {"type": "message", "ts": self._next_ts(), "user": BOT_USER_ID, "bot_id": BOT_ID,
                   "app_id": APP_ID, **{name: payload[name] for name in fields if payload.get(name) is not None}}
        self.add_message(str(payload.get("channel")), message)
        return message

    def _read(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies (a thread, oldest first) or conversations.history (the channel's top-level
        messages, newest first), as Slack pages them."""
        with self._changed:
            kept = list(self.messages.get(str(payload.get("channel")), []))
        if method == "conversations.replies":
            parent = payload.get("ts")
            found = [m for m in kept if parent in (m["ts"], m.get("thread_ts"))]
        else:
            found = [m for m in reversed(kept) if m.get("thread_ts") in (None, m["ts"])]
        inclusive = payload.get("inclusive") in TRUE
        if payload.get("oldest"):
            oldest = float(payload["oldest"])
            found = [m for m in found if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
        if payload.get("latest"):
            latest = float(payload["latest"])
            found = [m for m in found if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        if payload.get("include_all_metadata") not in TRUE:
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        start = int(base64.b64decode(payload["cursor"])) if payload.get("cursor") else 0
        end = start + int(payload.get("limit") or self.page[method])
        more = end < len(found)
        return {"ok": True, "messages": found[start:end], "has_more": more,
                "response_metadata": {"next_cursor": base64.b64encode(str(end).encode()).decode() if more else ""}}

    def _fault(self, method: str, payload: dict[str, Any], path: str = "") -> web.Response | None:
        faults = self._faults.get(method)
        rate_fault = self._rate_faults.get(method)
        picked = faults.pop(0) if faults else rate_fault.pick() if rate_fault else None
        if picked is None:
            return None
        status, retry_after = picked
        self._record(Call(f"{method}!", payload, path))  # an attempt Slack turned away
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return web.json_response({"ok": False, "error": "fake_outage"}, status=status, headers=headers)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await self._payload(request)
        if (fault := self._fault(method, payload)) is not None:
            return fault
        if method not in METHODS:
            return web.json_response({"ok": False, "error": "unknown_method"})
        self._record(Call(method, payload))
        refusal = self._refusals.get(method)
        error = refusal(payload) if refusal else None
        if error:
            return web.json_response({"ok": False, "error": error})
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": TEAM_ID, "user": "protocol-bot",
                 "team": "Parish", "url": "https://parish.slack.com/"}
            )
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if method == "chat.postMessage":
            message = self._keep(payload)
            return web.json_response({"ok": True, "channel": payload.get("channel"), "ts": message["ts"],
                                      "message": message})
        if method in ("conversations.replies", "conversations.history"):
            return web.json_response(self._read(method, payload))
        return web.json_response({"ok": True})

    async def _response_url(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        if (fault := self._fault("response_url", payload, request.match_info["name"])) is not None:
            return fault
        self._record(Call("response_url", payload, request.match_info["name"]))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}))
        queue = self._envelopes
        assert queue is not None

        async def forward() -> None:
            while True:
                await ws.send_str(await queue.get())

        sender = asyncio.ensure_future(forward())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._record(Call("socket_ack", json.loads(message.data)))
        finally:
            sender.cancel()
        return ws
