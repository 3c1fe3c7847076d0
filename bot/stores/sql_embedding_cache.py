"""Embeddings kept by model and text hash, so a reindex embeds only clauses whose text changed: in
the SQLite file beside the index, or with the other stores in PostgreSQL when replicas share one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from bot.core.embedding import Embedder
from bot.stores.database import Database, PostgresDatabase, SqliteDatabase
from bot.stores.embedding_cache import EmbeddingCache

STORE = "embedding_cache"
MIGRATIONS = ("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);",)
POSTGRES_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BYTEA NOT NULL);",)
_CHUNK = 500  # keys looked up per statement, well under either database's limit on parameters

CacheAt = Path | str  # the SQLite file, or the URL of a PostgreSQL database


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


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


class CachedEmbedder:
    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self._embedder = embedder
        self._cache = cache
        self.computed = 0

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        keys = [_key(self._embedder.name, t) for t in texts]
        found = self._cache.found(keys)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vectors = self._embedder.encode(missing, progress=progress)
            self.computed += len(missing)
            new = {_key(self._embedder.name, text): vector for text, vector in zip(missing, vectors, strict=True)}
            self._cache.keep(new)
            found.update(new)
        return np.stack([found[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._cache.close()
