"""The embedder port and its sentence-transformers implementation.

torch and sentence-transformers are imported inside `SentenceTransformerEmbedder` only, so
`--help`, the adapters and the tests that use a fake embedder start in well under a second.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from bot import messages
from bot.core.model_weights import canonical_name, resolve
from bot.errors import ModelUnavailable


class Embedder(ABC):
    name: str

    @abstractmethod
    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def encode_one(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode([text])[0]
        return vector


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model: str, cache: Path, *, threads: int = 1) -> None:
        self.name = canonical_name(model)
        self._setting = model
        self._cache = cache
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                location = resolve(self._setting, self._cache)
                if Path(location).is_dir():
                    # A local folder must never trigger a hub lookup, which hangs without a network.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                # A weights-loading bar on every start is noise in chat logs and terminal answers.
                transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                # One thread keeps a query's latency steady when another process wants the CPU;
                # with torch's default (all cores) p95 jumps by an order of magnitude under contention.
                torch.set_num_threads(self._threads)
                try:
                    self._model = SentenceTransformer(location, device="cpu")
                except OSError as exc:
                    raise ModelUnavailable(messages.MODEL_MISSING.format(model=self.name, detail=exc)) from exc
            return self._model

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
