"""Numbered schema migrations, recorded in the database they change.

Each store lists its schema as steps in order; a step is applied once, in one transaction with the
record of it, so a database of any age is brought up to date on opening, and two processes opening
it at once apply a step only once. The first step of every store creates its tables as they were
before steps were recorded (CREATE ... IF NOT EXISTS), so an older database is taken up as it is.
A change to a schema is a new step at the end; a step already shipped is never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

_RECORD = """CREATE TABLE IF NOT EXISTS schema_migrations (
    store TEXT NOT NULL, number INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, number))"""


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
                           (store, number, datetime.now(UTC).isoformat(timespec="seconds")))
            db.commit()
        except BaseException:
            db.rollback()
            raise


def applied(db: sqlite3.Connection, store: str) -> list[int]:
    """The numbers of the steps recorded for `store`, in order."""
    return [n for (n,) in db.execute("SELECT number FROM schema_migrations WHERE store = ? ORDER BY number", (store,))]
