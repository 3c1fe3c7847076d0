"""Admins' corrections, kept in order: what bot/core/corrections.py makes and matches, stored as plain
records (each correction's fields as `corrections.toml` writes them), so a store knows nothing of how a
correction is matched. The file in the knowledge folder is the embedded default
(bot/stores/file_corrections.py); replicas sharing a database keep them in it (`SqlCorrections`).

Every change is one read-change-write done whole, so two admins teaching at the same moment (on one
replica or two) both keep their correction. Stored data that does not read is reported as `problem`
and the last good corrections stay in use, so a bad edit never stops the bot answering.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import messages
from bot.errors import CorrectionError
from bot.stores.database import POSTGRESQL, Database, Row, Session, SqliteDatabase, advisory_key

logger = logging.getLogger(__name__)

Record = dict[str, str | bool]  # question, by, at, and source with clause or quote (text), or not_covered = True
Edit = Callable[[tuple[Record, ...]], tuple[Record, ...]]
TEXT_FIELDS = ("question", "source", "clause", "quote", "by", "at")

STORE = "corrections"
MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS corrections (position INTEGER PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corrections_taken_in (at TEXT NOT NULL);  -- a row once the file was copied in
""",)
POSTGRES_MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS corrections (position INTEGER PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corrections_taken_in (at TEXT NOT NULL);
""",)


def checked(entries: object, name: str) -> tuple[Record, ...]:
    """`entries` as records, each with a question and either what answers it or not_covered; CorrectionError
    names the first that is not (`name` says where they were read from)."""
    if not isinstance(entries, list):
        raise CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=name, number=1))
    return tuple(_record(entry, name, number) for number, entry in enumerate(entries, start=1))


def _record(entry: object, name: str, number: int) -> Record:
    malformed = CorrectionError(messages.CORRECTIONS_MALFORMED.format(name=name, number=number))
    if not isinstance(entry, dict):
        raise malformed
    text = {k: v for k, v in entry.items() if k in TEXT_FIELDS}
    not_covered = entry.get("not_covered", False)
    if not all(isinstance(v, str) for v in text.values()) or not isinstance(not_covered, bool):
        raise malformed
    points = bool(text.get("source") and (text.get("clause") or text.get("quote")))
    if not str(text.get("question", "")).strip() or points == not_covered:
        raise malformed
    kept: Record = {k: v for k, v in text.items() if v}  # an empty field is one not given, in a file or a row
    return {**kept, "not_covered": True} if not_covered else kept


class CorrectionsStore(ABC):
    problem: str | None = None  # why the stored corrections are not the ones in use; None when they read

    @abstractmethod
    def current(self) -> tuple[Record, ...]:
        """The corrections in force, in order: cheap enough to ask before every question, and showing a change
        made anywhere (another replica, an edited file) from the next call on."""

    @abstractmethod
    def change(self, edit: Edit) -> tuple[Record, ...]:
        """Replace the corrections with `edit` of them, as one step no other change comes between; the
        corrections now kept. When the stored ones do not read, `edit` is given the last good ones; an edit
        that changes nothing writes nothing, so stored corrections that do not read are left for a person to mend."""


class SqlCorrections(CorrectionsStore):
    """In the database, for replicas that should answer with one set of corrections (PROTOCOL_BOT_DATABASE_URL)."""

    def __init__(self, db: Database | Path | str) -> None:
        """`db`: a database, or the path of an SQLite file (or ":memory:") this store opens for itself."""
        self._db = db if isinstance(db, Database) else SqliteDatabase(db)
        self._db.migrate(STORE, sqlite=MIGRATIONS, postgresql=POSTGRES_MIGRATIONS)
        self._lock = threading.Lock()  # the chat workers' threads share the last rows read
        self._rows: list[Row] | None = None  # as last read, so unchanged rows are not decoded again
        self._records: tuple[Record, ...] = ()

    def current(self) -> tuple[Record, ...]:
        return self._read(self._db.rows("SELECT position, fields FROM corrections ORDER BY position"))

    def change(self, edit: Edit) -> tuple[Record, ...]:
        with self._db.transaction() as session:
            self._serialise(session)
            existing = self._read(session.rows("SELECT position, fields FROM corrections ORDER BY position"))
            kept = edit(existing)
            if kept != existing:
                session.execute("DELETE FROM corrections")
                self._insert(session, kept, after=0)
        with self._lock:
            self._records = kept  # the last good ones now, should a row be spoilt before they are read again
            self._rows = None  # and the rows read before the change no longer stand for them
        return kept

    def take_in(self, read_file: Callable[[], tuple[Record, ...]]) -> int:
        """Copy in the corrections `read_file` reads (bot/stores/file_corrections.py) on the first start with this
        database, so a council moving its state to one keeps them; how many were copied. Once copied (by any
        replica), the file is not read again: it is left as it was. CorrectionError when it does not read, so none
        are lost by starting without them."""
        with self._db.transaction() as session:
            self._serialise(session)  # replicas starting together: the second finds the first's copy
            if session.row("SELECT at FROM corrections_taken_in"):
                return 0
            try:
                records = read_file()
            except CorrectionError as error:
                raise CorrectionError(messages.CORRECTIONS_NOT_TAKEN_IN.format(problem=error)) from error
            last = session.row("SELECT MAX(position) FROM corrections")
            self._insert(session, records, after=int(last[0]) if last and last[0] is not None else 0)
            session.execute("INSERT INTO corrections_taken_in (at) VALUES (?)",
                            (datetime.now(UTC).isoformat(timespec="seconds"),))
        return len(records)

    def _serialise(self, session: Session) -> None:
        """Held to the end of the transaction: a second change waits, then reads what the first kept."""
        if self._db.dialect == POSTGRESQL:
            session.execute("SELECT pg_advisory_xact_lock(?)", (advisory_key(STORE),))
        else:
            session.execute("BEGIN IMMEDIATE")

    @staticmethod
    def _insert(session: Session, records: Sequence[Record], *, after: int) -> None:
        for position, record in enumerate(records, start=after + 1):
            session.execute("INSERT INTO corrections (position, fields) VALUES (?, ?)",
                            (position, json.dumps(record, ensure_ascii=False)))

    def _read(self, rows: list[Row]) -> tuple[Record, ...]:
        with self._lock:
            if rows != self._rows:
                try:
                    self._records = checked([json.loads(fields) for _, fields in rows],
                                            messages.CORRECTIONS_IN_DATABASE)
                    self.problem = None
                except json.JSONDecodeError as error:
                    self._spoilt(messages.CORRECTIONS_UNREADABLE.format(name=messages.CORRECTIONS_IN_DATABASE,
                                                                        detail=error))
                except CorrectionError as error:
                    self._spoilt(str(error))
                self._rows = rows
            return self._records

    def _spoilt(self, problem: str) -> None:
        self.problem = messages.CORRECTIONS_LAST_GOOD_KEPT.format(problem=problem)
        logger.error("%s", self.problem)
