"""Every database the bot keeps is brought up to date on opening, by numbered steps recorded in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.stores import sql_conversation as conversation_state
from bot.stores import sql_embedding_cache as embedding_cache
from bot.stores import sql_feedback as feedback
from bot.stores.migrations import applied, migrate
from bot.stores.sql_conversation import SqlConversationState
from bot.stores.sql_feedback import SqlFeedbackStore


def test_a_new_database_records_each_stores_steps(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    SqlFeedbackStore(path).close()
    SqlConversationState(path).close()
    with sqlite3.connect(path) as db:
        assert applied(db, feedback.STORE) == list(range(1, len(feedback.MIGRATIONS) + 1))
        assert applied(db, conversation_state.STORE) == list(range(1, len(conversation_state.MIGRATIONS) + 1))


def test_the_embedding_cache_records_its_steps(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    embedding_cache.open_cache(path).close()
    with sqlite3.connect(path) as db:
        assert applied(db, embedding_cache.STORE) == [1]


def test_a_database_from_before_steps_were_recorded_keeps_its_votes(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(feedback.MIGRATIONS[0])
        db.execute("INSERT INTO feedback (at, platform, user, question, helpful, citations) "
                   "VALUES ('2026-01-05T10:00:00+00:00', 'slack', 'U1', 'can I copy an email?', 1, '[]')")
    store = SqlFeedbackStore(path)
    assert [e.question for e in store.recent(10)] == ["can I copy an email?"]
    store.close()


def test_a_new_step_is_applied_once_to_an_existing_database(tmp_path: Path) -> None:
    steps = ("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);",
             "ALTER TABLE notes ADD COLUMN text TEXT NOT NULL DEFAULT '';")
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        migrate(db, "notes", steps[:1])
        migrate(db, "notes", steps)
        migrate(db, "notes", steps)  # an ALTER applied twice would fail: it is not
        assert applied(db, "notes") == [1, 2]
        assert [row[1] for row in db.execute("PRAGMA table_info(notes)")] == ["id", "text"]


def test_a_step_that_fails_leaves_nothing_half_done(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        broken = ("CREATE TABLE a (id INTEGER);\nCREATE TABLE a (id INTEGER);",)
        with pytest.raises(sqlite3.OperationalError):
            migrate(db, "broken", broken)
        assert applied(db, "broken") == []
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'a'").fetchone() is None
