"""One index build at a time across everything serving one PROTOCOL_BOT_HOME: a second build asked
for meanwhile is told so at once rather than queueing behind the first (whose version it would only
replace). In one process a lock is enough; replicas sharing a PostgreSQL database hold an advisory
lock there, which the server lets go of when the holder's connection ends, however it ends."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg

from bot.stores.database import advisory_key

_KEY = advisory_key("index build")


class BuildLock(ABC):
    @abstractmethod
    def hold(self) -> AbstractContextManager[bool]:
        """Take the lock for one build without waiting: True inside the block when taken, False
        (and nothing held) when another build has it."""

    @abstractmethod
    def busy(self) -> bool:
        """Whether a build holds the lock now, in this process or (sharing PostgreSQL) another replica."""


class LocalBuildLock(BuildLock):
    """For one process (the embedded default); builds of other processes on the same machine still
    queue on the index folder's file lock (bot/index_store.py)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[bool]:
        taken = self._lock.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                self._lock.release()

    def busy(self) -> bool:
        return self._lock.locked()


class PostgresBuildLock(BuildLock):
    """For replicas sharing the PostgreSQL database at `url`: its own connection for each build, so a
    replica that dies mid-build frees the lock with it."""

    def __init__(self, url: str) -> None:
        self._url = url

    @contextmanager
    def hold(self) -> Iterator[bool]:
        with psycopg.connect(self._url, autocommit=True) as connection:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (_KEY,)).fetchone()
            taken = bool(row and row[0])
            try:
                yield taken
            finally:
                # let go before closing: the server ends a closed connection's session a moment later, and a
                # build asked for at once (the next publish) must not find the lock still held
                if taken and not connection.closed:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (_KEY,))

    def busy(self) -> bool:
        # Read from pg_locks rather than tried: taking the lock to test it could turn a build away meanwhile.
        # A bigint key is held as classid (high half) and objid (low half), objsubid 1.
        with psycopg.connect(self._url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid::text::bigint = %s AND objid::text::bigint = %s)",
                (_KEY >> 32, _KEY & 0xFFFFFFFF)).fetchone()
        return bool(row and row[0])


def build_lock(database_url: str | None) -> BuildLock:
    return PostgresBuildLock(database_url) if database_url else LocalBuildLock()
