"""Thumbs up/down on answers, kept in an embedded SQLite database shared by every chat platform."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.answer import Answer
from bot.question import storable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    platform TEXT NOT NULL,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT,
    citations TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CitedRef:
    source: str
    clause: str | None
    heading: str | None


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    at: str
    platform: str
    user: str
    question: str
    helpful: bool
    comment: str | None
    citations: tuple[CitedRef, ...]


@dataclass(frozen=True)
class ClauseTally:
    source: str
    clause: str | None
    heading: str | None
    unhelpful: int


@dataclass(frozen=True)
class WeekTally:
    week: str  # the Monday it starts on, YYYY-MM-DD
    helpful: int
    unhelpful: int


def cited_refs(answer: Answer) -> tuple[CitedRef, ...]:
    return tuple(CitedRef(c.source, c.clause, c.heading) for c in answer.citations)


def _entry(row: tuple[Any, ...]) -> FeedbackEntry:
    citations = tuple(CitedRef(*c) for c in json.loads(row[7]))
    return FeedbackEntry(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], citations)


class FeedbackStore:
    """Thread-safe: chat adapters record from worker threads."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def record(
        self,
        *,
        platform: str,
        user: str,
        question: str,
        helpful: bool,
        citations: tuple[CitedRef, ...],
        comment: str | None = None,
    ) -> int:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        payload = json.dumps([[c.source, c.clause, c.heading] for c in citations])
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO feedback (at, platform, user, question, helpful, comment, citations)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                storable((at, platform, user, question, int(helpful), comment, payload)),
            )
        return int(cursor.lastrowid or 0)

    def add_comment(self, feedback_id: int, comment: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE feedback SET comment = ? WHERE id = ?", storable((comment, feedback_id)))

    def entry(self, feedback_id: int) -> FeedbackEntry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, at, platform, user, question, helpful, comment, citations FROM feedback WHERE id = ?",
                (feedback_id,),
            ).fetchone()
        return None if row is None else _entry(row)

    def recent(self, limit: int = 20) -> list[FeedbackEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, platform, user, question, helpful, comment, citations"
                " FROM feedback ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_entry(r) for r in rows]

    def by_week(self, weeks: int = 12) -> list[WeekTally]:
        """👍 and 👎 per week (weeks starting on Monday), newest first, for the weeks that had any."""
        with self._lock:
            rows = self._db.execute(
                "SELECT date(substr(at, 1, 10), '-' || ((strftime('%w', substr(at, 1, 10)) + 6) % 7) || ' days') AS week,"
                " SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY week ORDER BY week DESC LIMIT ?",
                (weeks,),
            ).fetchall()
        return [WeekTally(week, int(up), int(down)) for week, up, down in rows]

    def most_unhelpful(self, limit: int = 10) -> list[ClauseTally]:
        counts: dict[CitedRef, int] = {}
        with self._lock:
            rows = self._db.execute("SELECT citations FROM feedback WHERE helpful = 0").fetchall()
        for (payload,) in rows:
            for ref in json.loads(payload):
                key = CitedRef(*ref)
                counts[key] = counts.get(key, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].source, kv[0].clause or ""))
        return [ClauseTally(k.source, k.clause, k.heading, n) for k, n in ranked[:limit]]

    def close(self) -> None:
        with self._lock:
            self._db.close()
