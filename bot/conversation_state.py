"""What a conversation remembers between messages, in SQLite beside the feedback.

Recent answers (behind every answer's buttons), each conversation's topic (so follow-ups keep it),
and the inbox: every message taken up, written before the platform is told it arrived and marked
done once its reply is delivered, so a crash loses nothing and a re-delivery is answered once.
Kept in the same database file as the feedback, in WAL mode, so a restart or a second process
serving the same app keeps buttons, follow-ups and unanswered questions. Every table is bounded and
expires old rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answer import Answer, Citation
from bot.question import printable, storable

_SCHEMA = """
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
"""

DAY = 24 * 3600.0
# (rows kept, seconds kept): enough for a busy council's month of buttons, a week of threads, and
# far longer than any platform re-delivers a message.
LIMITS = {"answers": (5000, 30 * DAY), "topics": (5000, 7 * DAY), "inbox": (20000, 2 * DAY)}
CLAIM_SECONDS = 60.0  # far longer than an answer takes; then a worker is taken to have died
MAX_ATTEMPTS = 5  # a message that failed this often is given up (and logged), not retried for ever
_PRUNE_EVERY = 100  # writes between prunes, so pruning costs nothing noticeable per message


def _citation(row: dict[str, Any]) -> Citation:
    return Citation(**row)


def answer_from_json(payload: str) -> Answer:
    row = json.loads(payload)
    return Answer(row["question"], row["out_of_scope"], row["lead"],
                  tuple(map(_citation, row["citations"])), tuple(map(_citation, row["nearest"])))


def _json(value: object) -> str:
    return printable(json.dumps(value, ensure_ascii=False))


@dataclass(frozen=True)
class InboxItem:
    id: str
    payload: dict[str, Any]
    asked: str | None
    attempts: int  # this one included


class ConversationState:
    """Thread-safe; one connection per store, shared by the chat adapters' worker threads."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        self._clock = clock
        self._writes = 0
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def keep_answer(self, answer_id: str, answer: Answer) -> None:
        self._write("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (answer_id, self._clock(), _json(answer.to_dict())))

    def answer(self, answer_id: str) -> Answer | None:
        row = self._read("SELECT payload FROM answers WHERE id = ? AND at >= ?", (answer_id, self._since("answers")))
        return answer_from_json(row[0]) if row else None

    def set_topic(self, place: str, question: str) -> None:
        self._write("INSERT OR REPLACE INTO topics VALUES (?, ?, ?)", (place, self._clock(), question))

    def topic(self, place: str) -> str | None:
        row = self._read("SELECT question FROM topics WHERE place = ? AND at >= ?", (place, self._since("topics")))
        return row[0] if row else None

    def accept(self, message_id: str, platform: str, payload: dict[str, Any]) -> bool:
        """Keep a message before the platform is acknowledged. False when it is already kept: a
        re-delivery, or the same message as a second event; it is then answered by whoever has it."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO inbox (id, at, platform, payload) VALUES (?, ?, ?, ?)",
                storable((message_id, self._clock(), platform, _json(payload))),
            )
            self._count_write()
        return cursor.rowcount == 1

    def claim(self, message_id: str) -> InboxItem | None:
        """Take up a kept message to answer it; None when it is done, or another worker has it now."""
        now = self._clock()
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE inbox SET claimed_at = ?, attempts = attempts + 1 WHERE id = ? AND done = 0"
                " AND (claimed_at IS NULL OR claimed_at < ?)",
                storable((now, message_id, now - CLAIM_SECONDS)),
            )
            if cursor.rowcount != 1:
                return None
            payload, asked, attempts = self._db.execute(
                "SELECT payload, asked, attempts FROM inbox WHERE id = ?", storable((message_id,))).fetchone()
        return InboxItem(message_id, json.loads(payload), asked, attempts)

    def set_asked(self, message_id: str, asked: str) -> None:
        self._write("UPDATE inbox SET asked = ? WHERE id = ?", (asked, message_id))

    def done(self, message_id: str) -> None:
        """Its reply is delivered (or given up): keep only the id, against re-deliveries."""
        self._write("UPDATE inbox SET done = 1, payload = NULL, asked = NULL, claimed_at = NULL WHERE id = ?",
                    (message_id,))

    def release(self, message_id: str) -> None:
        """Delivering failed for now: leave it for a later attempt."""
        self._write("UPDATE inbox SET claimed_at = NULL WHERE id = ?", (message_id,))

    def pending(self, platform: str, *, older_than: float) -> list[str]:
        """Messages of `platform` not yet answered that nobody is working on, kept at least `older_than` seconds ago."""
        now = self._clock()
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM inbox WHERE platform = ? AND done = 0 AND at <= ?"
                " AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY at",
                (platform, now - older_than, now - CLAIM_SECONDS),
            ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _since(self, table: str) -> float:
        return self._clock() - LIMITS[table][1]

    def _read(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._db.execute(sql, storable(args)).fetchone()
        return row

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock, self._db:
            self._db.execute(sql, storable(args))
            self._count_write()

    def _count_write(self) -> None:
        """Called inside a transaction: every so often, drop expired rows and the oldest beyond each bound."""
        self._writes += 1
        if self._writes % _PRUNE_EVERY:
            return
        for table, (rows, seconds) in LIMITS.items():
            self._db.execute(f"DELETE FROM {table} WHERE at < ?", (self._clock() - seconds,))
            self._db.execute(
                f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} ORDER BY at DESC LIMIT -1 OFFSET ?)",
                (rows,),
            )
