"""The real Teams app on 127.0.0.1 over a fake core, replying to a stand-in Bot Connector."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientTimeout, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import TeamsSettings, build_app
from adapters.teams.server import HANDLER
from adapters.teams.settings import TeamsHost
from adapters.teams.translate import ProtocolTeamsBot
from bot.service.conversation import Conversation
from bot.stores.conversation import ConversationState
from bot.stores.sql_feedback import SqlFeedbackStore
from tests import teams_support as teams
from tests.background import WAIT_SECONDS
from tests.fakes import FakeProtocolBot, conversation


class FlakyConnector:
    """The Bot Connector, failing the first replies with `status` (and Retry-After) before taking them."""

    def __init__(self, failures: int, status: int = 503, retry_after: str | None = None) -> None:
        self.failures, self.status, self.retry_after = failures, status, retry_after
        self.replies: list[dict[str, Any]] = []
        self.refused = 0
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        self.server = TestServer(app, host="127.0.0.1")

    async def _receive(self, request: web.Request) -> web.Response:
        if self.refused < self.failures:
            self.refused += 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=self.status, headers=headers)
        self.replies.append(await request.json())
        return web.json_response({"id": f"reply-{len(self.replies)}"})


@contextlib.asynccontextmanager
async def running_teams(kind: TeamsHost, failures: int = 0, *, status: int = 503, retry_after: str | None = None,
                        workers: int = 4, state: ConversationState | None = None) -> AsyncIterator[Teams]:
    """The real Teams app on 127.0.0.1 on the SDK host `kind`, over a fake core, replying to a connector that
    fails `failures` times."""
    connector = FlakyConnector(failures, status, retry_after)
    await connector.server.start_server()
    core = FakeProtocolBot()
    talk = conversation(core, SqlFeedbackStore(":memory:"), state=state)
    app = build_app(talk, TeamsSettings(host=kind), workers=workers)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Teams(client, core, connector, talk, app[HANDLER], f"http://127.0.0.1:{connector.server.port}")
    finally:
        await client.close()
        await connector.server.close()


@dataclass
class Teams:
    client: TestClient
    core: FakeProtocolBot
    connector: FlakyConnector
    conversation: Conversation
    handler: ProtocolTeamsBot
    url: str  # the connector's, for activities' serviceUrl

    async def post(self, body: object) -> int:
        return await self.post_raw(json.dumps(body).encode())

    async def post_raw(self, body: bytes, headers: dict[str, str] | None = None) -> int:
        response = await self.client.post("/api/messages", data=body, timeout=ClientTimeout(total=WAIT_SECONDS),
                                          headers={"Content-Type": "application/json", **(headers or {})})
        return response.status

    def question(self, text: str = "Can I copy an email?") -> dict[str, Any]:
        return teams.personal_message(text, service_url=self.url)


async def eventually(done: Callable[[], bool], *, within: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "it did not happen in time"
        await asyncio.sleep(0.05)
