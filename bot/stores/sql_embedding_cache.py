"""Embeddings kept by model and text hash, so a reindex embeds only clauses whose text changed: in
the SQLite file beside the index, or with the other stores in PostgreSQL when replicas share one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.stores.database import Database, PostgresDatabase, SqliteDatabase
from bot.stores.embedding_cache import EmbeddingCache

STORE = "embedding_cache"
MIGRATIONS = ("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);",)
POSTGRES_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BYTEA NOT NULL);",)
_CHUNK = 500  # keys looked up per statement, well under either database's limit on parameters

CacheAt = Path | str  # the SQLite file, or the URL of a PostgreSQL database


class SqlEmbeddingCache(EmbeddingCache):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._db.migrate(STORE, sqlite=MIGRATIONS, postgresql=POSTGRES_MIGRATIONS)

    def found(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.rows(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(bytes(blob), dtype=np.float32)
        return found

    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db.transaction() as session:
            for key, vector in vectors.items():
                session.execute("INSERT INTO vectors VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET vector = excluded.vector",
                                (key, np.asarray(vector, dtype=np.float32).tobytes()))

    def close(self) -> None:
        self._db.close()


def open_cache(at: CacheAt) -> EmbeddingCache:
    # The file is opened as it always was (no WAL): one build at a time writes it, and it may sit on a shared volume.
    if isinstance(at, str) and at.startswith(("postgresql://", "postgres://")):
        return SqlEmbeddingCache(PostgresDatabase(at))
    return SqlEmbeddingCache(SqliteDatabase(at, wal=False))
