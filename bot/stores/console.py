"""What the admin console remembers between requests: wrong sign-in guesses, sessions signed out
before they expire, and the publish under way and the last change made. Kept in the store, so a restart
or a second replica neither signs everyone out, nor forgets the guesses it is slowing down, nor shows
another picture of the reindex page."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from bot.stores.database import Database, SqliteDatabase

STORE = "console"
# one row each for the publish under way and the last change (`what`: "publishing" or "last")
_REINDEX_TABLE = ("CREATE TABLE IF NOT EXISTS console_reindex"
                  " (what TEXT PRIMARY KEY, at TEXT NOT NULL, by TEXT NOT NULL, headline TEXT NOT NULL);")
_PUBLISHING, _LAST = "publishing", "last"
MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS console_guesses (party TEXT PRIMARY KEY, guesses INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS console_signed_out (session_id TEXT PRIMARY KEY, until REAL NOT NULL);
""", _REINDEX_TABLE)
POSTGRES_MIGRATIONS = ("""
CREATE TABLE IF NOT EXISTS console_guesses (party TEXT PRIMARY KEY, guesses INTEGER NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS console_signed_out (session_id TEXT PRIMARY KEY, until DOUBLE PRECISION NOT NULL);
""", _REINDEX_TABLE)


@dataclass(frozen=True)
class Publishing:
    """A publish under way: when it started (as the page shows it) and who asked."""

    started: str
    by: str


@dataclass(frozen=True)
class LastChange:
    """The last publish or roll back made from the console, as the reindex page reports it."""

    finished: str
    by: str
    headline: str


class ConsoleState(ABC):
    @abstractmethod
    def wrong_guesses(self, party: str) -> tuple[int, float]:
        """How many wrong secrets `party` (a name and address, as one key) has sent, and when the last came (0, 0.0: none)."""

    @abstractmethod
    def add_wrong_guess(self, party: str, at: float) -> None:
        """Count one more wrong secret from `party`, sent at `at`."""

    @abstractmethod
    def clear_wrong_guesses(self, party: str) -> None:
        """`party` signed in: its wrong guesses no longer count."""

    @abstractmethod
    def sign_out(self, session_id: str, until: float, now: float) -> None:
        """Session `session_id` is over, though its cookie stays valid until `until`; sign-outs whose
        cookies expired before `now` may be forgotten."""

    @abstractmethod
    def signed_out(self, session_id: str) -> bool:
        """Whether session `session_id` was signed out."""

    @abstractmethod
    def start_publishing(self, publishing: Publishing) -> None:
        """A publish has started."""

    @abstractmethod
    def end_publishing(self) -> None:
        """The publish under way has ended, however it ended."""

    @abstractmethod
    def publishing(self) -> Publishing | None:
        """The publish last started and not yet ended (its replica may have died since: see BuildLock.busy)."""

    @abstractmethod
    def record_change(self, change: LastChange) -> None:
        """A publish or roll back has finished: the reindex page reports it until the next."""

    @abstractmethod
    def last_change(self) -> LastChange | None: ...


class MemoryConsoleState(ConsoleState):
    """Kept by one process only: for tests, and a console nobody shares."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guesses: dict[str, tuple[int, float]] = {}
        self._signed_out: dict[str, float] = {}
        self._publishing: Publishing | None = None
        self._last: LastChange | None = None

    def wrong_guesses(self, party: str) -> tuple[int, float]:
        with self._lock:
            return self._guesses.get(party, (0, 0.0))

    def add_wrong_guess(self, party: str, at: float) -> None:
        with self._lock:
            count, _ = self._guesses.get(party, (0, 0.0))
            self._guesses[party] = (count + 1, at)

    def clear_wrong_guesses(self, party: str) -> None:
        with self._lock:
            self._guesses.pop(party, None)

    def sign_out(self, session_id: str, until: float, now: float) -> None:
        with self._lock:
            self._signed_out = {sid: end for sid, end in self._signed_out.items() if end > now}
            self._signed_out[session_id] = until

    def signed_out(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._signed_out

    def start_publishing(self, publishing: Publishing) -> None:
        self._publishing = publishing

    def end_publishing(self) -> None:
        self._publishing = None

    def publishing(self) -> Publishing | None:
        return self._publishing

    def record_change(self, change: LastChange) -> None:
        self._last = change

    def last_change(self) -> LastChange | None:
        return self._last


class SqlConsoleState(ConsoleState):
    """Kept in the database, so every replica of the console and a restarted one agree."""

    def __init__(self, db: Database | Path | str) -> None:
        """`db`: a database, or the path of an SQLite file (or ":memory:") this store opens for itself."""
        self._db = db if isinstance(db, Database) else SqliteDatabase(db)
        self._db.migrate(STORE, sqlite=MIGRATIONS, postgresql=POSTGRES_MIGRATIONS)

    def wrong_guesses(self, party: str) -> tuple[int, float]:
        row = self._db.row("SELECT guesses, at FROM console_guesses WHERE party = ?", (party,))
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def add_wrong_guess(self, party: str, at: float) -> None:
        # One statement, so guesses sent at once to two replicas are both counted.
        self._db.execute("INSERT INTO console_guesses VALUES (?, 1, ?) ON CONFLICT (party)"
                         " DO UPDATE SET guesses = console_guesses.guesses + 1, at = excluded.at", (party, at))

    def clear_wrong_guesses(self, party: str) -> None:
        self._db.execute("DELETE FROM console_guesses WHERE party = ?", (party,))

    def sign_out(self, session_id: str, until: float, now: float) -> None:
        with self._db.transaction() as session:
            session.execute("DELETE FROM console_signed_out WHERE until <= ?", (now,))
            session.execute("INSERT INTO console_signed_out VALUES (?, ?)"
                            " ON CONFLICT (session_id) DO UPDATE SET until = excluded.until", (session_id, until))

    def signed_out(self, session_id: str) -> bool:
        return self._db.row("SELECT 1 FROM console_signed_out WHERE session_id = ?", (session_id,)) is not None

    def _put(self, what: str, at: str, by: str, headline: str = "") -> None:
        self._db.execute("INSERT INTO console_reindex VALUES (?, ?, ?, ?) ON CONFLICT (what)"
                         " DO UPDATE SET at = excluded.at, by = excluded.by, headline = excluded.headline",
                         (what, at, by, headline))

    def _get(self, what: str) -> tuple[str, str, str] | None:
        row = self._db.row("SELECT at, by, headline FROM console_reindex WHERE what = ?", (what,))
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    def start_publishing(self, publishing: Publishing) -> None:
        self._put(_PUBLISHING, publishing.started, publishing.by)

    def end_publishing(self) -> None:
        self._db.execute("DELETE FROM console_reindex WHERE what = ?", (_PUBLISHING,))

    def publishing(self) -> Publishing | None:
        row = self._get(_PUBLISHING)
        return Publishing(row[0], row[1]) if row else None

    def record_change(self, change: LastChange) -> None:
        self._put(_LAST, change.finished, change.by, change.headline)

    def last_change(self) -> LastChange | None:
        row = self._get(_LAST)
        return LastChange(*row) if row else None

    def close(self) -> None:
        self._db.close()
