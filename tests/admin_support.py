"""The admin console over the real core (hashing embedder), and a signed-in HTTP client for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.admin.server import ConsoleServer
from adapters.admin.settings import AdminSettings
from bot.service.admin_console import AdminConsole
from bot.service.protocol_bot import IndexedProtocolBot
from bot.settings import Settings
from bot.stores.console import ConsoleState, MemoryConsoleState
from bot.stores.file_audit import FileAuditLog
from bot.stores.sql_feedback import SqlFeedbackStore

SECRET = "a long enough admin passphrase"


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


def console_for(tmp_path: Path, knowledge: Path, bot: IndexedProtocolBot) -> AdminConsole:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path)  # its index is the one `bot` built: tmp_path/index
    return AdminConsole(settings, bot, SqlFeedbackStore(tmp_path / "feedback.sqlite3"), FileAuditLog(tmp_path / "audit.log"))


@dataclass
class Admin:
    """A browser's worth of HTTP: cookies kept between requests."""

    client: TestClient[web.Request, web.Application]
    console: AdminConsole
    clock: Clock
    state: ConsoleState

    async def sign_in(self, who: str = "Jo Clerk", secret: str = SECRET) -> ClientResponse:
        form = await (await self.client.get("/sign-in")).text()
        return await self.client.post("/sign-in", data={"token": hidden_value(form, "token"), "who": who, "secret": secret})

    async def token(self) -> str:
        return hidden_value(await (await self.client.get("/")).text(), "csrf")

    async def post(self, path: str, fields: dict[str, str], *, file: tuple[str, bytes] | None = None,
                   token: str | None = None) -> ClientResponse:
        from aiohttp import FormData

        form = FormData()
        form.add_field("csrf", await self.token() if token is None else token)
        for key, value in fields.items():
            form.add_field(key, value)
        if file is not None:
            form.add_field("file", file[1], filename=file[0], content_type="application/octet-stream")
        return await self.client.post(path, data=form)


@pytest.fixture
async def admin(tmp_path: Path, knowledge: Path, fake_bot: IndexedProtocolBot) -> AsyncIterator[Admin]:
    clock, state = Clock(), MemoryConsoleState()
    console = console_for(tmp_path, knowledge, fake_bot)
    server = ConsoleServer(console, AdminSettings(secret=SECRET), state=state, clock=clock, wrong_secret_delay=0)
    client = TestClient(TestServer(server.app()))
    await client.start_server()
    try:
        yield Admin(client, console, clock, state)
    finally:
        await client.close()
        console.wait()


@asynccontextmanager
async def restarted(admin: Admin, secret: str = SECRET) -> AsyncIterator[Admin]:
    """The console started again (a new process, or a second replica beside it): a new server keeping its state
    where the first kept it, and the same browser, holding the cookies the first server set."""
    server = ConsoleServer(admin.console, AdminSettings(secret=secret), state=admin.state, clock=admin.clock,
                           wrong_secret_delay=0)
    client = TestClient(TestServer(server.app()))
    await client.start_server()
    client.session.cookie_jar.update_cookies({c.key: c.value for c in admin.client.session.cookie_jar})
    try:
        yield Admin(client, admin.console, admin.clock, admin.state)
    finally:
        await client.close()
