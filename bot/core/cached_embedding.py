"""An embedder that first looks in the embedding cache, so a reindex embeds only texts it has not seen
with this model."""

from __future__ import annotations

import hashlib

import numpy as np

from bot.core.embedding import Embedder
from bot.stores.embedding_cache import EmbeddingCache


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


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
