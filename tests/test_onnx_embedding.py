"""The model through ONNX Runtime: the same vectors as sentence-transformers, and no torch when answering."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from bot.core.embedding import SentenceTransformerEmbedder
from bot.core.model_weights import DEFAULT_MODEL, MINILM
from bot.core.onnx_embedding import OnnxEmbedder, export
from bot.settings import PROJECT_ROOT, Settings

TEXTS = ["Can I copy this email to another councillor?", "hi",
         "Officers must not be asked to canvass for a political party. " * 40]  # longer than the model reads


def test_onnx_vectors_are_the_sentence_transformers_vectors() -> None:
    cache = Settings().model_cache
    onnx = OnnxEmbedder(MINILM, cache).encode(TEXTS)
    torch = SentenceTransformerEmbedder(MINILM, cache).encode(TEXTS)
    assert onnx.shape == torch.shape and onnx.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert (onnx * torch).sum(axis=1).min() > 0.9999


def test_answering_from_an_existing_export_never_imports_torch() -> None:
    export(DEFAULT_MODEL, Settings().model_cache)  # made once, as the first index build does
    probe = ("import sys; from bot.bootstrap import embedder; from bot.settings import Settings; "
             "embedder(Settings()).encode(['can I copy an email?']); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
