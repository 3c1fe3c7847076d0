"""People ask in everyday words; councils write in their own. A small learned correction moves a
question's vector towards the wording of the clauses that answer questions put that way.

It only orders the clauses: whether the documents cover a question at all, and how near it is to a
corrected one, are still judged on the model's own vector, which abstention and corrections were
calibrated on (an uncovered question moved towards the documents would look covered).

The correction is a residual linear map, q + Aq made unit length again. `bench/train_tuning.py` fits A
on `bench/data/train/`: fictional councils' documents and chat-style questions about them, written for
training and never scored. One file per model in `bot/core/tuning/`; a model without one ranks with its
own vectors (the default, MiniLM with the councils' adapter, has the same teaching in its weights
instead). Clauses are embedded as they always were, so an index needs no rebuild when it changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TUNING_DIR = Path(__file__).parent / "tuning"


def tuning_file(model: str) -> Path:
    return TUNING_DIR / f"{model.replace('/', '_')}.npy"


class QuestionTuning:
    def __init__(self, matrix: np.ndarray | None) -> None:
        self._matrix = matrix

    @classmethod
    def for_model(cls, model: str) -> QuestionTuning:
        path = tuning_file(model)
        return cls(np.load(path).astype(np.float32) if path.is_file() else None)

    def __call__(self, vector: np.ndarray) -> np.ndarray | None:
        """The question's vector for ranking; None when the model has no tuning (rank with its own)."""
        if self._matrix is None:
            return None
        moved: np.ndarray = vector + self._matrix @ vector
        return np.asarray(moved / np.linalg.norm(moved), dtype=np.float32)
