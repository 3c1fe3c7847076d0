"""What a conversation remembers between messages, in SQLite beside the feedback.

Recent answers (behind every answer's buttons), each conversation's topic (so follow-ups keep it),
and the ids of messages already taken up (so a platform's re-delivery is answered once). Kept in
the same database file as the feedback, in WAL mode, so a restart or a second process serving the
same app keeps buttons and follow-ups working. Every table is bounded and expires old rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answer import Answer, Citation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, at REAL NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (place TEXT PRIMARY KEY, at REAL NOT NULL, question TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
CREATE INDEX IF NOT EXISTS topics_at ON topics (at);
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
"""

DAY = 24 * 3600.0
# (rows kept, seconds kept): enough for a busy council's month of buttons, a week of threads, and
# far longer than any platform re-delivers a message.
LIMITS = {"answers": (5000, 30 * DAY), "topics": (5000, 7 * DAY), "seen": (20000, 2 * DAY)}
_PRUNE_EVERY = 100  # writes between prunes, so pruning costs nothing noticeable per message


def _citation(row: dict[str, Any]) -> Citation:
    return Citation(**row)


def answer_from_json(payload: str) -> Answer:
    row = json.loads(payload)
    return Answer(row["question"], row["out_of_scope"], row["lead"],
                  tuple(map(_citation, row["citations"])), tuple(map(_citation, row["nearest"])))


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
        self._write("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                    (answer_id, self._clock(), json.dumps(answer.to_dict(), ensure_ascii=False)))

    def answer(self, answer_id: str) -> Answer | None:
        row = self._read("SELECT payload FROM answers WHERE id = ? AND at >= ?", (answer_id, self._since("answers")))
        return answer_from_json(row[0]) if row else None

    def set_topic(self, place: str, question: str) -> None:
        self._write("INSERT OR REPLACE INTO topics VALUES (?, ?, ?)", (place, self._clock(), question))

    def topic(self, place: str) -> str | None:
        row = self._read("SELECT question FROM topics WHERE place = ? AND at >= ?", (place, self._since("topics")))
        return row[0] if row else None

    def first_time(self, message_id: str) -> bool:
        """Record a message id; False when it was already recorded (a re-delivery, or a second event for it)."""
        with self._lock, self._db:
            cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (message_id, self._clock()))
            self._count_write()
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _since(self, table: str) -> float:
        return self._clock() - LIMITS[table][1]

    def _read(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._db.execute(sql, args).fetchone()
        return row

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock, self._db:
            self._db.execute(sql, args)
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
