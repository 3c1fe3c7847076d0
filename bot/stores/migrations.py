"""Numbered schema migrations, recorded in the database they change.

Each store lists its schema as steps in order; a step is applied once, in one transaction with the
record of it, so a database of any age is brought up to date on opening, and two processes opening
it at once apply a step only once (on PostgreSQL, under an advisory lock that replicas starting together
queue on). The first step of every store creates its tables as they were
before steps were recorded (CREATE ... IF NOT EXISTS), so an older database is taken up as it is.
A change to a schema is a new step at the end, for both databases (a store lists its SQLite and its
PostgreSQL steps with the same numbers); a step already shipped is never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

_RECORD = """CREATE TABLE IF NOT EXISTS schema_migrations (
    store TEXT NOT NULL, number INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, number))"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _statements(script: str) -> Iterator[str]:
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        yield pending


def migrate(db: sqlite3.Connection, store: str, steps: Sequence[str]) -> None:
    """Apply the steps of `store` not yet recorded in `db`, in order."""
    db.execute(_RECORD)
    db.commit()
    for number, script in enumerate(steps, start=1):
        db.execute("BEGIN IMMEDIATE")  # taken before looking, so another process cannot apply it meanwhile
        try:
            applied = db.execute("SELECT 1 FROM schema_migrations WHERE store = ? AND number = ?",
                                 (store, number)).fetchone()
            if not applied:
                for statement in _statements(script):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                           (store, number, _now()))
            db.commit()
        except BaseException:
            db.rollback()
            raise


def applied(db: sqlite3.Connection, store: str) -> list[int]:
    """The numbers of the steps recorded for `store`, in order."""
    return [n for (n,) in db.execute("SELECT number FROM schema_migrations WHERE store = ? ORDER BY number", (store,))]


def migrate_postgres(db: psycopg.Connection[Any], store: str, steps: Sequence[str], *, lock: int) -> None:
    """Apply the steps of `store` not yet recorded in `db`, in order, in one transaction: PostgreSQL
    changes tables transactionally, so a failed step leaves nothing half done. `lock` is the advisory
    lock replicas starting together queue on, so only the first applies a step."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        db.execute(_RECORD)
        done = set(applied_postgres(db, store))
        for number, script in enumerate(steps, start=1):
            if number not in done:
                db.execute(script)  # no parameters: PostgreSQL runs its statements as one script
                db.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s)", (store, number, _now()))


def applied_postgres(db: psycopg.Connection[Any], store: str) -> list[int]:
    """The numbers of the steps recorded for `store` in PostgreSQL, in order."""
    rows = db.execute("SELECT number FROM schema_migrations WHERE store = %s ORDER BY number", (store,)).fetchall()
    return [int(n) for (n,) in rows]
