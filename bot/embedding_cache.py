"""Embeddings kept by model and text hash, so a reindex embeds only clauses whose text changed."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from bot.core.embedding import Embedder
from bot.migrations import migrate

STORE = "embedding_cache"
MIGRATIONS = ("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);",)


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


class CachedEmbedder:
    def __init__(self, embedder: Embedder, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._db = sqlite3.connect(str(path))
        migrate(self._db, STORE, MIGRATIONS)
        self.computed = 0

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        keys = [_key(self._embedder.name, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vectors = self._embedder.encode(missing, progress=progress)
            self.computed += len(missing)
            with self._db:
                for text, vector in zip(missing, vectors, strict=True):
                    key = _key(self._embedder.name, text)
                    found[key] = vector
                    self._db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?)", (key, vector.tobytes()))
        return np.stack([found[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._db.close()
