"""Starting the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP at /slack/events.

Over HTTP every request is checked on its raw bytes before bolt reads it (`checked_requests`): an
unsigned, stale, oversized or malformed request gets 401, 413 or 400 and one short log line, never a
500, and its body is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from adapters.slack.settings import SlackConfig
from adapters.slack.translate import PLATFORM, SlackBot
from bot.service.conversation import Conversation, Sweeper

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (a modal's state) are far smaller
MAX_REQUEST_AGE_SECONDS = 5 * 60  # Slack's own rule against replayed requests
# Slack sends a request whole and at once: a client silent this long mid-request is dropped, and a body
# shorter than its Content-Length is refused after this long rather than waited for
READ_TIMEOUT_SECONDS = 2
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # a request per thread: one slow client or ack never holds up Slack's other deliveries
    daemon_threads = True
    # Slack delivers in bursts; the default backlog of 5 drops connections that then wait 1 s to retry
    request_queue_size = 128


class _LoggingHandler(WSGIRequestHandler):
    timeout = READ_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def signed_by_slack(body: bytes, timestamp: str, signature: str, secret: str, *, now: float | None = None) -> bool:
    """Slack's v0 request signature, checked on the raw bytes (slack_sdk's verifier decodes them first,
    which fails on bytes that are not UTF-8), and no more than five minutes old."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    # as bytes: compare_digest refuses a str with anything but ASCII in it, and a forger chooses the header
    return age <= MAX_REQUEST_AGE_SECONDS and hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def checked_requests(inner: WSGIApp, signing_secret: str) -> WSGIApp:
    """`inner` behind a check of each request's size, Slack signature and shape, on its raw bytes."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def refuse(status: str, why: str) -> list[bytes]:
            logger.warning("Refused a request to %s: %s", EVENTS_PATH, why)  # the reason only, never the body
            start_response(status, [("Content-Type", "text/plain")])
            return [status.encode()]

        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != EVENTS_PATH:
            return inner(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse("400 Bad Request", "no readable length")
        if length < 0:
            return refuse("400 Bad Request", "a negative length")
        if length > MAX_BODY_BYTES:
            return refuse("413 Payload Too Large", f"{length} bytes")
        try:
            body = environ["wsgi.input"].read(length)
        except TimeoutError:
            body = b""
        if len(body) < length:
            return refuse("400 Bad Request", f"a body shorter than its length of {length} bytes")
        if not signed_by_slack(body, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "",
                               environ.get("HTTP_X_SLACK_SIGNATURE") or "", signing_secret):
            return refuse("401 Unauthorized", f"unsigned, forged or stale ({len(body)} bytes)")
        if not _well_formed(body, environ.get("CONTENT_TYPE") or ""):
            return refuse("400 Bad Request", f"signed but malformed ({len(body)} bytes)")
        environ["wsgi.input"] = io.BytesIO(body)
        return inner(environ, start_response)

    return app


def _well_formed(body: bytes, content_type: str) -> bool:
    """A body of a shape Slack sends: an Events API object, or a form (a slash command, or a button,
    modal or shortcut `payload`). Signed or not, anything else would fail inside bolt."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return _event_shape(json.loads(text))
        form = parse_qs(text, strict_parsing=bool(text))
        return "payload" not in form or _payload_shape(json.loads(form["payload"][0]))
    except (ValueError, RecursionError):  # undecodable bytes, unparsable forms and JSON, absurd nesting
        return False


# Slack's own names for events and payloads: a name with anything else in it (a newline, say) is forged,
# and bolt would log it verbatim.
_SLACK_NAME = re.compile(r"[a-z][a-z0-9_.]{0,63}")


def _event_shape(raw: object) -> bool:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not _SLACK_NAME.fullmatch(raw["type"]):
        return False
    if raw["type"] != "event_callback":
        return True  # url_verification and the like carry no event
    event, authorizations = raw.get("event"), raw.get("authorizations", [])
    return (isinstance(event, dict) and isinstance(event.get("type"), str) and bool(_SLACK_NAME.fullmatch(event["type"]))
            and isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations))


def _payload_shape(raw: object) -> bool:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not _SLACK_NAME.fullmatch(raw["type"]):
        return False
    if raw["type"] == "block_actions":
        actions = raw.get("actions")
        return (isinstance(actions, list) and bool(actions) and isinstance(raw.get("user"), dict)
                and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions))
    if raw["type"] in ("view_submission", "view_closed"):
        view = raw.get("view")
        return isinstance(view, dict) and isinstance(view.get("type"), str) and isinstance(raw.get("user"), dict)
    return True


def make_http_server(app: App, host: str, port: int, signing_secret: str) -> WSGIServer:
    """A threaded HTTP server for Slack's Events API, slash commands and interactivity; port 0 picks a free one."""
    return make_server(
        host, port, checked_requests(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret),
        server_class=_ThreadingWSGIServer, handler_class=_LoggingHandler,
    )


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    # the app's own WebClient, so SLACK_API_URL also decides where apps.connections.open goes
    return SocketModeHandler(app, app_token, web_client=app.client)


def serve(conversation: Conversation, config: SlackConfig, port: int = 3000, workers: int = 4) -> None:
    """Run the Slack bot until interrupted or sent SIGTERM.

    On SIGTERM it stops taking requests, lets the answers being worked on finish, and leaves the
    questions not yet started in the inbox, where the next start answers them.
    """
    bot = SlackBot(conversation, config, workers=workers)
    sweeper = Sweeper(conversation, PLATFORM, bot.listeners.deliver, delivered=bot.listeners.delivered)
    sweeper.start()
    try:
        if config.app_token:
            logger.info("Connecting to Slack in Socket Mode")
            socket_mode_handler(bot.app, config.app_token).start()
            return
        with make_http_server(bot.app, config.host, port, config.signing_secret) as server:
            signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
            logger.info("Listening for Slack on http://%s:%d%s", config.host, server.server_port, EVENTS_PATH)
            server.serve_forever()
    finally:
        sweeper.stop()
        bot.executor.shutdown(wait=True, cancel_futures=True)
        conversation.drain()
