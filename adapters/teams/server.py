"""The aiohttp web app Teams (through the Azure Bot Service) posts activities to."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from adapters.teams.host import Host, InvokeReply, Json, Refused
from adapters.teams.settings import TeamsHost, TeamsSettings
from adapters.teams.translate import PLATFORM, ProtocolTeamsBot
from bot.service.conversation import Conversation, Sweeper

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
# The HTTP answer waits this long at most for the turn: a quick answer is sent before it, but a slow or
# unreachable serviceUrl (retries included) never holds the acknowledgement up.
ACK_WITHIN_SECONDS = 2.0
_UTF8 = frozenset({"utf-8", "utf8"})
# Teams' ids are tens of characters; a longer one is forged, and would go into every reply's URL and log line.
MAX_ID_CHARS = 1000
HANDLER = web.AppKey("handler", ProtocolTeamsBot)
_LOCAL_ONLY = "127.0.0.1"
_ALL_INTERFACES = "0.0.0.0"


def build_app(conversation: Conversation, teams: TeamsSettings, *, host: Host | None = None,
              workers: int = 4) -> web.Application:
    """`host` replaces the SDK host `teams` names (tests give one whose replies need no Azure AD)."""
    if not teams.authenticated:
        log.warning(
            "MicrosoftAppId is not set: accepting activities WITHOUT authentication. "
            "This is only for the Bot Framework Emulator on this machine; Teams needs an app id."
        )
    host = host or make_host(teams)
    handler = ProtocolTeamsBot(conversation, host, workers)
    sweeper = Sweeper(conversation, PLATFORM, handler.deliver_later)
    turns_running: set[asyncio.Future[InvokeReply | None]] = set()  # acknowledged before they ended

    # Every kind of bad or missing token is a 401, and the body is checked before the token so that
    # a body no SDK can read is a 400, never a 500.
    async def messages_endpoint(request: web.Request) -> web.Response:
        if (request.content_type != "application/json" or (request.charset or "utf-8").lower() not in _UTF8
                or request.headers.get("Content-Encoding", "identity").lower() != "identity"):
            log.warning("Rejected a request that is not plain JSON in UTF-8")
            return web.Response(status=415)
        try:
            activity = json.loads(await request.read())
        except (ValueError, RecursionError, RequestPayloadError):  # not UTF-8, not JSON, absurd nesting, cut short
            activity = None
        if not isinstance(activity, dict) or not _answerable(activity, teams.authenticated) or not host.readable(activity):
            log.warning("Rejected a request that is not an activity the bot can answer")
            return web.Response(status=400)
        try:
            identity = await host.authenticate(activity, request.headers.get("Authorization"))
        except Refused as refusal:
            log.warning("Rejected an activity that failed authentication: %.200s", refusal)
            return web.Response(status=401)
        turn = asyncio.ensure_future(host.process(identity, activity, handler.on_turn))
        try:
            invoke_reply = await asyncio.wait_for(asyncio.shield(turn), ACK_WITHIN_SECONDS)
        except TimeoutError:
            # The message is in the inbox by now; its reply goes on being sent (or put off) after the answer.
            turns_running.add(turn)
            turn.add_done_callback(turns_running.discard)
            return web.Response(status=202)
        if invoke_reply:
            return web.json_response(invoke_reply.body, status=invoke_reply.status)
        return web.Response(status=201)

    async def start_up(_app: web.Application) -> None:
        # answers what a crash or an outage left unanswered, and goes on doing so now and then
        handler.attach(asyncio.get_running_loop())
        sweeper.start()

    async def shut_down(_app: web.Application) -> None:
        await asyncio.to_thread(sweeper.stop)
        await asyncio.gather(*turns_running, return_exceptions=True)
        await handler.drain()

    # Teams never compresses what it posts; left to aiohttp, a body claiming gzip that is not fails
    # where no handler can answer it, with a traceback in the log.
    app = web.Application(handler_args={"auto_decompress": False})
    app[HANDLER] = handler  # its deliver_later sends what the inbox still holds (tests reach it here)
    app.router.add_post(MESSAGES_PATH, messages_endpoint)
    app.on_startup.append(start_up)
    app.on_cleanup.append(shut_down)
    return app


def make_host(teams: TeamsSettings) -> Host:
    """The SDK PROTOCOL_BOT_TEAMS_HOST names; only that one is imported, as each is slow to import."""
    if teams.host is TeamsHost.BOTBUILDER:
        from adapters.teams.botbuilder_host import BotbuilderHost

        return BotbuilderHost(teams)
    from adapters.teams.agents_host import AgentsHost

    return AgentsHost(teams)


def _answerable(activity: Json, authenticated: bool) -> bool:
    """An activity with a type, a conversation and a service URL to answer at. Without authentication that
    URL must be on this machine (the Emulator's), so nobody can make the bot post to a host of their choosing."""
    conversation, service_url = activity.get("conversation"), activity.get("serviceUrl")
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        return False
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return False
    ids = (activity.get("id"), conversation["id"], activity.get("replyToId"))
    if any(isinstance(an_id, str) and len(an_id) > MAX_ID_CHARS for an_id in ids):
        return False
    url = urlsplit(service_url if isinstance(service_url, str) else "")
    if url.scheme not in ("http", "https") or not url.hostname:
        return False
    return authenticated or url.hostname in ("127.0.0.1", "localhost", "::1")


def serve(conversation: Conversation, teams: TeamsSettings, port: int = 3978, workers: int = 4) -> None:
    """Run the Teams endpoint until interrupted or sent SIGTERM; answers being worked on finish first,
    and what was not started stays in the inbox for the next start."""
    # Without authentication anyone who can reach the port could make the bot post to a URL of their
    # choosing, so that mode listens on this machine only.
    host = _ALL_INTERFACES if teams.authenticated else _LOCAL_ONLY
    web.run_app(build_app(conversation, teams, workers=workers), host=host, port=port)
