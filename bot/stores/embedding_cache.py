"""Embeddings already computed, by model and text, so a reindex embeds only clauses whose text changed."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class EmbeddingCache(ABC):
    @abstractmethod
    def found(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The vectors kept under any of `keys` (float32), by key; keys never kept are left out."""

    @abstractmethod
    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep each vector under its key, replacing one kept before."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database."""
