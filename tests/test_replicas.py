"""Replicas of the bot sharing one PostgreSQL database and one PROTOCOL_BOT_HOME act as one bot:
what one was told, the others know, and one index build runs at a time among them."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from bot import messages
from bot.bootstrap import bootstrap, corrections, terminal_core
from bot.errors import DatabaseUnavailable, SettingsError
from bot.service.protocol_bot import IndexedProtocolBot
from bot.service.reindex_runner import ReindexOutcome, ReindexRunner
from bot.settings import Settings
from bot.stores.build_lock import PostgresBuildLock
from bot.stores.console import Publishing
from bot.stores.database import PostgresDatabase
from bot.stores.feedback import CitedRef
from bot.stores.file_corrections import FILE_NAME as CORRECTIONS_FILE
from bot.stores.sql_conversation import SqlConversationState
from tests.fakes import FakeProtocolBot, HashingEmbedder
from tests.postgres_server import fresh_database
from tests.settings_support import environment

QUESTION = "Can a councillor give instructions to officers?"
ILMINSTER_DOC = "001_a879d86bb0aeb3d5.txt"
WRONG = "is a councillor allowed to text the town clerk late at night?"


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    with fresh_database(postgres_server, f"r{uuid.uuid4().hex[:16]}") as url:
        yield url


def test_a_database_address_that_is_not_postgresql_stops_start_up_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_DATABASE_URL": "mysql://bot:s3cret@db/protocol"})
    with pytest.raises(SettingsError, match="PROTOCOL_BOT_DATABASE_URL") as refused:
        Settings.from_env()
    assert "s3cret" not in str(refused.value)
    url = "postgresql://bot:s3cret@db.example.org/protocol_bot"
    environment(monkeypatch, {"PROTOCOL_BOT_DATABASE_URL": url})
    assert Settings.from_env().database_url == url
    environment(monkeypatch, {})
    assert Settings.from_env().database_url is None


def test_two_replicas_on_one_postgresql_share_votes_messages_console_sign_outs_and_the_audit_log(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    one, two = bootstrap(settings, bot=FakeProtocolBot()), bootstrap(settings, bot=FakeProtocolBot())
    try:
        voted = one.feedback.record(platform="slack", user="U1", question="gifts?", helpful=False,
                                    citations=(CitedRef("004.txt", "5", "Gifts"),))
        assert [e.id for e in two.feedback.recent()] == [voted]
        assert one.state.accept("slack:m1", "slack", {"text": "gifts?"}) is True
        assert two.state.accept("slack:m1", "slack", {"text": "gifts?"}) is False  # one answer between them
        one.console_state.sign_out("session-1", until=2e9, now=1.8e9)
        assert two.console_state.signed_out("session-1")
        one.audit.record("Jo Bloggs", "retired old.txt")
        assert [(e.who, e.what) for e in two.audit.recent()] == [("Jo Bloggs", "retired old.txt")]
        assert not settings.home.exists()  # nothing went to the embedded file, nor to an audit file
    finally:
        one.close()
        two.close()


def test_a_council_moving_to_postgresql_keeps_the_history_of_its_audit_file(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    alone = Settings(knowledge_dir=knowledge, home=tmp_path / "var")
    before = bootstrap(alone, bot=FakeProtocolBot())
    before.audit.record("Jo Bloggs", "published the index")
    before.audit.record("Jo Bloggs", "retired old.txt")
    before.close()
    shared = alone.model_copy(update={"database_url": database_url})
    for _ in range(2):  # started again, or a second replica: the history is there once
        after = bootstrap(shared, bot=FakeProtocolBot())
        try:
            assert [e.what for e in after.audit.recent()] == ["retired old.txt", "published the index"]
        finally:
            after.close()


def test_a_reindex_asked_of_one_replica_while_another_builds_says_so_and_the_index_keeps_serving(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                             build_lock=PostgresBuildLock(database_url))
    first = bot.reindex().version
    runner = ReindexRunner(bot)
    heard: list[ReindexOutcome] = []
    with PostgresBuildLock(database_url).hold() as other_replica_building:
        assert other_replica_building
        assert runner.start(heard.append)
        runner.wait()
    assert heard == [ReindexOutcome(messages.REINDEX_BUSY_ELSEWHERE)]
    assert bot.status().version == first and bot.ask(QUESTION).citations
    assert runner.start(heard.append)  # once the other build has ended, this replica builds
    runner.wait()
    assert heard[-1].version is not None and heard[-1].version != first


class GatedEmbedder(HashingEmbedder):
    """Embeds a build's texts only once the test opens the gate, so the build holds the lock meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.gate = threading.Event(), threading.Event()

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.entered.set()
        assert self.gate.wait(30)
        return super().encode(texts, progress=progress)


def test_a_publish_under_way_on_one_replica_shows_on_the_others_console_and_its_result_after(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    embedder = GatedEmbedder()
    core = IndexedProtocolBot(knowledge, settings.index_root, tmp_path / "cache.sqlite3", embedder,
                              build_lock=PostgresBuildLock(database_url))
    one, two = bootstrap(settings, bot=core), bootstrap(settings, bot=FakeProtocolBot())
    try:
        assert one.console.publish(by="Jo Clerk")
        assert embedder.entered.wait(30)
        shown = two.console.publishing()
        assert shown is not None and shown.by == "Jo Clerk"
        assert not two.console.publish(by="Sam Deputy")  # one publish at a time across the replicas
        embedder.gate.set()
        one.console.wait()
        last = two.console.last_change()
        assert two.console.publishing() is None
        assert last is not None and (last.by, last.headline) == ("Jo Clerk", messages.ADMIN_PUBLISHED)
    finally:
        embedder.gate.set()
        one.close()
        two.close()


def test_a_publish_whose_replica_died_mid_build_does_not_show_as_under_way_on_the_others(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    dead, alive = bootstrap(settings, bot=FakeProtocolBot()), bootstrap(settings, bot=FakeProtocolBot())
    try:
        dead.console_state.start_publishing(Publishing("4 Dec 2026, 09:00", "Jo Clerk"))  # then killed: no build holds the lock
        assert alive.console.publishing() is None
        assert alive.console.publish(by="Sam Deputy")
        alive.console.wait()
    finally:
        dead.close()
        alive.close()


def test_a_database_that_cannot_be_reached_stops_start_up_saying_so_without_the_password(
    tmp_path: Path, knowledge: Path
) -> None:
    url = f"postgresql://bot:s3cret@/protocol?host={tmp_path}"  # no server listens there
    with pytest.raises(DatabaseUnavailable, match="PROTOCOL_BOT_DATABASE_URL could not be reached") as refused:
        bootstrap(Settings(knowledge_dir=knowledge, home=tmp_path, database_url=url), bot=FakeProtocolBot())
    assert "s3cret" not in str(refused.value)


def test_connections_the_server_dropped_are_replaced_without_failing_the_next_message(
    postgres_server: str, database_url: str
) -> None:
    state = SqlConversationState(PostgresDatabase(database_url))
    try:
        assert state.accept("slack:m1", "slack", {})
        with psycopg.connect(postgres_server, autocommit=True) as admin:  # as a server restart would
            dropped = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                    (conninfo_to_dict(database_url)["dbname"],)).fetchall()
        assert dropped
        assert state.accept("slack:m2", "slack", {})
        assert state.pending("slack", older_than=0) == ["slack:m1", "slack:m2"]
    finally:
        state.close()


def test_a_replica_building_after_another_embeds_only_what_changed_since_with_the_cache_in_postgresql(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    first, second = HashingEmbedder(), HashingEmbedder()
    IndexedProtocolBot(knowledge, tmp_path / "index", database_url, first).reindex()
    doc = next((knowledge / "protocols").iterdir())
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\n99. Officers may wear hats on Fridays.\n", encoding="utf-8")
    IndexedProtocolBot(knowledge, tmp_path / "index", database_url, second).reindex()
    assert first.calls > 100 and 0 < second.calls <= 3
    assert not (tmp_path / "cache.sqlite3").exists() and not list(tmp_path.glob("*.sqlite3"))


def _cited(bot: IndexedProtocolBot, question: str) -> tuple[str, str | None]:
    first = bot.ask(question).nearest[0]
    return first.source, first.clause


def test_a_correction_taught_on_one_replica_answers_the_question_on_the_other_from_its_next_question(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    databases = [PostgresDatabase(database_url), PostgresDatabase(database_url)]
    try:
        one, two = (IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                                       corrections=corrections(settings, db)) for db in databases)
        one.reindex()
        assert _cited(two, WRONG) != (ILMINSTER_DOC, "2.3")
        one.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
        assert _cited(two, WRONG) == (ILMINSTER_DOC, "2.3")
        two.forget(1)
        assert _cited(one, WRONG) != (ILMINSTER_DOC, "2.3")
        assert not (knowledge / CORRECTIONS_FILE).exists()  # nothing went to the shared volume
    finally:
        for db in databases:
            db.close()


def test_a_council_moving_to_postgresql_keeps_its_corrections_copied_in_once_and_leaves_the_file_as_it_was(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    alone = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    alone.reindex()
    alone.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    alone.teach("what's the mileage rate?", by="U0CLERK", not_covered=True)
    file = (knowledge / CORRECTIONS_FILE).read_text(encoding="utf-8")
    shared = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    listed = []
    for _ in range(2):  # started again, or a second replica: the file is not copied in a second time
        db = PostgresDatabase(database_url)
        try:
            bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                                     corrections=corrections(shared, db))
            listed.append([c.question for c, _ in bot.corrections()])
            assert _cited(bot, WRONG) == (ILMINSTER_DOC, "2.3")
            if len(listed) == 1:
                bot.forget(2)  # removed on the database: the next start must not bring it back from the file
        finally:
            db.close()
    assert listed == [[WRONG, "what's the mileage rate?"], [WRONG]]
    assert (knowledge / CORRECTIONS_FILE).read_text(encoding="utf-8") == file


def _connections(database_url: str, *, until_none_within: float = 0.0) -> int:
    """Other sessions open on the database. A server process outlives its closed connection by a moment (and so
    does the last count's own), so with `until_none_within` the count is taken again until none is left."""
    name = conninfo_to_dict(database_url)["dbname"]
    deadline = time.monotonic() + until_none_within
    while True:
        with psycopg.connect(database_url, autocommit=True) as watcher:
            row = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                  (name,)).fetchone()
        count = int(row[0]) if row else 0
        if count == 0 or time.monotonic() >= deadline:
            return count
        time.sleep(0.05)


def test_a_terminal_command_on_postgresql_closes_its_connections_as_it_ends(
    tmp_path: Path, knowledge: Path, database_url: str
) -> None:
    settings = Settings(knowledge_dir=knowledge, home=tmp_path / "var", database_url=database_url)
    with terminal_core(settings):  # its corrections were read from the database as it was built
        assert _connections(database_url) > 0
    assert _connections(database_url, until_none_within=5.0) == 0
