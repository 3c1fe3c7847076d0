"""The conversation state (bot/stores/conversation.py) on a database: beside the feedback in the
embedded SQLite file (WAL mode, so a second process serving the same app shares it), or in PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answer import Answer, Citation
from bot.question import printable
from bot.stores.conversation import CLAIM_SECONDS, LIMITS, ConversationState, InboxItem
from bot.stores.database import Database, Session, SqliteDatabase

STORE = "conversation"
MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, at REAL NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (place TEXT PRIMARY KEY, at REAL NOT NULL, question TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (
    id TEXT PRIMARY KEY, at REAL NOT NULL, platform TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,  -- 1 once its reply was delivered (the row then only stops re-deliveries)
    claimed_at REAL,  -- when a worker took it up; a claim older than CLAIM_SECONDS is a dead worker's
    attempts INTEGER NOT NULL DEFAULT 0,
    payload TEXT,  -- the message and where its reply goes, as the adapter gave them
    asked TEXT  -- what the message asks, once worked out (so a retry asks the same, whatever the topic is now)
);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
CREATE INDEX IF NOT EXISTS topics_at ON topics (at);
CREATE INDEX IF NOT EXISTS inbox_at ON inbox (at);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (platform, done);
""", """
ALTER TABLE inbox ADD COLUMN claim TEXT;  -- which worker's claim claimed_at is, so only that worker renews it
""")
# The same steps, numbered alike, for PostgreSQL: times are seconds since 1970 as in SQLite, and need
# DOUBLE PRECISION (PostgreSQL's REAL would round them to minutes).
POSTGRES_MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (place TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, question TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (
    id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, platform TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    claimed_at DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    payload TEXT,
    asked TEXT
);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
CREATE INDEX IF NOT EXISTS topics_at ON topics (at);
CREATE INDEX IF NOT EXISTS inbox_at ON inbox (at);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (platform, done);
""", """
ALTER TABLE inbox ADD COLUMN claim TEXT;
""")

_PRUNE_EVERY = 100  # writes between prunes, so pruning costs nothing noticeable per message


def _citation(row: dict[str, Any]) -> Citation:
    return Citation(**row)


def answer_from_json(payload: str) -> Answer:
    row = json.loads(payload)
    return Answer(row["question"], row["out_of_scope"], row["lead"],
                  tuple(map(_citation, row["citations"])), tuple(map(_citation, row["nearest"])))


def _json(value: object) -> str:
    return printable(json.dumps(value, ensure_ascii=False))


class SqlConversationState(ConversationState):
    def __init__(self, db: Database | Path | str, *, clock: Callable[[], float] = time.time) -> None:
        """`db`: a database, or the path of an SQLite file (or ":memory:") this store opens for itself."""
        self._db = db if isinstance(db, Database) else SqliteDatabase(db)
        self._clock = clock
        self._writes = itertools.count(1)  # next() on it is atomic, so worker threads need no lock to count
        self._db.migrate(STORE, sqlite=MIGRATIONS, postgresql=POSTGRES_MIGRATIONS)

    def keep_answer(self, answer_id: str, answer: Answer) -> None:
        self._write("INSERT INTO answers VALUES (?, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET at = excluded.at, payload = excluded.payload",
                    (answer_id, self._clock(), _json(answer.to_dict())))

    def answer(self, answer_id: str) -> Answer | None:
        row = self._db.row("SELECT payload FROM answers WHERE id = ? AND at >= ?", (answer_id, self._since("answers")))
        return answer_from_json(row[0]) if row else None

    def set_topic(self, place: str, question: str) -> None:
        self._write("INSERT INTO topics VALUES (?, ?, ?)"
                    " ON CONFLICT (place) DO UPDATE SET at = excluded.at, question = excluded.question",
                    (place, self._clock(), question))

    def topic(self, place: str) -> str | None:
        row = self._db.row("SELECT question FROM topics WHERE place = ? AND at >= ?", (place, self._since("topics")))
        return row[0] if row else None

    def accept(self, message_id: str, platform: str, payload: dict[str, Any]) -> bool:
        return self._write("INSERT INTO inbox (id, at, platform, payload) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                           (message_id, self._clock(), platform, _json(payload))) == 1

    def claim(self, message_id: str) -> InboxItem | None:
        now, claim = self._clock(), uuid.uuid4().hex
        # One statement takes the claim, so of two workers (or replicas) only one sees a row changed.
        row = self._db.row(
            "UPDATE inbox SET claimed_at = ?, claim = ?, attempts = attempts + 1 WHERE id = ? AND done = 0"
            " AND (claimed_at IS NULL OR claimed_at < ?) RETURNING payload, asked, attempts",
            (now, claim, message_id, now - CLAIM_SECONDS),
        )
        if row is None:
            return None
        payload, asked, attempts = row
        return InboxItem(message_id, json.loads(payload), asked, attempts, claim)

    def renew(self, message_id: str, claim: str) -> bool:
        return self._write("UPDATE inbox SET claimed_at = ? WHERE id = ? AND done = 0 AND claim = ?",
                           (self._clock(), message_id, claim)) == 1

    def set_asked(self, message_id: str, asked: str) -> None:
        self._write("UPDATE inbox SET asked = ? WHERE id = ?", (asked, message_id))

    def done(self, message_id: str) -> None:
        self._write("UPDATE inbox SET done = 1, payload = NULL, asked = NULL, claimed_at = NULL, claim = NULL WHERE id = ?",
                    (message_id,))

    def release(self, message_id: str, claim: str) -> None:
        self._write("UPDATE inbox SET claimed_at = NULL, claim = NULL WHERE id = ? AND claim = ?", (message_id, claim))

    def pending(self, platform: str, *, older_than: float) -> list[str]:
        now = self._clock()
        rows = self._db.rows(
            "SELECT id FROM inbox WHERE platform = ? AND done = 0 AND at <= ?"
            " AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY at",
            (platform, now - older_than, now - CLAIM_SECONDS),
        )
        return [row[0] for row in rows]

    def close(self) -> None:
        self._db.close()

    def _since(self, table: str) -> float:
        return self._clock() - LIMITS[table][1]

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        """Run one change; how many rows it changed."""
        with self._db.transaction() as session:
            changed = session.execute(sql, args)
            self._count_write(session)
        return changed

    def _count_write(self, session: Session) -> None:
        """Every so often, in the same transaction, drop expired rows and the oldest beyond each bound."""
        if next(self._writes) % _PRUNE_EVERY:
            return
        for table, (rows, seconds) in LIMITS.items():
            session.execute(f"DELETE FROM {table} WHERE at < ?", (self._clock() - seconds,))
            # the row `rows` places past the newest, and all older: a statement both databases read alike
            session.execute(f"DELETE FROM {table} WHERE at <= (SELECT at FROM {table} ORDER BY at DESC LIMIT 1 OFFSET ?)",
                            (rows,))
