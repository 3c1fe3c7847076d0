"""The default model is MiniLM with the councils' adapter shipped in the repository: made from the
installed MiniLM once, offline, and nearer than plain MiniLM to the wording councils answer in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core import model_weights
from bot.core.model_weights import DEFAULT_MODEL, MINILM, MINILM_COUNCILS, adapter_file, canonical_name, resolve
from bot.core.onnx_embedding import OnnxEmbedder
from bot.errors import ModelUnavailable
from bot.settings import Settings

# Everyday questions, the council wording that answers each, and a sentence that shares the question's words
# but does not answer it (written for this test, in no council's words).
ASKED = [
    ("can I use the office printer for my election leaflets?",
     "Council resources must not be used for party political purposes.",
     "The office printer is serviced every six months by the supplier."),
    ("the clerk keeps ignoring my emails, who do I go to?",
     "Concerns about an officer's conduct should be raised with the Chair of the Staffing Committee.",
     "Councillors should send emails to the clerk's council address."),
    ("someone offered me match tickets after I backed their planning application, ok to take them?",
     "Members must not accept any gift or hospitality that could be seen to influence their decisions.",
     "Planning applications are decided by the Planning Committee."),
    ("a resident is being rude about us on Facebook, should I reply?",
     "Do not engage in online arguments; refer abusive posts to the Clerk.",
     "The council's Facebook page is updated by the Clerk on weekdays."),
]


def test_the_default_model_is_minilm_with_the_councils_adapter() -> None:
    assert canonical_name("default") == DEFAULT_MODEL == MINILM_COUNCILS
    assert canonical_name("minilm") == MINILM  # plain MiniLM is still a setting
    assert adapter_file(MINILM_COUNCILS).is_file()


def test_the_adapted_model_is_made_once_and_then_found() -> None:
    cache = Settings().model_cache
    first = resolve(MINILM_COUNCILS, cache)
    made = (cache / MINILM_COUNCILS / "model.safetensors").stat().st_mtime_ns
    assert resolve(MINILM_COUNCILS, cache) == first
    assert (cache / MINILM_COUNCILS / "model.safetensors").stat().st_mtime_ns == made


def test_an_adapter_that_is_not_the_shipped_one_is_refused_before_anything_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_weights, "ADAPTER_DIR", tmp_path / "tuning")
    (tmp_path / "tuning").mkdir()
    adapter_file(MINILM_COUNCILS).write_bytes(b"refitted elsewhere")
    with pytest.raises(ModelUnavailable, match="needs a new model name"):
        resolve(MINILM_COUNCILS, tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_the_adapted_model_puts_everyday_questions_nearer_their_answers_than_plain_minilm() -> None:
    cache = Settings().model_cache

    def leads(model: str) -> np.ndarray:
        """For each question, how much nearer its answer is than the sentence that only shares its words."""
        vectors = OnnxEmbedder(model, cache).encode([text for triple in ASKED for text in triple]).reshape(len(ASKED), 3, -1)
        return np.einsum("nd,nd->n", vectors[:, 0], vectors[:, 1]) - np.einsum("nd,nd->n", vectors[:, 0], vectors[:, 2])

    plain, adapted = leads(MINILM), leads(MINILM_COUNCILS)
    assert (adapted > plain).sum() >= len(ASKED) - 1
    assert adapted.mean() > plain.mean()
