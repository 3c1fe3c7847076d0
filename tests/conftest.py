from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.teams.settings import TeamsHost
from bot.service.protocol_bot import IndexedProtocolBot
from bot.settings import PROJECT_ROOT
from tests.admin_support import admin  # noqa: F401  (a fixture: the admin console, signed-in client)
from tests.fakes import HashingEmbedder
from tests.postgres_server import throwaway_server


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.fixture
def fake_bot(tmp_path: Path, knowledge: Path) -> IndexedProtocolBot:
    """The real core over the shipped documents, with a hashing embedder instead of a model."""
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    bot.reindex()
    return bot


@pytest.fixture(params=list(TeamsHost))
def host_kind(request: pytest.FixtureRequest) -> TeamsHost:
    """Every Teams test that takes this runs on each SDK host."""
    return TeamsHost(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run, started on first use and stopped at the end. Where
    PostgreSQL is not installed the tests that need it fail, naming the command that installs it."""
    with throwaway_server() as url:
        yield url
