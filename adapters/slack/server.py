"""Starting the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP at /slack/events.

Over HTTP, aiohttp serves and bolt's App answers, each request handed over as a BoltRequest and its
BoltResponse written back by bolt's aiohttp adapter. Before bolt sees a request it is checked once, on its
raw bytes: an unsigned, stale, oversized or malformed request gets 401, 413 or 400 and one short log
line, never a 500, and its body is never logged. Bolt's own signature check is off (SlackBot), so the
signature is checked here only.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode import SocketModeHandler

from adapters.slack.settings import SlackConfig
from adapters.slack.translate import PLATFORM, SlackBot
from bot.service.conversation import Conversation, Sweeper

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (a modal's state) are far smaller
MAX_REQUEST_AGE_SECONDS = 5 * 60  # Slack's own rule against replayed requests
# Slack sends a request whole and at once: a body shorter than its Content-Length is refused after this
# long rather than waited for
READ_TIMEOUT_SECONDS = 2
# requests bolt works on at once: each holds a thread only until its listener has acknowledged, and Slack
# delivers in bursts, so one slow ack must not hold up the deliveries behind it
ACK_THREADS = 32


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


def refusal(body: bytes, headers: Mapping[str, str], signing_secret: str) -> tuple[int, str] | None:
    """Why a whole request is refused, as its HTTP status and a reason to log (never the body); None to answer it."""
    if not signed_by_slack(body, headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", ""),
                           signing_secret):
        return 401, f"unsigned, forged or stale ({len(body)} bytes)"
    if not _well_formed(body, headers.get("Content-Type", "")):
        return 400, f"signed but malformed ({len(body)} bytes)"
    return None


class _OneLineForUnreadableHttp(logging.Filter):
    """aiohttp logs a request it cannot parse (a Content-Length that is not a number, say) as an error with
    a traceback quoting the bad bytes; it has answered 400, so one short line says it, like every refusal."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, BadHttpMessage):
            record.msg, record.args, record.exc_info, record.exc_text = (
                "Refused a request that is not HTTP it can read (%s)", (type(error).__name__,), None, None)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_UNREADABLE_HTTP = _OneLineForUnreadableHttp()


def http_app(app: App, signing_secret: str) -> web.Application:
    """The aiohttp application for Slack's Events API, slash commands and interactivity."""
    logging.getLogger("aiohttp.server").addFilter(_UNREADABLE_HTTP)  # once: a logger keeps a filter only once
    acks = ThreadPoolExecutor(max_workers=ACK_THREADS, thread_name_prefix="slack-ack")

    async def events(request: web.Request) -> web.StreamResponse:
        async def refuse(status: int, why: str) -> web.Response:
            logger.warning("Refused a request to %s: %s", EVENTS_PATH, why)  # the reason only, never the body
            refused = web.Response(status=status, text=f"{status}")
            await refused.prepare(request)
            await refused.write_eof()
            # answered, then hung up on: aiohttp would otherwise go on reading (for up to 10 s) a body
            # refused unread
            request.protocol.force_close()
            return refused

        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            return await refuse(413, f"{length} bytes")
        try:
            body = await asyncio.wait_for(request.read(), READ_TIMEOUT_SECONDS)
        except TimeoutError:
            return await refuse(400, f"a body not sent whole within {READ_TIMEOUT_SECONDS} s ({length} bytes said)")
        except web.HTTPRequestEntityTooLarge:  # sent in chunks, without a length
            return await refuse(413, f"over {MAX_BODY_BYTES} bytes")
        refused = refusal(body, request.headers, signing_secret)
        if refused:
            return await refuse(*refused)
        # the decoding cannot fail: _well_formed refused a body that is not UTF-8
        answered = BoltRequest(body=body.decode("utf-8"), query=request.query_string, headers=dict(request.headers))
        response = await asyncio.get_running_loop().run_in_executor(acks, app.dispatch, answered)
        return await to_aiohttp_response(response)

    async def stop_acks(_web_app: web.Application) -> None:
        acks.shutdown(wait=False, cancel_futures=True)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post(EVENTS_PATH, events)
    web_app.on_cleanup.append(stop_acks)
    return web_app


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
        logger.info("Listening for Slack on http://%s:%d%s", config.host, port, EVENTS_PATH)
        # SIGTERM and Ctrl-C stop it taking requests and let the ones being acknowledged finish
        web.run_app(http_app(bot.app, config.signing_secret), host=config.host, port=port, print=None, access_log=None)
    finally:
        sweeper.stop()
        bot.executor.shutdown(wait=True, cancel_futures=True)
        conversation.drain()
