"""Where the stores keep their tables: an embedded SQLite file (the default: nothing to set up) or a
PostgreSQL server that replicas share (PROTOCOL_BOT_DATABASE_URL).

A store writes its SQL once, with `?` for parameters, and chooses by `dialect` only where the two
differ (DDL, dates). Every value passes through `storable` on the way in, so half an emoji from a
platform is kept as U+FFFD on both; PostgreSQL, which cannot hold a NUL in text either, gets U+FFFD for it too.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bot import messages
from bot.errors import DatabaseUnavailable
from bot.question import storable
from bot.stores import migrations

Row = tuple[Any, ...]
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
POOL_SIZE = 8  # connections a replica keeps open at most: more than the chat workers that write at once
CONNECT_SECONDS = 10  # how long start-up waits for the database before saying it cannot be reached


def advisory_key(name: str) -> int:
    """The number PostgreSQL's advisory locks know `name` by (stable across processes and versions)."""
    return zlib.crc32(f"protocol-bot:{name}".encode())


class Session:
    """Statements run inside one transaction."""

    def __init__(self, run: Callable[[str, Sequence[Any]], Any], clean: Callable[[Any], Any] = lambda value: value) -> None:
        self._run = run
        self._clean = clean

    def _cursor(self, sql: str, args: Sequence[Any]) -> Any:
        return self._run(sql, tuple(self._clean(value) for value in storable(tuple(args))))

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        return int(self._cursor(sql, args).rowcount)

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in self._cursor(sql, args).fetchall()]

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        rows = self.rows(sql, args)  # fetched to the end, so SQLite has finished the statement before COMMIT
        return rows[0] if rows else None


class Database(ABC):
    """Thread-safe: the chat adapters' worker threads share one."""

    dialect: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Session]:
        """Statements that take effect together, or not at all when the block raises."""

    @abstractmethod
    def migrate(self, store: str, *, sqlite: Sequence[str], postgresql: Sequence[str]) -> None:
        """Bring `store`'s tables up to date with its numbered steps for this database's dialect."""

    @abstractmethod
    def applied(self, store: str) -> list[int]:
        """The numbers of the steps recorded for `store`, in order."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the connections; closing twice is harmless (stores sharing one each close it)."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        with self.transaction() as session:
            return session.execute(sql, args)

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as session:
            return session.rows(sql, args)

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        with self.transaction() as session:
            return session.row(sql, args)


class SqliteDatabase(Database):
    """One file (or ":memory:"), in WAL mode unless `wal` is False, so a second process serving the
    same app can read while one writes."""

    dialect = SQLITE

    def __init__(self, path: Path | str, *, wal: bool = True) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        if wal:
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
        self._closed = False

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._lock, self._db:
            yield Session(self._db.execute)

    def migrate(self, store: str, *, sqlite: Sequence[str], postgresql: Sequence[str]) -> None:
        with self._lock:
            migrations.migrate(self._db, store, sqlite)

    def applied(self, store: str) -> list[int]:
        with self._lock:
            return migrations.applied(self._db, store)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._db.close()
                self._closed = True


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database, which every replica of the bot opens."""

    dialect = POSTGRESQL

    def __init__(self, url: str) -> None:
        # Tried once first, so a wrong address or a server that is down stops start-up with the server's reason
        # (which names the host and user, never the password), not the pool's timeout.
        try:
            psycopg.connect(url, connect_timeout=CONNECT_SECONDS).close()
        except psycopg.Error as error:
            raise DatabaseUnavailable(messages.DATABASE_UNREACHABLE.format(reason=" ".join(str(error).split()))) from error
        # Each connection is checked as it is taken, so one the server dropped (a restart, a failover) is
        # replaced instead of failing the message that drew it.
        self._pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=True, check=ConnectionPool.check_connection)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._pool.connection() as connection:  # commits when the block ends, rolls back when it raises
            yield Session(lambda sql, args: connection.execute(sql.replace("?", "%s"), args), _no_nul)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of the pool for the caller alone, for locks held across transactions."""
        with self._pool.connection() as connection:
            yield connection

    def migrate(self, store: str, *, sqlite: Sequence[str], postgresql: Sequence[str]) -> None:
        with self._pool.connection() as connection:
            migrations.migrate_postgres(connection, store, postgresql, lock=advisory_key("schema_migrations"))

    def applied(self, store: str) -> list[int]:
        with self._pool.connection() as connection:
            return migrations.applied_postgres(connection, store)

    def close(self) -> None:
        self._pool.close()


def open_database(url: str | None, sqlite_path: Path) -> Database:
    """PostgreSQL at `url` when one is set, else the embedded SQLite file."""
    return PostgresDatabase(url) if url else SqliteDatabase(sqlite_path)
