"""Starting the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP at /slack/events."""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from adapters.slack.settings import SlackConfig
from adapters.slack.translate import build_app
from bot.conversation import Conversation

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # a request per thread: one slow client or ack never holds up Slack's other deliveries
    daemon_threads = True
    # Slack delivers in bursts; the default backlog of 5 drops connections that then wait 1 s to retry
    request_queue_size = 128


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def make_http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded HTTP server for Slack's Events API, slash commands and interactivity; port 0 picks a free one."""
    return make_server(
        host, port, SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=_ThreadingWSGIServer, handler_class=_LoggingHandler,
    )


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    # the app's own WebClient, so SLACK_API_URL also decides where apps.connections.open goes
    return SocketModeHandler(app, app_token, web_client=app.client)


def serve(conversation: Conversation, config: SlackConfig, port: int = 3000) -> None:
    """Run the Slack bot until interrupted."""
    app = build_app(conversation, config)
    if config.app_token:
        logger.info("Connecting to Slack in Socket Mode")
        socket_mode_handler(app, config.app_token).start()
        return
    with make_http_server(app, config.host, port) as server:
        logger.info("Listening for Slack on http://%s:%d%s", config.host, server.server_port, EVENTS_PATH)
        server.serve_forever()
